//! Benchmark contamination: which benchmark items appear in the training data, found by
//! three strengths in one pass over every turn of every record.
//!
//! 1. [`ngram`]: exact word n-gram overlap (13-grams; shorter for short items).
//! 2. Near match: MinHash containment of a benchmark question, answer, or both, in a turn.
//! 3. Paraphrase: embedding similarity of user turns to benchmark questions, ranked for
//!    review. Paraphrase candidates are reported apart and are not counted in the rates.
//!
//! The benchmark files are read by the CLI (`--benchmark`); this module only sees items.

pub mod index;
pub mod matcher;
pub mod ngram;

pub use index::{benchmark_name, BenchItem, Benchmark, BenchmarkIndex, ContaminationConfig};
pub use matcher::{Hit, MatchScratch, Paraphraser, Strength};

use crate::dedup::snippets::{pos_of, Pos};
use crate::fasthash::{FastMap, FastSet};
use crate::record::Record;
use crate::registry::{AnalysisConfig, Direction, Metric, MetricDoc, MetricSpec, Provenance};
use crate::result::{Example, ExampleGroup, Outputs};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

pub const SPEC: MetricSpec = MetricSpec {
    module: module_path!(),
    family: "contamination",
    docs,
    make,
};

/// Evidence kept per benchmark for the examples: the best by [`Evidence::rank`], a total
/// order, so the kept set is the same however the input is split.
const KEPT_EVIDENCE: usize = 200;

fn docs() -> Vec<MetricDoc> {
    let d = |id, definition, direction| MetricDoc {
        id,
        definition,
        direction,
        provenance: Provenance::Basic,
    };
    use Direction::*;
    vec![
        d("contamination.<benchmark>.rate", "Share of analysed records holding an item of this benchmark (given with --benchmark; the name is the file name in lower case), found by exact word n-gram overlap (13-grams; 8-grams for benchmark questions of 8-12 words) or by MinHash near match (at least 70% of the word 3-grams of a benchmark question, answer or both estimated to be inside one turn; questions of 8+ words, answers of 13+). Every turn counts, system prompt and later turns included.", LowerIsBetter),
        d("contamination.<benchmark>.count", "Records holding an item of this benchmark (the numerator of the rate).", LowerIsBetter),
        d("contamination.<benchmark>.items", "Distinct items of this benchmark found in the data.", LowerIsBetter),
        d("contamination.<benchmark>.paraphrase_candidates", "Records not otherwise matched whose user turn has embedding cosine >= 0.9 to a question of this benchmark: candidates for review, not counted in the rate.", LowerIsBetter),
        d("contamination.any.rate", "Share of analysed records holding an item of any benchmark given (n-gram or near match).", LowerIsBetter),
        d("contamination.any.count", "Records holding an item of any benchmark given.", LowerIsBetter),
        d("contamination.any.ngram_count", "Contaminated records with exact n-gram evidence.", LowerIsBetter),
        d("contamination.any.near_count", "Contaminated records found only by MinHash near match (light edits).", LowerIsBetter),
        d("contamination.any.paraphrase_candidates", "Records flagged only by embedding similarity, for review.", LowerIsBetter),
    ]
}

fn make(c: &AnalysisConfig) -> Box<dyn Metric> {
    match &c.benchmarks {
        Some(index) => Box::new(Contamination::new(index.clone(), c.max_examples)),
        None => Box::new(Off),
    }
}

/// Without `--benchmark` the family reports nothing.
struct Off;
impl Metric for Off {
    fn observe(&mut self, _: &Record) {}
    fn merge(&mut self, _: Box<dyn Metric>) {}
    fn save(&self) -> Result<Vec<u8>, String> {
        Ok(Vec::new())
    }
    fn load(&mut self, _: &[u8]) -> Result<(), String> {
        Ok(())
    }
    fn finish(self: Box<Self>, _: &mut Outputs) {}
}

/// One piece of evidence kept for the examples, with its record's position.
#[derive(Serialize, Deserialize)]
struct Evidence {
    hit: Hit,
    pos: Pos,
    id: String,
    origin: String,
}

impl Evidence {
    /// Strongest first, then higher score, then by record position (a record gives at
    /// most one piece of evidence per benchmark), so the order is total.
    fn rank(&self, o: &Evidence) -> std::cmp::Ordering {
        self.hit
            .strength
            .cmp(&o.hit.strength)
            .then(o.hit.score.total_cmp(&self.hit.score))
            .then_with(|| self.pos.cmp(&o.pos))
            .then(self.hit.view.cmp(&o.hit.view))
            .then(self.hit.turn.cmp(&o.hit.turn))
    }
}

#[derive(Default, Serialize, Deserialize)]
struct PerBench {
    count: u64,
    paraphrase: u64,
    items: FastSet<u32>,
    evidence: Vec<Evidence>,
}

impl PerBench {
    /// Keeps the best [`KEPT_EVIDENCE`]; pruned in bulk so offers stay cheap.
    fn prune(&mut self, to: usize) {
        self.evidence.sort_by(Evidence::rank);
        self.evidence.truncate(to);
    }
}

/// Counts add and evidence is a best-k under a total order, so states merge exactly.
/// The per-record maps (`strong`, `meta`, `para_seen`) only serve records whose user
/// turns wait in the paraphrase batch: every turn of a record is queued at once and the
/// batch is embedded whole, so they are cleared at each flush, and a merge flushes both
/// sides first (each text is embedded and compared on its own, so where the batches
/// break changes no number).
pub struct Contamination {
    index: Arc<BenchmarkIndex>,
    scratch: MatchScratch,
    per: Vec<PerBench>,
    /// Benchmarks with strong evidence, per contaminated record waiting in the batch.
    strong: FastMap<u64, Vec<u16>>,
    /// Id, origin and position of records whose user turns wait in the paraphrase batch.
    meta: FastMap<u64, (String, String, Pos)>,
    pending: Vec<(u64, usize, String)>,
    any: u64,
    ngram: u64,
    near: u64,
    /// Records flagged only by paraphrase.
    para_records: u64,
    para_seen: FastMap<u64, Vec<u16>>,
    n: u64,
    max_examples: usize,
    error: Option<String>,
}

/// What [`Contamination::save`] writes: the per-benchmark counts, items and evidence,
/// the paraphrase batch with the per-record entries of its records (`strong`, `meta`,
/// `para_seen`), the counters and the error. The index and scratch are settings and
/// resources, kept from the fresh instance.
#[derive(Serialize, Deserialize)]
struct Saved<P, M, S> {
    per: P,
    pending: Vec<(u64, usize, String)>,
    strong: M,
    meta: S,
    para_seen: M,
    counts: [u64; 5],
    error: Option<String>,
}

impl Contamination {
    fn new(index: Arc<BenchmarkIndex>, max_examples: usize) -> Self {
        Contamination {
            per: index
                .benchmarks
                .iter()
                .map(|_| PerBench::default())
                .collect(),
            index,
            scratch: MatchScratch::default(),
            strong: FastMap::default(),
            meta: FastMap::default(),
            pending: Vec::new(),
            any: 0,
            ngram: 0,
            near: 0,
            para_records: 0,
            para_seen: FastMap::default(),
            n: 0,
            max_examples,
            error: None,
        }
    }

    fn keep(&mut self, bench: usize, hit: Hit, id: &str, origin: &str, pos: Pos) {
        let p = &mut self.per[bench];
        p.evidence.push(Evidence {
            hit,
            pos,
            id: id.to_string(),
            origin: origin.to_string(),
        });
        if p.evidence.len() >= 2 * KEPT_EVIDENCE {
            p.prune(KEPT_EVIDENCE);
        }
    }

    fn paraphrases(&mut self, found: Vec<(u64, Hit)>) {
        for (seq, hit) in found {
            let bench = self.index.views[hit.view as usize].bench;
            if self.strong.get(&seq).is_some_and(|b| b.contains(&bench)) {
                continue;
            }
            let seen = self.para_seen.entry(seq).or_default();
            if seen.contains(&bench) {
                continue;
            }
            let first = seen.is_empty();
            seen.push(bench);
            self.per[bench as usize].paraphrase += 1;
            if first && !self.strong.contains_key(&seq) {
                self.para_records += 1;
            }
            let (id, origin, pos) = self
                .meta
                .get(&seq)
                .cloned()
                .unwrap_or_else(|| (String::new(), String::new(), (Arc::from(""), seq)));
            self.keep(bench as usize, hit, &id, &origin, pos);
        }
    }

    /// Embeds and resolves the waiting paraphrase batch; afterwards no record waits, so
    /// the per-record maps are emptied.
    fn flush(&mut self) {
        let index = self.index.clone();
        if let Some(mut p) = Paraphraser::new(&index) {
            std::mem::swap(&mut self.pending, p.pending_mut());
            let found = p.flush();
            if let Some(e) = p.error.take() {
                self.error = Some(e);
            }
            self.paraphrases(found);
        }
        self.pending.clear();
        self.strong.clear();
        self.meta.clear();
        self.para_seen.clear();
    }
}

impl Metric for Contamination {
    fn observe(&mut self, r: &Record) {
        let seq = self.n;
        self.n += 1;
        let index = self.index.clone();
        let hits = index.match_record(r, &mut self.scratch);
        if !hits.is_empty() {
            self.any += 1;
            match hits[0].strength {
                Strength::Ngram => self.ngram += 1,
                _ => self.near += 1,
            }
            let origin = r.origin.to_string();
            let mut benches: Vec<u16> = Vec::new();
            for h in hits {
                let v = index.views[h.view as usize];
                self.per[v.bench as usize].items.insert(v.item);
                if !benches.contains(&v.bench) {
                    benches.push(v.bench);
                    self.per[v.bench as usize].count += 1;
                    self.keep(v.bench as usize, h, &r.id, &origin, pos_of(r));
                }
            }
            self.strong.insert(seq, benches);
        }
        if let Some(mut p) = Paraphraser::new(&index) {
            // The paraphraser borrows the index, so its queue lives in `self.pending`.
            std::mem::swap(&mut self.pending, p.pending_mut());
            self.meta
                .insert(seq, (r.id.clone(), r.origin.to_string(), pos_of(r)));
            let found = p.offer(seq, r);
            let flushed = p.pending_mut().is_empty();
            if let Some(e) = p.error.take() {
                self.error = Some(e);
            }
            std::mem::swap(&mut self.pending, p.pending_mut());
            self.paraphrases(found);
            if flushed {
                self.strong.clear();
                self.meta.clear();
                self.para_seen.clear();
            }
        }
    }

    fn merge(&mut self, other: Box<dyn Metric>) {
        let mut o: Contamination = crate::registry::merged(other);
        self.flush();
        o.flush();
        for (p, q) in self.per.iter_mut().zip(o.per) {
            p.count += q.count;
            p.paraphrase += q.paraphrase;
            p.items.extend(q.items);
            p.evidence.extend(q.evidence);
            if p.evidence.len() >= 2 * KEPT_EVIDENCE {
                p.prune(KEPT_EVIDENCE);
            }
        }
        self.any += o.any;
        self.ngram += o.ngram;
        self.near += o.near;
        self.para_records += o.para_records;
        self.n += o.n;
        // Either failure stops the paraphrase check; the smaller message, so the merge
        // order is moot.
        self.error = match (self.error.take(), o.error) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }

    /// Only the entries of records waiting in the paraphrase batch are saved: the others
    /// are never read again (without an embedder, `strong` is otherwise kept until a
    /// merge clears it).
    fn save(&self) -> Result<Vec<u8>, String> {
        let waiting: FastSet<u64> = self.pending.iter().map(|p| p.0).collect();
        let of = |m: &FastMap<u64, Vec<u16>>| -> Vec<(u64, Vec<u16>)> {
            m.iter()
                .filter(|(s, _)| waiting.contains(s))
                .map(|(s, b)| (*s, b.clone()))
                .collect()
        };
        let meta: Vec<(u64, &(String, String, Pos))> = self
            .meta
            .iter()
            .filter(|(s, _)| waiting.contains(s))
            .map(|(s, m)| (*s, m))
            .collect();
        crate::state::encode(&Saved {
            per: &self.per,
            pending: self.pending.clone(),
            strong: of(&self.strong),
            meta,
            para_seen: of(&self.para_seen),
            counts: [self.any, self.ngram, self.near, self.para_records, self.n],
            error: self.error.clone(),
        })
    }

    fn load(&mut self, saved: &[u8]) -> Result<(), String> {
        type Owned = Saved<Vec<PerBench>, Vec<(u64, Vec<u16>)>, Vec<(u64, (String, String, Pos))>>;
        let s: Owned = crate::state::decode(saved)?;
        if s.per.len() != self.per.len() {
            return Err(format!(
                "{} benchmarks saved, {} given",
                s.per.len(),
                self.per.len()
            ));
        }
        self.per = s.per;
        self.pending = s.pending;
        self.strong = s.strong.into_iter().collect();
        self.meta = s.meta.into_iter().collect();
        self.para_seen = s.para_seen.into_iter().collect();
        [self.any, self.ngram, self.near, self.para_records, self.n] = s.counts;
        self.error = s.error;
        Ok(())
    }

    fn finish(mut self: Box<Self>, out: &mut Outputs) {
        let index = self.index.clone();
        self.flush();
        let n = self.n;
        for (b, bench) in index.benchmarks.iter().enumerate() {
            let p = &mut self.per[b];
            let name = &bench.name;
            out.set_rate(format!("contamination.{name}.rate"), p.count, n);
            out.set(format!("contamination.{name}.count"), p.count as f64);
            out.set(format!("contamination.{name}.items"), p.items.len() as f64);
            out.set(
                format!("contamination.{name}.paraphrase_candidates"),
                p.paraphrase as f64,
            );
            p.prune(KEPT_EVIDENCE);
            let examples: Vec<Example> = p
                .evidence
                .iter()
                .take(self.max_examples.max(1) * 2)
                .map(
                    |Evidence {
                         hit: h, id, origin, ..
                     }| {
                        let (_, item) = index.item(h.view);
                        let turn = if h.turn == 0 {
                            "system prompt".to_string()
                        } else {
                            format!("turn {}", h.turn)
                        };
                        Example {
                            record_id: id.clone(),
                            origin: origin.clone(),
                            text: h.span.clone(),
                            note: Some(format!(
                                "{name} item {} · {} · {turn} · {}",
                                item.id,
                                h.strength.as_str(),
                                h.detail
                            )),
                        }
                    },
                )
                .collect();
            if !examples.is_empty() {
                out.examples.push(ExampleGroup {
                    metric: format!("contamination.{name}.rate"),
                    title: format!(
                        "Training records holding {name} items (strongest evidence first)"
                    ),
                    examples,
                });
            }
        }
        out.set_rate("contamination.any.rate", self.any, n);
        out.set("contamination.any.count", self.any as f64);
        out.set("contamination.any.ngram_count", self.ngram as f64);
        out.set("contamination.any.near_count", self.near as f64);
        out.set(
            "contamination.any.paraphrase_candidates",
            self.para_records as f64,
        );
        let mut method = index.describe();
        if let Some(e) = &self.error {
            method.push_str(&format!(
                " Paraphrase check stopped: the embedder failed ({e})."
            ));
        }
        out.methods.insert("contamination".into(), method);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Role;
    use crate::test_records::{assert_merges, outputs, record};

    const QUESTIONS: [&str; 6] = [
        "What is the capital city of the country that hosted the first modern Olympic games in 1896",
        "How many prime numbers are there between one and one hundred when counted by hand",
        "Which element has the chemical symbol Fe and is the main component of steel alloys",
        "If a train leaves at noon travelling sixty miles per hour when does it reach the coast",
        "Name the author who wrote the novel about a white whale and a captain seeking revenge",
        "Explain why the sky appears blue during the day but red and orange during the sunset",
    ];

    fn index() -> Arc<BenchmarkIndex> {
        let items = QUESTIONS
            .iter()
            .enumerate()
            .map(|(i, q)| BenchItem {
                id: format!("q{i}"),
                question: q.to_string(),
                answer: (i % 2 == 0)
                    .then(|| format!("The answer to item {i} is written here in full words")),
            })
            .collect();
        let bench = |name: &str, items| Benchmark {
            name: name.into(),
            path: format!("{name}.jsonl"),
            fields: "question=question".into(),
            items,
        };
        let other = vec![BenchItem {
            id: "o0".into(),
            question: QUESTIONS[1].into(),
            answer: None,
        }];
        Arc::new(
            BenchmarkIndex::build(
                vec![bench("quiz", items), bench("other", other)],
                ContaminationConfig::default(),
                Some(crate::embed::default_embedder()),
            )
            .unwrap(),
        )
    }

    #[test]
    fn merges_like_one_pass() {
        use Role::*;
        let records: Vec<Record> = (0..40u64)
            .map(|i| {
                let q = QUESTIONS[(i * 5 % 6) as usize];
                let user = match i % 5 {
                    // Verbatim: n-gram evidence.
                    0 => q.to_string(),
                    // Inside a longer turn.
                    1 => format!("Please help me. {q}? Thanks a lot."),
                    // One word changed mid-question: no 13-gram left, a near match.
                    2 => {
                        let mut w: Vec<&str> = q.split(' ').collect();
                        let mid = w.len() / 2;
                        w[mid] = "zzz";
                        w.join(" ")
                    }
                    3 => format!("Tell me a story about a cat number {i} that likes naps."),
                    _ => q.split(' ').rev().collect::<Vec<_>>().join(" "),
                };
                record(
                    i,
                    &[
                        (System, "You are helpful."),
                        (User, &user),
                        (Assistant, "ok"),
                    ],
                )
            })
            .collect();
        let c = AnalysisConfig {
            benchmarks: Some(index()),
            max_examples: 2,
            ..AnalysisConfig::default()
        };
        let out = outputs(make(&c), &records);
        assert!(out.get("contamination.quiz.count").unwrap() >= 10.0);
        assert!(out.get("contamination.other.count").unwrap() >= 1.0);
        assert!(out.get("contamination.any.paraphrase_candidates").unwrap() >= 1.0);
        assert!(out.get("contamination.any.near_count").unwrap() >= 1.0);
        assert_merges(|| make(&c), &records);
        // Without benchmarks the family is off, and merges as such.
        assert_merges(|| make(&AnalysisConfig::default()), &records);
    }
}
