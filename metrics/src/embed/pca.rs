//! Principal components by subspace iteration: enough for distilling the static model (only
//! the spanned subspace matters there, since cosines are rotation-invariant) and for the
//! 2-D map, and fast in debug builds unlike a full eigendecomposition.

use crate::sample::mix64;

pub struct Pca {
    pub dim: usize,
    pub mean: Vec<f32>,
    /// `k × dim`, orthonormal, by decreasing variance.
    pub components: Vec<f32>,
    /// Variance along each component.
    pub variance: Vec<f64>,
}

const ITERS: usize = 60;

impl Pca {
    /// Fits `k` components to the rows of `data` (`n × dim`).
    pub fn fit(data: &[f32], dim: usize, k: usize) -> Pca {
        let n = data.len() / dim;
        let k = k.min(dim).max(1);
        let mut mean = vec![0f64; dim];
        for row in data.chunks_exact(dim) {
            for (m, v) in mean.iter_mut().zip(row) {
                *m += *v as f64;
            }
        }
        mean.iter_mut().for_each(|m| *m /= n.max(1) as f64);
        let centered: Vec<f64> = data
            .chunks_exact(dim)
            .flat_map(|r| r.iter().zip(&mean).map(|(v, m)| *v as f64 - m))
            .collect();
        let mut cov = vec![0f64; dim * dim];
        // SAFETY: centered is n×dim, cov is dim×dim; Xᵀ is read with swapped strides.
        unsafe {
            matrixmultiply::dgemm(
                dim,
                n,
                dim,
                1.0 / n.max(1) as f64,
                centered.as_ptr(),
                1,
                dim as isize,
                centered.as_ptr(),
                dim as isize,
                1,
                0.0,
                cov.as_mut_ptr(),
                dim as isize,
                1,
            );
        }
        let (components, variance) = top_eigen(&cov, dim, k);
        Pca {
            dim,
            mean: mean.iter().map(|&m| m as f32).collect(),
            components,
            variance,
        }
    }

    pub fn k(&self) -> usize {
        self.components.len() / self.dim
    }

    /// Projects one row onto the components.
    pub fn project(&self, row: &[f32], out: &mut [f32]) {
        for (c, o) in self.components.chunks_exact(self.dim).zip(out.iter_mut()) {
            *o = c
                .iter()
                .zip(row)
                .zip(&self.mean)
                .map(|((w, v), m)| w * (v - m))
                .sum();
        }
    }
}

/// Top-`k` eigenvectors of a symmetric `d × d` matrix: subspace iteration, then a
/// Rayleigh-Ritz step to order them. Signs are fixed (largest entry positive) so results
/// are identical run to run.
fn top_eigen(a: &[f64], d: usize, k: usize) -> (Vec<f32>, Vec<f64>) {
    let mut q: Vec<f64> = (0..k * d)
        .map(|i| (mix64(i as u64) >> 11) as f64 / (1u64 << 53) as f64 - 0.5)
        .collect();
    orthonormalize(&mut q, d);
    let mut z = vec![0f64; k * d];
    for _ in 0..ITERS {
        mat_rows(a, &q, d, &mut z);
        std::mem::swap(&mut q, &mut z);
        orthonormalize(&mut q, d);
    }
    // Rayleigh-Ritz: eigen-decompose the k×k projection and rotate the basis.
    mat_rows(a, &q, d, &mut z);
    let mut h = vec![0f64; k * k];
    for i in 0..k {
        for j in 0..k {
            h[i * k + j] = (0..d).map(|t| q[i * d + t] * z[j * d + t]).sum();
        }
    }
    let (vals, vecs) = jacobi(&mut h, k);
    let mut order: Vec<usize> = (0..k).collect();
    order.sort_by(|&x, &y| vals[y].total_cmp(&vals[x]));
    let mut comps = vec![0f32; k * d];
    let mut variance = Vec::with_capacity(k);
    for (out, &c) in order.iter().enumerate() {
        let row: Vec<f64> = (0..d)
            .map(|t| (0..k).map(|i| vecs[i * k + c] * q[i * d + t]).sum())
            .collect();
        let big = row
            .iter()
            .copied()
            .fold(0f64, |m, v| if v.abs() > m.abs() { v } else { m });
        let sign = if big < 0.0 { -1.0 } else { 1.0 };
        for t in 0..d {
            comps[out * d + t] = (sign * row[t]) as f32;
        }
        variance.push(vals[c]);
    }
    (comps, variance)
}

/// `out_i = A q_i` for each row `q_i` of `q` (A symmetric).
fn mat_rows(a: &[f64], q: &[f64], d: usize, out: &mut [f64]) {
    for (qi, oi) in q.chunks_exact(d).zip(out.chunks_exact_mut(d)) {
        for (r, o) in oi.iter_mut().enumerate() {
            *o = a[r * d..(r + 1) * d]
                .iter()
                .zip(qi)
                .map(|(x, y)| x * y)
                .sum();
        }
    }
}

/// Modified Gram-Schmidt on the rows of `q`.
fn orthonormalize(q: &mut [f64], d: usize) {
    let k = q.len() / d;
    for i in 0..k {
        for j in 0..i {
            let dot: f64 = (0..d).map(|t| q[i * d + t] * q[j * d + t]).sum();
            for t in 0..d {
                q[i * d + t] -= dot * q[j * d + t];
            }
        }
        let norm = (0..d)
            .map(|t| q[i * d + t] * q[i * d + t])
            .sum::<f64>()
            .sqrt();
        if norm > 0.0 {
            q[i * d..(i + 1) * d].iter_mut().for_each(|v| *v /= norm);
        }
    }
}

/// Cyclic Jacobi eigendecomposition of a small symmetric matrix (destroys `a`). Returns the
/// eigenvalues and the eigenvectors as columns of a `k × k` matrix.
fn jacobi(a: &mut [f64], k: usize) -> (Vec<f64>, Vec<f64>) {
    let mut v = vec![0f64; k * k];
    (0..k).for_each(|i| v[i * k + i] = 1.0);
    for _ in 0..100 {
        let off: f64 = (0..k)
            .flat_map(|i| (0..k).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| a[i * k + j].powi(2))
            .sum();
        if off < 1e-22 {
            break;
        }
        for p in 0..k {
            for r in p + 1..k {
                let apr = a[p * k + r];
                if apr.abs() < 1e-300 {
                    continue;
                }
                let theta = (a[r * k + r] - a[p * k + p]) / (2.0 * apr);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for i in 0..k {
                    let (aip, air) = (a[i * k + p], a[i * k + r]);
                    a[i * k + p] = c * aip - s * air;
                    a[i * k + r] = s * aip + c * air;
                }
                for i in 0..k {
                    let (api, ari) = (a[p * k + i], a[r * k + i]);
                    a[p * k + i] = c * api - s * ari;
                    a[r * k + i] = s * api + c * ari;
                }
                for i in 0..k {
                    let (vip, vir) = (v[i * k + p], v[i * k + r]);
                    v[i * k + p] = c * vip - s * vir;
                    v[i * k + r] = s * vip + c * vir;
                }
            }
        }
    }
    ((0..k).map(|i| a[i * k + i]).collect(), v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_dominant_axes() {
        // Variance 9 along x, 1 along y, ~0 along z.
        let mut data = Vec::new();
        for i in 0..200 {
            let t = (i as f32 * 0.7).sin();
            let u = (i as f32 * 1.3).cos();
            data.extend_from_slice(&[3.0 * t * 1.414, u * 1.414, 0.001 * t]);
        }
        let p = Pca::fit(&data, 3, 2);
        assert!(p.components[0].abs() > 0.999, "{:?}", p.components);
        assert!(p.components[4].abs() > 0.999, "{:?}", p.components);
        assert!(p.variance[0] > p.variance[1]);
    }
}
