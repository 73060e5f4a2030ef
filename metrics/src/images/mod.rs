//! Image references per sample (vision-language data); videos are [`crate::videos`].

pub mod duplicate;
pub mod files;
pub mod resolution;

use crate::examples::ExampleSink;
use crate::record::Record;
use crate::registry::{
    merged, AnalysisConfig, Direction, Metric, MetricDoc, MetricSpec, Provenance,
};
use crate::result::Outputs;
use crate::stats::{rate, IntDist};
use serde::{Deserialize, Serialize};

pub const SPEC: MetricSpec = MetricSpec {
    module: module_path!(),
    family: "images",
    docs,
    make,
};

fn docs() -> Vec<MetricDoc> {
    use Direction::*;
    let d = |id, definition, direction| MetricDoc {
        id,
        definition,
        direction,
        provenance: Provenance::Basic,
    };
    vec![
        d("images.sample_rate", "Share of samples that reference at least one image.", Neutral),
        d("images.per_sample.mean", "Mean image references per sample, over all samples.", Neutral),
        d("images.per_sample.max", "Most image references in one sample.", Neutral),
        d("images.token_mismatch_rate", "Share of samples that have images or `<image>` tokens where the number of `<image>` tokens in the text differs from the number of images (LLaVA convention: one token per image).", LowerIsBetter),
    ]
}

fn make(c: &AnalysisConfig) -> Box<dyn Metric> {
    Box::new(Images {
        per_sample: IntDist::default(),
        visual: 0,
        mismatched: 0,
        examples: ExampleSink::new(
            "images.token_mismatch_rate",
            "<image> tokens that do not match the image count",
            c.max_examples,
            c.example_chars,
        ),
    })
}

#[derive(Serialize, Deserialize)]
struct Images {
    per_sample: IntDist,
    visual: u64,
    mismatched: u64,
    examples: ExampleSink,
}

impl Metric for Images {
    fn observe(&mut self, r: &Record) {
        let images = r.images.len() as u64;
        self.per_sample.add(images);
        let tokens: usize = r
            .conversation()
            .map(|t| t.text.matches("<image>").count())
            .sum::<usize>()
            + r.system
                .as_deref()
                .map_or(0, |s| s.matches("<image>").count());
        if images > 0 || tokens > 0 {
            self.visual += 1;
            if tokens as u64 != images {
                self.mismatched += 1;
            }
            if tokens as u64 != images && self.examples.wants(r) {
                self.examples.push(
                    r,
                    r.instruction().unwrap_or(""),
                    Some(format!("{tokens} <image> tokens, {images} images")),
                );
            }
        }
    }

    fn merge(&mut self, other: Box<dyn Metric>) {
        let o: Images = merged(other);
        self.per_sample.merge(&o.per_sample);
        self.visual += o.visual;
        self.mismatched += o.mismatched;
        self.examples.merge(o.examples);
    }

    crate::whole_state!();

    fn finish(self: Box<Self>, out: &mut Outputs) {
        let n = self.per_sample.len();
        let with_images = n - self.per_sample.count_of(0);
        out.set("images.sample_rate", rate(with_images, n));
        if with_images > 0 || self.visual > 0 {
            out.set(
                "images.per_sample.mean",
                self.per_sample.mean().unwrap_or(0.0),
            );
            out.set(
                "images.per_sample.max",
                self.per_sample.max().unwrap_or(0) as f64,
            );
            out.set(
                "images.token_mismatch_rate",
                rate(self.mismatched, self.visual),
            );
            out.examples.extend(self.examples.into_group());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Role;
    use crate::test_records::{assert_merges, outputs, record};

    fn records() -> Vec<Record> {
        (0..30u64)
            .map(|i| {
                let text = [
                    "<image>\nWhat is this?",
                    "Describe it.",
                    "<image><image> Compare.",
                ];
                let mut r = record(
                    i,
                    &[
                        (Role::User, text[(i % 3) as usize]),
                        (Role::Assistant, "ok"),
                    ],
                );
                r.images = (0..i % 4).map(|k| format!("{i}_{k}.png")).collect();
                r
            })
            .collect()
    }

    #[test]
    fn counts_images_and_token_mismatches() {
        let out = outputs(make(&AnalysisConfig::default()), &records()[..4]);
        // 0..4 images against 1, 0, 2, 1 tokens: only the sample with 2 and 2 matches.
        assert_eq!(out.get("images.sample_rate"), Some(0.75));
        assert_eq!(out.get("images.per_sample.max"), Some(3.0));
        assert_eq!(out.get("images.token_mismatch_rate"), Some(0.75));
    }

    #[test]
    fn merges_like_one_pass() {
        assert_merges(|| make(&AnalysisConfig::default()), &records());
    }
}
