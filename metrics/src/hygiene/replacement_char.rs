//! Replacement characters (U+FFFD): the mark a decoder leaves where bytes were not valid
//! text, in the source file or anywhere upstream of it.

use super::{all_texts, context, Check, Rated};
use crate::record::Record;
use crate::registry::{
    merged, AnalysisConfig, Direction, Metric, MetricDoc, MetricSpec, Provenance,
};
use crate::result::Outputs;
use serde::{Deserialize, Serialize};

pub const SPEC: MetricSpec = MetricSpec {
    module: module_path!(),
    family: "hygiene.replacement_char",
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
        d("hygiene.replacement_char.count", "Samples containing U+FFFD (�), the mark a decoder leaves where bytes were not valid text."),
        d("hygiene.replacement_char.rate", "hygiene.replacement_char.count / records.analyzed."),
    ]
}

fn make(c: &AnalysisConfig) -> Box<dyn Metric> {
    Box::new(ReplacementChar(Rated::of_texts(Check::new(
        "hygiene.replacement_char.count",
        "hygiene.replacement_char.rate",
        "Replacement characters (U+FFFD)",
        c,
    ))))
}

#[derive(Serialize, Deserialize)]
struct ReplacementChar(Rated);

impl Metric for ReplacementChar {
    fn observe(&mut self, r: &Record) {
        self.0.applies();
        for text in all_texts(r).filter(|t| !t.is_ascii()) {
            if let Some(i) = text.find('\u{FFFD}') {
                let ctx = context(text, i, i + '\u{FFFD}'.len_utf8(), 30);
                self.0.check.hit(r, text, || format!("U+FFFD at: {ctx}"));
                break;
            }
        }
    }

    fn merge(&mut self, other: Box<dyn Metric>) {
        self.0.merge(merged::<ReplacementChar>(other).0);
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
    fn counts_samples_and_merges_like_one_pass() {
        use Role::*;
        let records: Vec<_> = (0..30u64)
            .map(|i| {
                let text = match i % 3 {
                    0 => format!("broken \u{FFFD}\u{FFFD} text {i}"),
                    1 => format!("clean déjà vu {i}"),
                    _ => format!("plain {i}"),
                };
                if i % 5 == 4 {
                    // In the prompt: every text is checked, not only responses.
                    record(i, &[(User, &text)])
                } else {
                    record(i, &[(User, "q"), (Assistant, &text)])
                }
            })
            .collect();
        let out = outputs(make(&AnalysisConfig::default()), &records);
        assert_eq!(out.get("hygiene.replacement_char.count"), Some(10.0));
        assert_eq!(out.get("hygiene.replacement_char.rate"), Some(10.0 / 30.0));
        assert_merges(|| make(&AnalysisConfig::default()), &records);
    }
}
