//! Records whose answer came as a list of reference answers (task collections such as
//! Super-NaturalInstructions give 1-5 per instance). The first is the record's response;
//! these metrics say how many there were, so no answer is silently ignored.

use crate::record::Record;
use crate::registry::{
    merged, AnalysisConfig, Direction, Metric, MetricDoc, MetricSpec, Provenance,
};
use crate::result::Outputs;
use serde::{Deserialize, Serialize};

pub const SPEC: MetricSpec = MetricSpec {
    module: module_path!(),
    family: "references",
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
        d("references.records", "Records whose answer column held a list of reference answers. The first reference is the record's response (what response metrics use); the others are counted here, not analysed. Absent when no record had such a list."),
        d("references.rate", "Share of records whose answer was a list of reference answers."),
        d("references.mean", "Mean number of reference answers per record that had a list."),
        d("references.max", "Most reference answers any one record had."),
    ]
}

fn make(_: &AnalysisConfig) -> Box<dyn Metric> {
    Box::new(References::default())
}

#[derive(Default, Serialize, Deserialize)]
struct References {
    n: u64,
    with: u64,
    total: u64,
    max: u64,
}

impl Metric for References {
    fn observe(&mut self, r: &Record) {
        self.n += 1;
        if r.references > 0 {
            self.with += 1;
            self.total += r.references as u64;
            self.max = self.max.max(r.references as u64);
        }
    }

    fn merge(&mut self, other: Box<dyn Metric>) {
        let o: References = merged(other);
        self.n += o.n;
        self.with += o.with;
        self.total += o.total;
        self.max = self.max.max(o.max);
    }

    crate::whole_state!();

    fn finish(self: Box<Self>, out: &mut Outputs) {
        if self.with == 0 {
            return;
        }
        out.set("references.records", self.with as f64);
        out.set_rate("references.rate", self.with, self.n);
        out.set("references.mean", self.total as f64 / self.with as f64);
        out.set("references.max", self.max as f64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_records::{outputs, record};

    #[test]
    fn counts_reference_lists() {
        let records: Vec<Record> = [0usize, 3, 1, 0]
            .iter()
            .enumerate()
            .map(|(i, refs)| {
                let mut r = record(i as u64, &[]);
                r.references = *refs;
                r
            })
            .collect();
        let out = outputs(make(&AnalysisConfig::default()), &records);
        assert_eq!(out.metrics["references.records"], 2.0);
        assert_eq!(out.metrics["references.rate"], 0.5);
        assert_eq!(out.metrics["references.mean"], 2.0);
        assert_eq!(out.metrics["references.max"], 3.0);
    }

    #[test]
    fn merges_like_one_pass() {
        let records: Vec<Record> = (0..30u64)
            .map(|i| {
                let mut r = record(i, &[]);
                r.references = [0usize, 2, 5, 0, 1, 3][(i % 6) as usize];
                r
            })
            .collect();
        crate::test_records::assert_merges(|| make(&AnalysisConfig::default()), &records);
    }
}
