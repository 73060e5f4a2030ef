//! Matching training records against a [`BenchmarkIndex`], turn by turn.

use super::index::{band_key, BenchmarkIndex, ViewKind};
use super::ngram::Words;
use crate::cluster::matrix::dots;
use crate::dedup::lsh::Scratch;
use crate::dedup::minhash::{containment, estimate_jaccard};
use crate::dedup::shingle::{normalize_near, shingles};
use crate::record::{Record, Role};
use crate::text::truncate_chars;

/// How a record was found, strongest first (the derived order is by strength).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum Strength {
    /// A shared word n-gram.
    Ngram,
    /// MinHash containment of a benchmark text in the turn.
    Near,
    /// Embedding similarity to a benchmark question: a candidate for review.
    Paraphrase,
}

impl Strength {
    pub fn as_str(self) -> &'static str {
        match self {
            Strength::Ngram => "ngram",
            Strength::Near => "near",
            Strength::Paraphrase => "paraphrase",
        }
    }
}

/// One piece of evidence that a record holds a benchmark item.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Hit {
    pub view: u32,
    pub strength: Strength,
    /// Turn the evidence is in: 0 for the system prompt, else 1-based position among the
    /// conversation turns (prompt, then chosen, then rejected side).
    pub turn: usize,
    /// n-gram: share of the benchmark text's words covered; near: estimated containment;
    /// paraphrase: cosine similarity.
    pub score: f32,
    /// The overlapping span (n-gram), or the start of the matching turn.
    pub span: String,
    pub detail: String,
}

/// Scratch space for [`BenchmarkIndex::match_record`].
#[derive(Default)]
pub struct MatchScratch {
    words: Words,
    hits: Vec<(u32, u32, u8)>,
    near: Scratch,
    sig: Vec<u8>,
    cands: Vec<u32>,
    view_words: Words,
}

const SPAN_CHARS: usize = 240;

/// The turns checked, with their position numbers and roles.
pub fn turns(r: &Record) -> Vec<(usize, Role, &str)> {
    let mut out = Vec::new();
    if let Some(s) = &r.system {
        out.push((0, Role::System, s.as_str()));
    }
    let rejected = r.preference.iter().flat_map(|p| p.rejected.iter());
    for (i, t) in r.conversation().chain(rejected).enumerate() {
        out.push((i + 1, t.role, t.text.as_str()));
    }
    out
}

impl BenchmarkIndex {
    /// n-gram and near evidence for one record: the strongest hit per benchmark item,
    /// strongest first. Paraphrase evidence comes from [`Paraphraser`].
    pub fn match_record(&self, r: &Record, s: &mut MatchScratch) -> Vec<Hit> {
        let mut out: Vec<Hit> = Vec::new();
        for (turn, _, text) in turns(r) {
            if self.config.ngram && !self.ngrams.is_empty() {
                s.words.fill(text);
                for m in self.ngrams.find(&s.words, &mut s.hits) {
                    let (_, item) = self.item(m.view);
                    let v = &self.views[m.view as usize];
                    let src = if v.kind == ViewKind::Answer {
                        item.answer.as_deref().unwrap_or("")
                    } else {
                        item.question.as_str()
                    };
                    s.view_words.fill(src);
                    let share = m.matched_words as f32 / s.view_words.len().max(1) as f32;
                    out.push(Hit {
                        view: m.view,
                        strength: Strength::Ngram,
                        turn,
                        score: share.min(1.0),
                        span: truncate_chars(s.words.span(m.span.0, m.span.1), SPAN_CHARS),
                        detail: format!(
                            "{}-gram overlap: {} words in a row, {} of the benchmark {}'s {} words covered",
                            m.n,
                            m.span.1 - m.span.0,
                            m.matched_words.min(s.view_words.len()),
                            v.kind.as_str(),
                            s.view_words.len()
                        ),
                    });
                }
            }
            if self.config.near && !self.views.is_empty() {
                self.near_turn(turn, text, s, &mut out);
            }
        }
        best_per_item(self, out)
    }

    fn near_turn(&self, turn: usize, text: &str, s: &mut MatchScratch, out: &mut Vec<Hit>) {
        let cfg = self.config.near_config;
        normalize_near(text, &mut s.near.norm);
        shingles(&s.near.norm, cfg.shingling, &mut s.near.shingles);
        if s.near.shingles.is_empty() {
            return;
        }
        let n_shingles = s.near.shingles.len();
        s.sig.clear();
        self.signatures
            .hasher()
            .signature_into(&s.near.shingles, &mut s.near.mins, &mut s.sig);
        let rows = cfg.rows();
        s.cands.clear();
        for (band, map) in self.bands.iter().enumerate() {
            if let Some(vs) = map.get(&band_key(&s.sig[band * rows..(band + 1) * rows])) {
                s.cands.extend_from_slice(vs);
            }
        }
        s.cands.sort_unstable();
        s.cands.dedup();
        for &v in &s.cands {
            let view = &self.views[v as usize];
            let j = estimate_jaccard(&s.sig, self.signatures.signature(v as usize));
            let c = containment(j, n_shingles, view.shingles as usize);
            if c >= self.config.near_threshold {
                out.push(Hit {
                    view: v,
                    strength: Strength::Near,
                    turn,
                    score: c,
                    span: truncate_chars(text.trim(), SPAN_CHARS),
                    detail: format!(
                        "near match: about {:.0}% of the benchmark {} is in this turn (estimated Jaccard {:.2})",
                        c * 100.0,
                        view.kind.as_str(),
                        j
                    ),
                });
            }
        }
    }
}

/// Keeps the strongest hit per benchmark item (ties: higher score, earlier turn), and
/// orders the result strongest first.
pub fn best_per_item(index: &BenchmarkIndex, mut hits: Vec<Hit>) -> Vec<Hit> {
    let key = |h: &Hit| {
        let v = &index.views[h.view as usize];
        (v.bench, v.item)
    };
    hits.sort_by(|a, b| {
        key(a)
            .cmp(&key(b))
            .then(a.strength.cmp(&b.strength))
            .then(b.score.total_cmp(&a.score))
            .then(a.turn.cmp(&b.turn))
    });
    hits.dedup_by(|b, a| key(a) == key(b));
    hits.sort_by(|a, b| {
        a.strength
            .cmp(&b.strength)
            .then(b.score.total_cmp(&a.score))
            .then(key(a).cmp(&key(b)))
    });
    hits
}

/// Embeds user turns in batches and compares them with every benchmark question.
pub struct Paraphraser<'a> {
    index: &'a BenchmarkIndex,
    pending: Vec<(u64, usize, String)>,
    tile: Vec<f32>,
    pub error: Option<String>,
}

impl<'a> Paraphraser<'a> {
    /// `None` when the index has no embedder or no question vectors.
    pub fn new(index: &'a BenchmarkIndex) -> Option<Self> {
        (index.embedder.is_some() && !index.question_views.is_empty()).then(|| Paraphraser {
            index,
            pending: Vec::new(),
            tile: Vec::new(),
            error: None,
        })
    }

    /// The queue of turns waiting to be embedded (callers that keep the paraphraser only
    /// for one call park the queue elsewhere between calls).
    pub fn pending_mut(&mut self) -> &mut Vec<(u64, usize, String)> {
        &mut self.pending
    }

    /// Queues the user turns of record `seq`; returns evidence for any full batch.
    pub fn offer(&mut self, seq: u64, r: &Record) -> Vec<(u64, Hit)> {
        for (turn, role, text) in turns(r) {
            if role == Role::User && !text.trim().is_empty() {
                self.pending.push((seq, turn, text.to_string()));
            }
        }
        let batch = self.index.embedder.as_ref().map_or(512, |e| e.batch_size());
        if self.pending.len() >= batch {
            self.flush()
        } else {
            Vec::new()
        }
    }

    /// Embeds what is queued: for each turn, its most similar benchmark question when
    /// the similarity reaches the threshold.
    pub fn flush(&mut self) -> Vec<(u64, Hit)> {
        let Some(e) = self.index.embedder.as_ref() else {
            return Vec::new();
        };
        if self.pending.is_empty() || self.error.is_some() {
            self.pending.clear();
            return Vec::new();
        }
        let texts: Vec<&str> = self.pending.iter().map(|p| p.2.as_str()).collect();
        let vecs = match e.embed(&texts) {
            Ok(v) => v,
            Err(err) => {
                self.error = Some(err.to_string());
                self.pending.clear();
                return Vec::new();
            }
        };
        let dim = e.dim();
        dots(&vecs, &self.index.question_vectors, dim, &mut self.tile);
        let nq = self.index.question_views.len();
        let mut out = Vec::new();
        for (i, (seq, turn, text)) in self.pending.iter().enumerate() {
            let row = &self.tile[i * nq..(i + 1) * nq];
            let (best, sim) =
                row.iter()
                    .enumerate()
                    .fold((0, f32::MIN), |b, (j, &s)| if s > b.1 { (j, s) } else { b });
            if sim >= self.index.config.paraphrase_threshold {
                out.push((
                    *seq,
                    Hit {
                        view: self.index.question_views[best],
                        strength: Strength::Paraphrase,
                        turn: *turn,
                        score: sim,
                        span: truncate_chars(text.trim(), SPAN_CHARS),
                        detail: format!("paraphrase candidate: cosine {sim:.3} to the benchmark question (embedder {})", e.name()),
                    },
                ));
            }
        }
        self.pending.clear();
        out
    }
}
