//! Records whose source bytes were not valid UTF-8. The loader decodes them lossily and
//! flags them ([`Record::invalid_utf8`]) rather than dropping them as malformed; this
//! check counts them.

use super::{all_texts, Check, Rated};
use crate::record::Record;
use crate::registry::{
    merged, AnalysisConfig, Direction, Metric, MetricDoc, MetricSpec, Provenance,
};
use crate::result::Outputs;
use serde::{Deserialize, Serialize};

pub const SPEC: MetricSpec = MetricSpec {
    module: module_path!(),
    family: "hygiene.invalid_utf8",
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
        d("hygiene.invalid_utf8.count", "Records whose source bytes were not valid UTF-8 (JSON Lines): decoded lossily, each bad sequence as U+FFFD, and kept rather than dropped as malformed."),
        d("hygiene.invalid_utf8.rate", "hygiene.invalid_utf8.count / records.analyzed."),
    ]
}

fn make(c: &AnalysisConfig) -> Box<dyn Metric> {
    Box::new(InvalidUtf8(Rated::of_texts(Check::new(
        "hygiene.invalid_utf8.count",
        "hygiene.invalid_utf8.rate",
        "Records with bytes that were not valid UTF-8 (decoded lossily)",
        c,
    ))))
}

#[derive(Serialize, Deserialize)]
struct InvalidUtf8(Rated);

impl Metric for InvalidUtf8 {
    fn observe(&mut self, r: &Record) {
        self.0.applies();
        if r.invalid_utf8 {
            let text: Vec<&str> = all_texts(r).collect();
            self.0.check.hit(r, &text.join("\n"), || {
                "not valid UTF-8 in the file; each bad byte sequence now reads U+FFFD".into()
            });
        }
    }

    fn merge(&mut self, other: Box<dyn Metric>) {
        self.0.merge(merged::<InvalidUtf8>(other).0);
    }

    crate::whole_state!();

    fn finish(self: Box<Self>, out: &mut Outputs) {
        self.0.finish(out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Role;
    use crate::test_records::{assert_merges, outputs, record};

    #[test]
    fn counts_flagged_records_and_merges_like_one_pass() {
        use Role::*;
        let records: Vec<_> = (0..30u64)
            .map(|i| {
                let mut r = record(i, &[(User, "q"), (Assistant, &format!("bad \u{FFFD} {i}"))]);
                r.invalid_utf8 = i % 3 == 0;
                r
            })
            .collect();
        let out = outputs(make(&AnalysisConfig::default()), &records);
        assert_eq!(out.get("hygiene.invalid_utf8.count"), Some(10.0));
        assert_eq!(out.get("hygiene.invalid_utf8.rate"), Some(10.0 / 30.0));
        assert_eq!(out.examples[0].examples.len(), 5);
        assert_merges(|| make(&AnalysisConfig::default()), &records);
    }
}
