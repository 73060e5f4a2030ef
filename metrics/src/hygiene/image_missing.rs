//! Samples referencing image files that are missing (with `--image-root`), fed by the
//! image stage ([`crate::images::files`]).

use super::{Check, ImageFileCheck};
use crate::images::files::{ImageStatus, StageFed};
use crate::registry::{AnalysisConfig, Direction, Metric, MetricDoc, MetricSpec, Provenance};

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

/// The check's state: a [`ImageFileCheck`] selecting missing files.
pub(crate) fn new(c: &AnalysisConfig) -> ImageFileCheck {
    ImageFileCheck::new(
        Check::new(
            "hygiene.image_missing.count",
            "hygiene.image_missing.rate",
            "Samples referencing missing image files",
            c,
        ),
        "missing",
        |f| match &f.status {
            ImageStatus::Missing => Some(f.reference.clone()),
            _ => None,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::images::files::any_checked;
    use crate::images::files::testing::{fake_facts, records, Fed};
    use crate::test_records::{assert_merges, outputs};

    fn run() -> Box<dyn Metric> {
        Box::new(Fed(new(&AnalysisConfig::default())))
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
