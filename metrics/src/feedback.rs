//! Basic facts of feedback (KTO) data: one conversation plus a desirable/undesirable label.

use crate::record::Record;
use crate::registry::{
    merged, AnalysisConfig, Direction, Metric, MetricDoc, MetricSpec, Provenance,
};
use crate::result::Outputs;
use crate::stats::rate;
use serde::{Deserialize, Serialize};

pub const SPEC: MetricSpec = MetricSpec {
    module: module_path!(),
    family: "feedback",
    docs,
    make,
};

fn docs() -> Vec<MetricDoc> {
    vec![MetricDoc {
        id: "feedback.desirable_rate",
        definition: "Share of feedback (KTO) samples labelled desirable.",
        direction: Direction::Neutral,
        provenance: Provenance::Basic,
    }]
}

fn make(_: &AnalysisConfig) -> Box<dyn Metric> {
    Box::new(Feedback::default())
}

#[derive(Default, Serialize, Deserialize)]
struct Feedback {
    labelled: u64,
    desirable: u64,
}

impl Metric for Feedback {
    fn observe(&mut self, r: &Record) {
        if let Some(label) = r.label {
            self.labelled += 1;
            self.desirable += u64::from(label);
        }
    }

    fn merge(&mut self, other: Box<dyn Metric>) {
        let o: Feedback = merged(other);
        self.labelled += o.labelled;
        self.desirable += o.desirable;
    }

    crate::whole_state!();

    fn finish(self: Box<Self>, out: &mut Outputs) {
        if self.labelled > 0 {
            out.set(
                "feedback.desirable_rate",
                rate(self.desirable, self.labelled),
            );
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
                let mut r = record(i, &[(Role::User, "q"), (Role::Assistant, "a")]);
                r.label = (i % 4 != 0).then_some(i % 3 == 0);
                r
            })
            .collect()
    }

    #[test]
    fn rate_is_over_labelled_samples() {
        let rs = records();
        let out = outputs(make(&AnalysisConfig::default()), &rs);
        let labelled: Vec<bool> = rs.iter().filter_map(|r| r.label).collect();
        let desirable = labelled.iter().filter(|l| **l).count();
        assert_eq!(
            out.get("feedback.desirable_rate"),
            Some(desirable as f64 / labelled.len() as f64)
        );
        let none = outputs(make(&AnalysisConfig::default()), &rs[..0]);
        assert!(none.get("feedback.desirable_rate").is_none());
    }

    #[test]
    fn merges_like_one_pass() {
        assert_merges(|| make(&AnalysisConfig::default()), &records());
    }
}
