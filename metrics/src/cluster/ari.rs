//! Adjusted Rand index (Hubert and Arabie 1985), as scikit-learn's `adjusted_rand_score`.
//!
//! Labels are compared as plain partitions: noise (`-1`) is one more group, exactly as when
//! scikit-learn scores two DBSCAN label vectors.

use std::collections::HashMap;

fn pairs(n: u64) -> f64 {
    (n as f64) * (n as f64 - 1.0) / 2.0
}

pub fn adjusted_rand_index(a: &[i32], b: &[i32]) -> f64 {
    assert_eq!(a.len(), b.len(), "label vectors differ in length");
    let n = a.len() as u64;
    let mut joint: HashMap<(i32, i32), u64> = HashMap::new();
    let mut rows: HashMap<i32, u64> = HashMap::new();
    let mut cols: HashMap<i32, u64> = HashMap::new();
    for (&x, &y) in a.iter().zip(b) {
        *joint.entry((x, y)).or_default() += 1;
        *rows.entry(x).or_default() += 1;
        *cols.entry(y).or_default() += 1;
    }
    let index: f64 = joint.values().map(|&c| pairs(c)).sum();
    let sum_a: f64 = rows.values().map(|&c| pairs(c)).sum();
    let sum_b: f64 = cols.values().map(|&c| pairs(c)).sum();
    let total = pairs(n);
    // Identical trivial partitions (all one group, or all singletons) agree perfectly.
    if total == 0.0 || (sum_a == sum_b && (sum_a == 0.0 || sum_a == total)) {
        return 1.0;
    }
    let expected = sum_a * sum_b / total;
    let max = (sum_a + sum_b) / 2.0;
    if max == expected {
        return 1.0;
    }
    (index - expected) / (max - expected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_scikit_learn_values() {
        // sklearn.metrics.adjusted_rand_score([0,0,1,1],[1,1,0,0]) == 1.0
        assert_eq!(adjusted_rand_index(&[0, 0, 1, 1], &[1, 1, 0, 0]), 1.0);
        // adjusted_rand_score([0,0,1,2],[0,0,1,1]) == 0.5714285714285715
        assert!(
            (adjusted_rand_index(&[0, 0, 1, 2], &[0, 0, 1, 1]) - 0.5714285714285715).abs() < 1e-12
        );
        // adjusted_rand_score([0,0,1,1],[0,1,0,1]) == -0.5
        assert!((adjusted_rand_index(&[0, 0, 1, 1], &[0, 1, 0, 1]) + 0.5).abs() < 1e-12);
    }
}
