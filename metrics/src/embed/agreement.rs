//! How far two embedders agree: Spearman correlation of their pairwise cosines.
//!
//! Rank correlation, because DBSCAN only cares which pairs are closer than which, not about
//! the cosine scale (a static model's cosines run systematically higher than MiniLM's).

/// Ranks with ties given their average rank (1-based), as `scipy.stats.rankdata`.
pub fn ranks(v: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..v.len()).collect();
    idx.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
    let mut r = vec![0f64; v.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && v[idx[j + 1]] == v[idx[i]] {
            j += 1;
        }
        let avg = (i + j) as f64 / 2.0 + 1.0;
        for &k in &idx[i..=j] {
            r[k] = avg;
        }
        i = j + 1;
    }
    r
}

pub fn pearson(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        sab += (x - ma) * (y - mb);
        saa += (x - ma).powi(2);
        sbb += (y - mb).powi(2);
    }
    sab / (saa * sbb).sqrt()
}

pub fn spearman(a: &[f64], b: &[f64]) -> f64 {
    pearson(&ranks(a), &ranks(b))
}

/// Cosines of all pairs `i < j` of unit rows (`n × dim`).
pub fn pairwise_cosines(rows: &[f32], dim: usize) -> Vec<f64> {
    let n = rows.len() / dim;
    let mut out = Vec::with_capacity(n * n.saturating_sub(1) / 2);
    for i in 0..n {
        for j in i + 1..n {
            let d: f32 = rows[i * dim..(i + 1) * dim]
                .iter()
                .zip(&rows[j * dim..(j + 1) * dim])
                .map(|(x, y)| x * y)
                .sum();
            out.push(d as f64);
        }
    }
    out
}

/// Spearman correlation between the pairwise cosines of two embeddings of the same texts.
pub fn cosine_rank_agreement(a: &[f32], dim_a: usize, b: &[f32], dim_b: usize) -> f64 {
    spearman(&pairwise_cosines(a, dim_a), &pairwise_cosines(b, dim_b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spearman_matches_scipy() {
        // scipy.stats.spearmanr([1,2,3,4,5],[5,6,7,8,7]).statistic == 0.8207826816681233
        let r = spearman(&[1., 2., 3., 4., 5.], &[5., 6., 7., 8., 7.]);
        assert!((r - 0.8207826816681233).abs() < 1e-12, "{r}");
    }
}
