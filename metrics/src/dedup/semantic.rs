//! The `dedup.semantic` metric: samples whose embeddings have cosine similarity at least
//! the threshold are duplicates; clusters are the connected components of that graph.
//!
//! The pairs come from [`super::search`]: all pairs below 5,000 texts, seeded
//! random-hyperplane LSH with every candidate verified by its exact cosine above (recall
//! at least 0.99 of all pairs, measured there). Embeddings are kept in 16-bit fixed point, `dim × 2`
//! bytes per text and part (256 bytes with the built-in 128-dim static embedder, so up to
//! 768 bytes per record for instruction, response and sample; one part at a time is
//! widened to f32 for its search); every record is embedded unless
//! `AnalysisConfig::dedup.semantic_max_records` is lowered (then the records first by
//! position are, documented in the methods note), and rates are over the embedded
//! records.

use super::clusters::Clusters;
use super::d;
use super::images;
use super::parts::{response_chars, Part, PARTS};
use super::report::{write_part, PartReport};
use super::search::{search, Components, PairSearch};
use super::snippets::{pos_of, Pos, SavedPositions, Snippets};
use super::union_find::UnionFind;
use crate::cluster::Rows;
use crate::embed::{default_embedder, Embedder};
use crate::record::Record;
use crate::registry::{merged, AnalysisConfig, Direction, Metric, MetricDoc, MetricSpec};
use crate::result::{Outputs, NO_RESPONSES};
use rayon::prelude::*;
use std::collections::BinaryHeap;
use std::sync::Arc;

pub const SPEC: MetricSpec = MetricSpec {
    module: module_path!(),
    family: "dedup.semantic",
    docs,
    make,
};

fn docs() -> Vec<MetricDoc> {
    use Direction::*;
    vec![
        d("dedup.semantic.<part>_count", "Samples a semantic dedup would remove: members of clusters of texts whose sentence embeddings (the --embedder) have cosine similarity >= 0.95 (--semantic-threshold), other than each cluster's representative (longest response, then first seen). Only samples whose images match are compared (as for dedup.exact and dedup.near: the same references, or with --image-root the same decoded pixels). Part: instruction, response or sample. Candidate pairs come from seeded random-hyperplane LSH on mean-centred embeddings (32 tables of round(log2 n) - 2 bits; all pairs below 5,000 records), each verified by its exact cosine: no false pairs, recall >= 0.99 of the all-pairs search (measured). Over every record unless --semantic-max-records caps it; memory: the embeddings in 16-bit fixed point, dim x 2 bytes per text and part (256 B with the 128-dim static embedder, up to 768 B per record), one part at a time widened to f32 (dim x 4 bytes per text) for its search, plus 8 bytes per record for the hash table and 8 for its image group. Cosines are of the 16-bit rows (within about 1e-4 of f32, typically 1e-6).", LowerIsBetter),
        d("dedup.semantic.instruction_rate", "dedup.semantic.instruction_count / dedup.semantic.records.", LowerIsBetter),
        d("dedup.semantic.response_rate", "dedup.semantic.response_count / the embedded records that have a response. dedup.semantic.response_count and this rate are not measured when no record has a response (\"the data has no responses\").", LowerIsBetter),
        d("dedup.semantic.sample_rate", "dedup.semantic.sample_count / dedup.semantic.records.", LowerIsBetter),
        d("dedup.semantic.clusters", "Semantic duplicate clusters of whole samples.", Neutral),
        d("dedup.semantic.largest_cluster", "Samples in the largest semantic duplicate cluster.", LowerIsBetter),
        d("dedup.semantic.records", "Records embedded for semantic dedup: all of them, or the first --semantic-max-records.", Neutral),
    ]
}

/// The embeddings of one stream of texts, each row tagged with its record's number.
///
/// Embedders that need no fit (the built-in static model) embed as texts arrive, a batch
/// at a time: that is the expensive step, and doing it in `observe` spreads it over the
/// chunks the engine observes in parallel. Each text is embedded on its own, so batches
/// (and therefore splits) change no number. Corpus-fitted embedders (the lexical IDF)
/// would depend on which texts they were fitted on: fitting on the first batch made the
/// vectors depend on how the input was split. So their texts are kept until [`flush`]
/// (at finish), put in record order, the embedder is fitted on all of them (an IDF is
/// document frequencies: the same for any split) and they are embedded then, in
/// parallel batches. Embedders whose vectors depend on their batch-mates (a transformer
/// pads each batch: [`Embedder::batch_invariant`]) are deferred the same way, so their
/// batches are fixed by record position rather than by which thread saw what. That costs the texts' memory instead of the vectors' until the end,
/// bounded like the vectors by the records embedded (`--semantic-max-records`).
///
/// [`flush`]: Vectors::flush
pub struct Vectors {
    embedder: Arc<dyn Embedder>,
    /// Whether texts wait for finish: a corpus-fitted embedder (its `fit` returns a fitted
    /// copy) or a batch-dependent one.
    deferred: bool,
    dim: usize,
    pending: Vec<(u32, String)>,
    /// The rows in 16-bit fixed point ([`quantize`]): half the memory of f32, which is
    /// what lets semantic dedup cover every record of a 1M dataset within 2 GB.
    data: Vec<i16>,
    /// Record sequence number of each stored row.
    pub seq_of_row: Vec<u32>,
    pub error: Option<String>,
}

impl Vectors {
    pub fn new(embedder: Arc<dyn Embedder>) -> Self {
        let dim = embedder.dim();
        // Fitting on nothing is cheap and tells a corpus-fitted embedder from a fixed one.
        // Both a corpus fit and a batch-dependent embedder (a transformer) wait for finish,
        // where texts are embedded in batches fixed by record position.
        let deferred = embedder.fit(&[]).is_some() || !embedder.batch_invariant();
        Vectors {
            embedder,
            deferred,
            dim,
            pending: Vec::new(),
            data: Vec::new(),
            seq_of_row: Vec::new(),
            error: None,
        }
    }

    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Whether texts wait for [`Vectors::flush`] (a corpus fit, or fixed batches).
    pub fn deferred(&self) -> bool {
        self.deferred
    }

    /// Why this stream's state cannot go into a partial result file: a deferred embedder
    /// keeps every text until finish. `None` for a per-record embedder.
    fn unsaveable(&self) -> Option<String> {
        if !self.deferred {
            return None;
        }
        let name = self.embedder.name();
        let why = if self.embedder.fit(&[]).is_some() {
            format!("the {name} embedder is fitted on the whole corpus")
        } else {
            format!("the {name} embedder's vectors depend on their batch-mates, so texts wait until every record is seen")
        };
        Some(format!("{why}, so its state would be every text; partial results need a per-record embedder such as the built-in static model (--embedder static), or --semantic-max-records 0 to leave semantic dedup out"))
    }

    /// The stream after [`Vectors::flush`], encoded for a partial file (`ftqa dedup
    /// --partial`): rows and their record numbers. `Err` for a deferred embedder, whose
    /// state would be every text.
    pub fn to_bytes(&self) -> Result<Vec<u8>, String> {
        if let Some(why) = self.unsaveable() {
            return Err(why);
        }
        crate::state::encode(&(&self.pending, &self.data, &self.seq_of_row, &self.error))
    }

    /// A stream for `embedder` holding what [`Vectors::to_bytes`] wrote.
    pub fn from_bytes(embedder: Arc<dyn Embedder>, saved: &[u8]) -> Result<Vectors, String> {
        let mut v = Vectors::new(embedder);
        let (pending, data, seq_of_row, error): SavedVectors = crate::state::decode(saved)?;
        if data.len() != seq_of_row.len() * v.dim {
            return Err("the saved embeddings do not line up".into());
        }
        (v.pending, v.data, v.seq_of_row, v.error) = (pending, data, seq_of_row, error);
        Ok(v)
    }

    pub fn push(&mut self, seq: u32, text: String) {
        self.pending.push((seq, text));
        if !self.deferred && self.pending.len() >= self.embedder.batch_size() {
            self.flush();
        }
    }

    /// Embeds the waiting texts; a corpus-fitted embedder is fitted on all of them first
    /// (call it once, after the last [`Vectors::push`]).
    pub fn flush(&mut self) {
        if self.pending.is_empty() || self.error.is_some() {
            self.pending.clear();
            return;
        }
        let pending = std::mem::take(&mut self.pending);
        if self.deferred {
            let texts: Vec<&str> = pending.iter().map(|p| p.1.as_str()).collect();
            if let Some(f) = self.embedder.fit(&texts) {
                self.embedder = f;
            }
            self.deferred = false;
        }
        let batch = self.embedder.batch_size().max(1);
        let embedder = &self.embedder;
        // Batches in parallel, gathered in order: every text is embedded on its own.
        let vecs: Vec<Result<Vec<f32>, String>> = pending
            .par_chunks(batch)
            .map(|c| {
                let texts: Vec<&str> = c.iter().map(|p| p.1.as_str()).collect();
                embedder.embed(&texts).map_err(|e| e.to_string())
            })
            .collect();
        for (chunk, v) in pending.chunks(batch).zip(vecs) {
            match v {
                Ok(v) => {
                    for ((seq, _), row) in chunk.iter().zip(v.chunks_exact(self.dim)) {
                        // All-zero rows (nothing the embedder could represent) are left out.
                        if row.iter().any(|x| *x != 0.0) {
                            self.data.extend(row.iter().map(|&x| quantize(x)));
                            self.seq_of_row.push(*seq);
                        }
                    }
                }
                Err(e) => {
                    self.error = Some(e);
                    return;
                }
            }
        }
    }

    /// Appends another stream's rows and waiting texts, its record numbers shifted by
    /// `offset`.
    pub fn append(&mut self, other: Vectors, offset: u32) {
        self.data.reserve_exact(other.data.len());
        self.data.extend_from_slice(&other.data);
        self.seq_of_row
            .extend(other.seq_of_row.iter().map(|s| s + offset));
        self.pending
            .extend(other.pending.into_iter().map(|(s, t)| (s + offset, t)));
        // Either error stops the part; the smaller message, so the merge order is moot.
        self.error = match (self.error.take(), other.error) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        if !self.deferred && self.pending.len() >= self.embedder.batch_size() {
            self.flush();
        }
    }

    /// Renumbers records: record `s` becomes `map[s]`, or is dropped when that is
    /// `u32::MAX`; rows and waiting texts are then put in the new order.
    pub fn remap(&mut self, map: &[u32]) {
        let mut rows: Vec<(u32, u32)> = self
            .seq_of_row
            .iter()
            .enumerate()
            .map(|(row, &s)| (map[s as usize], row as u32))
            .filter(|(s, _)| *s != u32::MAX)
            .collect();
        rows.sort_unstable();
        let dim = self.dim;
        let mut data = Vec::with_capacity(rows.len() * dim);
        for &(_, row) in &rows {
            data.extend_from_slice(&self.data[row as usize * dim..(row as usize + 1) * dim]);
        }
        self.data = data;
        self.seq_of_row = rows.into_iter().map(|(s, _)| s).collect();
        let mut pending: Vec<(u32, String)> = std::mem::take(&mut self.pending)
            .into_iter()
            .map(|(s, t)| (map[s as usize], t))
            .filter(|(s, _)| *s != u32::MAX)
            .collect();
        pending.sort_by_key(|p| p.0);
        self.pending = pending;
    }

    /// Connected components of `cos >= threshold` over `n` records, joining only records
    /// of one image group (`groups`: one per record, or empty for one group;
    /// [`super::images`]).
    pub fn clusters(&self, n: usize, threshold: f32, resp_len: &[u32], groups: &[u64]) -> Clusters {
        // Components over stored rows, then mapped to record sequence numbers.
        let mut row_uf = UnionFind::new(self.seq_of_row.len());
        // One part's rows in f32 at a time, for the search: the verdict on every pair is
        // the cosine of the stored (16-bit) rows, whatever the thread count.
        let data: Vec<f32> = self.data.iter().map(|&q| dequantize(q)).collect();
        let groups = images::splitting(groups);
        if groups.is_empty() {
            search(
                Rows::new(&data, self.dim),
                threshold,
                PairSearch::Auto,
                &mut Components {
                    uf: &mut row_uf,
                    pairs: 0,
                },
            );
        } else {
            // Each group searched on its own (its rows gathered, in row order): exactly the
            // pairs of the whole search that lie within one group. Groups run on the pool
            // and their joins are applied in group order, so any thread count agrees.
            let dim = self.dim;
            let group = |row: u32| groups[self.seq_of_row[row as usize] as usize];
            let mut rows: Vec<u32> = (0..self.seq_of_row.len() as u32).collect();
            rows.sort_unstable_by_key(|&r| (group(r), r));
            let sets: Vec<&[u32]> = rows
                .chunk_by(|a, b| group(*a) == group(*b))
                .filter(|g| g.len() >= 2)
                .collect();
            let joins: Vec<Vec<(u32, u32)>> = sets
                .par_iter()
                .map(|members| {
                    let mut buf = Vec::with_capacity(members.len() * dim);
                    for &r in *members {
                        buf.extend_from_slice(&data[r as usize * dim..(r as usize + 1) * dim]);
                    }
                    let mut uf = UnionFind::new(members.len());
                    search(
                        Rows::new(&buf, dim),
                        threshold,
                        PairSearch::Auto,
                        &mut Components {
                            uf: &mut uf,
                            pairs: 0,
                        },
                    );
                    (0..members.len() as u32)
                        .filter_map(|k| {
                            let root = uf.find(k);
                            (root != k).then(|| (members[root as usize], members[k as usize]))
                        })
                        .collect()
                })
                .collect();
            for (a, b) in joins.into_iter().flatten() {
                row_uf.union(a, b);
            }
        }
        let mut uf = UnionFind::new(n);
        for row in 0..self.seq_of_row.len() {
            let root = row_uf.find(row as u32) as usize;
            if root != row {
                uf.union(self.seq_of_row[root], self.seq_of_row[row]);
            }
        }
        let mut row_of = vec![u32::MAX; n];
        for (row, &seq) in self.seq_of_row.iter().enumerate() {
            row_of[seq as usize] = row as u32;
        }
        let cos = |i: u32, j: u32| -> f32 {
            let (a, b) = (row_of[i as usize] as usize, row_of[j as usize] as usize);
            let (ra, rb) = (
                &data[a * self.dim..(a + 1) * self.dim],
                &data[b * self.dim..(b + 1) * self.dim],
            );
            ra.iter().zip(rb).map(|(x, y)| x * y).sum()
        };
        Clusters::build(&mut uf, |i| u64::from(resp_len[i as usize]), cos)
    }
}

/// Fixed-point scale of stored embedding components. Embedders return unit rows, so every
/// component is in [-1, 1]; at 1/32767 the rounding moves a cosine by at most about
/// sqrt(dim) / 65534 (1.7e-4 at 128 dimensions, typically 1e-6), far inside the gap
/// between near-duplicates and the rest.
const SCALE: f32 = 32767.0;

fn quantize(x: f32) -> i16 {
    (x.clamp(-1.0, 1.0) * SCALE).round() as i16
}

fn dequantize(q: i16) -> f32 {
    f32::from(q) / SCALE
}

/// Example snippets kept: those of the first records by position.
const SNIPPETS: usize = 20_000;

/// A part's saved stream: waiting texts (fewer than a batch: only a per-record embedder's
/// state is saved), rows, their record numbers, the embedder's error.
type SavedVectors = (Vec<(u32, String)>, Vec<i16>, Vec<u32>, Option<String>);

/// What [`SemanticDup::save`] writes: the parts' streams, the slots' positions and
/// (response length, has a response, alive, image group), the snippets, records seen and seen with a
/// response. The embedder and settings come from the fresh instance; `admitted` and
/// `live` are rebuilt from the slots.
type Saved = (
    Vec<SavedVectors>,
    SavedPositions,
    Vec<(u32, bool, bool, u64)>,
    Snippets,
    u64,
    u64,
);

/// What is kept per embedded record.
struct Slot {
    pos: Pos,
    resp_len: u32,
    has_response: bool,
    /// The record's image group ([`images::group_of`]): texts are compared within one.
    image: u64,
    /// False once a capped run has evicted it (its rows go at the next compaction).
    alive: bool,
}

/// Records are numbered in arrival order (slots) while observing; at finish the live
/// ones are renumbered by position ([`crate::record::Origin::order_key`]) and every row is
/// put in that order, so clusters and examples do not depend on the split.
///
/// `--semantic-max-records` keeps the records first by position (a bottom-k over
/// positions): a record is embedded only if it is among the first so far, and evicted
/// when enough earlier ones arrive, which any split and merge order agree on.
pub struct SemanticDup {
    parts: Vec<Vectors>,
    slots: Vec<Slot>,
    /// Live slots by position, latest on top: the next to evict under a cap.
    admitted: BinaryHeap<(Pos, u32)>,
    live: usize,
    snippets: Snippets,
    threshold: f32,
    max_records: usize,
    max_examples: usize,
    seen: u64,
    /// Records with a response among all seen.
    seen_with_response: u64,
}

pub fn make(c: &AnalysisConfig) -> Box<dyn Metric> {
    let embedder = c.embedder.clone().unwrap_or_else(default_embedder);
    Box::new(SemanticDup {
        parts: PARTS
            .iter()
            .map(|_| Vectors::new(embedder.clone()))
            .collect(),
        slots: Vec::new(),
        admitted: BinaryHeap::new(),
        live: 0,
        snippets: Snippets::new(c.example_chars, SNIPPETS),
        threshold: c.dedup.semantic_threshold,
        max_records: c.dedup.semantic_max_records,
        max_examples: c.max_examples,
        seen: 0,
        seen_with_response: 0,
    })
}

impl SemanticDup {
    fn capped(&self) -> bool {
        self.max_records != usize::MAX
    }

    /// Evicts the latest live records until at most `max_records` remain.
    fn evict(&mut self) {
        while self.live > self.max_records {
            let Some((_, s)) = self.admitted.pop() else {
                break;
            };
            self.slots[s as usize].alive = false;
            self.live -= 1;
        }
        // Dropped rows are freed once they outnumber the live records.
        if self.slots.len() - self.live > self.live.max(1024) {
            self.compact();
        }
    }

    fn compact(&mut self) {
        let mut map = vec![u32::MAX; self.slots.len()];
        let mut next = 0u32;
        for (s, slot) in self.slots.iter().enumerate() {
            if slot.alive {
                map[s] = next;
                next += 1;
            }
        }
        self.slots.retain(|s| s.alive);
        for v in &mut self.parts {
            v.remap(&map);
        }
        self.admitted = std::mem::take(&mut self.admitted)
            .into_iter()
            .map(|(p, s)| (p, map[s as usize]))
            .collect();
    }
}

impl Metric for SemanticDup {
    fn observe(&mut self, r: &Record) {
        self.seen += 1;
        let has_response = r.response().is_some();
        self.seen_with_response += u64::from(has_response);
        if self.max_records == 0 {
            return;
        }
        let pos = r.origin.order_key();
        if self.capped()
            && self.live >= self.max_records
            && self
                .admitted
                .peek()
                .is_some_and(|(p, _)| pos >= (&*p.0, p.1))
        {
            return;
        }
        let slot = self.slots.len() as u32;
        self.slots.push(Slot {
            pos: pos_of(r),
            resp_len: response_chars(r),
            has_response,
            image: images::group_of(r),
            alive: true,
        });
        self.live += 1;
        self.snippets
            .offer(r, r.instruction().or(r.response()).unwrap_or_default());
        for (v, part) in self.parts.iter_mut().zip(PARTS) {
            if let Some(t) = part.text(r) {
                v.push(slot, t.into_owned());
            }
        }
        if self.capped() {
            self.admitted.push((pos_of(r), slot));
            self.evict();
        }
    }

    fn merge(&mut self, other: Box<dyn Metric>) {
        let o: SemanticDup = merged(other);
        let offset = self.slots.len() as u32;
        self.slots.extend(o.slots);
        for (v, w) in self.parts.iter_mut().zip(o.parts) {
            v.append(w, offset);
        }
        self.admitted
            .extend(o.admitted.into_iter().map(|(p, s)| (p, s + offset)));
        self.live += o.live;
        self.snippets.merge(o.snippets);
        self.seen += o.seen;
        self.seen_with_response += o.seen_with_response;
        if self.capped() {
            self.evict();
        }
    }

    fn save(&self) -> Result<Vec<u8>, String> {
        if self.max_records != 0 {
            if let Some(why) = self.parts.iter().find_map(Vectors::unsaveable) {
                return Err(why);
            }
        }
        let parts: Vec<_> = self
            .parts
            .iter()
            .map(|v| (&v.pending, &v.data, &v.seq_of_row, &v.error))
            .collect();
        let pos = SavedPositions::of(self.slots.iter().map(|s| &s.pos));
        let slots: Vec<(u32, bool, bool, u64)> = self
            .slots
            .iter()
            .map(|s| (s.resp_len, s.has_response, s.alive, s.image))
            .collect();
        crate::state::encode(&(
            parts,
            pos,
            slots,
            &self.snippets,
            self.seen,
            self.seen_with_response,
        ))
    }

    fn load(&mut self, saved: &[u8]) -> Result<(), String> {
        let (parts, pos, slots, snippets, seen, seen_with_response): Saved =
            crate::state::decode(saved)?;
        let pos = pos.positions()?;
        if parts.len() != self.parts.len() || pos.len() != slots.len() {
            return Err("the saved slots do not line up".into());
        }
        for (v, (pending, data, seq_of_row, error)) in self.parts.iter_mut().zip(parts) {
            if data.len() != seq_of_row.len() * v.dim
                || seq_of_row
                    .iter()
                    .chain(pending.iter().map(|p| &p.0))
                    .any(|&s| s as usize >= slots.len())
            {
                return Err("the saved embeddings do not line up".into());
            }
            (v.pending, v.data, v.seq_of_row, v.error) = (pending, data, seq_of_row, error);
        }
        self.slots = pos
            .into_iter()
            .zip(slots)
            .map(|(pos, (resp_len, has_response, alive, image))| Slot {
                pos,
                resp_len,
                has_response,
                image,
                alive,
            })
            .collect();
        self.live = self.slots.iter().filter(|s| s.alive).count();
        // Under a cap, `admitted` holds exactly the live slots.
        self.admitted = if self.capped() {
            (0u32..)
                .zip(&self.slots)
                .filter(|(_, s)| s.alive)
                .map(|(i, s)| (s.pos.clone(), i))
                .collect()
        } else {
            BinaryHeap::new()
        };
        self.snippets = snippets;
        (self.seen, self.seen_with_response) = (seen, seen_with_response);
        Ok(())
    }

    fn finish(mut self: Box<Self>, out: &mut Outputs) {
        if self.max_records == 0 {
            return;
        }
        // Live records by position: their final numbers.
        let mut order: Vec<u32> = (0..self.slots.len() as u32)
            .filter(|&s| self.slots[s as usize].alive)
            .collect();
        order.sort_unstable_by(|&a, &b| {
            self.slots[a as usize]
                .pos
                .cmp(&self.slots[b as usize].pos)
                .then(a.cmp(&b))
        });
        let mut map = vec![u32::MAX; self.slots.len()];
        for (k, &s) in order.iter().enumerate() {
            map[s as usize] = k as u32;
        }
        let n = order.len();
        let resp_len: Vec<u32> = order
            .iter()
            .map(|&s| self.slots[s as usize].resp_len)
            .collect();
        let groups: Vec<u64> = order
            .iter()
            .map(|&s| self.slots[s as usize].image)
            .collect();
        let with_response = order
            .iter()
            .filter(|&&s| self.slots[s as usize].has_response)
            .count() as u64;
        let positions: Vec<Pos> = order
            .iter()
            .map(|&s| self.slots[s as usize].pos.clone())
            .collect();
        self.snippets.index(&positions);
        drop(positions);
        let mut name = String::new();
        let mut fitted = false;
        for (v, part) in self.parts.iter_mut().zip(PARTS) {
            v.remap(&map);
            fitted |= v.deferred();
            v.flush();
            if let Some(e) = &v.error {
                out.methods.insert(
                    "dedup.semantic".into(),
                    format!("not computed: the embedder failed ({e})"),
                );
                return;
            }
            name = v.embedder.name().to_string();
            let records = match part {
                Part::Response if with_response == 0 => {
                    let why = if self.seen_with_response == 0 {
                        NO_RESPONSES.to_string()
                    } else {
                        format!(
                            "none of the {n} records embedded has a response (raise --semantic-max-records)"
                        )
                    };
                    out.not_measured_all(
                        [
                            "dedup.semantic.response_count",
                            "dedup.semantic.response_rate",
                        ],
                        &why,
                    );
                    continue;
                }
                Part::Response => with_response,
                _ => n as u64,
            };
            let clusters = v.clusters(n, self.threshold, &resp_len, &groups);
            let snippets = (part == Part::Sample).then_some(&self.snippets);
            write_part(
                out,
                PartReport {
                    family: "dedup.semantic",
                    kind: "Semantic",
                    part,
                    clusters: &clusters,
                    records,
                    snippets,
                    max_examples: self.max_examples,
                },
            );
        }
        out.set("dedup.semantic.records", n as f64);
        let scope = if self.seen > n as u64 {
            format!(
                "the first {n} of {} records by position, file name then place in the file (raise --semantic-max-records to cover more)",
                self.seen
            )
        } else {
            format!("all {n} records")
        };
        let fit = if fitted {
            " The embedder is corpus-fitted or batch-dependent, so texts are embedded once every record has been seen (after fitting on all texts of each part, for a fitted one), in batches fixed by record position: the vectors do not depend on how the input was split."
        } else {
            ""
        };
        out.methods.insert(
            "dedup.semantic".into(),
            format!(
                "Embedder `{name}`; two texts are duplicates when their cosine similarity is at least {}; clusters are connected components \
                 (candidate pairs from seeded random-hyperplane LSH above 5,000 texts, all pairs below, each verified by its exact cosine); \
                 computed over {scope}.{fit}",
                self.threshold
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Role;

    use crate::test_records::{assert_merges, outputs, record as rec};

    fn run(records: &[Record], max_records: usize) -> Outputs {
        let mut c = AnalysisConfig::default();
        c.dedup.semantic_max_records = max_records;
        outputs(make(&c), records)
    }

    #[test]
    fn prompt_only_data_has_no_response_semantic_duplicates() {
        use Role::*;
        let out = run(
            &[
                rec(0, &[(User, "Write a poem about the sea.")]),
                rec(
                    1,
                    &[(User, "Explain how a compiler works."), (User, "Shorter.")],
                ),
            ],
            100,
        );
        assert_eq!(out.get("dedup.semantic.records"), Some(2.0));
        assert!(out.get("dedup.semantic.instruction_rate").is_some());
        for id in [
            "dedup.semantic.response_count",
            "dedup.semantic.response_rate",
        ] {
            assert!(out.get(id).is_none(), "{id}");
            assert_eq!(out.not_measured[id], NO_RESPONSES);
        }
    }

    #[test]
    fn response_rate_is_over_embedded_records_with_a_response() {
        use Role::*;
        let answer = "The sea is wide and blue and full of fish.";
        let records = [
            rec(0, &[(User, "a"), (Assistant, answer)]),
            rec(1, &[(User, "b"), (Assistant, answer)]),
            rec(2, &[(User, "Explain how a compiler works.")]),
            rec(3, &[(User, "Name three rivers in Europe.")]),
        ];
        let out = run(&records, 100);
        assert_eq!(out.get("dedup.semantic.response_count"), Some(1.0));
        assert_eq!(out.get("dedup.semantic.response_rate"), Some(0.5));
        // Responses exist, but not among the embedded records (the cap keeps the first
        // by position, here the prompt-only ones): a different reason.
        let moved: Vec<Record> = records
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let mut r = r.clone();
                r.origin.index = (i as u64 + 2) % 4;
                r
            })
            .collect();
        let out = run(&moved, 2);
        assert!(out.not_measured["dedup.semantic.response_rate"].contains("none of the 2 records"));
    }

    fn varied() -> Vec<Record> {
        use Role::*;
        let topics = [
            "the ocean tides and the pull of the moon",
            "baking sourdough bread at home",
            "how compilers turn source code into machine code",
            "the history of the Roman empire",
            "training a puppy to sit and stay",
        ];
        (0..40u64)
            .map(|i| {
                let t = topics[(i * 3 % 5) as usize];
                let inst = if i % 2 == 0 {
                    format!("Explain {t}.")
                } else {
                    format!("Please explain {t}")
                };
                let answer = format!(
                    "Here is an explanation of {t}{}",
                    ".".repeat(i as usize % 3)
                );
                match i % 9 {
                    8 => rec(i, &[(User, &inst)]),
                    7 => rec(i, &[(User, "zzzz qqqq"), (Assistant, &answer)]),
                    _ => rec(i, &[(User, &inst), (Assistant, &answer)]),
                }
            })
            .collect()
    }

    /// One text on two pictures is not a duplicate; on one picture (or on none) it is.
    #[test]
    fn only_samples_with_matching_images_are_semantic_duplicates() {
        use Role::*;
        let (q, a) = (
            "Explain how a compiler works.",
            "It translates source code.",
        );
        use crate::test_records::{with_images, without_images};
        let with =
            |i: u64, images: &[&str]| with_images(rec(i, &[(User, q), (Assistant, a)]), images);
        let records = [
            with(0, &["a.png"]),
            with(1, &["a.png"]),
            with(2, &["b.png"]),
            with(3, &[]),
            with(4, &[]),
            with(5, &["b.png", "a.png"]),
        ];
        let out = run(&records, usize::MAX);
        assert_eq!(out.get("dedup.semantic.sample_count"), Some(2.0));
        assert_eq!(out.get("dedup.semantic.clusters"), Some(2.0));
        assert_eq!(
            run(&without_images(&records), usize::MAX).get("dedup.semantic.sample_count"),
            Some(5.0)
        );
        assert_merges(|| make(&AnalysisConfig::default()), &records);
    }

    #[test]
    fn merges_like_one_pass() {
        let records = varied();
        let mut c = AnalysisConfig {
            max_examples: 3,
            ..AnalysisConfig::default()
        };
        assert!(
            outputs(make(&c), &records)
                .get("dedup.semantic.clusters")
                .unwrap()
                >= 3.0
        );
        assert_merges(|| make(&c), &records);
        // A cap keeps the records first by position, whatever the split.
        c.dedup.semantic_max_records = 13;
        assert_merges(|| make(&c), &records);
    }

    #[test]
    fn corpus_fitted_embedder_merges_like_one_pass() {
        let records = varied();
        let c = AnalysisConfig {
            embedder: Some(Arc::new(crate::embed::lexical::LexicalEmbedder::default())),
            ..AnalysisConfig::default()
        };
        let out = outputs(make(&c), &records);
        assert!(out.methods["dedup.semantic"].contains("embedded once every record has been seen"));
        // In one process, parts merge like one pass (assert_merges also saves them, which
        // this embedder refuses: below).
        let (a, b) = records.split_at(17);
        let (mut first, mut second) = (make(&c), make(&c));
        a.iter().for_each(|r| first.observe(r));
        b.iter().for_each(|r| second.observe(r));
        first.merge(second);
        let mut merged = Outputs::default();
        first.finish(&mut merged);
        assert_eq!(
            serde_json::to_string(&merged).unwrap(),
            serde_json::to_string(&out).unwrap()
        );
    }

    #[test]
    fn deferred_embedder_state_is_not_saved() {
        let c = AnalysisConfig {
            embedder: Some(Arc::new(crate::embed::lexical::LexicalEmbedder::default())),
            ..AnalysisConfig::default()
        };
        let mut m = make(&c);
        m.observe(&varied()[0]);
        let why = m.save().unwrap_err();
        assert!(
            why.contains("lexical embedder is fitted on the whole corpus")
                && why.contains("built-in static model"),
            "{why}"
        );
        // With semantic dedup off (no record embedded), there is nothing to refuse.
        let mut off = c.clone();
        off.dedup.semantic_max_records = 0;
        let mut m = make(&off);
        m.observe(&varied()[0]);
        let mut fresh = make(&off);
        fresh.load(&m.save().unwrap()).unwrap();
    }
}
