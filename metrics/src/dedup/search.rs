//! The pair search behind semantic dedup: every pair of unit rows with cosine at least a
//! threshold, without comparing all pairs, each candidate verified exactly.
//!
//! **Method (default from [`PARTITION_FROM`] rows): random-hyperplane LSH.** The rows are
//! centred on their mean (sentence embeddings share one dominant direction; without it
//! unrelated texts agree on ~70% of hyperplane signs, with it on ~50%), then each of 32
//! tables hashes every row to the signs of `round(log2 n) - 2` projections on seeded
//! Gaussian directions. Rows that share a code in any table are candidates; every candidate
//! is re-checked with [`cosine`] (one scalar dot product in a fixed order) and kept only if
//! `>= t`. Precision is 1 by construction; recall is probabilistic per pair and measured
//! against [`all_pairs`] (tests below; `cargo bench --bench semantic_dedup`): 1.0 on
//! static-embedder vectors of 50k and 100k synthetic texts with planted near copies,
//! at least 0.998 on planted groups whose cosines spread across the threshold (0.9-1), >= 0.9998
//! on the fixtures' texts. Hyperplanes, tables and verification are seeded and fixed, so the
//! same rows give the same pairs in every run. Cost: `32 b` projections per row, a sort
//! per table, and about `32 n` candidate checks (4 rows per bucket on average): at 100k
//! rows ~10x faster than all pairs, growing as `n log n` rather than `n^2`.
//!
//! **Why not the DBSCAN partition** ([`PairSearch::Partitioned`], exact): on static-
//! embedder vectors (128 dims) its triangle-inequality bounds prune little even at radius
//! `sqrt(2 (1 - 0.95)) = 0.32`, because in that many dimensions most rows lie near many
//! cells' bisectors: measured 0.29 s vs 0.09 s all pairs at 10k rows, 6.2 s vs 3.3 s at 50k.
//! It stays available (and exact), and is tested against the reference.
//!
//! [`all_pairs`] is the quadratic reference (every pair, same verification).
//!
//! **Parallel, deterministically:** the all-pairs blocks, each LSH table's codes, its sort
//! and its buckets' verification run on the rayon pool; each worker reports to its own
//! sink and the pairs reach the caller's sink gathered in block/bucket order, so pairs
//! and components are the same for any thread count. Tables run one after another (one
//! table's codes in memory at a time). Measured on 100k planted 128-dim rows (release,
//! a loaded 2-core machine): LSH components 1.62 s before, 1.70 s on one thread (the
//! per-table root snapshot), 0.90 s on two; near-dup linking of 100k signatures 0.25 s on
//! one thread, 0.13 s on two.
//!
//! Memory: the rows themselves (the caller's `dim x 4` bytes per row), plus, per table, one
//! `(code, row)` pair of 8 bytes per row, reused across tables.

use super::union_find::UnionFind;
use crate::cluster::matrix::{dots, Rows};
use crate::cluster::partition::Partition;
use crate::cluster::plan::{Plan, QUERY_BLOCK};
use crate::sample::mix64;
use rayon::prelude::*;

/// Below this many rows the all-pairs search is as fast as hashing (and exact).
pub const PARTITION_FROM: usize = 5_000;

/// GEMM dot products below `threshold - VERIFY_SLACK` are rejected without re-checking;
/// the scalar and blocked sums of 384 products differ by ~1e-6.
const VERIFY_SLACK: f32 = 1e-4;

/// Candidate rows per GEMM tile (with 256 query rows: a 1 MB tile).
const CANDIDATE_CHUNK: usize = 1024;

/// The highest usable threshold: identical unit rows can have a dot product a few ulps
/// below 1, and a threshold of 1 must still join them.
pub const MAX_THRESHOLD: f32 = 1.0 - 1e-6;

/// How pairs are searched.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum PairSearch {
    /// All pairs below [`PARTITION_FROM`] rows, LSH from there on.
    #[default]
    Auto,
    /// Every pair: quadratic, the reference.
    AllPairs,
    /// The pruned k-means partition: exact, but prunes little on sentence embeddings.
    Partitioned,
    /// Random-hyperplane LSH on mean-centred rows, candidates verified exactly.
    Lsh,
}

/// The cosine of two unit rows, summed in one fixed order: the verdict on every pair.
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    // Eight independent lanes: fast, and the same order for every pair.
    let mut acc = [0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for k in 0..8 {
            acc[k] += x[k] * y[k];
        }
    }
    let mut s = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    for (x, y) in ra.iter().zip(rb) {
        s += x * y;
    }
    s
}

/// What the search reports to.
pub trait PairSink {
    /// A verified pair, `i < j`, with its cosine.
    fn pair(&mut self, i: u32, j: u32, cos: f32);
    /// Whether a tile of `queries × candidates` can be skipped because it could add nothing
    /// (for components: all already joined). Pair collectors never skip.
    fn settled(&mut self, _queries: &[u32], _candidates: &[u32]) -> bool {
        false
    }
    /// Whether `i` and `j` need no check (for components: already joined).
    fn joined(&mut self, _i: u32, _j: u32) -> bool {
        false
    }
    /// For sinks that only need components: the current root of every row, a snapshot
    /// that parallel workers consult to skip pairs already joined. `None`: every pair.
    fn roots(&mut self) -> Option<Vec<u32>> {
        None
    }
}

/// Collects every pair, sorted `(i, j, cos)`.
#[derive(Default)]
pub struct PairList(pub Vec<(u32, u32, f32)>);

impl PairSink for PairList {
    fn pair(&mut self, i: u32, j: u32, cos: f32) {
        self.0.push((i, j, cos));
    }
}

impl PairList {
    /// The pairs sorted, each once (LSH meets a pair in every table it shares).
    pub fn sorted(mut self) -> Vec<(u32, u32, f32)> {
        self.0.sort_by_key(|p| (p.0, p.1));
        self.0.dedup_by_key(|p| (p.0, p.1));
        self.0
    }
}

/// Joins each pair's rows in a union-find over row indices; skips tiles already joined.
pub struct Components<'a> {
    pub uf: &'a mut UnionFind,
    pub pairs: u64,
}

impl PairSink for Components<'_> {
    fn pair(&mut self, i: u32, j: u32, _cos: f32) {
        self.pairs += 1;
        self.uf.union(i, j);
    }
    fn settled(&mut self, q: &[u32], c: &[u32]) -> bool {
        let Some(&first) = q.first() else {
            return true;
        };
        let root = self.uf.find(first);
        q.iter().chain(c).all(|&i| self.uf.find(i) == root)
    }
    fn joined(&mut self, i: u32, j: u32) -> bool {
        self.uf.find(i) == self.uf.find(j)
    }
    fn roots(&mut self) -> Option<Vec<u32>> {
        Some((0..self.uf.len() as u32).map(|i| self.uf.find(i)).collect())
    }
}

/// A worker's sink: collects verified pairs; in components mode (given a roots snapshot)
/// it keeps its own union-find seeded from the snapshot, so it skips tiles and pairs
/// already joined and reports at most one pair per join.
struct Collect {
    uf: Option<UnionFind>,
    pairs: Vec<(u32, u32, f32)>,
}

impl Collect {
    fn new(roots: Option<&[u32]>) -> Self {
        let uf = roots.map(|r| {
            let mut uf = UnionFind::new(r.len());
            for (i, &p) in r.iter().enumerate() {
                if p as usize != i {
                    uf.union(i as u32, p);
                }
            }
            uf
        });
        Collect {
            uf,
            pairs: Vec::new(),
        }
    }
}

impl PairSink for Collect {
    fn pair(&mut self, i: u32, j: u32, cos: f32) {
        if let Some(uf) = &mut self.uf {
            // Components mode keeps joins only (at most one per row), not every pair.
            if uf.find(i) == uf.find(j) {
                return;
            }
            uf.union(i, j);
        }
        self.pairs.push((i, j, cos));
    }
    fn settled(&mut self, q: &[u32], c: &[u32]) -> bool {
        let Some(uf) = &mut self.uf else {
            return false;
        };
        let Some(&first) = q.first() else {
            return true;
        };
        let root = uf.find(first);
        q.iter().chain(c).all(|&i| uf.find(i) == root)
    }
    fn joined(&mut self, i: u32, j: u32) -> bool {
        self.uf.as_mut().is_some_and(|uf| uf.find(i) == uf.find(j))
    }
}

/// Hands pairs found by workers to `sink` in the order they were gathered (worker index
/// order, whatever the thread count), skipping those the sink already has joined.
fn feed(found: Vec<Vec<(u32, u32, f32)>>, sink: &mut dyn PairSink) {
    for (i, j, cos) in found.into_iter().flatten() {
        if !sink.joined(i, j) {
            sink.pair(i, j, cos);
        }
    }
}

/// Reports every pair of `rows` with cosine `>= threshold` (capped at [`MAX_THRESHOLD`]).
pub fn search(rows: Rows, threshold: f32, how: PairSearch, sink: &mut dyn PairSink) {
    let n = rows.len();
    let t = threshold.min(MAX_THRESHOLD);
    if n < 2 {
        return;
    }
    let how = match how {
        PairSearch::Auto if n < PARTITION_FROM => PairSearch::AllPairs,
        PairSearch::Auto => PairSearch::Lsh,
        h => h,
    };
    let mut s = Scratch::default();
    match how {
        PairSearch::Lsh => lsh(rows, t, sink),
        PairSearch::Partitioned => {
            let part = Partition::build(rows, (1.0 - t).max(0.0), None);
            let mut cands = Vec::new();
            for b in 0..part.blocks() {
                part.candidates(b, rows, &mut cands);
                s.tiles(rows, part.queries(b), &cands, t, true, sink);
            }
        }
        _ => {
            // Block b against itself and every later row: each pair once. Blocks run on
            // the rayon pool, each with its own sink; pairs are gathered in block order.
            let all: Vec<u32> = (0..n as u32).collect();
            let roots = sink.roots();
            let starts: Vec<usize> = (0..n).step_by(QUERY_BLOCK).collect();
            let found: Vec<Vec<(u32, u32, f32)>> = starts
                .par_iter()
                .map(|&start| {
                    let q = &all[start..(start + QUERY_BLOCK).min(n)];
                    let mut local = Collect::new(roots.as_deref());
                    Scratch::default().tiles(rows, q, &all[start..], t, false, &mut local);
                    local.pairs
                })
                .collect();
            feed(found, sink);
        }
    }
}

/// Tables and bits per table of the LSH search over `n` rows: 32 tables of
/// `round(log2 n) - 2` bits, so a table's buckets hold about four rows on average. A pair
/// at the 0.95 threshold agrees on each sign with probability at least ~0.86 after centring
/// (angle <= 26 degrees when the mean's norm is 0.7), so it shares a code in one table with
/// probability ~0.86^b and is missed by all 32 with probability (1 - 0.86^b)^32; measured
/// recall is in the module notes.
pub fn lsh_shape(n: usize) -> (usize, usize) {
    let bits = ((n.max(2) as f64).log2().round() as usize)
        .saturating_sub(LSH_BITS_BELOW_LOG2)
        .clamp(4, 30);
    (LSH_TABLES, bits)
}

const LSH_TABLES: usize = 32;
const LSH_BITS_BELOW_LOG2: usize = 2;
const LSH_SEED: u64 = 0x5E4A_171C;

/// Random-hyperplane LSH: each table hashes every row to `bits` signs of projections on
/// seeded Gaussian directions through the data's mean (centring removes the direction all
/// sentence embeddings share, so unrelated texts disagree on about half the signs while
/// near-duplicates agree on most); rows sharing a code in any table are candidates, and
/// every candidate pair is verified with [`cosine`].
fn lsh(rows: Rows, t: f32, sink: &mut dyn PairSink) {
    let (n, dim) = (rows.len(), rows.dim);
    let (tables, bits) = lsh_shape(n);
    let mut mean = vec![0f64; dim];
    for i in 0..n {
        for (m, v) in mean.iter_mut().zip(rows.row(i)) {
            *m += f64::from(*v);
        }
    }
    let mean: Vec<f32> = mean.iter().map(|m| (m / n as f64) as f32).collect();
    let mut planes = vec![0f32; bits * dim];
    // Rows whose every pair was verified together in one large bucket share a block id:
    // a dense region lands in a large bucket of nearly the same rows in most tables, and
    // its pairs need verifying once, not once per table.
    let mut block = vec![NO_BLOCK; n];
    let mut next_block = 0u32;
    const CHUNK: usize = 1024;
    for table in 0..tables {
        gaussians(LSH_SEED ^ mix64(table as u64 + 1), &mut planes);
        let (planes, mean) = (&planes, &mean);
        // Codes of row chunks in parallel (each row's code depends on that row alone).
        let codes: Vec<Vec<u32>> = (0..n.div_ceil(CHUNK))
            .into_par_iter()
            .map(|c| {
                let (start, end) = (c * CHUNK, ((c + 1) * CHUNK).min(n));
                let mut cbuf = Vec::with_capacity((end - start) * dim);
                for i in start..end {
                    cbuf.extend(rows.row(i).iter().zip(mean).map(|(v, m)| v - m));
                }
                let mut tile = Vec::new();
                dots(&cbuf, planes, dim, &mut tile);
                tile.chunks_exact(bits)
                    .map(|line| {
                        line.iter()
                            .enumerate()
                            .fold(0u32, |c, (b, &p)| c | (u32::from(p >= 0.0) << b))
                    })
                    .collect()
            })
            .collect();
        let mut keyed: Vec<(u32, u32)> = codes
            .into_iter()
            .flatten()
            .enumerate()
            .map(|(i, code)| (code, i as u32))
            .collect();
        keyed.par_sort_unstable();
        let mut buckets: Vec<(usize, usize)> = Vec::new();
        let mut a = 0;
        while a < keyed.len() {
            let code = keyed[a].0;
            let mut b = a + 1;
            while b < keyed.len() && keyed[b].0 == code {
                b += 1;
            }
            if b - a >= 2 {
                buckets.push((a, b));
            }
            a = b;
        }
        if buckets.is_empty() {
            continue;
        }
        let roots = sink.roots();
        let (keyed, roots, blocks) = (&keyed, roots.as_deref(), &block);
        let found: Vec<Vec<(u32, u32, f32)>> = buckets
            .par_iter()
            .map(|&(a, b)| verify_bucket(rows, &keyed[a..b], t, roots, blocks))
            .collect();
        feed(found, sink);
        // Every pair of each large bucket is verified now (those skipped were before).
        for &(a, b) in &buckets {
            if b - a > GEMM_BUCKET {
                for k in &keyed[a..b] {
                    block[k.1 as usize] = next_block;
                }
                next_block += 1;
            }
        }
    }
}

/// No verified block yet.
const NO_BLOCK: u32 = u32::MAX;

/// Buckets larger than this are verified with blocked matrix products rather than pair by
/// pair. Dense regions (templated instructions, a topic repeated many times) put
/// thousands of similar but distinct texts in one bucket; its pairs are quadratic in its
/// size, and GEMM tiles check them an order of magnitude faster, split over the pool.
const GEMM_BUCKET: usize = 256;

/// A union-find over one bucket's rows, seeded from the snapshot of roots (components
/// mode), so pairs already joined are skipped.
fn bucket_union_find(ids: &[u32], roots: Option<&[u32]>) -> UnionFind {
    let mut local = UnionFind::new(ids.len());
    if let Some(roots) = roots {
        let mut first: crate::fasthash::FastMap<u32, u32> = Default::default();
        for (x, &i) in ids.iter().enumerate() {
            let f = *first.entry(roots[i as usize]).or_insert(x as u32);
            local.union(f, x as u32);
        }
    }
    local
}

/// Every verified pair of one LSH bucket (rows ascending), `i < j`. In components mode
/// (`roots` given) a union-find over the bucket, seeded from the snapshot, skips pairs
/// already joined, so a bucket of many copies costs one pass rather than all its pairs.
/// Large buckets go through GEMM tiles, query blocks in parallel, gathered in order; the
/// verdict on each pair is the same [`cosine`] either way.
fn verify_bucket(
    rows: Rows,
    bucket: &[(u32, u32)],
    t: f32,
    roots: Option<&[u32]>,
    block: &[u32],
) -> Vec<(u32, u32, f32)> {
    let ids: Vec<u32> = bucket.iter().map(|k| k.1).collect();
    if ids.len() > GEMM_BUCKET {
        return verify_large_bucket(rows, ids, t, roots, block);
    }
    let mut local = bucket_union_find(&ids, roots);
    let mut out = Vec::new();
    for (x, &i) in ids.iter().enumerate() {
        for (y, &j) in ids.iter().enumerate().skip(x + 1) {
            if roots.is_some() && local.find(x as u32) == local.find(y as u32) {
                continue;
            }
            let cos = cosine(rows.row(i as usize), rows.row(j as usize));
            if cos >= t {
                local.union(x as u32, y as u32);
                out.push((i, j, cos));
            }
        }
    }
    out
}

/// All pairs of a large bucket by GEMM tiles, query blocks in parallel, gathered in order,
/// except pairs of two rows of one verified block (all checked in an earlier table). The
/// rows are ordered by block, so a tile inside one block is skipped whole.
fn verify_large_bucket(
    rows: Rows,
    mut ids: Vec<u32>,
    t: f32,
    roots: Option<&[u32]>,
    block: &[u32],
) -> Vec<(u32, u32, f32)> {
    ids.sort_unstable_by_key(|&i| (block[i as usize], i));
    let blocks: Vec<u32> = ids.iter().map(|&i| block[i as usize]).collect();
    let starts: Vec<usize> = (0..ids.len()).step_by(QUERY_BLOCK).collect();
    let found: Vec<Vec<(u32, u32, f32)>> = starts
        .par_iter()
        .map(|&start| {
            // Joins over positions in `ids` (components mode), seeded from the snapshot.
            let mut uf = bucket_union_find(&ids, roots);
            let components = roots.is_some();
            let mut out = Vec::new();
            let end = (start + QUERY_BLOCK).min(ids.len());
            let (mut qbuf, mut cbuf, mut tile) = (Vec::new(), Vec::new(), Vec::new());
            rows.gather(&ids[start..end], &mut qbuf);
            let mut c0 = start;
            while c0 < ids.len() {
                let c1 = (c0 + CANDIDATE_CHUNK).min(ids.len());
                // One block on both sides: every pair here was verified already.
                let one = blocks[start];
                let same_block = one != NO_BLOCK
                    && blocks[end - 1] == one
                    && blocks[c0] == one
                    && blocks[c1 - 1] == one;
                // All in one component: nothing here can join anything.
                let settled = components && {
                    let root = uf.find(start as u32);
                    (start..end)
                        .chain(c0..c1)
                        .all(|p| uf.find(p as u32) == root)
                };
                if !same_block && !settled {
                    rows.gather(&ids[c0..c1], &mut cbuf);
                    dots(&qbuf, &cbuf, rows.dim, &mut tile);
                    let w = c1 - c0;
                    for qp in start..end {
                        let line = &tile[(qp - start) * w..(qp - start + 1) * w];
                        // Each unordered pair once: candidates after the query's position.
                        for cp in (qp + 1).max(c0)..c1 {
                            if line[cp - c0] < t - VERIFY_SLACK
                                || (blocks[qp] != NO_BLOCK && blocks[qp] == blocks[cp])
                                || (components && uf.find(qp as u32) == uf.find(cp as u32))
                            {
                                continue;
                            }
                            let (i, j) = (ids[qp].min(ids[cp]), ids[qp].max(ids[cp]));
                            let cos = cosine(rows.row(i as usize), rows.row(j as usize));
                            if cos >= t {
                                if components {
                                    uf.union(qp as u32, cp as u32);
                                }
                                out.push((i, j, cos));
                            }
                        }
                    }
                }
                c0 = c1;
            }
            out
        })
        .collect();
    found.into_iter().flatten().collect()
}

/// Seeded standard normals (Box-Muller over splitmix64).
fn gaussians(seed: u64, out: &mut [f32]) {
    for (i, pair) in out.chunks_mut(2).enumerate() {
        let a = ((mix64(seed ^ (2 * i as u64)) >> 11) as f64 + 0.5) / (1u64 << 53) as f64;
        let b = (mix64(seed ^ (2 * i as u64 + 1)) >> 11) as f64 / (1u64 << 53) as f64;
        let r = (-2.0 * a.ln()).sqrt();
        pair[0] = (r * (std::f64::consts::TAU * b).cos()) as f32;
        if pair.len() > 1 {
            pair[1] = (r * (std::f64::consts::TAU * b).sin()) as f32;
        }
    }
}

/// The quadratic reference: every pair, verified the same way.
pub fn all_pairs(rows: Rows, threshold: f32) -> Vec<(u32, u32, f32)> {
    let mut out = PairList::default();
    search(rows, threshold, PairSearch::AllPairs, &mut out);
    out.sorted()
}

/// The pairs by the default search.
pub fn pairs(rows: Rows, threshold: f32) -> Vec<(u32, u32, f32)> {
    let mut out = PairList::default();
    search(rows, threshold, PairSearch::Auto, &mut out);
    out.sorted()
}

#[derive(Default)]
struct Scratch {
    qbuf: Vec<f32>,
    cbuf: Vec<f32>,
    tile: Vec<f32>,
}

impl Scratch {
    /// Queries `q` against candidates `c`, chunk by chunk; reports pairs `i < j` only, so a
    /// pair met from both sides (a symmetric search) is reported once.
    fn tiles(
        &mut self,
        rows: Rows,
        q: &[u32],
        c: &[u32],
        t: f32,
        symmetric: bool,
        sink: &mut dyn PairSink,
    ) {
        let qmin = q.iter().copied().min().unwrap_or(0);
        let mut packed = false;
        for chunk in c.chunks(CANDIDATE_CHUNK) {
            // In a symmetric search a candidate below every query is met from its own side.
            if symmetric && chunk.iter().all(|&j| j <= qmin) {
                continue;
            }
            if sink.settled(q, chunk) {
                continue;
            }
            if !packed {
                rows.gather(q, &mut self.qbuf);
                packed = true;
            }
            rows.gather(chunk, &mut self.cbuf);
            dots(&self.qbuf, &self.cbuf, rows.dim, &mut self.tile);
            let w = chunk.len();
            for (r, &i) in q.iter().enumerate() {
                let line = &self.tile[r * w..(r + 1) * w];
                for (&d, &j) in line.iter().zip(chunk) {
                    if d >= t - VERIFY_SLACK && i < j {
                        let cos = cosine(rows.row(i as usize), rows.row(j as usize));
                        if cos >= t {
                            sink.pair(i, j, cos);
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample::mix64;

    fn normals(seed: u64, out: &mut [f32]) {
        for (i, v) in out.iter_mut().enumerate() {
            // Sum of uniforms: close enough to normal for direction sampling.
            let mut s = 0.0;
            for k in 0..4 {
                s += (mix64(seed ^ mix64((i * 4 + k) as u64)) >> 11) as f64 / (1u64 << 53) as f64
                    - 0.5;
            }
            *v = s as f32;
        }
    }

    fn unit(v: &mut [f32]) {
        let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        v.iter_mut().for_each(|x| *x /= n);
    }

    /// `n` unit rows in `dim` dims around a few topics, with planted near-duplicate
    /// groups: each group is a base row plus copies moved by a controlled angle, so their
    /// cosines spread around the threshold. Returns rows and the planted groups.
    pub(crate) fn planted(n: usize, dim: usize, seed: u64) -> (Vec<f32>, Vec<Vec<u32>>) {
        const TOPICS: usize = 20;
        let mut topics = vec![0f32; TOPICS * dim];
        normals(seed ^ 0x7091C, &mut topics);
        topics.chunks_exact_mut(dim).for_each(unit);
        let mut data = vec![0f32; n * dim];
        normals(seed, &mut data);
        for (i, row) in data.chunks_exact_mut(dim).enumerate() {
            let t = &topics[(mix64(i as u64 ^ seed) as usize % TOPICS) * dim..][..dim];
            unit(row);
            // Anisotropic like sentence embeddings: a shared topic direction plus noise.
            row.iter_mut()
                .zip(t)
                .for_each(|(v, c)| *v = 0.8 * c + 0.6 * *v);
            unit(row);
        }
        let mut groups = Vec::new();
        let mut i = 0;
        let mut g = 0u64;
        while i + 4 < n {
            let size = 2 + (mix64(g ^ seed) % 3) as usize;
            let base = data[i * dim..(i + 1) * dim].to_vec();
            let mut noise = vec![0f32; dim];
            for k in 1..size {
                normals(seed ^ mix64(g * 8 + k as u64 + 1), &mut noise);
                unit(&mut noise);
                // Mix weights give cosines to the base from ~0.9 to ~1.
                let w =
                    0.05 + 0.45 * ((mix64(g * 16 + k as u64) >> 11) as f32 / (1u64 << 53) as f32);
                let row = &mut data[(i + k) * dim..(i + k + 1) * dim];
                row.iter_mut()
                    .zip(&base)
                    .zip(&noise)
                    .for_each(|((v, b), e)| *v = b + w * e);
                unit(row);
            }
            groups.push((i as u32..(i + size) as u32).collect());
            i += size + 7 + (mix64(g) % 20) as usize;
            g += 1;
        }
        (data, groups)
    }

    fn recall(found: &[(u32, u32, f32)], exact: &[(u32, u32, f32)]) -> f64 {
        let set: std::collections::HashSet<(u32, u32)> = found.iter().map(|p| (p.0, p.1)).collect();
        if exact.is_empty() {
            return 1.0;
        }
        exact.iter().filter(|p| set.contains(&(p.0, p.1))).count() as f64 / exact.len() as f64
    }

    #[test]
    fn partition_finds_every_planted_pair_and_matches_all_pairs() {
        let dim = 64;
        let (data, groups) = planted(8_000, dim, 11);
        let rows = Rows::new(&data, dim);
        let exact = all_pairs(rows, 0.95);
        let mut part = PairList::default();
        search(rows, 0.95, PairSearch::Partitioned, &mut part);
        let part = part.sorted();
        assert!(
            exact.len() > 500,
            "planted pairs above 0.95: {}",
            exact.len()
        );
        assert!(recall(&part, &exact) >= 0.99);
        // Exact verification: no pair below the threshold, and here nothing missed at all.
        assert!(part.iter().all(|p| p.2 >= 0.95 && p.0 < p.1));
        assert_eq!(part, exact);
        // Every planted pair whose cosine clears the threshold is among them.
        let set: std::collections::HashSet<(u32, u32)> = part.iter().map(|p| (p.0, p.1)).collect();
        for g in &groups {
            for (a, &i) in g.iter().enumerate() {
                for &j in &g[a + 1..] {
                    let c = cosine(rows.row(i as usize), rows.row(j as usize));
                    assert_eq!(set.contains(&(i, j)), c >= 0.95, "{i} {j} {c}");
                }
            }
        }
    }

    #[test]
    fn recall_against_all_pairs_over_thresholds() {
        let dim = 48;
        let (data, _) = planted(6_000, dim, 5);
        let rows = Rows::new(&data, dim);
        for t in [0.9, 0.95, 0.99] {
            let exact = all_pairs(rows, t);
            let mut part = PairList::default();
            search(rows, t, PairSearch::Partitioned, &mut part);
            let part = part.sorted();
            assert!(recall(&part, &exact) >= 0.99, "t={t}");
            assert_eq!(part, exact, "t={t}");
        }
    }

    /// LSH is probabilistic per pair: recall against all pairs, on planted groups whose
    /// cosines spread across the threshold (the hard case), at several thresholds.
    #[test]
    fn lsh_recall_on_planted_groups() {
        for (n, dim, seed) in [(8_000, 64, 11), (20_000, 128, 4)] {
            let (data, _) = planted(n, dim, seed);
            let rows = Rows::new(&data, dim);
            for t in [0.9, 0.95, 0.98] {
                let exact = all_pairs(rows, t);
                let mut got = PairList::default();
                search(rows, t, PairSearch::Lsh, &mut got);
                let got = got.sorted();
                let r = recall(&got, &exact);
                eprintln!(
                    "lsh n={n} dim={dim} t={t}: recall {r:.4} of {}",
                    exact.len()
                );
                assert!(r >= 0.99, "n={n} t={t}: recall {r}");
                assert!(got.iter().all(|p| p.2 >= t
                    && exact
                        .binary_search_by(|e| (e.0, e.1).cmp(&(p.0, p.1)))
                        .is_ok()));
            }
        }
    }

    /// A dense region (half the rows close to one direction, like a templated
    /// instruction repeated thousands of times) makes LSH buckets far larger than
    /// [`GEMM_BUCKET`]: they go through GEMM tiles, with the same pairs and components as
    /// all pairs, on any thread count.
    #[test]
    fn dense_region_buckets_match_all_pairs() {
        let (n, dim) = (6_000, 32);
        let mut data = vec![0f32; n * dim];
        normals(21, &mut data);
        let mut centre = vec![0f32; dim];
        normals(22, &mut centre);
        unit(&mut centre);
        for (i, row) in data.chunks_exact_mut(dim).enumerate() {
            unit(row);
            if i % 2 == 0 {
                // Cosines to the centre around 0.97-0.99; to each other mostly 0.94-0.98.
                row.iter_mut()
                    .zip(&centre)
                    .for_each(|(v, c)| *v = c + 0.15 * *v);
            }
            unit(row);
        }
        let rows = Rows::new(&data, dim);
        let exact = all_pairs(rows, 0.95);
        assert!(exact.len() > 10_000, "dense pairs: {}", exact.len());
        let run = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| {
                    let mut list = PairList::default();
                    search(rows, 0.95, PairSearch::Lsh, &mut list);
                    let mut uf = UnionFind::new(n);
                    let mut comp = Components {
                        uf: &mut uf,
                        pairs: 0,
                    };
                    search(rows, 0.95, PairSearch::Lsh, &mut comp);
                    let roots: Vec<u32> = (0..n as u32).map(|i| uf.find(i)).collect();
                    (list.sorted(), roots)
                })
        };
        let (got, roots) = run(1);
        assert!(
            recall(&got, &exact) >= 0.99,
            "recall {}",
            recall(&got, &exact)
        );
        assert!(got.iter().all(|p| exact
            .binary_search_by(|e| (e.0, e.1).cmp(&(p.0, p.1)))
            .is_ok()));
        assert_eq!((got, roots), run(4));
    }

    #[test]
    fn deterministic_across_runs() {
        let dim = 32;
        let (data, _) = planted(7_000, dim, 3);
        let rows = Rows::new(&data, dim);
        let a = pairs(rows, 0.95);
        let b = pairs(rows, 0.95);
        assert_eq!(a, b);
        assert!(!a.is_empty());
    }

    /// Workers gather pairs in index order: pairs and components are the same on a pool of
    /// one thread and of several, for the all-pairs and the LSH search.
    #[test]
    fn same_pairs_and_components_for_any_thread_count() {
        let dim = 32;
        let (data, _) = planted(6_000, dim, 8);
        let rows = Rows::new(&data, dim);
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| {
                let mut out = Vec::new();
                for how in [PairSearch::AllPairs, PairSearch::Lsh] {
                    let mut list = PairList::default();
                    search(rows, 0.95, how, &mut list);
                    let mut uf = UnionFind::new(rows.len());
                    search(
                        rows,
                        0.95,
                        how,
                        &mut Components {
                            uf: &mut uf,
                            pairs: 0,
                        },
                    );
                    let roots: Vec<u32> = (0..rows.len() as u32).map(|i| uf.find(i)).collect();
                    out.push((list.0, roots));
                }
                out
            })
        };
        let one = run(1);
        assert!(!one[0].0.is_empty());
        assert_eq!(one, run(4));
    }

    #[test]
    fn edge_cases() {
        let dim = 8;
        for how in [
            PairSearch::AllPairs,
            PairSearch::Partitioned,
            PairSearch::Lsh,
            PairSearch::Auto,
        ] {
            // n = 0 and n = 1.
            let mut out = PairList::default();
            search(Rows::new(&[], dim), 0.95, how, &mut out);
            assert!(out.0.is_empty());
            let one = [1.0, 0., 0., 0., 0., 0., 0., 0.];
            search(Rows::new(&one, dim), 0.95, how, &mut out);
            assert!(out.0.is_empty());
            // Identical vectors are duplicates even at threshold 1.
            let mut same = Vec::new();
            for _ in 0..3 {
                same.extend_from_slice(&[0.6f32, 0.8, 0., 0., 0., 0., 0., 0.]);
            }
            let mut out = PairList::default();
            search(Rows::new(&same, dim), 1.0, how, &mut out);
            assert_eq!(
                out.sorted().iter().map(|p| (p.0, p.1)).collect::<Vec<_>>(),
                vec![(0, 1), (0, 2), (1, 2)]
            );
        }
    }

    #[test]
    fn threshold_exactly_at_a_pairs_cosine_keeps_it() {
        let dim = 16;
        let (data, _) = planted(300, dim, 9);
        let rows = Rows::new(&data, dim);
        let exact = all_pairs(rows, 0.9);
        let &(i, j, c) = exact.iter().find(|p| p.2 < 0.999).expect("a pair");
        for how in [
            PairSearch::AllPairs,
            PairSearch::Partitioned,
            PairSearch::Lsh,
        ] {
            let mut out = PairList::default();
            search(rows, c, how, &mut out);
            let got = out.sorted();
            assert!(got.iter().any(|p| (p.0, p.1) == (i, j)), "{how:?} at {c}");
            let mut out = PairList::default();
            search(rows, f32::from_bits(c.to_bits() + 1), how, &mut out);
            assert!(
                !out.0.iter().any(|p| (p.0, p.1) == (i, j)),
                "{how:?} above {c}"
            );
        }
    }

    #[test]
    fn components_match_pairs() {
        let dim = 32;
        let (data, _) = planted(6_000, dim, 21);
        let rows = Rows::new(&data, dim);
        let exact = all_pairs(rows, 0.95);
        let mut want = UnionFind::new(6_000);
        for p in &exact {
            want.union(p.0, p.1);
        }
        let mut uf = UnionFind::new(6_000);
        search(
            rows,
            0.95,
            PairSearch::Partitioned,
            &mut Components {
                uf: &mut uf,
                pairs: 0,
            },
        );
        for i in 0..6_000 {
            assert_eq!(uf.find(i), want.find(i));
        }
    }

    /// Every string in the generated JSONL fixtures (planted near-duplicates, ShareGPT,
    /// preference and prompt/completion sets), embedded by the built-in static model.
    fn fixture_vectors() -> (Vec<f32>, usize) {
        use crate::embed::static_model::StaticEmbedder;
        use crate::embed::Embedder;
        fn strings(v: &serde_json::Value, out: &mut Vec<String>) {
            match v {
                serde_json::Value::String(s) if s.len() > 3 => out.push(s.clone()),
                serde_json::Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
                serde_json::Value::Object(o) => o.values().for_each(|x| strings(x, out)),
                _ => {}
            }
        }
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/generated");
        let mut texts = Vec::new();
        for f in [
            "dedup/planted.jsonl",
            "dedup/train.jsonl",
            "dedup/bench_math.jsonl",
            "dedup/bench_code.jsonl",
            "sharegpt.jsonl",
            "hh_rlhf.jsonl",
            "preference.jsonl",
            "prompt_completion.jsonl",
        ] {
            let body = std::fs::read_to_string(root.join(f)).expect("fixture");
            for line in body.lines() {
                if let Ok(v) = serde_json::from_str::<serde_json::Value>(line) {
                    strings(&v, &mut texts);
                }
            }
        }
        let e = StaticEmbedder::builtin();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let v = e.embed(&refs).unwrap();
        let dim = e.dim();
        let data: Vec<f32> = v
            .chunks_exact(dim)
            .filter(|r| r.iter().any(|x| *x != 0.0))
            .flatten()
            .copied()
            .collect();
        (data, dim)
    }

    #[test]
    fn fixture_texts_under_the_static_embedder_match_all_pairs() {
        let (data, dim) = fixture_vectors();
        let rows = Rows::new(&data, dim);
        assert!(rows.len() > 2_000, "{}", rows.len());
        for t in [0.9, 0.95] {
            let exact = all_pairs(rows, t);
            let mut part = PairList::default();
            search(rows, t, PairSearch::Partitioned, &mut part);
            let part = part.sorted();
            assert!(exact.len() > 100, "t={t}: {} pairs", exact.len());
            assert!(recall(&part, &exact) >= 0.99, "t={t}");
            assert_eq!(part, exact, "t={t}");
            let mut lsh = PairList::default();
            search(rows, t, PairSearch::Lsh, &mut lsh);
            let r = recall(&lsh.sorted(), &exact);
            eprintln!(
                "fixtures n={} t={t}: lsh recall {r:.4} of {}",
                rows.len(),
                exact.len()
            );
            assert!(r >= 0.99, "t={t}: lsh recall {r}");
        }
    }
}
