//! `eps` for response diversity: a value calibrated once per embedder, else the
//! data-driven k-distance rule.
//!
//! ## Calibrated eps (issue 11)
//! A radius read off each dataset makes the index a property of the heuristic: the
//! k-distance rule below put maths solutions and Python code in one cluster (eps 0.39) and
//! fell to 0.0001 when one-word answers were added. So each named embedder gets one eps,
//! fixed by one rule on real data and then used for every dataset:
//!
//! > eps is the 0.01th percentile of cosine distances between responses of *different*
//! > sources in a reference mix of eight unlike public sources (maths solutions, Python code,
//! > English and Chinese assistant answers, dialogue replies, news summaries, generated
//! > questions, tool calls; 250 distinct responses each): two responses from unrelated
//! > sources are within eps of each other in at most 1 pair in 10,000.
//!
//! Figures (`cargo bench --bench metric_truth -- calibrate static|minilm`, the sources in
//! `src/truth/sources.rs`):
//!
//! | embedder | cross-source p0.01 | p0.1 | p1 | same-source p5 | eps |
//! |---|---|---|---|---|---|
//! | static (built in) | 0.347 | 0.496 | 0.649 | 0.276 | 0.35 |
//! | minilm (all-MiniLM-L6-v2) | 0.504 | 0.649 | 0.763 | 0.505 | 0.50 |
//!
//! With these values the ladder, size and duplicate properties hold on the real data
//! (`cargo bench --bench metric_truth -- truth ...`; figures in the issue 11 note).
//!
//! ## The k-distance rule (embedders without a calibration)
//!
//! Rule (Ester et al. 1996, section 4.2: read the threshold off the sorted k-dist graph,
//! at its "valley" if it has one, else at a chosen share of noise):
//! 1. `k = min_samples - 1` (the neighbours a core point needs besides itself).
//! 2. Take a deterministic uniform sample of up to [`ELBOW_SAMPLE`] rows and compute, for
//!    each, the cosine distance to its k-th nearest neighbour among **all** rows (a sample
//!    searched only against itself would be sparser than the data and inflate `eps`).
//! 3. Sort those distances ascending. If the curve has a clear knee (the "Kneedle"
//!    criterion of Satopää et al. 2011: after rescaling both axes to `[0, 1]`, a point at
//!    least [`KNEE_STRENGTH`] below the chord from the first to the last point), `eps` is the
//!    distance at the knee: where dense regions end and outliers begin.
//! 4. Otherwise (sentence embeddings of diverse responses rise smoothly, with no knee),
//!    `eps` is the distance at quantile [`CORE_SHARE`]: a quarter of the responses are dense
//!    enough to be core points, and clusters are the connected regions at that density.
//!    (On alpaca_en_demo with the static embedder the plain Kneedle point was the upper clamp
//!    and put 78% of responses in one cluster.)
//! 5. Clamp to `[MIN_EPS, MAX_EPS]`.

use super::matrix::{dots, Rows};
use crate::sample::mix64;

/// Calibrated eps by embedder name (see the module notes). Only the built-in static table
/// and all-MiniLM-L6-v2 itself claim these (`Embedder::calibrated_eps`).
pub const CALIBRATED_EPS: &[(&str, f32)] = &[("static", 0.35), ("minilm", 0.50)];

/// The calibrated eps of a named embedder.
pub fn calibrated_eps(name: &str) -> Option<f32> {
    CALIBRATED_EPS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, e)| *e)
}

/// scikit-learn's default, and a common choice for embeddings.
pub const DEFAULT_MIN_SAMPLES: usize = 5;
pub const ELBOW_SAMPLE: usize = 1000;
/// How far below the chord (in rescaled units) a point must lie to count as a knee.
pub const KNEE_STRENGTH: f32 = 0.2;
/// Share of sampled responses made core points when the curve has no knee.
pub const CORE_SHARE: f64 = 0.25;
/// Keeps exact duplicates (distance 0 up to rounding) neighbours of each other.
pub const MIN_EPS: f32 = 1e-4;
/// Beyond this, "neighbours" are no longer semantically close for sentence embeddings.
pub const MAX_EPS: f32 = 0.5;
const SEED: u64 = 0xE950_E1B0;

/// What the rule chose and from how much data, for the methods section.
#[derive(Clone, Debug, PartialEq)]
pub struct EpsChoice {
    pub eps: f32,
    pub k: usize,
    pub sample: usize,
    /// Whether the curve had a clear knee (else the quantile rule chose).
    pub knee: bool,
    /// The sorted k-distances the choice was read from.
    pub curve: Vec<f32>,
}

/// Cosine distance from each row of `sample` to its k-th nearest other row of `rows`.
pub fn k_distances(rows: Rows, sample: &[u32], k: usize) -> Vec<f32> {
    let n = rows.len();
    let k = k.max(1);
    let mut best: Vec<Vec<f32>> = vec![Vec::with_capacity(k + 1); sample.len()];
    let (mut qbuf, mut tile) = (Vec::new(), Vec::new());
    rows.gather(sample, &mut qbuf);
    const CHUNK: usize = 2048;
    for start in (0..n).step_by(CHUNK) {
        let end = (start + CHUNK).min(n);
        dots(
            &qbuf,
            &rows.data[start * rows.dim..end * rows.dim],
            rows.dim,
            &mut tile,
        );
        let w = end - start;
        for (r, &q) in sample.iter().enumerate() {
            let top = &mut best[r];
            for (j, &d) in tile[r * w..(r + 1) * w].iter().enumerate() {
                if start + j == q as usize {
                    continue;
                }
                // `top` holds the k largest dots seen, descending.
                if top.len() < k || d > top[k - 1] {
                    let pos = top.partition_point(|&x| x >= d);
                    top.insert(pos, d);
                    top.truncate(k);
                }
            }
        }
    }
    best.iter()
        .map(|top| top.get(k - 1).map_or(2.0, |&d| (1.0 - d).max(0.0)))
        .collect()
}

/// Index of the elbow of an ascending curve (Kneedle: farthest below the chord), and how
/// far below it lies in rescaled units (0 for a straight line).
pub fn elbow(sorted: &[f32]) -> (usize, f32) {
    let m = sorted.len();
    if m < 3 {
        return (m.saturating_sub(1), 0.0);
    }
    let (lo, hi) = (sorted[0], sorted[m - 1]);
    // A curve flat to within rounding has no knee; rescaling would magnify the noise.
    if hi - lo < 1e-4 {
        return (m - 1, 0.0);
    }
    let mut best = (0usize, f32::NEG_INFINITY);
    for (i, &v) in sorted.iter().enumerate() {
        let x = i as f32 / (m - 1) as f32;
        let y = (v - lo) / (hi - lo);
        if x - y > best.1 {
            best = (i, x - y);
        }
    }
    best
}

/// The default `eps` for `min_samples` on these rows.
pub fn choose_eps(rows: Rows, min_samples: usize) -> EpsChoice {
    let n = rows.len();
    let k = min_samples.saturating_sub(1).max(1);
    let mut order: Vec<u32> = (0..n as u32).collect();
    order.sort_by_key(|&i| mix64(i as u64 ^ SEED));
    order.truncate(ELBOW_SAMPLE);
    order.sort_unstable();
    let mut curve = k_distances(rows, &order, k);
    curve.sort_by(f32::total_cmp);
    let (eps, knee) = read_curve(&curve);
    EpsChoice {
        eps,
        k,
        sample: order.len(),
        knee,
        curve,
    }
}

/// Steps 3–5 of the rule on a sorted curve: `(eps, whether a knee chose it)`.
pub fn read_curve(curve: &[f32]) -> (f32, bool) {
    let (knee_at, strength) = elbow(curve);
    let knee = strength >= KNEE_STRENGTH;
    let at = if knee {
        knee_at
    } else {
        quantile_index(curve.len(), CORE_SHARE)
    };
    (
        curve
            .get(at)
            .copied()
            .unwrap_or(MAX_EPS)
            .clamp(MIN_EPS, MAX_EPS),
        knee,
    )
}

fn quantile_index(len: usize, q: f64) -> usize {
    (len.saturating_sub(1) as f64 * q).round() as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elbow_finds_the_knee() {
        // Flat then steep: the knee is where the steep part starts.
        let mut v: Vec<f32> = (0..90).map(|i| 0.1 + i as f32 * 0.001).collect();
        v.extend((0..10).map(|i| 0.3 + i as f32 * 0.1));
        let (e, strength) = elbow(&v);
        assert!((88..=91).contains(&e), "elbow at {e}");
        assert!(strength > KNEE_STRENGTH);
        // A straight line has no knee.
        let line: Vec<f32> = (0..100).map(|i| i as f32 * 0.01).collect();
        assert!(elbow(&line).1 < 0.01);
    }

    #[test]
    fn a_knee_chooses_else_the_quantile() {
        let mut knee: Vec<f32> = (0..90).map(|i| 0.1 + i as f32 * 0.001).collect();
        knee.extend((0..10).map(|i| 0.3 + i as f32 * 0.02));
        assert_eq!(read_curve(&knee), (knee[elbow(&knee).0], true));
        // A smooth rise (as diverse sentence embeddings give): the 25th percentile.
        let smooth: Vec<f32> = (0..101).map(|i| 0.25 + i as f32 * 0.004).collect();
        assert_eq!(read_curve(&smooth), (smooth[25], false));
        // Clamped at both ends.
        assert_eq!(read_curve(&[0.0; 10]).0, MIN_EPS);
        assert_eq!(read_curve(&[0.9, 0.95, 1.0, 1.1]).0, MAX_EPS);
    }

    #[test]
    fn k_distance_skips_self_and_counts_duplicates() {
        // Two identical rows and one orthogonal row.
        let data = [1.0, 0.0, 1.0, 0.0, 0.0, 1.0];
        let rows = Rows::new(&data, 2);
        let d = k_distances(rows, &[0, 2], 1);
        assert!(d[0].abs() < 1e-6);
        assert!((d[1] - 1.0).abs() < 1e-6);
    }
}
