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

use crate::fasthash::{FastMap, FastSet};
use crate::record::Record;
use crate::registry::{AnalysisConfig, Direction, Metric, MetricDoc, MetricSpec, Provenance};
use crate::result::{Example, ExampleGroup, Outputs};
use std::sync::Arc;

pub const SPEC: MetricSpec = MetricSpec {
    module: module_path!(),
    family: "contamination",
    docs,
    make,
};

/// Evidence kept per benchmark for the examples, before the best are chosen.
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
    fn finish(self: Box<Self>, _: &mut Outputs) {}
}

#[derive(Default)]
struct PerBench {
    count: u64,
    paraphrase: u64,
    items: FastSet<u32>,
    evidence: Vec<(Hit, String, String)>,
}

pub struct Contamination {
    index: Arc<BenchmarkIndex>,
    scratch: MatchScratch,
    per: Vec<PerBench>,
    /// Benchmarks with strong evidence, per contaminated record (for paraphrase dedup).
    strong: FastMap<u64, Vec<u16>>,
    /// Id and origin of records whose user turns wait in the paraphrase batch.
    meta: FastMap<u64, (String, String)>,
    pending: Vec<(u64, usize, String)>,
    any: u64,
    ngram: u64,
    near: u64,
    para_records: FastSet<u64>,
    para_seen: FastMap<u64, Vec<u16>>,
    n: u64,
    max_examples: usize,
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
            para_records: FastSet::default(),
            para_seen: FastMap::default(),
            n: 0,
            max_examples,
            error: None,
        }
    }

    fn keep(&mut self, bench: usize, hit: Hit, id: &str, origin: &str) {
        let p = &mut self.per[bench];
        if p.evidence.len() < KEPT_EVIDENCE {
            p.evidence.push((hit, id.to_string(), origin.to_string()));
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
            seen.push(bench);
            self.per[bench as usize].paraphrase += 1;
            if !self.strong.contains_key(&seq) {
                self.para_records.insert(seq);
            }
            let (id, origin) = self.meta.get(&seq).cloned().unwrap_or_default();
            self.keep(bench as usize, hit, &id, &origin);
        }
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
                    self.keep(v.bench as usize, h, &r.id, &origin);
                }
            }
            self.strong.insert(seq, benches);
        }
        if let Some(mut p) = Paraphraser::new(&index) {
            // The paraphraser borrows the index, so its queue lives in `self.pending`.
            std::mem::swap(&mut self.pending, p.pending_mut());
            self.meta.insert(seq, (r.id.clone(), r.origin.to_string()));
            let found = p.offer(seq, r);
            let flushed = p.pending_mut().is_empty();
            if let Some(e) = p.error.take() {
                self.error = Some(e);
            }
            std::mem::swap(&mut self.pending, p.pending_mut());
            self.paraphrases(found);
            if flushed {
                self.meta.clear();
            }
        }
    }

    fn finish(mut self: Box<Self>, out: &mut Outputs) {
        let index = self.index.clone();
        if let Some(mut p) = Paraphraser::new(&index) {
            std::mem::swap(&mut self.pending, p.pending_mut());
            let found = p.flush();
            if let Some(e) = p.error.take() {
                self.error = Some(e);
            }
            self.paraphrases(found);
        }
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
            p.evidence.sort_by(|a, b| {
                a.0.strength
                    .cmp(&b.0.strength)
                    .then(b.0.score.total_cmp(&a.0.score))
            });
            let examples: Vec<Example> = p
                .evidence
                .iter()
                .take(self.max_examples.max(1) * 2)
                .map(|(h, id, origin)| {
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
                })
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
            self.para_records.len() as f64,
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
