//! Resolution of the referenced image files that decode (with `--image-root`), fed by
//! the image stage ([`crate::images::files`]).

use crate::images::files::{ImageFact, ImageMetric, ImageStatus, StageFed};
use crate::record::Record;
use crate::registry::{AnalysisConfig, Direction, Metric, MetricDoc, MetricSpec, Provenance};
use crate::result::Outputs;
use crate::stats::IntDist;
use std::collections::HashMap;

pub const SPEC: MetricSpec = MetricSpec {
    module: module_path!(),
    family: "images.resolution",
    docs,
    make,
};

fn docs() -> Vec<MetricDoc> {
    let d = |id, definition| MetricDoc {
        id,
        definition,
        direction: Direction::Neutral,
        provenance: Provenance::Basic,
    };
    vec![
        d("images.resolution.<side>.<stat>", "Pixel width or height (side: width, height, short_side) of the distinct images that decode; stat is mean, median, p5, p95, min or max."),
        d("images.resolution.megapixels.mean", "Mean megapixels (width × height / 10^6) of the distinct images that decode."),
    ]
}

fn make(_: &AnalysisConfig) -> Box<dyn Metric> {
    Box::new(StageFed)
}

/// Sizes of the distinct images that decode, by reference key: each file counts once
/// however many samples use it, and merging is a union.
#[derive(Default)]
pub struct Resolution {
    sizes: HashMap<u64, (u32, u32)>,
}

impl ImageMetric for Resolution {
    fn merge_box(&mut self, other: Box<dyn crate::images::files::ImageMetric>) {
        self.merge(crate::images::files::merged_image::<Self>(other));
    }
    fn observe(&mut self, _: &Record, facts: &[ImageFact]) {
        for f in facts {
            if let ImageStatus::Ok { width, height } = f.status {
                self.sizes.insert(f.key(), (width, height));
            }
        }
    }

    fn merge(&mut self, other: Self) {
        self.sizes.extend(other.sizes);
    }

    /// The sizes by key, sorted so the same state saves the same bytes.
    fn save(&self) -> Result<Vec<u8>, String> {
        let mut sizes: Vec<(u64, (u32, u32))> = self.sizes.iter().map(|(k, s)| (*k, *s)).collect();
        sizes.sort_unstable();
        crate::state::encode(&sizes)
    }

    fn load(&mut self, saved: &[u8]) -> Result<(), String> {
        let sizes: Vec<(u64, (u32, u32))> = crate::state::decode(saved)?;
        self.sizes = sizes.into_iter().collect();
        Ok(())
    }

    fn finish(self: Box<Self>, out: &mut Outputs) {
        let (mut width, mut height, mut short_side) =
            (IntDist::default(), IntDist::default(), IntDist::default());
        // Integer pixel counts: the sum is exact, so the map's order does not matter.
        let mut pixels: u128 = 0;
        for &(w, h) in self.sizes.values() {
            width.add(u64::from(w));
            height.add(u64::from(h));
            short_side.add(u64::from(w.min(h)));
            pixels += u128::from(w) * u128::from(h);
        }
        width.write_summary("images.resolution.width", out);
        height.write_summary("images.resolution.height", out);
        short_side.write_summary("images.resolution.short_side", out);
        let ok = self.sizes.len();
        if ok > 0 {
            out.set(
                "images.resolution.megapixels.mean",
                pixels as f64 / ok as f64 / 1e6,
            );
            out.distributions.push(short_side.log_histogram(
                "images.resolution.short_side",
                "Image resolution (shorter side, pixels)",
                "pixels",
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::images::files::testing::{fake_facts, records, Fed};
    use crate::record::Role;
    use crate::test_records::{assert_merges, outputs, record};

    #[test]
    fn each_file_counts_once() {
        let mut a = record(0, &[(Role::User, "<image>")]);
        a.images = vec!["a.png".into(), "missing.png".into()];
        let mut b = record(1, &[(Role::User, "<image>")]);
        b.images = vec!["a.png".into()];
        let ImageStatus::Ok { width, height } = fake_facts(&a)[0].status else {
            panic!("a.png decodes")
        };
        let out = outputs(Box::new(Fed(Resolution::default())), &[a, b]);
        assert_eq!(
            out.get("images.resolution.width.mean"),
            Some(f64::from(width))
        );
        assert_eq!(
            out.get("images.resolution.short_side.max"),
            Some(f64::from(width.min(height)))
        );
        assert_eq!(
            out.get("images.resolution.megapixels.mean"),
            Some(f64::from(width) * f64::from(height) / 1e6)
        );
    }

    #[test]
    fn merges_like_one_pass() {
        assert_merges(|| Box::new(Fed(Resolution::default())), &records());
    }
}
