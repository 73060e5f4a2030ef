//! Partition-then-exact range search for large sets.
//!
//! Rows are split into Voronoi cells of a spherical k-means. For a block of queries from
//! cell `i`, a cell `j` can hold a neighbour only if neither bound below exceeds the search
//! radius `r = sqrt(2 eps)` (Euclidean distance between unit vectors):
//! - bisector: every `y` in cell `j` is at least as close to `c_j` as to `c_i`, so
//!   `|x - y| >= (x·c_i - x·c_j) / |c_i - c_j|` (distance from `x` to that half-space);
//! - annulus: `|x - y| >= | |x - c_j| - |y - c_j| |`, so only members whose distance to
//!   `c_j` lies within `r` of the queries' distances can qualify. Members are sorted by
//!   that distance, so the survivors are one contiguous slice.
//!
//! Both are true lower bounds, so the search stays exact; small margins absorb f32
//! rounding. Cells are visited nearest bound first, which lets the counting pass stop early
//! and, with a budget, makes the approximate mode drop the least likely cells.

use super::matrix::{dots, Rows};
use super::plan::{Plan, QUERY_BLOCK};
use crate::sample::mix64;
use rayon::prelude::*;

/// Slack on the bisector bound: it is computed from dot products, accurate to ~1e-6.
const BISECTOR_MARGIN: f32 = 1e-3;
/// Slack on the annulus bound: distances come from `sqrt(2 - 2 dot)`, whose rounding error
/// grows to ~1.5e-3 near zero distance; two of them enter each comparison.
const ANNULUS_MARGIN: f32 = 5e-3;
const KMEANS_ITERS: usize = 8;
/// Rows per cell the k-means sample holds on average.
const SAMPLE_PER_CELL: usize = 40;
const SEED: u64 = 0x5EED_DB5C;

pub struct Partition {
    dim: usize,
    k: usize,
    centroids: Vec<f32>,
    /// `|c_i - c_j|`, `k × k`.
    gaps: Vec<f32>,
    /// Members of each cell, ordered by distance to the centroid.
    members: Vec<Vec<u32>>,
    radii: Vec<Vec<f32>>,
    /// Query blocks: (cell, start, end) into `members[cell]`.
    blocks: Vec<(u32, u32, u32)>,
    r: f32,
    budget: Option<usize>,
}

/// Cells for `n` rows: about `sqrt(n)` balances the per-block cost of bounding every cell
/// against the cost of scanning the surviving cells.
pub fn cells_for(n: usize) -> usize {
    ((n as f64).sqrt().round() as usize).clamp(1, 2048)
}

impl Partition {
    pub fn build(rows: Rows, eps: f32, budget: Option<usize>) -> Self {
        let n = rows.len();
        let dim = rows.dim;
        let k = cells_for(n).min(n);
        let centroids = kmeans(rows, k);
        let (cell, dist) = assign(rows, &centroids);
        let k = centroids.len() / dim;

        let mut members: Vec<Vec<u32>> = vec![Vec::new(); k];
        for (i, &c) in cell.iter().enumerate() {
            members[c as usize].push(i as u32);
        }
        // Drop empty cells: they would only cost bound computations.
        let keep: Vec<usize> = (0..k).filter(|&c| !members[c].is_empty()).collect();
        let centroids: Vec<f32> = keep
            .iter()
            .flat_map(|&c| centroids[c * dim..(c + 1) * dim].iter().copied())
            .collect();
        let mut members: Vec<Vec<u32>> = keep
            .iter()
            .map(|&c| std::mem::take(&mut members[c]))
            .collect();
        let k = keep.len();

        let mut radii = Vec::with_capacity(k);
        for m in &mut members {
            m.sort_by(|&a, &b| {
                dist[a as usize]
                    .total_cmp(&dist[b as usize])
                    .then(a.cmp(&b))
            });
            radii.push(m.iter().map(|&i| dist[i as usize]).collect::<Vec<f32>>());
        }
        let mut cc = Vec::new();
        dots(&centroids, &centroids, dim, &mut cc);
        // Centroids are unit vectors, so |c_i - c_j|^2 = 2 - 2 c_i·c_j.
        let gaps = cc
            .iter()
            .map(|&d| (2.0 - 2.0 * d).max(0.0).sqrt())
            .collect();

        let mut blocks = Vec::new();
        for (c, m) in members.iter().enumerate() {
            for start in (0..m.len()).step_by(QUERY_BLOCK) {
                blocks.push((
                    c as u32,
                    start as u32,
                    (start + QUERY_BLOCK).min(m.len()) as u32,
                ));
            }
        }
        Partition {
            dim,
            k,
            centroids,
            gaps,
            members,
            radii,
            blocks,
            r: (2.0 * eps.max(0.0)).sqrt(),
            budget,
        }
    }

    pub fn cells(&self) -> usize {
        self.k
    }
}

impl Plan for Partition {
    fn blocks(&self) -> usize {
        self.blocks.len()
    }

    fn queries(&self, block: usize) -> &[u32] {
        let (c, s, e) = self.blocks[block];
        &self.members[c as usize][s as usize..e as usize]
    }

    fn candidates(&self, block: usize, rows: Rows, out: &mut Vec<u32>) {
        let own = self.blocks[block].0 as usize;
        let q = self.queries(block);
        let mut qbuf = Vec::new();
        let mut qc = Vec::new();
        rows.gather(q, &mut qbuf);
        dots(&qbuf, &self.centroids, self.dim, &mut qc);
        let k = self.k;

        let mut visits: Vec<(bool, f32, usize, usize, usize)> = Vec::new();
        for j in 0..k {
            let mut bisector = f32::INFINITY;
            let (mut dmin, mut dmax) = (f32::INFINITY, 0f32);
            for x in 0..q.len() {
                let row = &qc[x * k..(x + 1) * k];
                if j != own {
                    bisector =
                        bisector.min((row[own] - row[j]) / self.gaps[own * k + j].max(1e-12));
                }
                let d = (2.0 - 2.0 * row[j]).max(0.0).sqrt();
                dmin = dmin.min(d);
                dmax = dmax.max(d);
            }
            let bisector = if j == own { 0.0 } else { bisector.max(0.0) };
            if bisector > self.r + BISECTOR_MARGIN {
                continue;
            }
            let radii = &self.radii[j];
            let lo = dmin - self.r - ANNULUS_MARGIN;
            let hi = dmax + self.r + ANNULUS_MARGIN;
            let start = radii.partition_point(|&d| d < lo);
            let end = radii.partition_point(|&d| d <= hi);
            if start >= end {
                continue;
            }
            let annulus = (radii[start] - dmax).max(dmin - radii[end - 1]).max(0.0);
            visits.push((j != own, bisector.max(annulus), j, start, end));
        }
        visits.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)).then(a.2.cmp(&b.2)));
        out.clear();
        for (_, _, j, s, e) in visits {
            if self.budget.is_some_and(|b| out.len() >= b) {
                break;
            }
            out.extend_from_slice(&self.members[j][s..e]);
        }
    }
}

/// Spherical k-means on a deterministic sample; returns up to `k` unit centroids.
fn kmeans(rows: Rows, k: usize) -> Vec<f32> {
    let n = rows.len();
    let dim = rows.dim;
    let mut order: Vec<u32> = (0..n as u32).collect();
    order.sort_by_key(|&i| mix64(i as u64 ^ SEED));
    let sample: Vec<u32> = order[..n.min(k * SAMPLE_PER_CELL)].to_vec();
    // Seeds: the first k rows of the shuffled sample (a uniform choice, fixed by the seed).
    let mut centroids = Vec::new();
    rows.gather(&sample[..k.min(sample.len())], &mut centroids);
    let mut sbuf = Vec::new();
    rows.gather(&sample, &mut sbuf);
    let s_rows = Rows::new(&sbuf, dim);
    for _ in 0..KMEANS_ITERS {
        let (cell, _) = assign(s_rows, &centroids);
        let kk = centroids.len() / dim;
        let mut sums = vec![0f32; kk * dim];
        for (i, &c) in cell.iter().enumerate() {
            let row = s_rows.row(i);
            for (acc, v) in sums[c as usize * dim..(c as usize + 1) * dim]
                .iter_mut()
                .zip(row)
            {
                *acc += v;
            }
        }
        for c in 0..kk {
            let sum = &sums[c * dim..(c + 1) * dim];
            let norm = sum.iter().map(|v| v * v).sum::<f32>().sqrt();
            // An empty cell keeps its old centroid rather than vanishing mid-fit.
            if norm > 0.0 {
                for (dst, v) in centroids[c * dim..(c + 1) * dim].iter_mut().zip(sum) {
                    *dst = v / norm;
                }
            }
        }
    }
    centroids
}

/// Nearest centroid of every row (largest dot) and the Euclidean distance to it. Chunks of
/// rows run in parallel and are gathered in order; each row's result depends on that row
/// alone, so it is the same for any thread count.
fn assign(rows: Rows, centroids: &[f32]) -> (Vec<u32>, Vec<f32>) {
    let dim = rows.dim;
    let k = centroids.len() / dim;
    if k == 0 {
        // No centroid is nearest to anything (what the fold below gives on an empty row).
        return (vec![0; rows.len()], vec![f32::INFINITY; rows.len()]);
    }
    const CHUNK: usize = 1024;
    let parts: Vec<(Vec<u32>, Vec<f32>)> = rows
        .data
        .par_chunks(CHUNK * dim)
        .map(|chunk| {
            let mut tile = Vec::new();
            dots(chunk, centroids, dim, &mut tile);
            tile.chunks_exact(k)
                .map(|row| {
                    let (best, &d) =
                        row.iter()
                            .enumerate()
                            .fold((0, &f32::NEG_INFINITY), |acc, (j, d)| {
                                if *d > *acc.1 {
                                    (j, d)
                                } else {
                                    acc
                                }
                            });
                    (best as u32, (2.0 - 2.0 * d).max(0.0).sqrt())
                })
                .unzip()
        })
        .collect();
    let mut cell = Vec::with_capacity(rows.len());
    let mut dist = Vec::with_capacity(rows.len());
    for (c, d) in parts {
        cell.extend(c);
        dist.extend(d);
    }
    (cell, dist)
}
