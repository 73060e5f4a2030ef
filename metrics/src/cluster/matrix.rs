//! Dense row-major f32 matrices and the one kernel everything here reduces to: A·Bᵀ.

/// Row-major `n × dim` vectors. DBSCAN expects unit rows (cosine = dot product).
#[derive(Clone, Copy, Debug)]
pub struct Rows<'a> {
    pub data: &'a [f32],
    pub dim: usize,
}

impl<'a> Rows<'a> {
    pub fn new(data: &'a [f32], dim: usize) -> Self {
        assert!(
            dim > 0 && data.len().is_multiple_of(dim),
            "data length must be a multiple of dim"
        );
        Rows { data, dim }
    }
    pub fn len(&self) -> usize {
        self.data.len() / self.dim
    }
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
    pub fn row(&self, i: usize) -> &'a [f32] {
        &self.data[i * self.dim..(i + 1) * self.dim]
    }
    /// Copies the rows `idx` into `buf`, packed, so one GEMM can read them contiguously.
    pub fn gather(&self, idx: &[u32], buf: &mut Vec<f32>) {
        buf.clear();
        buf.reserve(idx.len() * self.dim);
        for &i in idx {
            buf.extend_from_slice(self.row(i as usize));
        }
    }
}

/// `out[i * nb + j] = a_i · b_j` for packed `a` (`na × dim`) and `b` (`nb × dim`).
pub fn dots(a: &[f32], b: &[f32], dim: usize, out: &mut Vec<f32>) {
    let na = a.len() / dim;
    let nb = b.len() / dim;
    out.clear();
    out.resize(na * nb, 0.0);
    if na == 0 || nb == 0 {
        return;
    }
    // SAFETY: the slices hold exactly na×dim, nb×dim and na×nb elements and the strides
    // below address only those (A row-major, Bᵀ read column-wise from row-major B).
    unsafe {
        matrixmultiply::sgemm(
            na,
            dim,
            nb,
            1.0,
            a.as_ptr(),
            dim as isize,
            1,
            b.as_ptr(),
            1,
            dim as isize,
            0.0,
            out.as_mut_ptr(),
            nb as isize,
            1,
        );
    }
}

/// Scales each row to unit length; all-zero rows stay zero. Returns how many were zero.
pub fn normalize_rows(data: &mut [f32], dim: usize) -> usize {
    let mut zeros = 0;
    for row in data.chunks_exact_mut(dim) {
        let norm = row.iter().map(|v| v * v).sum::<f32>().sqrt();
        if norm > 0.0 {
            row.iter_mut().for_each(|v| *v /= norm);
        } else {
            zeros += 1;
        }
    }
    zeros
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dots_match_naive() {
        let dim = 5;
        let a: Vec<f32> = (0..3 * dim).map(|i| (i as f32 * 0.37).sin()).collect();
        let b: Vec<f32> = (0..4 * dim).map(|i| (i as f32 * 0.91).cos()).collect();
        let mut out = Vec::new();
        dots(&a, &b, dim, &mut out);
        for i in 0..3 {
            for j in 0..4 {
                let want: f32 = (0..dim).map(|k| a[i * dim + k] * b[j * dim + k]).sum();
                assert!((out[i * 4 + j] - want).abs() < 1e-5);
            }
        }
    }
}
