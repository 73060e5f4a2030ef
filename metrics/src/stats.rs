//! Streaming summaries with bounded memory and exact answers for integer data.

use crate::result::{Distribution, Outputs};
use std::collections::BTreeMap;

/// Exact distribution of non-negative integers (lengths, counts). Memory grows with
/// the number of distinct values, not records, so quantiles stay exact on any size.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct IntDist {
    counts: BTreeMap<u64, u64>,
    n: u64,
    /// Integer, so merged parts sum exactly in any order.
    sum: u128,
}

impl IntDist {
    pub fn add(&mut self, v: u64) {
        *self.counts.entry(v).or_insert(0) += 1;
        self.n += 1;
        self.sum += u128::from(v);
    }

    /// Adds another distribution's values: the same as one pass over both.
    pub fn merge(&mut self, other: &IntDist) {
        for (&v, &c) in &other.counts {
            *self.counts.entry(v).or_insert(0) += c;
        }
        self.n += other.n;
        self.sum += other.sum;
    }

    pub fn len(&self) -> u64 {
        self.n
    }

    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    pub fn count_of(&self, v: u64) -> u64 {
        self.counts.get(&v).copied().unwrap_or(0)
    }

    pub fn mean(&self) -> Option<f64> {
        (self.n > 0).then(|| self.sum as f64 / self.n as f64)
    }

    /// The 95% interval of the mean (mean ± 1.96 standard errors).
    pub fn mean_interval(&self) -> Option<crate::result::Interval> {
        let sum_sq: f64 = self
            .counts
            .iter()
            .map(|(&v, &c)| (v as f64).powi(2) * c as f64)
            .sum();
        crate::uncertainty::mean_interval(self.sum as f64, sum_sq, self.n)
    }

    pub fn min(&self) -> Option<u64> {
        self.counts.keys().next().copied()
    }

    pub fn max(&self) -> Option<u64> {
        self.counts.keys().next_back().copied()
    }

    /// Nearest-rank quantile (the smallest value with at least q of the data at or below it).
    pub fn quantile(&self, q: f64) -> Option<u64> {
        if self.n == 0 {
            return None;
        }
        let rank = ((q * self.n as f64).ceil() as u64).clamp(1, self.n);
        let mut seen = 0;
        for (v, c) in &self.counts {
            seen += c;
            if seen >= rank {
                return Some(*v);
            }
        }
        self.max()
    }

    /// Median as the mean of the two middle values for even counts.
    pub fn median(&self) -> Option<f64> {
        if self.n == 0 {
            return None;
        }
        let lo = self.value_at(self.n.div_ceil(2));
        let hi = self.value_at(self.n / 2 + 1);
        Some((lo + hi) as f64 / 2.0)
    }

    fn value_at(&self, rank: u64) -> u64 {
        let mut seen = 0;
        for (v, c) in &self.counts {
            seen += c;
            if seen >= rank {
                return *v;
            }
        }
        0
    }

    /// Writes `<prefix>.mean`, `.median`, `.p5`, `.p95`, `.min`, `.max`.
    pub fn write_summary(&self, prefix: &str, out: &mut Outputs) {
        if self.n == 0 {
            return;
        }
        out.set(format!("{prefix}.mean"), self.mean().unwrap_or(0.0));
        out.set(format!("{prefix}.median"), self.median().unwrap_or(0.0));
        out.set(
            format!("{prefix}.p5"),
            self.quantile(0.05).unwrap_or(0) as f64,
        );
        out.set(
            format!("{prefix}.p95"),
            self.quantile(0.95).unwrap_or(0) as f64,
        );
        out.set(format!("{prefix}.min"), self.min().unwrap_or(0) as f64);
        out.set(format!("{prefix}.max"), self.max().unwrap_or(0) as f64);
    }

    /// A histogram with geometric bins (0, 1, 2–3, 4–7, ... by default refined to
    /// quarter-octaves), which keeps short and very long texts visible in one plot.
    pub fn log_histogram(&self, id: &str, title: &str, x_label: &str) -> Distribution {
        let max = self.max().unwrap_or(0).max(1) as f64;
        let mut edges = vec![0.0, 1.0];
        let step = 2f64.powf(0.5);
        while *edges.last().unwrap() <= max {
            let next = (edges.last().unwrap() * step).ceil();
            let next = if next <= *edges.last().unwrap() {
                edges.last().unwrap() + 1.0
            } else {
                next
            };
            edges.push(next);
        }
        let mut counts = vec![0u64; edges.len() - 1];
        for (v, c) in &self.counts {
            let v = *v as f64;
            let bin = edges.partition_point(|e| *e <= v).saturating_sub(1);
            let last = counts.len() - 1;
            counts[bin.min(last)] += c;
        }
        Distribution::Histogram {
            id: id.to_string(),
            title: title.to_string(),
            x_label: x_label.to_string(),
            edges,
            counts,
            log_x: true,
        }
    }
}

/// A rate that is only defined when the denominator is positive.
pub fn rate(num: u64, den: u64) -> f64 {
    if den == 0 {
        f64::NAN
    } else {
        num as f64 / den as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_are_exact() {
        let mut d = IntDist::default();
        for v in [5, 1, 3, 2, 4] {
            d.add(v);
        }
        assert_eq!(d.median(), Some(3.0));
        assert_eq!(d.quantile(0.05), Some(1));
        assert_eq!(d.quantile(0.95), Some(5));
        assert_eq!(d.mean(), Some(3.0));
        d.add(6);
        assert_eq!(d.median(), Some(3.5));
    }

    #[test]
    fn histogram_counts_every_value_once() {
        let mut d = IntDist::default();
        for v in [0, 1, 2, 3, 10, 100, 1000] {
            d.add(v);
        }
        match d.log_histogram("x", "x", "x") {
            Distribution::Histogram { counts, edges, .. } => {
                assert_eq!(counts.iter().sum::<u64>(), 7);
                assert!(*edges.last().unwrap() > 1000.0);
            }
            _ => unreachable!(),
        }
    }
}
