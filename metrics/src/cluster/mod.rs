//! DBSCAN over unit vectors with cosine distance, exact, and fast enough for a million rows.
//!
//! Definitions (those of scikit-learn's `DBSCAN(metric="cosine")`):
//! - `i` and `j` are neighbours when `1 - cos(i, j) <= eps`; every point is its own neighbour.
//! - A point is *core* when it has at least `min_samples` neighbours (itself included).
//! - Clusters are the connected components of the graph of core points joined when they are
//!   neighbours, numbered in the order of each component's lowest core index (the order in
//!   which scikit-learn discovers them).
//! - A non-core point with a core neighbour is a *border* point. DBSCAN leaves its cluster
//!   ambiguous when core points of several clusters reach it; scikit-learn takes whichever
//!   cluster's depth-first expansion reaches it first. We take the cluster of its **nearest**
//!   core neighbour (ties: the lowest index), which depends on no processing order. Core
//!   points, noise points and every unambiguous border point match scikit-learn exactly.
//! - Other non-core points are noise, labelled `-1`.
//!
//! The range search is blocked matrix multiplication ([`matrix::dots`]) in two passes (count
//! neighbours, then join core points), with early exits that make dense data cheap. What
//! each query block is compared with comes from a [`plan::Plan`]: every row ([`plan::Brute`])
//! or, for large sets, only the cells of a k-means partition that the triangle inequality
//! cannot rule out ([`partition::Partition`]). Both are exact; the partition may be given a
//! candidate budget, which makes it approximate (measured with [`ari::adjusted_rand_index`]).

pub mod ari;
mod engine;
pub mod matrix;
pub mod params;
pub mod partition;
pub mod plan;

pub use matrix::Rows;

/// DBSCAN settings. `eps` is a cosine distance (`1 - cos`), in `[0, 2]`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DbscanParams {
    pub eps: f32,
    pub min_samples: usize,
}

/// How the neighbour search is organised.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Search {
    /// Brute force below [`PARTITION_FROM`] rows, the exact partition from there on.
    #[default]
    Auto,
    /// Every query block against every row: exact, quadratic.
    Brute,
    /// k-means cells pruned by triangle-inequality bounds. With `budget: None` it is exact;
    /// with `Some(b)` each query block visits at most about `b` candidate rows, nearest
    /// cells first, which bounds the cost and can miss neighbours.
    Partitioned { budget: Option<usize> },
}

/// Below this many rows the brute-force search is as fast as building a partition.
pub const PARTITION_FROM: usize = 20_000;

/// The result of one DBSCAN run.
#[derive(Clone, Debug, PartialEq)]
pub struct Clustering {
    /// Cluster per row, `0..n_clusters`, or `-1` for noise.
    pub labels: Vec<i32>,
    pub core: Vec<bool>,
    pub n_clusters: usize,
}

impl Clustering {
    /// Size of each cluster, indexed by label.
    pub fn sizes(&self) -> Vec<usize> {
        let mut sizes = vec![0; self.n_clusters];
        for &l in &self.labels {
            if l >= 0 {
                sizes[l as usize] += 1;
            }
        }
        sizes
    }

    pub fn noise(&self) -> usize {
        self.labels.iter().filter(|&&l| l < 0).count()
    }
}

/// Runs DBSCAN on unit-norm rows.
pub fn dbscan(rows: Rows, params: DbscanParams, search: Search) -> Clustering {
    let n = rows.len();
    let search = match search {
        Search::Auto if n < PARTITION_FROM => Search::Brute,
        Search::Auto => Search::Partitioned { budget: None },
        s => s,
    };
    match search {
        Search::Partitioned { budget } if n > 0 => {
            let part = partition::Partition::build(rows, params.eps, budget);
            engine::run(rows, &part, params)
        }
        _ => engine::run(rows, &plan::Brute::new(n), params),
    }
}

#[cfg(test)]
mod tests;
