//! MinHash signatures, stored compactly.
//!
//! Each permutation is a multiply-add over the 64-bit shingle hash keeping the high 32
//! bits (multiply-shift hashing, Dietzfelbinger et al.), which vectorises and costs one
//! multiply per shingle and permutation. Signatures are then stored as **b-bit minwise
//! hashes** with b = 8 (Li & König, 2010): the low byte of each minimum. Two different
//! minima agree on that byte with probability 1/256, a bias [`estimate_jaccard`] removes.
//! That cuts the per-record signature from 4 × P to P bytes (128 bytes at the default
//! 128 permutations), which is what keeps memory bounded on millions of records.

/// Fixed seed so signatures, and therefore clusters, are identical on every run.
pub const DEFAULT_SEED: u64 = 0x6D69_6E68_6173_6821;

#[derive(Clone, Debug)]
pub struct MinHasher {
    a: Vec<u64>,
    b: Vec<u64>,
}

fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl MinHasher {
    pub fn new(num_perm: usize, seed: u64) -> Self {
        let mut s = seed;
        // Odd multipliers keep each permutation a bijection on 64-bit words.
        let a = (0..num_perm).map(|_| splitmix(&mut s) | 1).collect();
        let b = (0..num_perm).map(|_| splitmix(&mut s)).collect();
        MinHasher { a, b }
    }

    pub fn num_perm(&self) -> usize {
        self.a.len()
    }

    /// Full 32-bit minima of the shingle hashes under every permutation into `mins`.
    pub fn mins(&self, shingles: &[u64], mins: &mut Vec<u32>) {
        mins.clear();
        mins.resize(self.a.len(), u32::MAX);
        for &x in shingles {
            for ((m, &a), &b) in mins.iter_mut().zip(&self.a).zip(&self.b) {
                let v = (a.wrapping_mul(x).wrapping_add(b) >> 32) as u32;
                *m = (*m).min(v);
            }
        }
    }

    /// The stored 8-bit signature of the shingle hashes, appended to `out`.
    pub fn signature_into(&self, shingles: &[u64], mins: &mut Vec<u32>, out: &mut Vec<u8>) {
        self.mins(shingles, mins);
        out.extend(mins.iter().map(|&m| m as u8));
    }
}

/// Jaccard similarity estimated from two 8-bit signatures of equal length: the share of
/// equal positions, corrected for the 1/256 chance that different minima share a byte.
pub fn estimate_jaccard(a: &[u8], b: &[u8]) -> f32 {
    debug_assert_eq!(a.len(), b.len());
    if a.is_empty() {
        return 0.0;
    }
    let eq = a.iter().zip(b).filter(|(x, y)| x == y).count() as f32 / a.len() as f32;
    const C: f32 = 1.0 / 256.0;
    ((eq - C) / (1.0 - C)).clamp(0.0, 1.0)
}

/// Containment of set B in set A (|A ∩ B| / |B|) from an estimated Jaccard and the set
/// sizes: |A ∩ B| = J (|A| + |B|) / (1 + J).
pub fn containment(jaccard: f32, size_a: usize, size_b: usize) -> f32 {
    if size_b == 0 {
        return 0.0;
    }
    let inter = jaccard * (size_a + size_b) as f32 / (1.0 + jaccard);
    (inter / size_b as f32).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(range: std::ops::Range<u64>) -> Vec<u64> {
        range
            .map(|i| xxhash_rust::xxh3::xxh3_64(&i.to_le_bytes()))
            .collect()
    }

    #[test]
    fn estimates_track_true_jaccard() {
        let h = MinHasher::new(256, DEFAULT_SEED);
        let mut mins = Vec::new();
        for (overlap, expect) in [(100u64, 1.0f32), (60, 60.0 / 140.0), (0, 0.0)] {
            let a = set(0..100);
            let b = set(100 - overlap..200 - overlap);
            let (mut sa, mut sb) = (Vec::new(), Vec::new());
            h.signature_into(&a, &mut mins, &mut sa);
            h.signature_into(&b, &mut mins, &mut sb);
            let est = estimate_jaccard(&sa, &sb);
            assert!(
                (est - expect).abs() < 0.08,
                "overlap {overlap}: {est} vs {expect}"
            );
        }
    }

    #[test]
    fn containment_from_jaccard() {
        // A has 100, B has 50 elements, all of B inside A: J = 0.5, containment 1.
        assert!((containment(0.5, 100, 50) - 1.0).abs() < 1e-6);
    }
}
