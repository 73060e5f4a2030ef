//! How many records were read, analysed and skipped, and of which kind.

use crate::record::{Kind, Record};
use crate::registry::{AnalysisConfig, Direction, Metric, MetricDoc, MetricSpec, Provenance, Skip};
use crate::result::Outputs;
use crate::stats::rate;

pub const SPEC: MetricSpec = MetricSpec {
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
        d("records.kind.<kind>.count", "Analysed records of each kind: demonstration (one conversation), preference (chosen/rejected pair) or feedback (KTO: one conversation plus a desirable/undesirable label).", Neutral),
    ]
}

fn make(_: &AnalysisConfig) -> Box<dyn Metric> {
    Box::new(Counts::default())
}

#[derive(Default)]
struct Counts {
    analyzed: u64,
    skipped: u64,
    kinds: [u64; 3],
}

impl Metric for Counts {
    fn observe(&mut self, r: &Record) {
        self.analyzed += 1;
        self.kinds[match r.kind() {
            Kind::Demonstration => 0,
            Kind::Preference => 1,
            Kind::Feedback => 2,
        }] += 1;
    }

    fn observe_skip(&mut self, _: &Skip) {
        self.skipped += 1;
    }

    fn finish(self: Box<Self>, out: &mut Outputs) {
        let total = self.analyzed + self.skipped;
        out.set("records.total", total as f64);
        out.set("records.analyzed", self.analyzed as f64);
        out.set("records.skipped", self.skipped as f64);
        out.set("records.skipped_rate", rate(self.skipped, total));
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
