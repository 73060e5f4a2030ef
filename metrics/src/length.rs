//! Lengths of instructions and responses in characters and words.

use crate::record::Record;
use crate::registry::{
    merged, AnalysisConfig, Direction, Metric, MetricDoc, MetricSpec, Provenance,
};
use crate::result::{Outputs, NO_RESPONSES};
use crate::stats::IntDist;
use crate::text::{char_count, word_count};
use serde::{Deserialize, Serialize};

pub const SPEC: MetricSpec = MetricSpec {
    module: module_path!(),
    family: "length",
    docs,
    make,
};

fn docs() -> Vec<MetricDoc> {
    vec![MetricDoc {
        id: "length.<field>.<unit>.<stat>",
        definition: "Length of each sample's field: instruction (first user turn), response (final assistant turn; the chosen one for preference data), rejected (final rejected turn) or system (system prompt, where present). Unit: chars (Unicode scalar values) or words (UAX #29 word segments containing a letter or digit, with each CJK character counted as one word). Stat: mean, median, p5, p95, min, max. Missing fields are not counted; empty ones count as 0, so response lengths are over the records with a response (records.with_response). When no record has a response (prompt-only data) every length.response.* id is not measured (\"the data has no responses\"), never a length of 0; length.rejected.* exists only for preference data.",
        direction: Direction::Neutral,
        provenance: Provenance::Basic,
    }]
}

fn make(_: &AnalysisConfig) -> Box<dyn Metric> {
    Box::new(Lengths::default())
}

/// The summary statistics `IntDist::write_summary` writes for each field and unit.
const STATS: [&str; 6] = ["mean", "median", "p5", "p95", "min", "max"];

#[derive(Default, Serialize, Deserialize)]
struct FieldLengths {
    chars: IntDist,
    words: IntDist,
}

impl FieldLengths {
    fn add(&mut self, text: Option<&str>) {
        if let Some(t) = text {
            self.chars.add(char_count(t) as u64);
            self.words.add(word_count(t) as u64);
        }
    }

    fn merge(&mut self, other: &FieldLengths) {
        self.chars.merge(&other.chars);
        self.words.merge(&other.words);
    }
}

#[derive(Default, Serialize, Deserialize)]
struct Lengths {
    instruction: FieldLengths,
    response: FieldLengths,
    rejected: FieldLengths,
    system: FieldLengths,
}

impl Metric for Lengths {
    fn observe(&mut self, r: &Record) {
        self.instruction.add(r.instruction());
        self.response.add(r.response());
        self.rejected.add(r.rejected_response());
        self.system.add(r.system.as_deref());
    }

    fn merge(&mut self, other: Box<dyn Metric>) {
        let o: Lengths = merged(other);
        self.instruction.merge(&o.instruction);
        self.response.merge(&o.response);
        self.rejected.merge(&o.rejected);
        self.system.merge(&o.system);
    }

    crate::whole_state!();

    fn finish(self: Box<Self>, out: &mut Outputs) {
        let fields = [
            ("instruction", &self.instruction, true),
            ("response", &self.response, true),
            ("rejected", &self.rejected, true),
            ("system", &self.system, false),
        ];
        if self.response.chars.is_empty() {
            out.not_measured_all(
                ["chars", "words"].iter().flat_map(|u| {
                    STATS
                        .iter()
                        .map(move |s| format!("length.response.{u}.{s}"))
                }),
                NO_RESPONSES,
            );
        }
        for (name, f, plot) in fields {
            f.chars.write_summary(&format!("length.{name}.chars"), out);
            f.words.write_summary(&format!("length.{name}.words"), out);
            if plot && !f.words.is_empty() {
                out.distributions.push(f.words.log_histogram(
                    &format!("length.{name}.words"),
                    &format!("{} length (words)", capitalise(name)),
                    "words (log scale)",
                ));
            }
        }
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Role;

    use crate::test_records::{outputs, record as rec};

    fn run(records: &[Record]) -> Outputs {
        outputs(make(&AnalysisConfig::default()), records)
    }

    #[test]
    fn merges_like_one_pass() {
        use crate::record::{Preference, Turn};
        use Role::*;
        let words = [
            "",
            "one",
            "two words",
            "a b c d e f g h",
            "长度 测试 一二三",
        ];
        let records: Vec<Record> = (0..30u64)
            .map(|i| {
                let w = |k: u64| words[((i + k) % 5) as usize];
                let mut r = if i % 6 == 0 {
                    rec(i, &[(User, w(0))])
                } else {
                    rec(i, &[(User, w(0)), (Assistant, w(2))])
                };
                if i % 4 == 0 {
                    r.system = Some(w(3).to_string());
                }
                if i % 5 == 0 {
                    r.preference = Some(Preference {
                        chosen: vec![Turn::new(Assistant, w(1))],
                        rejected: vec![Turn::new(Assistant, w(4))],
                    });
                }
                r
            })
            .collect();
        crate::test_records::assert_merges(|| make(&AnalysisConfig::default()), &records);
    }

    #[test]
    fn prompt_only_data_has_no_response_lengths() {
        use Role::*;
        let out = run(&[
            rec(0, &[(User, "one two three")]),
            rec(1, &[(User, "one"), (User, "two words")]),
        ]);
        assert_eq!(out.get("length.instruction.words.mean"), Some(2.0));
        assert_eq!(out.get("length.instruction.words.max"), Some(3.0));
        for u in ["chars", "words"] {
            for s in STATS {
                let id = format!("length.response.{u}.{s}");
                assert!(out.get(&id).is_none(), "{id}");
                assert_eq!(out.not_measured[&id], NO_RESPONSES);
            }
        }
        assert!(!out
            .distributions
            .iter()
            .any(|d| d.id() == "length.response.words"));
    }

    #[test]
    fn response_lengths_are_over_records_with_a_response() {
        use Role::*;
        let out = run(&[
            rec(0, &[(User, "q"), (Assistant, "a b c d")]),
            rec(1, &[(User, "q")]),
            rec(2, &[(User, "q"), (Assistant, "")]),
        ]);
        // 4 and 0 words: the prompt-only record is left out, the empty response counts 0.
        assert_eq!(out.get("length.response.words.mean"), Some(2.0));
        assert_eq!(out.get("length.response.words.min"), Some(0.0));
        assert_eq!(out.get("length.instruction.words.mean"), Some(1.0));
        assert!(out.not_measured.is_empty());
    }
}
