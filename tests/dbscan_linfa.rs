//! DBSCAN against linfa-clustering's exact DBSCAN on the committed reference vectors
//! (tests/reference/dbscan_reference.json): a second independent implementation beside
//! scikit-learn (tests/dbscan_sklearn.rs).
//!
//! linfa uses Euclidean distance; on unit vectors `|a - b|^2 = 2 (1 - cos)`, so cosine
//! `eps` is Euclidean `sqrt(2 eps)`. Both count a point as its own neighbour and number
//! clusters by their lowest core point, so noise, cluster count and the labels of core
//! points must be identical. Border points reached by several clusters are ambiguous in
//! DBSCAN: linfa takes the first cluster to reach them, ftqa the nearest core point's; the
//! test checks linfa's pick is one of the clusters that reach the point and that every
//! unambiguous border point agrees.

use ftqa_metrics::cluster::{dbscan, DbscanParams, Rows, Search};
mod common;

use common::dbscan_reference as reference;
use linfa::traits::Transformer;
use linfa_clustering::Dbscan;
use ndarray::Array2;
use std::collections::BTreeSet;

#[test]
fn dbscan_matches_linfa() {
    let (data, dim, cases) = reference();
    let rows = Rows::new(&data, dim);
    let n = rows.len();
    let unit: Vec<f64> = data
        .chunks_exact(dim)
        .flat_map(|r| {
            let norm = r.iter().map(|x| (*x as f64).powi(2)).sum::<f64>().sqrt();
            r.iter().map(move |x| *x as f64 / norm)
        })
        .collect();
    let obs = Array2::from_shape_vec((n, dim), unit.clone()).unwrap();
    let cos = |i: usize, j: usize| -> f64 {
        (0..dim)
            .map(|d| unit[i * dim + d] * unit[j * dim + d])
            .sum()
    };
    let mut checked_border = 0;
    for case in &cases {
        let eps = case["eps"].as_f64().unwrap();
        let min_samples = case["min_samples"].as_u64().unwrap() as usize;
        // Pairs within rounding of eps would make the comparison depend on float order.
        let near = (0..n)
            .flat_map(|i| (i + 1..n).map(move |j| (i, j)))
            .filter(|&(i, j)| ((1.0 - cos(i, j)) - eps).abs() < 1e-6)
            .count();
        assert_eq!(near, 0, "eps {eps}: pairs at the threshold");

        let theirs = Dbscan::params(min_samples)
            .tolerance((2.0 * eps).sqrt())
            .transform(&obs)
            .unwrap();
        let ours = dbscan(
            rows,
            DbscanParams {
                eps: eps as f32,
                min_samples,
            },
            Search::Brute,
        );
        let theirs: Vec<i32> = theirs.iter().map(|l| l.map_or(-1, |c| c as i32)).collect();
        let k_theirs = theirs.iter().copied().max().map_or(0, |m| (m + 1) as usize);
        assert_eq!(ours.n_clusters, k_theirs, "eps {eps}: cluster count");
        for (i, &their) in theirs.iter().enumerate() {
            assert_eq!(ours.labels[i] < 0, their < 0, "eps {eps}: noise at {i}");
            if ours.core[i] {
                assert_eq!(ours.labels[i], their, "eps {eps}: core point {i}");
            } else if ours.labels[i] >= 0 {
                let reaching: BTreeSet<i32> = (0..n)
                    .filter(|&j| ours.core[j] && 1.0 - cos(i, j) <= eps)
                    .map(|j| ours.labels[j])
                    .collect();
                assert!(reaching.contains(&their), "eps {eps}: border {i}");
                if reaching.len() == 1 {
                    assert_eq!(ours.labels[i], their, "eps {eps}: border {i}");
                }
                checked_border += 1;
            }
        }
    }
    assert!(checked_border > 0, "the cases should include border points");
}
