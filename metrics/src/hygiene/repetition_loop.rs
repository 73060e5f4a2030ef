//! Responses that degenerate into a loop: the same words or sentence over and over, the
//! mark of a sampling failure in distilled data.

use super::{nonblank_response, Check, Rated};
use crate::record::Record;
use crate::registry::{
    merged, AnalysisConfig, Direction, Metric, MetricDoc, MetricSpec, Provenance,
};
use crate::result::Outputs;
use crate::text::{is_cjk_char, normalize_for_dedup, truncate_chars, word_count};
use serde::{Deserialize, Serialize};
use unicode_segmentation::UnicodeSegmentation;
use xxhash_rust::xxh3::xxh3_64;

pub const SPEC: MetricSpec = MetricSpec {
    module: module_path!(),
    family: "hygiene.repetition_loop",
    docs,
    make,
};

/// Longest repeated unit, in tokens, the loop detector looks for; longer repeats are
/// caught sentence by sentence.
const MAX_PERIOD: usize = 24;
/// Tokens of a response the loop detector reads (from the end, where loops run).
const MAX_TOKENS: usize = 4_000;

fn docs() -> Vec<MetricDoc> {
    let d = |id, definition| MetricDoc {
        id,
        definition,
        direction: Direction::LowerIsBetter,
        provenance: Provenance::Basic,
    };
    vec![
        d("hygiene.repetition_loop.count", "Samples whose response degenerates into a loop: a unit of 1–24 word tokens (each CJK character a token) repeated back to back at least 4 times and covering at least 12 tokens, containing a letter (runs of numbers such as zero-filled arrays do not count); or the same sentence of 3+ tokens 3 or more times in a row. Responses that look like code or markup are not checked: repeated lines are normal there. Like every hygiene.repetition_loop id, not measured when no record has a response (\"the data has no responses\")."),
        d("hygiene.repetition_loop.rate", "hygiene.repetition_loop.count / samples with a non-empty response."),
    ]
}

fn make(c: &AnalysisConfig) -> Box<dyn Metric> {
    Box::new(RepetitionLoop(Rated::of_responses(Check::new(
        "hygiene.repetition_loop.count",
        "hygiene.repetition_loop.rate",
        "Responses stuck in a repetition loop",
        c,
    ))))
}

#[derive(Serialize, Deserialize)]
struct RepetitionLoop(Rated);

impl Metric for RepetitionLoop {
    fn observe(&mut self, r: &Record) {
        self.0.saw_response(r.response().is_some());
        let Some(resp) = nonblank_response(r) else {
            return;
        };
        self.0.applies();
        if let Some(unit) = repetition_loop(resp) {
            self.0.check.hit(r, resp, || {
                format!("repeated unit: {}", truncate_chars(&unit, 80))
            });
        }
    }

    fn merge(&mut self, other: Box<dyn Metric>) {
        self.0.merge(merged::<RepetitionLoop>(other).0);
    }

    crate::whole_state!();

    fn finish(self: Box<Self>, out: &mut Outputs) {
        self.0.finish(out);
    }
}

/// Word tokens with every CJK character its own token, lower-cased and hashed, each with
/// whether it holds a letter.
fn tokens(s: &str) -> Vec<(u64, bool)> {
    let mut out = Vec::new();
    for w in s.unicode_words() {
        if w.chars().any(is_cjk_char) {
            let mut buf = [0u8; 4];
            for c in w.chars() {
                out.push((
                    xxh3_64(c.encode_utf8(&mut buf).as_bytes()),
                    c.is_alphabetic(),
                ));
            }
        } else {
            let lower = w.to_lowercase();
            out.push((
                xxh3_64(lower.as_bytes()),
                w.chars().any(char::is_alphabetic),
            ));
        }
    }
    out
}

/// The repeated unit of a degenerate loop, or `None`.
pub fn repetition_loop(resp: &str) -> Option<String> {
    // Repeated lines are normal in code and markup (table rows, printf calls).
    if crate::complexity::structure::looks_like_code(resp) {
        return None;
    }
    let toks = tokens(resp);
    let toks = &toks[toks.len().saturating_sub(MAX_TOKENS)..];
    for p in 1..=MAX_PERIOD.min(toks.len() / 4) {
        let mut run = 0usize;
        for j in p..toks.len() {
            if toks[j].0 == toks[j - p].0 {
                run += 1;
                // `run` equal pairs at distance p: the unit appears run/p + 1 times.
                if run >= 3 * p && run + p >= 12 && toks[j + 1 - p..=j].iter().any(|t| t.1) {
                    return Some(unit_text(resp, p));
                }
            } else {
                run = 0;
            }
        }
    }
    repeated_sentence(resp)
}

fn unit_text(resp: &str, p: usize) -> String {
    let words: Vec<&str> = resp.unicode_words().collect();
    let tail = &words[words.len().saturating_sub(p)..];
    format!("{} (×{} tokens)", tail.join(" "), p)
}

fn repeated_sentence(resp: &str) -> Option<String> {
    let mut prev: Option<String> = None;
    let mut run = 1;
    for s in resp.split(['.', '!', '?', '。', '！', '？', '\n']) {
        let n = normalize_for_dedup(s);
        if n.is_empty() {
            continue;
        }
        if prev.as_deref() == Some(n.as_str()) {
            run += 1;
            if run >= 3 && word_count(&n) >= 3 {
                return Some(n);
            }
        } else {
            prev = Some(n);
            run = 1;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Role;
    use crate::test_records::{assert_merges, outputs, record};

    #[test]
    fn loops() {
        assert!(
            repetition_loop("I think so. I think so. I think so. I think so. I think so.")
                .is_some()
        );
        assert!(repetition_loop(&"the cat sat ".repeat(5)).is_some());
        assert!(
            repetition_loop(&"ha ".repeat(11)).is_none(),
            "11 repeats of one token are below the 12-token floor"
        );
        assert!(repetition_loop(&"ha ".repeat(12)).is_some());
        assert!(repetition_loop("[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]").is_none());
        assert!(repetition_loop("very very very good").is_none());
        assert!(repetition_loop("好的好的好的好的好的好的").is_some());
        assert!(repetition_loop("The end is near.\nThe end is near.\nThe end is near.").is_some());
        assert!(
            repetition_loop(&"<tr>\n  <td>Row 2</td>\n  <td>Row 2</td>\n</tr>\n".repeat(4))
                .is_none()
        );
        assert!(repetition_loop(&"printf(\"%d\\n\", a);\n".repeat(6)).is_none());
    }

    #[test]
    fn counts_exactly() {
        use Role::*;
        let looped = "one two three ".repeat(5);
        let records = [
            record(0, &[(User, "Say hi"), (Assistant, "hi")]),
            record(1, &[(User, "Count"), (Assistant, &looped)]),
            record(2, &[(User, "Empty"), (Assistant, "  ")]),
        ];
        let out = outputs(make(&AnalysisConfig::default()), &records);
        assert_eq!(out.get("hygiene.repetition_loop.count"), Some(1.0));
        assert_eq!(out.get("hygiene.repetition_loop.rate"), Some(0.5));
    }

    #[test]
    fn merges_like_one_pass() {
        use Role::*;
        let records: Vec<_> = (0..30u64)
            .map(|i| {
                let resp = match i % 4 {
                    0 => format!("word{i} ").repeat(12),
                    1 => format!("It is number {i}. ").repeat(4),
                    2 => "好的".repeat(8),
                    _ => format!("A plain answer about {i}."),
                };
                if i % 11 == 10 {
                    record(i, &[(User, "q")])
                } else {
                    record(i, &[(User, "q"), (Assistant, &resp)])
                }
            })
            .collect();
        assert_merges(|| make(&AnalysisConfig::default()), &records);
    }
}
