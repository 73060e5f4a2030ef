//! How many records were read, analysed and skipped, and of which kind.

use crate::record::{Kind, Record};
use crate::registry::{
    merged, AnalysisConfig, Direction, Metric, MetricDoc, MetricSpec, Provenance, Skip,
};
use crate::result::Outputs;
use crate::stats::rate;
use serde::{Deserialize, Serialize};

pub const SPEC: MetricSpec = MetricSpec {
    module: module_path!(),
    family: "records",
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
        d("records.total", "Records read: analysed plus skipped.", Neutral),
        d("records.analyzed", "Records that became canonical records and were analysed.", Neutral),
        d("records.skipped", "Records the loader could not use (malformed, wrong type, empty conversation, ...). The report lists each with its location and reason.", LowerIsBetter),
        d("records.skipped_rate", "records.skipped / records.total.", LowerIsBetter),
        d("records.with_response", "Analysed records with a response: a final assistant turn (the chosen side's for preference data), empty or not. Prompt-only records (user turns only, as in RL prompt sets and evaluation sets) have none. When no record has one, every metric that needs a response is reported as not measured (\"the data has no responses\"); otherwise response metrics are computed over these records.", Neutral),
        d("records.with_response_rate", "records.with_response / records.analyzed.", Neutral),
        d("records.kind.<kind>.count", "Analysed records of each kind: demonstration (one conversation), preference (chosen/rejected pair) or feedback (KTO: one conversation plus a desirable/undesirable label).", Neutral),
    ]
}

fn make(_: &AnalysisConfig) -> Box<dyn Metric> {
    Box::new(Counts::default())
}

#[derive(Default, Serialize, Deserialize)]
struct Counts {
    analyzed: u64,
    skipped: u64,
    with_response: u64,
    kinds: [u64; 3],
}

impl Metric for Counts {
    fn observe(&mut self, r: &Record) {
        self.analyzed += 1;
        self.with_response += u64::from(r.response().is_some());
        self.kinds[match r.kind() {
            Kind::Demonstration => 0,
            Kind::Preference => 1,
            Kind::Feedback => 2,
        }] += 1;
    }

    fn observe_skip(&mut self, _: &Skip) {
        self.skipped += 1;
    }

    fn merge(&mut self, other: Box<dyn Metric>) {
        let o: Counts = merged(other);
        self.analyzed += o.analyzed;
        self.skipped += o.skipped;
        self.with_response += o.with_response;
        for (a, b) in self.kinds.iter_mut().zip(o.kinds) {
            *a += b;
        }
    }

    crate::whole_state!();

    fn finish(self: Box<Self>, out: &mut Outputs) {
        let total = self.analyzed + self.skipped;
        out.set("records.total", total as f64);
        out.set("records.analyzed", self.analyzed as f64);
        out.set("records.skipped", self.skipped as f64);
        out.set("records.skipped_rate", rate(self.skipped, total));
        out.set("records.with_response", self.with_response as f64);
        out.set_rate(
            "records.with_response_rate",
            self.with_response,
            self.analyzed,
        );
        for (name, n) in ["demonstration", "preference", "feedback"]
            .iter()
            .zip(self.kinds)
        {
            if n > 0 {
                out.set(format!("records.kind.{name}.count"), n as f64);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Role;

    use crate::test_records::record as rec;

    #[test]
    fn counts_records_with_a_response() {
        use Role::*;
        let mut m = make(&AnalysisConfig::default());
        m.observe(&rec(0, &[(User, "q"), (Assistant, "a")]));
        m.observe(&rec(1, &[(User, "q"), (User, "and then?")]));
        m.observe(&rec(2, &[(User, "q"), (Assistant, "")]));
        m.observe(&rec(3, &[(User, "q")]));
        let mut out = Outputs::default();
        m.finish(&mut out);
        // An empty final assistant turn is a response (an empty one, see empty.response).
        assert_eq!(out.get("records.with_response"), Some(2.0));
        assert_eq!(out.get("records.with_response_rate"), Some(0.5));
        assert!(out.intervals.contains_key("records.with_response_rate"));
    }

    #[test]
    fn merges_like_one_pass() {
        use crate::record::{Preference, Turn};
        use Role::*;
        let records: Vec<Record> = (0..30)
            .map(|i| {
                let mut r = match i % 4 {
                    0 => rec(i, &[(User, "q")]),
                    1 => rec(i, &[(User, "q"), (Assistant, "")]),
                    _ => rec(i, &[(User, "q"), (Assistant, "a")]),
                };
                if i % 5 == 0 {
                    r.label = Some(i % 2 == 0);
                }
                if i % 7 == 0 {
                    r.preference = Some(Preference {
                        chosen: vec![Turn::new(Assistant, "c")],
                        rejected: vec![],
                    });
                }
                r
            })
            .collect();
        crate::test_records::assert_merges(|| make(&AnalysisConfig::default()), &records);
    }

    #[test]
    fn prompt_only_data_has_no_response() {
        let mut m = make(&AnalysisConfig::default());
        m.observe(&rec(0, &[(Role::User, "q")]));
        let mut out = Outputs::default();
        m.finish(&mut out);
        assert_eq!(out.get("records.with_response"), Some(0.0));
        assert_eq!(out.get("records.with_response_rate"), Some(0.0));
    }
}
