//! Fitting the static table to the transformer's sentence embeddings (the "tokenlearn" step
//! of model2vec): token vectors distilled one token at a time do not know how tokens combine,
//! so they are refined on real texts until the mean of a text's token vectors points where
//! the transformer's embedding of the whole text points.
//!
//! 1. A linear map `W` (ridge least squares) from the normalised mean of the distilled token
//!    vectors to the transformer's embeddings, folded into the table (averaging is linear).
//! 2. The table is projected on the top principal axes of the transformer's embeddings.
//! 3. Full-batch Adam on `mean(1 - cos(mean of token vectors, target))`, with an L2 pull
//!    towards the start so that tokens seen in few texts do not drift. Only tokens that occur
//!    in the training texts move.

/// Token counts of each training text: `(token id, count)` pairs.
pub type Counts = Vec<Vec<(u32, f32)>>;

/// Solves `a · x = b` for symmetric positive definite `a` (`n × n`) and `b` (`n × m`), in
/// place: `b` becomes `x`. Returns false when `a` is not positive definite.
pub fn cholesky_solve(a: &mut [f64], n: usize, b: &mut [f64], m: usize) -> bool {
    // a = L·Lᵀ, L stored in the lower triangle of a.
    for j in 0..n {
        let mut d = a[j * n + j];
        for k in 0..j {
            d -= a[j * n + k] * a[j * n + k];
        }
        if d <= 0.0 || !d.is_finite() {
            return false;
        }
        let d = d.sqrt();
        a[j * n + j] = d;
        for i in j + 1..n {
            let mut s = a[i * n + j];
            for k in 0..j {
                s -= a[i * n + k] * a[j * n + k];
            }
            a[i * n + j] = s / d;
        }
    }
    for c in 0..m {
        // Forward: L·z = b.
        for i in 0..n {
            let mut s = b[i * m + c];
            for k in 0..i {
                s -= a[i * n + k] * b[k * m + c];
            }
            b[i * m + c] = s / a[i * n + i];
        }
        // Backward: Lᵀ·x = z.
        for i in (0..n).rev() {
            let mut s = b[i * m + c];
            for k in i + 1..n {
                s -= a[k * n + i] * b[k * m + c];
            }
            b[i * m + c] = s / a[i * n + i];
        }
    }
    true
}

/// `Σ count · table[token]` for each text, `texts × dim`.
pub fn text_sums(counts: &Counts, table: &[f64], dim: usize) -> Vec<f64> {
    let mut out = vec![0f64; counts.len() * dim];
    for (row, c) in out.chunks_exact_mut(dim).zip(counts) {
        for &(t, k) in c {
            let v = &table[t as usize * dim..(t as usize + 1) * dim];
            for (o, x) in row.iter_mut().zip(v) {
                *o += k as f64 * x;
            }
        }
    }
    out
}

pub fn normalize_rows(m: &mut [f64], dim: usize) {
    for r in m.chunks_exact_mut(dim) {
        let n = r.iter().map(|x| x * x).sum::<f64>().sqrt();
        if n > 0.0 {
            r.iter_mut().for_each(|x| *x /= n);
        }
    }
}

/// Ridge regression `W = (XᵀX + λ·tr(XᵀX)/d·I)⁻¹ XᵀY` for `x` (`n × d`), `y` (`n × k`).
/// The penalty is relative to the mean eigenvalue, so `lambda` does not depend on scale.
pub fn ridge(x: &[f64], d: usize, y: &[f64], k: usize, lambda: f64) -> Option<Vec<f64>> {
    let n = x.len() / d;
    let mut g = vec![0f64; d * d];
    let mut xy = vec![0f64; d * k];
    for i in 0..n {
        let (xr, yr) = (&x[i * d..(i + 1) * d], &y[i * k..(i + 1) * k]);
        for a in 0..d {
            let xa = xr[a];
            if xa == 0.0 {
                continue;
            }
            for b in 0..d {
                g[a * d + b] += xa * xr[b];
            }
            for b in 0..k {
                xy[a * k + b] += xa * yr[b];
            }
        }
    }
    let trace: f64 = (0..d).map(|a| g[a * d + a]).sum();
    let shift = lambda * trace / d as f64;
    (0..d).for_each(|a| g[a * d + a] += shift.max(f64::MIN_POSITIVE));
    cholesky_solve(&mut g, d, &mut xy, k).then_some(xy)
}

/// `m` (`r × a`) times `w` (`a × b`).
pub fn matmul(m: &[f64], a: usize, w: &[f64], b: usize) -> Vec<f64> {
    let r = m.len() / a;
    let mut out = vec![0f64; r * b];
    for i in 0..r {
        let row = &m[i * a..(i + 1) * a];
        let o = &mut out[i * b..(i + 1) * b];
        for (p, &x) in row.iter().enumerate() {
            if x == 0.0 {
                continue;
            }
            for (oj, wj) in o.iter_mut().zip(&w[p * b..(p + 1) * b]) {
                *oj += x * wj;
            }
        }
    }
    out
}

pub struct RefineOptions {
    pub steps: usize,
    /// Step size relative to the mean absolute entry of the trained rows.
    pub lr: f64,
    /// Weight of the pull towards the starting table.
    pub pull: f64,
}

pub const REFINE: RefineOptions = RefineOptions {
    steps: 150,
    lr: 0.01,
    pull: 1e-4,
};

/// Mean cosine loss of `table` on the texts, and its gradient with respect to the table.
fn loss_grad(counts: &Counts, table: &[f64], dim: usize, targets: &[f64]) -> (f64, Vec<f64>) {
    let sums = text_sums(counts, table, dim);
    let n = counts.len().max(1) as f64;
    let mut grad = vec![0f64; table.len()];
    let mut loss = 0.0;
    for ((s, y), c) in sums
        .chunks_exact(dim)
        .zip(targets.chunks_exact(dim))
        .zip(counts)
    {
        let ns = s.iter().map(|x| x * x).sum::<f64>().sqrt();
        let ny = y.iter().map(|x| x * x).sum::<f64>().sqrt();
        if ns == 0.0 || ny == 0.0 {
            continue;
        }
        let cos = s.iter().zip(y).map(|(a, b)| a * b).sum::<f64>() / (ns * ny);
        loss += 1.0 - cos;
        // d(1 - cos)/ds = -(ŷ - cos·ŝ) / |s|
        let gs: Vec<f64> = s
            .iter()
            .zip(y)
            .map(|(a, b)| -(b / ny - cos * a / ns) / ns / n)
            .collect();
        for &(t, k) in c {
            let g = &mut grad[t as usize * dim..(t as usize + 1) * dim];
            for (gi, v) in g.iter_mut().zip(&gs) {
                *gi += k as f64 * v;
            }
        }
    }
    (loss / n, grad)
}

/// Refines `start` (`vocab × dim`) so that each text's token-vector sum points at its
/// target (`texts × dim`). Returns the table and the training loss before and after.
pub fn refine(
    counts: &Counts,
    start: &[f64],
    dim: usize,
    targets: &[f64],
    opts: &RefineOptions,
) -> (Vec<f64>, f64, f64) {
    let vocab = start.len() / dim;
    let mut seen = vec![false; vocab];
    counts
        .iter()
        .flatten()
        .for_each(|&(t, _)| seen[t as usize] = true);
    let trained: Vec<usize> = (0..vocab).filter(|&t| seen[t]).collect();
    let scale = trained
        .iter()
        .flat_map(|&t| &start[t * dim..(t + 1) * dim])
        .map(|x| x.abs())
        .sum::<f64>()
        / (trained.len() * dim).max(1) as f64;
    if scale == 0.0 {
        return (start.to_vec(), 0.0, 0.0);
    }
    let lr = opts.lr * scale;
    let pull = opts.pull / (scale * scale);
    let mut e = start.to_vec();
    let (mut m, mut v) = (vec![0f64; e.len()], vec![0f64; e.len()]);
    let (b1, b2, eps) = (0.9f64, 0.999f64, 1e-12);
    let mut first = f64::NAN;
    for step in 1..=opts.steps {
        let (loss, mut g) = loss_grad(counts, &e, dim, targets);
        if step == 1 {
            first = loss;
        }
        let (c1, c2) = (1.0 - b1.powi(step as i32), 1.0 - b2.powi(step as i32));
        for &t in &trained {
            for i in t * dim..(t + 1) * dim {
                g[i] += pull * (e[i] - start[i]);
                m[i] = b1 * m[i] + (1.0 - b1) * g[i];
                v[i] = b2 * v[i] + (1.0 - b2) * g[i] * g[i];
                e[i] -= lr * (m[i] / c1) / ((v[i] / c2).sqrt() + eps);
            }
        }
    }
    let last = loss_grad(counts, &e, dim, targets).0;
    (e, first, last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cholesky_solves_a_known_system() {
        // [[4, 2], [2, 3]] x = [[2], [1]]  =>  x = [0.5, 0]
        let mut a = vec![4.0, 2.0, 2.0, 3.0];
        let mut b = vec![2.0, 1.0];
        assert!(cholesky_solve(&mut a, 2, &mut b, 1));
        assert!((b[0] - 0.5).abs() < 1e-12 && b[1].abs() < 1e-12, "{b:?}");
        let mut not_pd = vec![1.0, 2.0, 2.0, 1.0];
        assert!(!cholesky_solve(&mut not_pd, 2, &mut [1.0, 1.0], 1));
    }

    #[test]
    fn ridge_recovers_a_linear_map() {
        // y = x·W with W = [[1, 2], [0, 1], [3, 0]], on six generic points.
        let w = [1.0, 2.0, 0.0, 1.0, 3.0, 0.0];
        let x: Vec<f64> = (0..18).map(|i| ((i * 7 % 11) as f64) - 5.0).collect();
        let y = matmul(&x, 3, &w, 2);
        let fit = ridge(&x, 3, &y, 2, 1e-12).unwrap();
        for (a, b) in fit.iter().zip(&w) {
            assert!((a - b).abs() < 1e-6, "{fit:?}");
        }
    }

    #[test]
    fn refining_moves_trained_tokens_towards_the_targets_and_leaves_others() {
        // Three tokens in 2-D; texts "0 1" and "1 2" want directions the start misses.
        let start = vec![1.0, 0.0, 1.0, 0.1, 0.0, 1.0, 0.5, 0.5];
        let counts: Counts = vec![vec![(0, 1.0), (1, 1.0)], vec![(1, 1.0), (2, 1.0)]];
        let targets = vec![0.0, 1.0, 1.0, 0.0];
        let opts = RefineOptions {
            steps: 300,
            lr: 0.01,
            pull: 0.0,
        };
        let (e, before, after) = refine(&counts, &start, 2, &targets, &opts);
        assert!(after < before * 0.2, "{before} -> {after}");
        assert_eq!(&e[6..8], &start[6..8], "token 3 occurs in no text");
    }
}
