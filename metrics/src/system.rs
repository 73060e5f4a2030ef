//! How samples use system prompts.

use crate::record::Record;
use crate::registry::{
    merged, AnalysisConfig, Direction, Metric, MetricDoc, MetricSpec, Provenance,
};
use crate::result::{Example, ExampleGroup, Outputs};
use crate::stats::rate;
use crate::text::{normalize_for_dedup, truncate_chars};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;

pub const SPEC: MetricSpec = MetricSpec {
    module: module_path!(),
    family: "system",
    docs,
    make,
};

/// Distinct prompts whose text is kept for the "most common" table; counts are kept for all.
const MAX_TRACKED_TEXTS: usize = 1_000;

fn docs() -> Vec<MetricDoc> {
    use Direction::*;
    let d = |id, definition| MetricDoc {
        id,
        definition,
        direction: Neutral,
        provenance: Provenance::Basic,
    };
    vec![
        d("system.usage_rate", "Share of samples with a non-empty system prompt."),
        d("system.distinct", "Distinct system prompts after normalisation (as in dedup.exact)."),
        d("system.top_share", "Share of samples with a system prompt that use the most common one. Near 1 means one fixed prompt."),
    ]
}

fn make(c: &AnalysisConfig) -> Box<dyn Metric> {
    Box::new(SystemPrompt {
        n: 0,
        used: 0,
        counts: HashMap::new(),
        texts: HashMap::new(),
        max_examples: c.max_examples,
        chars: c.example_chars,
    })
}

/// A record's stable position ([`crate::record::Origin::order_key`]), owned.
type Position = (Arc<str>, u64);

/// The text of a prompt as its first use (by position) shows it.
#[derive(Clone, Serialize, Deserialize)]
struct Shown {
    first: Position,
    text: String,
    id: String,
    origin: String,
}

struct SystemPrompt {
    n: u64,
    used: u64,
    /// Normalised prompt hash -> (uses, position of its first use). The first use breaks
    /// ties between equally common prompts, by position so any split agrees.
    counts: HashMap<u64, (u64, Position)>,
    /// Texts of the [`MAX_TRACKED_TEXTS`] prompts first used earliest (by position): a
    /// one-pass choice that needs no arrival order. Between prunings it may hold up to
    /// twice as many.
    texts: HashMap<u64, Shown>,
    max_examples: usize,
    chars: usize,
}

/// What a part saves: the counts of every distinct prompt, sorted by key, with the file of
/// its first use as an index into `files` (one copy of each file name rather than one per
/// prompt, which may be one per record), and the texts kept. The limits are settings.
#[derive(Serialize, Deserialize)]
struct Saved {
    n: u64,
    used: u64,
    files: Vec<Arc<str>>,
    /// (prompt key, uses, first use's file in `files`, its index in that file).
    counts: Vec<(u64, u64, usize, u64)>,
    texts: Vec<(u64, Shown)>,
}

impl SystemPrompt {
    /// Keeps the text of the prompt's earliest use seen.
    fn offer_text(&mut self, key: u64, shown: Shown) {
        match self.texts.get_mut(&key) {
            Some(old) if old.first <= shown.first => {}
            Some(old) => *old = shown,
            None => {
                self.texts.insert(key, shown);
                if self.texts.len() >= 2 * MAX_TRACKED_TEXTS {
                    self.prune_texts();
                }
            }
        }
    }

    /// Drops all but the texts of the prompts first used earliest. Exact however the
    /// input was split: a prompt dropped here has MAX_TRACKED_TEXTS others used before
    /// its first use, so it is not among the earliest overall either.
    fn prune_texts(&mut self) {
        if self.texts.len() <= MAX_TRACKED_TEXTS {
            return;
        }
        let mut order: Vec<(&Position, u64)> =
            self.texts.iter().map(|(k, s)| (&s.first, *k)).collect();
        order.sort_unstable();
        let dropped: Vec<u64> = order[MAX_TRACKED_TEXTS..].iter().map(|(_, k)| *k).collect();
        for k in dropped {
            self.texts.remove(&k);
        }
    }
}

impl Metric for SystemPrompt {
    fn observe(&mut self, r: &Record) {
        self.n += 1;
        let Some(sys) = r.system.as_deref().filter(|s| !s.trim().is_empty()) else {
            return;
        };
        self.used += 1;
        let key = xxhash_rust::xxh3::xxh3_64(normalize_for_dedup(sys).as_bytes());
        let position: Position = (r.origin.file.clone(), r.origin.index);
        let e = self.counts.entry(key).or_insert((0, position.clone()));
        e.0 += 1;
        if position < e.1 {
            e.1 = position.clone();
        }
        let known_earlier = self.texts.get(&key).is_some_and(|s| s.first <= position);
        if !known_earlier {
            self.offer_text(
                key,
                Shown {
                    first: position,
                    text: truncate_chars(sys, self.chars),
                    id: r.id.clone(),
                    origin: r.origin.to_string(),
                },
            );
        }
    }

    fn merge(&mut self, other: Box<dyn Metric>) {
        let o: SystemPrompt = merged(other);
        self.n += o.n;
        self.used += o.used;
        for (key, (c, first)) in o.counts {
            let e = self.counts.entry(key).or_insert((0, first.clone()));
            e.0 += c;
            if first < e.1 {
                e.1 = first;
            }
        }
        for (key, shown) in o.texts {
            self.offer_text(key, shown);
        }
    }

    /// The same state saves the same bytes: counts in key order, files numbered as met.
    fn save(&self) -> Result<Vec<u8>, String> {
        let mut sorted: Vec<(&u64, &(u64, Position))> = self.counts.iter().collect();
        sorted.sort_unstable_by_key(|(k, _)| **k);
        let mut files: Vec<Arc<str>> = Vec::new();
        let mut file_of: HashMap<&str, usize> = HashMap::new();
        let counts = sorted
            .into_iter()
            .map(|(key, (uses, (file, index)))| {
                let f = *file_of.entry(file).or_insert_with(|| {
                    files.push(file.clone());
                    files.len() - 1
                });
                (*key, *uses, f, *index)
            })
            .collect();
        let mut texts: Vec<(u64, Shown)> =
            self.texts.iter().map(|(k, s)| (*k, s.clone())).collect();
        texts.sort_unstable_by_key(|(k, _)| *k);
        crate::state::encode(&Saved {
            n: self.n,
            used: self.used,
            files,
            counts,
            texts,
        })
    }

    fn load(&mut self, saved: &[u8]) -> Result<(), String> {
        let s: Saved = crate::state::decode(saved)?;
        let mut counts = HashMap::with_capacity(s.counts.len());
        for (key, uses, f, index) in s.counts {
            let file = s
                .files
                .get(f)
                .ok_or("a prompt's file is not in the saved list")?;
            counts.insert(key, (uses, (file.clone(), index)));
        }
        self.n = s.n;
        self.used = s.used;
        self.counts = counts;
        self.texts = s.texts.into_iter().collect();
        Ok(())
    }

    fn finish(mut self: Box<Self>, out: &mut Outputs) {
        out.set("system.usage_rate", rate(self.used, self.n));
        if self.used == 0 {
            return;
        }
        self.prune_texts();
        out.set("system.distinct", self.counts.len() as f64);
        let mut top: Vec<(&u64, &(u64, Position))> = self.counts.iter().collect();
        top.sort_by(|(_, (c, first)), (_, (d, second))| d.cmp(c).then_with(|| first.cmp(second)));
        out.set("system.top_share", rate(top[0].1 .0, self.used));
        let examples: Vec<Example> = top
            .iter()
            .filter_map(|(k, (c, _))| {
                self.texts.get(k).map(|s| Example {
                    record_id: s.id.clone(),
                    origin: s.origin.clone(),
                    text: s.text.clone(),
                    note: Some(format!("used by {c} samples")),
                })
            })
            .take(self.max_examples)
            .collect();
        out.examples.push(ExampleGroup {
            metric: "system.top_share".into(),
            title: "Most common system prompts".into(),
            examples,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Role;
    use crate::test_records::{assert_merges, outputs, record};

    fn records(n: u64, distinct: u64) -> Vec<Record> {
        (0..n)
            .map(|i| {
                let mut r = record(i, &[(Role::User, "q")]);
                if i % 5 != 0 {
                    // Prompt p is used by about twice as many samples as p + 1.
                    let p = (i * i + 3 * i) % distinct;
                    r.system = Some(format!("You are assistant number {p}."));
                }
                r
            })
            .collect()
    }

    #[test]
    fn merges_like_one_pass() {
        assert_merges(|| make(&AnalysisConfig::default()), &records(40, 9));
    }

    #[test]
    fn keeps_texts_of_the_earliest_prompts_under_any_split() {
        // More distinct prompts than texts kept, so pruning decides which are shown.
        let rs = records(
            3 * MAX_TRACKED_TEXTS as u64,
            2 * MAX_TRACKED_TEXTS as u64 + 7,
        );
        let out = outputs(make(&AnalysisConfig::default()), &rs);
        assert_eq!(out.examples[0].examples.len(), 5);
        assert_merges(|| make(&AnalysisConfig::default()), &rs);
    }
}
