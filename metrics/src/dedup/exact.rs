//! Exact duplicates of instruction, response and whole sample, after normalisation.
//!
//! Memory is one 64-bit hash plus a counter per distinct text (12 bytes plus map
//! overhead), so a stream of tens of millions of records stays well under a gigabyte;
//! example texts are kept for a bounded, position-chosen set of distinct texts.
//!
//! Mergeable: counts add, duplicates are occurrences minus distinct texts, and example
//! texts are the earliest occurrences by record position, so any split gives one pass's
//! output.

use super::images;
use super::parts::Part as DedupPart;
use crate::record::Record;
use crate::registry::{AnalysisConfig, Direction, Metric, MetricDoc, MetricSpec, Provenance};
use crate::result::{Example, ExampleGroup, Outputs, NO_RESPONSES};
use crate::text::{normalize_for_dedup, truncate_chars};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use xxhash_rust::xxh3::Xxh3;

pub const SPEC: MetricSpec = MetricSpec {
    module: module_path!(),
    family: "dedup.exact",
    docs,
    make,
};

/// Distinct texts whose example text is kept: the ones first seen earliest by record
/// position ([`crate::record::Origin::order_key`]). Heavily repeated texts tend to appear
/// early, and a bottom-k by position is the same however the input is split.
const MAX_EXAMPLE_TEXTS: usize = 20_000;

fn docs() -> Vec<MetricDoc> {
    use Direction::*;
    let d = |id, definition| MetricDoc {
        id,
        definition,
        direction: LowerIsBetter,
        provenance: Provenance::Basic,
    };
    vec![
        d("dedup.exact.<part>_count", "Samples whose normalised part equals that of an earlier sample with the same images (every copy after the first). Part: instruction (first user turn), response (final assistant turn), sample (system prompt, every turn with its role, both preference sides). Normalisation: NFKC, lower case, whitespace runs collapsed, trimmed. Images match when their references are the same strings in the same order, or with --image-root when their decoded pixels and dimensions are the same (one picture under two file names matches); samples without images match only samples without images. Empty parts are not counted here (see empty.*)."),
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

/// A record's stable position (file name, index in file).
type Pos = (Arc<str>, u64);

/// What an example shows of a text: its earliest occurrence.
#[derive(Serialize, Deserialize)]
struct Shown {
    first: Pos,
    text: String,
    id: String,
    origin: String,
}

struct Part {
    name: &'static str,
    /// Occurrences per distinct normalised text.
    seen: HashMap<u64, u32>,
    /// Non-empty parts seen: duplicates are `occurrences - seen.len()`, whatever the split.
    occurrences: u64,
    /// Example text of the distinct texts first seen earliest (at most
    /// [`MAX_EXAMPLE_TEXTS`]), with the same keys ordered by first position for eviction.
    /// The payload depends only on the earliest occurrence, so keeping the minimum per key
    /// and the `MAX_EXAMPLE_TEXTS` smallest minima merges exactly.
    shown: HashMap<u64, Shown>,
    by_first: BTreeSet<(Pos, u64)>,
}

impl Part {
    fn new(name: &'static str) -> Self {
        Part {
            name,
            seen: HashMap::new(),
            occurrences: 0,
            shown: HashMap::new(),
            by_first: BTreeSet::new(),
        }
    }

    fn add(&mut self, key: u64, rec: &Record, display: &str, chars: usize) {
        let e = self.seen.entry(key).or_insert(0);
        *e = e.saturating_add(1);
        self.occurrences += 1;
        let pos = rec.origin.order_key();
        if self.accepts(key, pos) {
            let shown = Shown {
                first: (rec.origin.file.clone(), rec.origin.index),
                text: truncate_chars(display, chars),
                id: rec.id.clone(),
                origin: rec.origin.to_string(),
            };
            self.offer(key, shown);
        }
    }

    /// Whether an occurrence at `pos` would become the shown one of `key`.
    fn accepts(&self, key: u64, pos: (&str, u64)) -> bool {
        match self.shown.get(&key) {
            Some(s) => pos < (&*s.first.0, s.first.1),
            None => {
                self.shown.len() < MAX_EXAMPLE_TEXTS
                    || self
                        .by_first
                        .last()
                        .is_some_and(|((f, i), _)| pos < (&**f, *i))
            }
        }
    }

    fn offer(&mut self, key: u64, s: Shown) {
        if !self.accepts(key, (&s.first.0, s.first.1)) {
            return;
        }
        self.by_first.insert((s.first.clone(), key));
        if let Some(old) = self.shown.insert(key, s) {
            self.by_first.remove(&(old.first, key));
        }
        if self.shown.len() > MAX_EXAMPLE_TEXTS {
            if let Some((_, k)) = self.by_first.pop_last() {
                self.shown.remove(&k);
            }
        }
    }

    /// Replaces the state with a saved one; `by_first` is an index of `shown`, rebuilt.
    fn load(&mut self, (seen, occurrences, shown): SavedPart) {
        self.by_first = shown.iter().map(|(k, s)| (s.first.clone(), *k)).collect();
        (self.seen, self.occurrences, self.shown) = (seen, occurrences, shown);
    }

    fn merge(&mut self, other: Part) {
        self.occurrences += other.occurrences;
        for (k, c) in other.seen {
            let e = self.seen.entry(k).or_insert(0);
            *e = e.saturating_add(c);
        }
        for (k, s) in other.shown {
            self.offer(k, s);
        }
    }

    fn dups(&self) -> u64 {
        self.occurrences - self.seen.len() as u64
    }

    fn examples(&self, max: usize) -> Option<ExampleGroup> {
        let mut groups: Vec<(u32, &Shown)> = self
            .shown
            .iter()
            .map(|(k, s)| (self.seen[k], s))
            .filter(|(c, _)| *c >= 2)
            .collect();
        // Most-repeated first; ties by first position, so output is deterministic.
        groups.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.first.cmp(&b.1.first)));
        let examples: Vec<Example> = groups
            .into_iter()
            .take(max)
            .map(|(count, s)| Example {
                record_id: s.id.clone(),
                origin: s.origin.clone(),
                text: s.text.clone(),
                note: Some(format!("{count} copies; this is the first")),
            })
            .collect();
        (!examples.is_empty()).then(|| ExampleGroup {
            metric: format!("dedup.exact.{}_count", self.name),
            title: format!("Most repeated {}s (exact, normalised)", self.name),
            examples,
        })
    }
}

/// A part's saved state: occurrences per distinct text, their total, the shown examples.
/// The name is the part's (a setting) and `by_first` an index, so neither is saved.
type SavedPart = (HashMap<u64, u32>, u64, HashMap<u64, Shown>);

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
/// preference sides, label, images by [`images::record_key`]), after normalisation.
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
    if let Some(k) = images::record_key(r) {
        h.update(b"I");
        h.update(&k.to_le_bytes());
    }
    h.digest()
}

/// Exact-duplicate key of one part of a record: its normalised text joined with its
/// images ([`images::with_images`]), the whole-sample key for [`DedupPart::Sample`];
/// `None` when the part normalises to nothing.
pub fn part_key(r: &Record, part: DedupPart) -> Option<u64> {
    match part {
        DedupPart::Sample => Some(sample_key(r)),
        p => p
            .text(r)
            .and_then(|t| key_of(&t))
            .map(|k| images::with_images(k, images::record_key(r))),
    }
}

impl Metric for ExactDup {
    fn observe(&mut self, r: &Record) {
        self.n += 1;
        let chars = self.chars;
        if let Some(inst) = r.instruction() {
            if let Some(k) = part_key(r, DedupPart::Instruction) {
                self.parts[0].add(k, r, inst, chars);
            }
        }
        if let Some(resp) = r.response() {
            self.with_response += 1;
            if let Some(k) = part_key(r, DedupPart::Response) {
                self.parts[1].add(k, r, resp, chars);
            }
        }
        let display = r.instruction().or(r.response()).unwrap_or("");
        self.parts[2].add(sample_key(r), r, display, chars);
    }

    fn merge(&mut self, other: Box<dyn Metric>) {
        let o: ExactDup = crate::registry::merged(other);
        self.n += o.n;
        self.with_response += o.with_response;
        for (p, q) in self.parts.iter_mut().zip(o.parts) {
            p.merge(q);
        }
    }

    fn save(&self) -> Result<Vec<u8>, String> {
        let parts: Vec<_> = self
            .parts
            .iter()
            .map(|p| (&p.seen, p.occurrences, &p.shown))
            .collect();
        crate::state::encode(&(self.n, self.with_response, parts))
    }

    fn load(&mut self, saved: &[u8]) -> Result<(), String> {
        let (n, with_response, parts): (u64, u64, Vec<SavedPart>) = crate::state::decode(saved)?;
        if parts.len() != self.parts.len() {
            return Err(format!("{} parts saved, not 3", parts.len()));
        }
        (self.n, self.with_response) = (n, with_response);
        for (p, q) in self.parts.iter_mut().zip(parts) {
            p.load(q);
        }
        Ok(())
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
            let dups = p.dups();
            out.set(format!("dedup.exact.{}_count", p.name), dups as f64);
            out.set_rate(format!("dedup.exact.{}_rate", p.name), dups, n);
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
                within: None,
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
        assert_eq!(g.examples[0].record_id, "r0");
    }

    #[test]
    fn every_part_needs_matching_images() {
        let with = |i: u64, images: &[&str], keys: &[u64]| {
            let mut r = rec(i, "What is in the picture?", "A cat.");
            r.images = images.iter().map(|s| s.to_string()).collect();
            r.image_keys = keys.to_vec();
            r
        };
        let mut m = make(&AnalysisConfig::default());
        // 1 repeats 0; 2 and 3 show other pictures; 4 (no image) repeats nothing; 5 is
        // 2's picture under another name by content key, so it repeats 2.
        for r in [
            with(0, &["a.png"], &[]),
            with(1, &["a.png"], &[]),
            with(2, &["b.png"], &[7]),
            with(3, &["c.png"], &[]),
            with(4, &[], &[]),
            with(5, &["copy_of_b.png"], &[7]),
        ] {
            m.observe(&r);
        }
        let mut out = Outputs::default();
        m.finish(&mut out);
        for part in ["instruction", "response", "sample"] {
            assert_eq!(
                out.get(&format!("dedup.exact.{part}_count")),
                Some(2.0),
                "{part}"
            );
        }
    }

    #[test]
    fn merges_like_one_pass() {
        use crate::test_records::{assert_merges, record};
        let insts = [
            "Say hi",
            "say HI",
            "Count to three",
            "Name a colour",
            "other",
        ];
        let resps = ["hi", "Hello", "one two three", "", "red"];
        let mut records: Vec<Record> = (0..40u64)
            .map(|i| {
                let inst = insts[(i * 7 % 5) as usize];
                let resp = resps[(i * 3 % 5) as usize];
                if i % 6 == 5 {
                    record(i, &[(Role::User, inst)])
                } else {
                    record(i, &[(Role::User, inst), (Role::Assistant, resp)])
                }
            })
            .collect();
        // Records of a second file, whose name sorts before the first's.
        records.extend((0..6u64).map(|i| {
            let mut r = rec(i, insts[i as usize % 2], "hi");
            r.origin.file = "a".into();
            r
        }));
        let c = AnalysisConfig {
            max_examples: 2,
            ..AnalysisConfig::default()
        };
        assert_merges(|| make(&c), &records);
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
