//! The benchmark side: items, their views, and the three indexes built over them.

use super::ngram::{n_for, NgramIndex, Words};
use crate::dedup::lsh::{NearConfig, Scratch, SignatureStore};
use crate::embed::Embedder;
use crate::fasthash::FastMap;
use std::sync::Arc;

/// One benchmark item with the text fields picked from its row.
#[derive(Clone, Debug, PartialEq)]
pub struct BenchItem {
    pub id: String,
    pub question: String,
    pub answer: Option<String>,
}

/// A loaded benchmark file.
#[derive(Clone, Debug)]
pub struct Benchmark {
    /// Used in metric ids: lower case letters, digits and `_` (from the file name).
    pub name: String,
    pub path: String,
    /// Which fields were picked, e.g. `question=question, answer=answer`.
    pub fields: String,
    pub items: Vec<BenchItem>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ViewKind {
    Question,
    Answer,
    /// Question and answer together: a training turn that holds both.
    Both,
}

impl ViewKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ViewKind::Question => "question",
            ViewKind::Answer => "answer",
            ViewKind::Both => "question+answer",
        }
    }
}

#[derive(Clone, Copy, Debug)]
pub struct View {
    pub bench: u16,
    pub item: u32,
    pub kind: ViewKind,
    /// Shingles in the view's MinHash set (for containment estimates).
    pub shingles: u32,
    /// Whether the view is long enough for near matching (the n-gram rule's lengths:
    /// 8 words for questions, 13 for answers); shorter texts are too generic.
    pub near: bool,
}

/// Which strengths run, and their thresholds.
///
/// Near matching uses word 3-grams rather than the character 5-grams of dedup: benchmark
/// items often share a template and differ only in names and numbers, and a changed word
/// removes three word 3-grams but only a few character 5-grams, so word 3-grams separate a
/// lightly edited copy (two or three words changed) from a sibling item (every slot changed).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ContaminationConfig {
    pub ngram: bool,
    pub near: bool,
    pub paraphrase: bool,
    pub near_config: NearConfig,
    /// Estimated share of a benchmark view's shingles found in a training turn.
    pub near_threshold: f32,
    /// Cosine similarity of a user turn to a benchmark question that makes it a
    /// paraphrase candidate.
    pub paraphrase_threshold: f32,
}

impl Default for ContaminationConfig {
    fn default() -> Self {
        ContaminationConfig {
            ngram: true,
            near: true,
            paraphrase: true,
            near_config: NearConfig {
                shingling: crate::dedup::shingle::Shingling {
                    kind: crate::dedup::shingle::ShingleKind::Word,
                    size: 3,
                },
                ..NearConfig::default()
            },
            near_threshold: 0.7,
            paraphrase_threshold: 0.9,
        }
    }
}

pub struct BenchmarkIndex {
    pub benchmarks: Vec<Benchmark>,
    pub config: ContaminationConfig,
    pub views: Vec<View>,
    pub ngrams: NgramIndex,
    pub signatures: SignatureStore,
    /// Per LSH band: band key -> views.
    pub bands: Vec<FastMap<u32, Vec<u32>>>,
    /// Embedder and unit question embeddings (`questions × dim`) with their view ids.
    pub embedder: Option<Arc<dyn Embedder>>,
    pub question_vectors: Vec<f32>,
    pub question_views: Vec<u32>,
}

impl std::fmt::Debug for BenchmarkIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "BenchmarkIndex({} benchmarks, {} views, {} n-grams)",
            self.benchmarks.len(),
            self.views.len(),
            self.ngrams.len()
        )
    }
}

impl BenchmarkIndex {
    pub fn build(
        benchmarks: Vec<Benchmark>,
        config: ContaminationConfig,
        embedder: Option<Arc<dyn Embedder>>,
    ) -> Result<Self, String> {
        let mut views = Vec::new();
        let mut ngrams = NgramIndex::default();
        let mut signatures = SignatureStore::new(config.near_config);
        let mut scratch = Scratch::default();
        let mut words = Words::default();
        let mut questions: Vec<(u32, &str)> = Vec::new();
        let benchmarks_ref = &benchmarks;
        for (b, bench) in benchmarks_ref.iter().enumerate() {
            for (i, item) in bench.items.iter().enumerate() {
                let both = item
                    .answer
                    .as_ref()
                    .map(|a| format!("{}\n{}", item.question, a));
                let texts = [
                    (ViewKind::Question, Some(item.question.as_str())),
                    (ViewKind::Answer, item.answer.as_deref()),
                    (ViewKind::Both, both.as_deref()),
                ];
                for (kind, text) in texts {
                    let Some(text) = text.filter(|t| !t.trim().is_empty()) else {
                        continue;
                    };
                    let id = views.len() as u32;
                    let shingles = signatures.push(Some(text), &mut scratch);
                    words.fill(text);
                    let n = n_for(words.len(), kind == ViewKind::Answer);
                    views.push(View {
                        bench: b as u16,
                        item: i as u32,
                        kind,
                        shingles: shingles as u32,
                        near: n.is_some(),
                    });
                    if let (Some(n), false) = (n, kind == ViewKind::Both) {
                        ngrams.add(id, &words, n);
                    }
                    if kind == ViewKind::Question {
                        questions.push((id, item.question.as_str()));
                    }
                }
            }
        }
        let rows = config.near_config.rows();
        let mut bands: Vec<FastMap<u32, Vec<u32>>> = (0..config.near_config.bands)
            .map(|_| FastMap::default())
            .collect();
        for (v, view) in views.iter().enumerate() {
            if !signatures.present(v) || !view.near {
                continue;
            }
            let sig = signatures.signature(v);
            for (band, map) in bands.iter_mut().enumerate() {
                map.entry(band_key(&sig[band * rows..(band + 1) * rows]))
                    .or_default()
                    .push(v as u32);
            }
        }
        let (mut question_vectors, mut question_views) = (Vec::new(), Vec::new());
        let embedder = if config.paraphrase { embedder } else { None };
        if let Some(e) = &embedder {
            for chunk in questions.chunks(e.batch_size().max(1)) {
                let texts: Vec<&str> = chunk.iter().map(|q| q.1).collect();
                let v = e
                    .embed(&texts)
                    .map_err(|err| format!("embedding benchmark questions: {err}"))?;
                for ((id, _), row) in chunk.iter().zip(v.chunks_exact(e.dim())) {
                    if row.iter().any(|x| *x != 0.0) {
                        question_vectors.extend_from_slice(row);
                        question_views.push(*id);
                    }
                }
            }
        }
        Ok(BenchmarkIndex {
            benchmarks,
            config,
            views,
            ngrams,
            signatures,
            bands,
            embedder,
            question_vectors,
            question_views,
        })
    }

    pub fn item(&self, view: u32) -> (&Benchmark, &BenchItem) {
        let v = &self.views[view as usize];
        let b = &self.benchmarks[v.bench as usize];
        (b, &b.items[v.item as usize])
    }

    pub fn items(&self) -> usize {
        self.benchmarks.iter().map(|b| b.items.len()).sum()
    }

    pub fn describe(&self) -> String {
        let names: Vec<String> = self
            .benchmarks
            .iter()
            .map(|b| {
                format!(
                    "{} ({} items from {}; {})",
                    b.name,
                    b.items.len(),
                    b.path,
                    b.fields
                )
            })
            .collect();
        let c = &self.config;
        format!(
            "Benchmarks: {}. Strengths: exact word n-grams ({}; 13-grams, 8-grams for questions of 8-12 words, none below), \
             near match by MinHash ({}; a training turn contains at least {:.0}% of a benchmark question, answer or both, estimated from \
             {} permutations over {} {}-grams), paraphrase by embedding ({}; user turns with cosine >= {} to a benchmark question, \
             ranked for review and not removed). Every turn is checked on its own.",
            names.join("; "),
            on(c.ngram),
            on(c.near),
            c.near_threshold * 100.0,
            c.near_config.num_perm,
            c.near_config.shingling.kind.as_str(),
            c.near_config.shingling.size,
            if self.embedder.is_some() { "on" } else { "off" },
            c.paraphrase_threshold
        )
    }
}

fn on(b: bool) -> &'static str {
    if b {
        "on"
    } else {
        "off"
    }
}

/// Band key for the benchmark LSH tables (same packing as the dedup store).
pub fn band_key(part: &[u8]) -> u32 {
    if part.len() <= 4 {
        let mut b = [0u8; 4];
        b[..part.len()].copy_from_slice(part);
        u32::from_le_bytes(b)
    } else {
        xxhash_rust::xxh3::xxh3_64(part) as u32
    }
}

/// A benchmark name fit for metric ids: `GSM8K test.jsonl` -> `gsm8k_test`.
pub fn benchmark_name(file_stem: &str) -> String {
    let mut s: String = file_stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    while s.contains("__") {
        s = s.replace("__", "_");
    }
    let s = s.trim_matches('_').to_string();
    if s.is_empty() || s == "any" {
        format!("benchmark_{s}")
    } else {
        s
    }
}
