//! The two-pass DBSCAN over any [`Plan`]: count neighbours, then join core points.

use super::matrix::{dots, Rows};
use super::plan::Plan;
use super::{Clustering, DbscanParams};
use crate::dedup::union_find::UnionFind;

/// Candidate rows per GEMM tile (with 256 query rows: a 1 MB tile of dot products).
const CANDIDATE_CHUNK: usize = 1024;

struct Scratch {
    cands: Vec<u32>,
    active: Vec<u32>,
    qbuf: Vec<f32>,
    cbuf: Vec<f32>,
    tile: Vec<f32>,
}

pub(crate) fn run(rows: Rows, plan: &dyn Plan, params: DbscanParams) -> Clustering {
    let n = rows.len();
    // Cosine distance <= eps  <=>  dot >= 1 - eps, for unit rows.
    let threshold = 1.0 - params.eps;
    let min_samples = params.min_samples.max(1) as u32;
    let mut s = Scratch {
        cands: Vec::new(),
        active: Vec::new(),
        qbuf: Vec::new(),
        cbuf: Vec::new(),
        tile: Vec::new(),
    };

    let counts = count_neighbours(rows, plan, threshold, min_samples, &mut s);
    let core: Vec<bool> = counts.iter().map(|&c| c >= min_samples).collect();
    let (mut uf, nearest_core) = join_cores(rows, plan, threshold, &core, &counts, &mut s);

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
fn count_neighbours(
    rows: Rows,
    plan: &dyn Plan,
    threshold: f32,
    min_samples: u32,
    s: &mut Scratch,
) -> Vec<u32> {
    let mut counts = vec![0u32; rows.len()];
    for b in 0..plan.blocks() {
        plan.candidates(b, rows, &mut s.cands);
        s.active.clear();
        s.active.extend_from_slice(plan.queries(b));
        for chunk in s.cands.chunks(CANDIDATE_CHUNK) {
            s.active.retain(|&i| counts[i as usize] < min_samples);
            if s.active.is_empty() {
                break;
            }
            rows.gather(&s.active, &mut s.qbuf);
            rows.gather(chunk, &mut s.cbuf);
            dots(&s.qbuf, &s.cbuf, rows.dim, &mut s.tile);
            for (r, &i) in s.active.iter().enumerate() {
                let t = &s.tile[r * chunk.len()..(r + 1) * chunk.len()];
                counts[i as usize] += t.iter().filter(|&&d| d >= threshold).count() as u32;
            }
        }
    }
    counts
}

/// Best (dot, index) core neighbour so far of a non-core row.
type Nearest = Option<(f32, u32)>;

/// Pass 2: union core neighbours; find each border row's nearest core neighbour.
fn join_cores(
    rows: Rows,
    plan: &dyn Plan,
    threshold: f32,
    core: &[bool],
    counts: &[u32],
    s: &mut Scratch,
) -> (UnionFind, Vec<Nearest>) {
    let n = rows.len();
    let mut uf = UnionFind::new(n);
    let mut nearest: Vec<Nearest> = vec![None; n];
    let mut core_q = Vec::new();
    let mut border_q = Vec::new();
    let mut core_c = Vec::new();
    for b in 0..plan.blocks() {
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
                if core[i as usize] {
                    for (&d, &j) in t.iter().zip(&core_c) {
                        if d >= threshold {
                            uf.union(i, j);
                        }
                    }
                } else {
                    let best = &mut nearest[i as usize];
                    for (&d, &j) in t.iter().zip(&core_c) {
                        if d >= threshold && closer(d, j, *best) {
                            *best = Some((d, j));
                        }
                    }
                }
            }
        }
    }
    (uf, nearest)
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
