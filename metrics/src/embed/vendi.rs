//! The Vendi score of order 2 (Friedman & Dieng 2023; Pasarkar & Dieng 2023, "Cousins of
//! the Vendi score"): the effective number of distinct items in a set, from the spectrum of
//! its similarity matrix, with no threshold to tune.
//!
//! With unit-norm embeddings `X` (n × d) and the cosine kernel `K = X Xᵀ`, the eigenvalues
//! `λ` of `K / n` sum to 1. The order-q Vendi score is the Hill number of order q of that
//! spectrum; order 2 is `1 / Σ λ²  = 1 / ‖K / n‖²_F`, and `‖X Xᵀ‖_F = ‖Xᵀ X‖_F`, so it is read
//! off the d × d Gram matrix in O(n d²) without an eigendecomposition. It is 1 for n
//! identical items and n for n orthogonal ones, and it does not grow with n for a fixed
//! distribution (it converges to the Hill number of the distribution's second-moment
//! spectrum), which is what makes it comparable across dataset sizes.

/// The order-2 Vendi score of unit-norm rows; weights (duplicate counts) multiply rows'
/// mass. `None` for an empty set.
pub fn vendi2(data: &[f32], dim: usize, weights: Option<&[f64]>) -> Option<f64> {
    let n = data.len() / dim;
    if n == 0 {
        return None;
    }
    let mut gram = vec![0f64; dim * dim];
    let mut total = 0f64;
    for (i, row) in data.chunks_exact(dim).enumerate() {
        let w = weights.map_or(1.0, |w| w[i]);
        total += w;
        for (a, &xa) in row.iter().enumerate() {
            if xa == 0.0 {
                continue;
            }
            let wa = w * xa as f64;
            let g = &mut gram[a * dim..(a + 1) * dim];
            // Upper triangle only; the square is symmetric.
            for (b, &xb) in row.iter().enumerate().skip(a) {
                g[b] += wa * xb as f64;
            }
        }
    }
    if total <= 0.0 {
        return None;
    }
    let mut sum_sq = 0f64;
    for a in 0..dim {
        for b in a..dim {
            let v = gram[a * dim + b] / total;
            sum_sq += if a == b { v * v } else { 2.0 * v * v };
        }
    }
    (sum_sq > 0.0).then(|| 1.0 / sum_sq)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_items_score_one_and_orthogonal_items_score_n() {
        let same = [1.0f32, 0.0, 0.0, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0];
        assert!((vendi2(&same, 3, None).unwrap() - 1.0).abs() < 1e-9);
        let ortho = [1.0f32, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0];
        assert!((vendi2(&ortho, 3, None).unwrap() - 3.0).abs() < 1e-9);
        // Two orthogonal items, one with twice the mass: 1 / (4/9 + 1/9) = 1.8.
        let two = [1.0f32, 0.0, 0.0, 1.0];
        assert!((vendi2(&two, 2, Some(&[2.0, 1.0])).unwrap() - 1.8).abs() < 1e-9);
        assert!(vendi2(&[], 3, None).is_none());
    }

    #[test]
    fn matches_the_eigenvalue_definition_on_a_small_set() {
        // K/n for rows at 0°, 60°, 90° in the plane: eigenvalues by hand via trace identities:
        // Σλ² = ‖K/n‖²_F.
        let r = |t: f32| [t.cos(), t.sin()];
        let rows: Vec<f32> = [
            0.0f32,
            std::f32::consts::FRAC_PI_3,
            std::f32::consts::FRAC_PI_2,
        ]
        .iter()
        .flat_map(|&t| r(t))
        .collect();
        let mut fro = 0f64;
        for i in 0..3 {
            for j in 0..3 {
                let d: f32 = (0..2).map(|k| rows[i * 2 + k] * rows[j * 2 + k]).sum();
                fro += (d as f64 / 3.0).powi(2);
            }
        }
        assert!((vendi2(&rows, 2, None).unwrap() - 1.0 / fro).abs() < 1e-6);
    }
}
