//! The two-pass DBSCAN over any [`Plan`]: count neighbours, then join core points.

use super::matrix::{dots, Rows};
use super::plan::Plan;
use super::{Clustering, DbscanParams};
use crate::dedup::union_find::UnionFind;
use rayon::prelude::*;

/// Candidate rows per GEMM tile (with 256 query rows: a 1 MB tile of dot products).
const CANDIDATE_CHUNK: usize = 1024;
/// Block ranges per thread in the joining pass: enough for dynamic load balancing (dense
/// blocks cost far more than sparse ones), few enough that each range's union-find pays off.
const RANGES_PER_THREAD: usize = 4;

#[derive(Default)]
struct Scratch {
    cands: Vec<u32>,
    active: Vec<u32>,
    ids: Vec<u32>,
    qbuf: Vec<f32>,
    cbuf: Vec<f32>,
    tile: Vec<f32>,
}

/// The neighbour search runs on the rayon pool, one query block (pass 1) or one range of
/// blocks (pass 2) per task. Every result is a function of the rows and the plan only:
/// counts and nearest core points are per query row, which belongs to exactly one block,
/// and clusters are the connected components of the core neighbour graph, whichever
/// spanning edges each range reports. So the output is identical for any thread count.
pub(crate) fn run(rows: Rows, plan: &dyn Plan, params: DbscanParams) -> Clustering {
    let n = rows.len();
    // Cosine distance <= eps  <=>  dot >= 1 - eps, for unit rows.
    let threshold = 1.0 - params.eps;
    let min_samples = params.min_samples.max(1) as u32;

    let counts = count_neighbours(rows, plan, threshold, min_samples);
    let core: Vec<bool> = counts.iter().map(|&c| c >= min_samples).collect();
    let (mut uf, nearest_core) = join_cores(rows, plan, threshold, &core, &counts);

    let mut label_of_root = vec![-1i32; n];
    let mut labels = vec![-1i32; n];
    let mut n_clusters = 0;
    for i in 0..n {
        if core[i] {
            let r = uf.find(i as u32) as usize;
            if label_of_root[r] < 0 {
                label_of_root[r] = n_clusters as i32;
                n_clusters += 1;
            }
            labels[i] = label_of_root[r];
        }
    }
    for i in 0..n {
        if !core[i] {
            if let Some((_, j)) = nearest_core[i] {
                labels[i] = label_of_root[uf.find(j) as usize];
            }
        }
    }
    Clustering {
        labels,
        core,
        n_clusters,
    }
}

/// Pass 1: neighbours of each row (itself included). Counting stops for a row once it
/// reaches `min_samples`, so counts are exact only below that; that is all DBSCAN needs.
/// Blocks are independent (a row's count is only touched by its own block), so they run
/// in parallel and their counts are written back in block order.
fn count_neighbours(rows: Rows, plan: &dyn Plan, threshold: f32, min_samples: u32) -> Vec<u32> {
    let per_block: Vec<Vec<u32>> = (0..plan.blocks())
        .into_par_iter()
        .map_init(Scratch::default, |s, b| {
            let q = plan.queries(b);
            // Counts of the block's queries, by position in `q`.
            let mut local = vec![0u32; q.len()];
            plan.candidates(b, rows, &mut s.cands);
            s.active.clear();
            s.active.extend(0..q.len() as u32);
            for chunk in s.cands.chunks(CANDIDATE_CHUNK) {
                s.active.retain(|&p| local[p as usize] < min_samples);
                if s.active.is_empty() {
                    break;
                }
                s.ids.clear();
                s.ids.extend(s.active.iter().map(|&p| q[p as usize]));
                rows.gather(&s.ids, &mut s.qbuf);
                rows.gather(chunk, &mut s.cbuf);
                dots(&s.qbuf, &s.cbuf, rows.dim, &mut s.tile);
                for (r, &p) in s.active.iter().enumerate() {
                    let t = &s.tile[r * chunk.len()..(r + 1) * chunk.len()];
                    local[p as usize] += t.iter().filter(|&&d| d >= threshold).count() as u32;
                }
            }
            local
        })
        .collect();
    let mut counts = vec![0u32; rows.len()];
    for (b, local) in per_block.into_iter().enumerate() {
        for (&i, c) in plan.queries(b).iter().zip(local) {
            counts[i as usize] = c;
        }
    }
    counts
}

/// Best (dot, index) core neighbour so far of a non-core row.
type Nearest = Option<(f32, u32)>;

/// What one range of blocks found in pass 2: core-core edges that joined two of its
/// components (a spanning forest of the core neighbour pairs it saw), and the nearest core
/// neighbour of each border query of its blocks.
struct RangeJoins {
    edges: Vec<(u32, u32)>,
    nearest: Vec<(u32, Nearest)>,
}

/// Pass 2: union core neighbours; find each border row's nearest core neighbour.
/// Ranges of blocks run in parallel, each with its own union-find (so its early exit,
/// "these rows are already joined", stays sound), and report their spanning edges, which
/// are then joined in range order.
fn join_cores(
    rows: Rows,
    plan: &dyn Plan,
    threshold: f32,
    core: &[bool],
    counts: &[u32],
) -> (UnionFind, Vec<Nearest>) {
    let n = rows.len();
    let blocks = plan.blocks();
    let ranges = (rayon::current_num_threads() * RANGES_PER_THREAD).clamp(1, blocks.max(1));
    let per_range = blocks.div_ceil(ranges).max(1);
    let found: Vec<RangeJoins> = (0..blocks)
        .step_by(per_range)
        .collect::<Vec<_>>()
        .into_par_iter()
        .map(|start| {
            join_range(
                rows,
                plan,
                start..(start + per_range).min(blocks),
                threshold,
                core,
                counts,
            )
        })
        .collect();
    let mut uf = UnionFind::new(n);
    let mut nearest: Vec<Nearest> = vec![None; n];
    for f in found {
        for (a, b) in f.edges {
            uf.union(a, b);
        }
        for (i, best) in f.nearest {
            nearest[i as usize] = best;
        }
    }
    (uf, nearest)
}

fn join_range(
    rows: Rows,
    plan: &dyn Plan,
    range: std::ops::Range<usize>,
    threshold: f32,
    core: &[bool],
    counts: &[u32],
) -> RangeJoins {
    let mut s = Scratch::default();
    let mut uf = UnionFind::new(rows.len());
    let mut out = RangeJoins {
        edges: Vec::new(),
        nearest: Vec::new(),
    };
    let mut core_q = Vec::new();
    let mut border_q = Vec::new();
    let mut core_c = Vec::new();
    // Best core neighbour of each border query of the current block, by position.
    let mut best: Vec<Nearest> = Vec::new();
    for b in range {
        let q = plan.queries(b);
        core_q.clear();
        core_q.extend(q.iter().copied().filter(|&i| core[i as usize]));
        // A non-core row whose only neighbour is itself cannot reach a core point.
        border_q.clear();
        border_q.extend(
            q.iter()
                .copied()
                .filter(|&i| !core[i as usize] && counts[i as usize] >= 2),
        );
        if core_q.is_empty() && border_q.is_empty() {
            continue;
        }
        best.clear();
        best.resize(border_q.len(), None);
        plan.candidates(b, rows, &mut s.cands);
        for chunk in s.cands.chunks(CANDIDATE_CHUNK) {
            // Only core candidates matter: core-core pairs join clusters, and a border row
            // takes its cluster from a core neighbour.
            core_c.clear();
            core_c.extend(chunk.iter().copied().filter(|&j| core[j as usize]));
            if core_c.is_empty() {
                continue;
            }
            let need_core = !core_q.is_empty() && !all_joined(&mut uf, &core_q, &core_c);
            s.active.clear();
            if need_core {
                s.active.extend_from_slice(&core_q);
            }
            let first_border = s.active.len();
            s.active.extend_from_slice(&border_q);
            if s.active.is_empty() {
                continue;
            }
            rows.gather(&s.active, &mut s.qbuf);
            rows.gather(&core_c, &mut s.cbuf);
            dots(&s.qbuf, &s.cbuf, rows.dim, &mut s.tile);
            let w = core_c.len();
            for (r, &i) in s.active.iter().enumerate() {
                let t = &s.tile[r * w..(r + 1) * w];
                if r < first_border {
                    for (&d, &j) in t.iter().zip(&core_c) {
                        if d >= threshold && uf.find(i) != uf.find(j) {
                            uf.union(i, j);
                            out.edges.push((i, j));
                        }
                    }
                } else {
                    let best = &mut best[r - first_border];
                    for (&d, &j) in t.iter().zip(&core_c) {
                        if d >= threshold && closer(d, j, *best) {
                            *best = Some((d, j));
                        }
                    }
                }
            }
        }
        out.nearest
            .extend(border_q.iter().copied().zip(best.iter().copied()));
    }
    out
}

/// Larger dot wins; equal dots go to the lower index, so the result is order-independent.
fn closer(d: f32, j: u32, best: Nearest) -> bool {
    match best {
        None => true,
        Some((bd, bj)) => d > bd || (d == bd && j < bj),
    }
}

/// Whether every row of `a` and `b` is already in one component (then the tile can only
/// repeat unions that are already done).
fn all_joined(uf: &mut UnionFind, a: &[u32], b: &[u32]) -> bool {
    let root = uf.find(a[0]);
    a.iter().chain(b).all(|&i| uf.find(i) == root)
}
