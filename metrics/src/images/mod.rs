//! Image and video references per sample (vision-language data).

pub mod files;

use crate::examples::ExampleSink;
use crate::record::Record;
use crate::registry::{AnalysisConfig, Direction, Metric, MetricDoc, MetricSpec, Provenance};
use crate::result::Outputs;
use crate::stats::{rate, IntDist};

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
        d("videos.sample_rate", "Share of samples that reference at least one video.", Neutral),
    ]
}

fn make(c: &AnalysisConfig) -> Box<dyn Metric> {
    Box::new(Images {
        per_sample: IntDist::default(),
        videos: 0,
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

struct Images {
    per_sample: IntDist,
    videos: u64,
    visual: u64,
    mismatched: u64,
    examples: ExampleSink,
}

impl Metric for Images {
    fn observe(&mut self, r: &Record) {
        let images = r.images.len() as u64;
        self.per_sample.add(images);
        self.videos += u64::from(!r.videos.is_empty());
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
                self.examples.push(
                    r,
                    r.instruction().unwrap_or(""),
                    Some(format!("{tokens} <image> tokens, {images} images")),
                );
            }
        }
    }

    fn finish(self: Box<Self>, out: &mut Outputs) {
        let n = self.per_sample.len();
        let with_images = n - self.per_sample.count_of(0);
        out.set("images.sample_rate", rate(with_images, n));
        out.set("videos.sample_rate", rate(self.videos, n));
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
