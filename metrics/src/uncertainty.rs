//! 95% intervals for the indices and rates ftqa reports: one place for every method.
//!
//! - Rates: the Wilson score interval of a binomial proportion.
//! - Means of per-record values: mean ± 1.96 standard errors.
//! - Indices that are not means (cluster counts, Vendi scores, variances of shares):
//!   half-sample replication. Each replicate keeps a seeded half of the sample, drawn
//!   without replacement, and recomputes the index. For a linear statistic the variance of
//!   a half-sample estimate drawn without replacement from n items equals the variance of
//!   the full-sample estimate (σ²/(n/2) · (1 − ½) = σ²/n), so the replicates' standard
//!   deviation estimates the standard error of the value measured on all n. The interval
//!   is the full-sample value ± 1.96 of those standard deviations: it is centred on the
//!   full-sample value because size-dependent indices (cluster counts) read lower on half
//!   the data, and only their spread is wanted.

use crate::result::Interval;
use crate::sample::mix64;

/// Two-sided 95% normal quantile.
pub const Z95: f64 = 1.959_963_984_540_054;
/// Replicates for half-sample intervals: enough for a stable standard deviation
/// (its relative error is about 1/sqrt(2·(R−1)) ≈ 16%) at R index computations.
pub const HALF_SAMPLE_REPLICATES: usize = 20;

/// Wilson score interval for `k` successes in `n` trials.
pub fn wilson(k: u64, n: u64) -> Option<Interval> {
    if n == 0 {
        return None;
    }
    let (none, all) = (k == 0, k == n);
    let (k, nf) = (k as f64, n as f64);
    let p = k / nf;
    let z2 = Z95 * Z95;
    let denom = 1.0 + z2 / nf;
    let centre = (p + z2 / (2.0 * nf)) / denom;
    let half = Z95 * (p * (1.0 - p) / nf + z2 / (4.0 * nf * nf)).sqrt() / denom;
    // At k = 0 (k = n) the bound is 0 (1) exactly; rounding would leave 1e-18.
    Some(Interval {
        low: if none { 0.0 } else { (centre - half).max(0.0) },
        high: if all { 1.0 } else { (centre + half).min(1.0) },
        level: 0.95,
        method: "wilson".into(),
        n,
    })
}

/// Mean ± 1.96 standard errors from a running sum and sum of squares.
pub fn mean_interval(sum: f64, sum_sq: f64, n: u64) -> Option<Interval> {
    if n < 2 {
        return None;
    }
    let nf = n as f64;
    let mean = sum / nf;
    let var = ((sum_sq - nf * mean * mean) / (nf - 1.0)).max(0.0);
    let se = (var / nf).sqrt();
    Some(Interval {
        low: mean - Z95 * se,
        high: mean + Z95 * se,
        level: 0.95,
        method: "normal_mean".into(),
        n,
    })
}

/// The seeded half-samples of `0..n`: replicate `r` keeps the `n / 2` indices with the
/// smallest keys under its own seed. Sorted, so callers can slice data in order.
pub fn half_samples(n: usize, replicates: usize, seed: u64) -> Vec<Vec<u32>> {
    (0..replicates)
        .map(|r| {
            let s = mix64(seed ^ (r as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
            let mut idx: Vec<u32> = (0..n as u32).collect();
            idx.sort_by_key(|&i| mix64(i as u64 ^ s));
            idx.truncate(n / 2);
            idx.sort_unstable();
            idx
        })
        .collect()
}

/// Half-sample replication around `point`: `f` computes the index on a subset of the
/// `n` items (given as sorted indices); replicates where it is undefined are left out.
/// `None` below 10 items or with fewer than 5 defined replicates.
pub fn half_sample_interval(
    point: f64,
    n: usize,
    seed: u64,
    mut f: impl FnMut(&[u32]) -> Option<f64>,
) -> Option<Interval> {
    if n < 10 || !point.is_finite() {
        return None;
    }
    let values: Vec<f64> = half_samples(n, HALF_SAMPLE_REPLICATES, seed)
        .iter()
        .filter_map(|s| f(s))
        .filter(|v| v.is_finite())
        .collect();
    interval_from_replicates(point, &values, n as u64)
}

/// The half-sample replicates (bit `r` = replicate `r` of [`HALF_SAMPLE_REPLICATES`])
/// that hold a record, for indices computed from label counts (task count, balance) over
/// every record: each bit is set with probability 1/2, from one seeded hash of the
/// record's stable key ([`crate::sample::record_key`]), so a record is in the same
/// replicates however the input is split, and per-label replicate counts merge by
/// addition (one pass, no sort, however many records there are).
pub fn replicate_bits(r: &crate::record::Record, sample_seed: u64, seed: u64) -> u32 {
    const _: () = assert!(HALF_SAMPLE_REPLICATES <= 32);
    let mask = (1u64 << HALF_SAMPLE_REPLICATES) - 1;
    (mix64(crate::sample::record_key(r, sample_seed) ^ seed) & mask) as u32
}

/// For counts that grow with the number of items (clusters, distinct pairs, labels): the
/// replicates' coefficient of variation applied to the full-sample value,
/// `point ± 1.96 · point · sd(values) / mean(values)`. Half-samples hold fewer clusters
/// than the whole, so their absolute spread understates the whole's; their relative spread
/// does not (it shrinks with n, so this errs wide). Falls back to the absolute spread when
/// the replicates' mean is 0.
pub fn relative_interval_from_replicates(point: f64, values: &[f64], n: u64) -> Option<Interval> {
    let mut i = interval_from_replicates(point, values, n)?;
    let m = values.iter().sum::<f64>() / values.len() as f64;
    if m > 0.0 && point > 0.0 {
        let half = (i.high - i.low) / 2.0 * point / m;
        i.low = point - half;
        i.high = point + half;
        i.method = "half_sample_relative".into();
    }
    Some(i)
}

/// `point ± 1.96 · sd(values)` (see the module notes), or `None` with fewer than 5 values.
pub fn interval_from_replicates(point: f64, values: &[f64], n: u64) -> Option<Interval> {
    if values.len() < 5 {
        return None;
    }
    let m = values.iter().sum::<f64>() / values.len() as f64;
    let var = values.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (values.len() - 1) as f64;
    let half = Z95 * var.sqrt();
    Some(Interval {
        low: point - half,
        high: point + half,
        level: 0.95,
        method: "half_sample".into(),
        n,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_matches_known_values() {
        // Worked by hand from Wilson's closed form for 5 of 20 at z = 1.95996:
        // centre 0.290283, half-width 0.178418.
        let i = wilson(5, 20).unwrap();
        assert!((i.low - 0.111_861_7).abs() < 1e-6, "{i:?}");
        assert!((i.high - 0.468_700_9).abs() < 1e-6, "{i:?}");
        // No successes still gives a non-zero upper bound.
        let z = wilson(0, 100).unwrap();
        assert_eq!(z.low, 0.0);
        assert!(z.high > 0.03 && z.high < 0.04, "{z:?}");
        assert!(wilson(0, 0).is_none());
    }

    #[test]
    fn half_samples_estimate_the_standard_error_of_a_mean() {
        // Values 0..n with sd ≈ n/√12: the half-sample sd of the mean must be close to
        // the full-sample standard error sd/√n.
        let n = 4000usize;
        let xs: Vec<f64> = (0..n).map(|i| (mix64(i as u64) % 1000) as f64).collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let sd = (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt();
        let se = sd / (n as f64).sqrt();
        let i = half_sample_interval(mean, n, 7, |s| {
            Some(s.iter().map(|&j| xs[j as usize]).sum::<f64>() / s.len() as f64)
        })
        .unwrap();
        let est = (i.high - i.low) / (2.0 * Z95);
        assert!(
            (est / se - 1.0).abs() < 0.45,
            "half-sample se {est} vs {se}"
        );
        assert!(i.low < mean && mean < i.high);
        // Deterministic for a seed, different across seeds.
        assert_eq!(half_samples(100, 3, 1), half_samples(100, 3, 1));
        assert_ne!(half_samples(100, 3, 1), half_samples(100, 3, 2));
        assert!(half_samples(101, 1, 1)[0].len() == 50);
    }

    #[test]
    fn replicates_keep_about_half_of_the_records_each() {
        use crate::record::{Origin, Record};
        let bits: Vec<u32> = (0..10_000u64)
            .map(|i| {
                let r = Record::new(
                    "x",
                    Origin {
                        file: "f".into(),
                        line: None,
                        index: i,
                        within: None,
                    },
                );
                replicate_bits(&r, 7, 3)
            })
            .collect();
        for rep in 0..HALF_SAMPLE_REPLICATES {
            let kept = bits.iter().filter(|b| *b >> rep & 1 == 1).count();
            assert!((4_700..5_300).contains(&kept), "replicate {rep}: {kept}");
        }
        assert!(bits.iter().all(|b| *b >> HALF_SAMPLE_REPLICATES == 0));
    }

    #[test]
    fn mean_interval_is_centred_and_shrinks_with_n() {
        let a = mean_interval(10.0 * 5.0, 10.0 * 25.0 + 10.0, 10).unwrap();
        let b = mean_interval(1000.0 * 5.0, 1000.0 * 25.0 + 1000.0, 1000).unwrap();
        assert!(((a.low + a.high) / 2.0 - 5.0).abs() < 1e-9);
        assert!(b.high - b.low < a.high - a.low);
    }
}
