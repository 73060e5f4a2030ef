//! Samples referencing image files that are missing (with `--image-root`), fed by the
//! image stage ([`crate::images::files`]).

use crate::examples::ExampleSink;
use crate::images::files::{any_checked, ImageFact, ImageMetric, ImageStatus, StageFed};
use crate::record::Record;
use crate::registry::{AnalysisConfig, Direction, Metric, MetricDoc, MetricSpec, Provenance};
use crate::result::Outputs;
use crate::stats::rate;

pub const SPEC: MetricSpec = MetricSpec {
    module: module_path!(),
    family: "hygiene.image_missing",
    docs,
    make,
};

fn docs() -> Vec<MetricDoc> {
    let d = |id, definition| MetricDoc {
        id,
        definition,
        direction: Direction::LowerIsBetter,
        provenance: Provenance::Basic,
    };
    vec![
        d(
            "hygiene.image_missing.count",
            "Samples referencing at least one missing image file (with --image-root).",
        ),
        d(
            "hygiene.image_missing.rate",
            "hygiene.image_missing.count / samples with at least one checked image reference.",
        ),
    ]
}

fn make(_: &AnalysisConfig) -> Box<dyn Metric> {
    Box::new(StageFed)
}

pub struct MissingImages {
    /// Samples with at least one image reference that was looked up.
    samples: u64,
    hit: u64,
    examples: ExampleSink,
}

impl MissingImages {
    pub fn new(c: &AnalysisConfig) -> Self {
        MissingImages {
            samples: 0,
            hit: 0,
            examples: ExampleSink::new(
                "hygiene.image_missing.count",
                "Samples referencing missing image files",
                c.max_examples,
                c.example_chars,
            ),
        }
    }
}

impl ImageMetric for MissingImages {
    fn observe(&mut self, r: &Record, facts: &[ImageFact]) {
        if !any_checked(facts) {
            return;
        }
        self.samples += 1;
        let found: Vec<String> = facts
            .iter()
            .filter_map(|f| match &f.status {
                ImageStatus::Missing => Some(f.reference.clone()),
                _ => None,
            })
            .collect();
        if found.is_empty() {
            return;
        }
        self.hit += 1;
        if self.examples.wants(r) {
            self.examples.push(
                r,
                r.instruction().unwrap_or(""),
                Some(format!("missing: {}", found.join(", "))),
            );
        }
    }

    fn merge(&mut self, other: Self) {
        self.samples += other.samples;
        self.hit += other.hit;
        self.examples.merge(other.examples);
    }

    fn finish(self: Box<Self>, out: &mut Outputs) {
        if self.samples > 0 {
            out.set("hygiene.image_missing.count", self.hit as f64);
            out.set("hygiene.image_missing.rate", rate(self.hit, self.samples));
        }
        out.examples.extend(self.examples.into_group());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::images::files::testing::{fake_facts, records, Fed};
    use crate::test_records::{assert_merges, outputs};

    fn run() -> Box<dyn Metric> {
        Box::new(Fed(MissingImages::new(&AnalysisConfig::default())))
    }

    #[test]
    fn counts_samples_among_those_with_checked_images() {
        let rs = records();
        let out = outputs(run(), &rs);
        let facts: Vec<_> = rs.iter().map(fake_facts).collect();
        let checked = facts.iter().filter(|f| any_checked(f)).count();
        let hit = facts
            .iter()
            .filter(|f| f.iter().any(|f| f.reference.starts_with("missing")))
            .count();
        assert!(hit > 5 && checked > hit);
        assert_eq!(out.get("hygiene.image_missing.count"), Some(hit as f64));
        assert_eq!(
            out.get("hygiene.image_missing.rate"),
            Some(hit as f64 / checked as f64)
        );
        assert_eq!(out.examples[0].examples.len(), 5);
    }

    #[test]
    fn merges_like_one_pass() {
        assert_merges(run, &records());
    }
}
