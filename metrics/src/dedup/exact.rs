//! Exact duplicates of instruction, response and whole sample, after normalisation.
//!
//! Memory is one 64-bit hash plus two counters per distinct text (16 bytes), so a
//! stream of tens of millions of records stays well under a gigabyte.

use crate::record::Record;
use crate::registry::{AnalysisConfig, Direction, Metric, MetricDoc, MetricSpec, Provenance};
use crate::result::{Example, ExampleGroup, Outputs, NO_RESPONSES};
use crate::text::{normalize_for_dedup, truncate_chars};
use std::collections::HashMap;
use xxhash_rust::xxh3::Xxh3;

pub const SPEC: MetricSpec = MetricSpec {
    module: module_path!(),
    family: "dedup.exact",
    docs,
    make,
};

/// Texts of duplicated keys kept for examples; beyond this only counts are kept.
const MAX_EXAMPLE_TEXTS: usize = 2_000;

fn docs() -> Vec<MetricDoc> {
    use Direction::*;
    let d = |id, definition| MetricDoc {
        id,
        definition,
        direction: LowerIsBetter,
        provenance: Provenance::Basic,
    };
    vec![
        d("dedup.exact.<part>_count", "Samples whose normalised part equals that of an earlier sample (every copy after the first). Part: instruction (first user turn), response (final assistant turn), sample (system prompt, every turn with its role, both preference sides and image references). Normalisation: NFKC, lower case, whitespace runs collapsed, trimmed. Empty parts are not counted here (see empty.*)."),
        d("dedup.exact.instruction_rate", "dedup.exact.instruction_count / records.analyzed."),
        d("dedup.exact.response_rate", "dedup.exact.response_count / records.with_response (records without a response, such as prompt-only ones, are left out). dedup.exact.response_count and this rate are not measured when no record has a response (\"the data has no responses\")."),
        d("dedup.exact.sample_rate", "dedup.exact.sample_count / records.analyzed: the share of records an exact dedup would remove."),
    ]
}

fn make(c: &AnalysisConfig) -> Box<dyn Metric> {
    Box::new(ExactDup {
        n: 0,
        with_response: 0,
        parts: [
            Part::new("instruction"),
            Part::new("response"),
            Part::new("sample"),
        ],
        max_examples: c.max_examples,
        chars: c.example_chars,
    })
}

struct Entry {
    count: u32,
    /// 1-based position of the first occurrence among analysed records.
    first: u32,
}

struct Part {
    name: &'static str,
    seen: HashMap<u64, Entry>,
    dups: u64,
    texts: HashMap<u64, (String, Vec<String>)>,
}

impl Part {
    fn new(name: &'static str) -> Self {
        Part {
            name,
            seen: HashMap::new(),
            dups: 0,
            texts: HashMap::new(),
        }
    }

    fn add(&mut self, key: u64, seq: u32, rec: &Record, display: &str, chars: usize) {
        let e = self.seen.entry(key).or_insert(Entry {
            count: 0,
            first: seq,
        });
        e.count = e.count.saturating_add(1);
        if e.count < 2 {
            return;
        }
        self.dups += 1;
        if let Some((_, ids)) = self.texts.get_mut(&key) {
            if ids.len() < 5 {
                ids.push(format!("{} ({})", rec.id, rec.origin));
            }
        } else if self.texts.len() < MAX_EXAMPLE_TEXTS {
            let ids = vec![format!("{} ({})", rec.id, rec.origin)];
            self.texts
                .insert(key, (truncate_chars(display, chars), ids));
        }
    }

    fn examples(&self, max: usize) -> Option<ExampleGroup> {
        let mut groups: Vec<(&u64, &(String, Vec<String>))> = self.texts.iter().collect();
        // Most-repeated first; ties by first appearance so output is deterministic.
        groups.sort_by_key(|(k, _)| {
            let e = &self.seen[*k];
            (std::cmp::Reverse(e.count), e.first)
        });
        let examples: Vec<Example> = groups
            .into_iter()
            .take(max)
            .map(|(k, (text, ids))| {
                let e = &self.seen[k];
                Example {
                    record_id: ids[0].split(" (").next().unwrap_or_default().to_string(),
                    origin: ids.join(", "),
                    text: text.clone(),
                    note: Some(format!(
                        "{} copies; first is analysed record #{}; repeats listed in origin",
                        e.count, e.first
                    )),
                }
            })
            .collect();
        (!examples.is_empty()).then(|| ExampleGroup {
            metric: format!("dedup.exact.{}_count", self.name),
            title: format!("Most repeated {}s (exact, normalised)", self.name),
            examples,
        })
    }
}

struct ExactDup {
    n: u64,
    /// Records with a response: the denominator of the response rate.
    with_response: u64,
    parts: [Part; 3],
    max_examples: usize,
    chars: usize,
}

fn hash_norm(h: &mut Xxh3, s: &str) {
    h.update(normalize_for_dedup(s).as_bytes());
    // A separator that normalised text cannot contain keeps fields from running together.
    h.update(&[0xff]);
}

/// Exact-duplicate key of one text part: `None` when it normalises to nothing.
pub fn key_of(s: &str) -> Option<u64> {
    let n = normalize_for_dedup(s);
    (!n.is_empty()).then(|| xxhash_rust::xxh3::xxh3_64(n.as_bytes()))
}

/// Exact-duplicate key of the whole sample (system, every turn with its role, both
/// preference sides, label, image references), after normalisation.
pub fn sample_key(r: &Record) -> u64 {
    let mut h = Xxh3::new();
    if let Some(s) = &r.system {
        h.update(b"S");
        hash_norm(&mut h, s);
    }
    for t in &r.turns {
        h.update(t.role.as_str().as_bytes());
        hash_norm(&mut h, &t.text);
    }
    if let Some(p) = &r.preference {
        for (tag, side) in [(b"C", &p.chosen), (b"R", &p.rejected)] {
            h.update(tag);
            for t in side {
                h.update(t.role.as_str().as_bytes());
                hash_norm(&mut h, &t.text);
            }
        }
    }
    if let Some(l) = r.label {
        h.update(if l { b"L1" } else { b"L0" });
    }
    for img in r.images.iter().chain(&r.videos) {
        h.update(b"I");
        h.update(img.as_bytes());
        h.update(&[0xff]);
    }
    h.digest()
}

impl Metric for ExactDup {
    fn observe(&mut self, r: &Record) {
        self.n += 1;
        let seq = u32::try_from(self.n).unwrap_or(u32::MAX);
        let chars = self.chars;
        if let Some(inst) = r.instruction() {
            if let Some(k) = key_of(inst) {
                self.parts[0].add(k, seq, r, inst, chars);
            }
        }
        if let Some(resp) = r.response() {
            self.with_response += 1;
            if let Some(k) = key_of(resp) {
                self.parts[1].add(k, seq, r, resp, chars);
            }
        }
        let display = r.instruction().or(r.response()).unwrap_or("");
        self.parts[2].add(sample_key(r), seq, r, display, chars);
    }

    fn finish(self: Box<Self>, out: &mut Outputs) {
        for p in &self.parts {
            let n = match p.name {
                "response" if self.with_response == 0 => {
                    out.not_measured_all(
                        ["dedup.exact.response_count", "dedup.exact.response_rate"],
                        NO_RESPONSES,
                    );
                    continue;
                }
                "response" => self.with_response,
                _ => self.n,
            };
            out.set(format!("dedup.exact.{}_count", p.name), p.dups as f64);
            out.set_rate(format!("dedup.exact.{}_rate", p.name), p.dups, n);
            out.examples.extend(p.examples(self.max_examples));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{Origin, Role, Turn};

    fn rec(i: u64, inst: &str, resp: &str) -> Record {
        let mut r = Record::new(
            format!("r{i}"),
            Origin {
                file: "f".into(),
                line: Some(i + 1),
                index: i,
            },
        );
        r.turns = vec![
            Turn::new(Role::User, inst),
            Turn::new(Role::Assistant, resp),
        ];
        r
    }

    #[test]
    fn counts_copies_after_the_first() {
        let mut m = make(&AnalysisConfig::default());
        m.observe(&rec(0, "Say hi", "hi"));
        m.observe(&rec(1, "  say   HI ", "hello"));
        m.observe(&rec(2, "say hi", "hi"));
        m.observe(&rec(3, "other", ""));
        m.observe(&rec(4, "other2", ""));
        let mut out = Outputs::default();
        m.finish(&mut out);
        assert_eq!(out.get("dedup.exact.instruction_count"), Some(2.0));
        assert_eq!(out.get("dedup.exact.response_count"), Some(1.0));
        // rec 0 and rec 2 are the same sample after normalisation; empty responses are not duplicates.
        assert_eq!(out.get("dedup.exact.sample_count"), Some(1.0));
        assert_eq!(out.get("dedup.exact.sample_rate"), Some(0.2));
        let g = out
            .examples
            .iter()
            .find(|g| g.metric == "dedup.exact.instruction_count")
            .unwrap();
        assert!(g.examples[0].note.as_ref().unwrap().starts_with("3 copies"));
    }

    fn prompt(i: u64, turns: &[&str]) -> Record {
        let mut r = rec(i, "", "");
        r.turns = turns.iter().map(|t| Turn::new(Role::User, *t)).collect();
        r
    }

    #[test]
    fn prompt_only_data_has_no_response_duplicates() {
        let mut m = make(&AnalysisConfig::default());
        m.observe(&prompt(0, &["Write a poem."]));
        m.observe(&prompt(1, &["write a POEM."]));
        m.observe(&prompt(2, &["Write a poem.", "Shorter."]));
        let mut out = Outputs::default();
        m.finish(&mut out);
        assert_eq!(out.get("dedup.exact.instruction_count"), Some(2.0));
        // Records 0 and 1 are the same sample; record 2 has a second user turn.
        assert_eq!(out.get("dedup.exact.sample_count"), Some(1.0));
        for id in ["dedup.exact.response_count", "dedup.exact.response_rate"] {
            assert!(out.get(id).is_none(), "{id}");
            assert_eq!(out.not_measured[id], NO_RESPONSES);
        }
    }

    #[test]
    fn response_rate_is_over_records_with_a_response() {
        let mut m = make(&AnalysisConfig::default());
        m.observe(&rec(0, "a", "same"));
        m.observe(&rec(1, "b", "same"));
        m.observe(&prompt(2, &["c"]));
        m.observe(&prompt(3, &["d"]));
        let mut out = Outputs::default();
        m.finish(&mut out);
        assert_eq!(out.get("dedup.exact.response_count"), Some(1.0));
        assert_eq!(out.get("dedup.exact.response_rate"), Some(0.5));
        assert_eq!(out.get("dedup.exact.instruction_rate"), Some(0.0));
    }
}
