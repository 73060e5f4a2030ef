//! DBSCAN against a naive O(n²) implementation of the same definition.

use super::*;
use crate::sample::mix64;

/// Deterministic standard-normal-ish numbers (sum of uniforms), good enough for blobs.
fn gauss(seed: u64) -> f32 {
    (0..4)
        .map(|i| (mix64(seed.wrapping_mul(4).wrapping_add(i)) >> 40) as f32 / (1u64 << 24) as f32)
        .sum::<f32>()
        - 2.0
}

/// `blobs` clusters of unit vectors around random centres, plus uniform noise rows.
pub(crate) fn blobs(
    n: usize,
    dim: usize,
    blobs: usize,
    spread: f32,
    noise: f32,
    seed: u64,
) -> Vec<f32> {
    let centres: Vec<f32> = (0..blobs * dim)
        .map(|i| gauss(seed ^ (i as u64) << 20))
        .collect();
    let mut data = Vec::with_capacity(n * dim);
    for i in 0..n {
        let h = mix64(seed ^ i as u64);
        let is_noise = (h % 10_000) as f32 / 10_000.0 < noise;
        let c = (h >> 16) as usize % blobs;
        for d in 0..dim {
            let g = gauss(seed.wrapping_add(1) ^ ((i * dim + d) as u64) << 8);
            data.push(if is_noise {
                g
            } else {
                centres[c * dim + d] + spread * g
            });
        }
    }
    matrix::normalize_rows(&mut data, dim);
    data
}

fn naive(rows: Rows, p: DbscanParams) -> Clustering {
    let n = rows.len();
    let dot = |i: usize, j: usize| {
        rows.row(i)
            .iter()
            .zip(rows.row(j))
            .map(|(a, b)| a * b)
            .sum::<f32>()
    };
    let thr = 1.0 - p.eps;
    let nb: Vec<Vec<usize>> = (0..n)
        .map(|i| (0..n).filter(|&j| dot(i, j) >= thr).collect())
        .collect();
    let core: Vec<bool> = nb.iter().map(|v| v.len() >= p.min_samples).collect();
    let mut labels = vec![-1i32; n];
    let mut next = 0;
    for i in 0..n {
        if !core[i] || labels[i] >= 0 {
            continue;
        }
        let mut stack = vec![i];
        labels[i] = next;
        while let Some(x) = stack.pop() {
            for &y in &nb[x] {
                if core[y] && labels[y] < 0 {
                    labels[y] = next;
                    stack.push(y);
                }
            }
        }
        next += 1;
    }
    for i in 0..n {
        if !core[i] {
            let best = nb[i]
                .iter()
                .filter(|&&j| core[j])
                .max_by(|&&a, &&b| dot(i, a).total_cmp(&dot(i, b)).then(b.cmp(&a)));
            if let Some(&j) = best {
                labels[i] = labels[j];
            }
        }
    }
    Clustering {
        labels,
        core,
        n_clusters: next as usize,
    }
}

#[test]
fn brute_and_partition_match_the_naive_definition() {
    let dim = 16;
    let data = blobs(1500, dim, 12, 0.35, 0.08, 7);
    let rows = Rows::new(&data, dim);
    let p = DbscanParams {
        eps: 0.08,
        min_samples: 5,
    };
    let want = naive(rows, p);
    assert!(
        want.n_clusters >= 5 && want.noise() > 0,
        "fixture should have clusters and noise: {} {}",
        want.n_clusters,
        want.noise()
    );
    assert_eq!(dbscan(rows, p, Search::Brute), want);
    assert_eq!(dbscan(rows, p, Search::Partitioned { budget: None }), want);
}

#[test]
fn partition_is_exact_with_many_cells_and_wide_eps() {
    let dim = 8;
    let data = blobs(2500, dim, 30, 0.5, 0.2, 11);
    let rows = Rows::new(&data, dim);
    for eps in [0.02, 0.1, 0.3] {
        let p = DbscanParams {
            eps,
            min_samples: 4,
        };
        assert_eq!(
            dbscan(rows, p, Search::Partitioned { budget: None }),
            dbscan(rows, p, Search::Brute),
            "eps {eps}"
        );
    }
}

#[test]
fn budgeted_partition_stays_close() {
    let dim = 16;
    let data = blobs(3000, dim, 20, 0.3, 0.05, 3);
    let rows = Rows::new(&data, dim);
    let p = DbscanParams {
        eps: 0.06,
        min_samples: 5,
    };
    let exact = dbscan(rows, p, Search::Brute);
    let approx = dbscan(rows, p, Search::Partitioned { budget: Some(600) });
    assert!(ari::adjusted_rand_index(&exact.labels, &approx.labels) > 0.9);
}

#[test]
fn duplicates_form_a_cluster_and_empty_input_is_fine() {
    let data = [0.6, 0.8, 0.6, 0.8, 0.6, 0.8, 1.0, 0.0];
    let c = dbscan(
        Rows::new(&data, 2),
        DbscanParams {
            eps: 1e-4,
            min_samples: 3,
        },
        Search::Auto,
    );
    assert_eq!(c.labels, vec![0, 0, 0, -1]);
    let empty: [f32; 0] = [];
    let c = dbscan(
        Rows::new(&empty, 4),
        DbscanParams {
            eps: 0.1,
            min_samples: 3,
        },
        Search::Partitioned { budget: None },
    );
    assert_eq!(c.n_clusters, 0);
}

#[test]
fn output_is_identical_for_any_thread_count() {
    // Enough rows for many query blocks (and partition cells), with dense blobs, so the
    // parallel passes split blocks into several ranges with their own union-finds.
    let dim = 12;
    let data = blobs(3000, dim, 6, 0.12, 0.15, 41);
    let rows = Rows::new(&data, dim);
    let params = DbscanParams {
        eps: 0.08,
        min_samples: 5,
    };
    for search in [
        Search::Brute,
        Search::Partitioned { budget: None },
        Search::Partitioned { budget: Some(600) },
    ] {
        let runs: Vec<Clustering> = [1, 2, 8]
            .iter()
            .map(|&t| {
                rayon::ThreadPoolBuilder::new()
                    .num_threads(t)
                    .build()
                    .unwrap()
                    .install(|| dbscan(rows, params, search))
            })
            .collect();
        assert!(runs[0].n_clusters > 1, "{search:?}: {}", runs[0].n_clusters);
        assert_eq!(runs[0], runs[1], "{search:?}");
        assert_eq!(runs[0], runs[2], "{search:?}");
    }
}
