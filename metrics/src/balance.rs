//! Task balance: the paper's variance index and better-behaved companions.
//!
//! Paper 004 (section 4.2) measures balance as "the variance of the number of samples in
//! different tasks". Table 4 reports values between 10 and 17 for datasets of very
//! different sizes, which raw-count variances (millions for large datasets) cannot be;
//! the variance of task shares in percentage points can. So `balance.task.variance` is
//! that reading, and the raw-count variance is reported beside it.

use crate::record::Record;
use crate::registry::{
    merged, AnalysisConfig, Direction, Metric, MetricDoc, MetricSpec, Provenance,
};
use crate::result::Outputs;
use crate::uncertainty::{interval_from_replicates, replicate_bits, HALF_SAMPLE_REPLICATES};
use std::collections::HashMap;

pub const SPEC: MetricSpec = MetricSpec {
    module: module_path!(),
    family: "balance",
    docs,
    make,
};

fn docs() -> Vec<MetricDoc> {
    use Direction::*;
    vec![
        MetricDoc {
            id: "balance.task.variance",
            definition: "Balance index (paper 004, Table 4): the population variance of the task shares, in percentage points (share_i = 100 * n_i / N). 0 for perfectly balanced tasks. Scale-free, which is how Table 4's values of 10 to 17 read; it shrinks as the number of tasks grows, so compare it only between datasets with similar task counts. Not measured, with its companions, when no record has a task label (none in the data, and inferred tasks refused because their silhouette is below the structure floor). 95% half-sample interval over the labelled records (for k-means-inferred tasks it does not include the choice of k, so compare such values with care)",
            direction: LowerIsBetter,
            provenance: Provenance::Paper,
        },
        MetricDoc {
            id: "balance.task.count_variance",
            definition: "The literal reading of the paper's definition: population variance of raw sample counts per task. Grows with the square of dataset size, so it cannot be compared across datasets.",
            direction: LowerIsBetter,
            provenance: Provenance::Companion,
        },
        MetricDoc {
            id: "balance.task.normalized_entropy",
            definition: "Shannon entropy of the task distribution divided by ln(number of tasks): 1 for perfectly balanced, towards 0 when one task dominates. Comparable across datasets with different task counts. Needs at least two tasks.",
            direction: HigherIsBetter,
            provenance: Provenance::Companion,
        },
        MetricDoc {
            id: "balance.task.gini",
            definition: "Gini coefficient of samples per task: 0 for perfectly balanced, towards 1 when a few tasks hold almost all samples.",
            direction: LowerIsBetter,
            provenance: Provenance::Companion,
        },
        MetricDoc {
            id: "balance.task.max_min_ratio",
            definition: "Samples in the largest task divided by samples in the smallest: the long-tail ratio.",
            direction: LowerIsBetter,
            provenance: Provenance::Companion,
        },
    ]
}

/// Every balance id: all are skipped together when there is nothing to balance.
pub const IDS: [&str; 5] = [
    "balance.task.variance",
    "balance.task.count_variance",
    "balance.task.normalized_entropy",
    "balance.task.gini",
    "balance.task.max_min_ratio",
];

/// Why balance is missing when no record carries a task label.
pub const NO_LABELS: &str = "skipped: no task labels";
/// Why balance is missing when the data has no labels and inferred tasks were refused
/// (task inference writes it over [`NO_LABELS`]).
pub const NO_STRUCTURE: &str = "skipped: no task labels and inferred tasks have no clear structure";

/// Marks every balance id not measured, with `why`.
pub fn skip_all(out: &mut Outputs, why: &str) {
    for id in IDS {
        out.not_measured(id, why);
    }
}

fn make(c: &AnalysisConfig) -> Box<dyn Metric> {
    Box::new(Balance {
        seed: c.sample_seed,
        n: 0,
        tasks: HashMap::new(),
    })
}

/// Seeds which half-sample replicates a record falls in ([`replicate_bits`]).
const REPLICATE_SEED: u64 = 0xBA1A;

#[derive(serde::Serialize, serde::Deserialize)]
struct Balance {
    seed: u64,
    n: u64,
    /// Task -> its records, in all and per half-sample replicate. Integer counts, so
    /// states merge exactly by addition.
    tasks: HashMap<String, TaskCounts>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct TaskCounts {
    count: u64,
    replicates: [u64; HALF_SAMPLE_REPLICATES],
}

impl Metric for Balance {
    fn observe(&mut self, r: &Record) {
        self.n += 1;
        if let Some(t) = r.task.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            let bits = replicate_bits(r, self.seed, REPLICATE_SEED);
            // Look up before allocating: most records repeat a known task.
            if !self.tasks.contains_key(t) {
                let empty = TaskCounts {
                    count: 0,
                    replicates: [0; HALF_SAMPLE_REPLICATES],
                };
                self.tasks.insert(t.to_string(), empty);
            }
            let e = self.tasks.get_mut(t).expect("inserted above");
            e.count += 1;
            for (rep, c) in e.replicates.iter_mut().enumerate() {
                *c += u64::from(bits >> rep & 1);
            }
        }
    }

    fn merge(&mut self, other: Box<dyn Metric>) {
        let other: Balance = merged(other);
        self.n += other.n;
        for (task, o) in other.tasks {
            match self.tasks.get_mut(&task) {
                Some(e) => {
                    e.count += o.count;
                    for (a, b) in e.replicates.iter_mut().zip(o.replicates) {
                        *a += b;
                    }
                }
                None => {
                    self.tasks.insert(task, o);
                }
            }
        }
    }

    crate::whole_state!();

    fn finish(self: Box<Self>, out: &mut Outputs) {
        if self.tasks.is_empty() {
            // Without labels the data is one task: a balance index would describe nothing.
            if self.n > 0 {
                skip_all(out, NO_LABELS);
            }
            return;
        }
        let mut counts: Vec<u64> = self.tasks.values().map(|t| t.count).collect();
        counts.sort_unstable();
        let labelled: u64 = counts.iter().sum();
        if let Some(b) = BalanceStats::of(&counts) {
            // Half-sample interval: the variance of shares among half the labelled records.
            // Counts are sorted before use, so HashMap order does not reach the values.
            let reps: Vec<f64> = (0..HALF_SAMPLE_REPLICATES)
                .filter_map(|rep| {
                    let mut c: Vec<u64> = self
                        .tasks
                        .values()
                        .map(|t| t.replicates[rep])
                        .filter(|&x| x > 0)
                        .collect();
                    c.sort_unstable();
                    BalanceStats::of(&c).map(|s| s.share_variance_pp)
                })
                .collect();
            out.set_with_interval(
                "balance.task.variance",
                b.share_variance_pp,
                interval_from_replicates(b.share_variance_pp, &reps, labelled)
                    .map(|i| i.within(0.0, f64::INFINITY)),
            );
            out.set("balance.task.count_variance", b.count_variance);
            if let Some(h) = b.normalized_entropy {
                out.set("balance.task.normalized_entropy", h);
            }
            out.set("balance.task.gini", b.gini);
            out.set("balance.task.max_min_ratio", b.max_min_ratio);
        }
    }
}

#[derive(Debug, PartialEq)]
pub struct BalanceStats {
    pub share_variance_pp: f64,
    pub count_variance: f64,
    pub normalized_entropy: Option<f64>,
    pub gini: f64,
    pub max_min_ratio: f64,
}

impl BalanceStats {
    /// `counts` are samples per task, sorted ascending.
    pub fn of(counts: &[u64]) -> Option<Self> {
        let k = counts.len();
        let n: u64 = counts.iter().sum();
        if k == 0 || n == 0 {
            return None;
        }
        let kf = k as f64;
        let nf = n as f64;
        let var = |xs: &mut dyn Iterator<Item = f64>| {
            let v: Vec<f64> = xs.collect();
            let m = v.iter().sum::<f64>() / kf;
            v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / kf
        };
        let share_variance_pp = var(&mut counts.iter().map(|c| 100.0 * *c as f64 / nf));
        let count_variance = var(&mut counts.iter().map(|c| *c as f64));
        let normalized_entropy = (k >= 2).then(|| {
            let h: f64 = counts
                .iter()
                .filter(|c| **c > 0)
                .map(|c| {
                    let p = *c as f64 / nf;
                    -p * p.ln()
                })
                .sum();
            h / kf.ln()
        });
        // Gini on ascending counts: sum_i (2i - k - 1) x_i / (k * sum x), i from 1.
        let gini = counts
            .iter()
            .enumerate()
            .map(|(i, c)| (2.0 * (i as f64 + 1.0) - kf - 1.0) * *c as f64)
            .sum::<f64>()
            / (kf * nf);
        let max_min_ratio = counts[k - 1] as f64 / counts[0].max(1) as f64;
        Some(BalanceStats {
            share_variance_pp,
            count_variance,
            normalized_entropy,
            gini,
            max_min_ratio,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perfectly_balanced_is_zero_variance_full_entropy() {
        let b = BalanceStats::of(&[50, 50, 50, 50]).unwrap();
        assert_eq!(b.share_variance_pp, 0.0);
        assert_eq!(b.count_variance, 0.0);
        assert!((b.normalized_entropy.unwrap() - 1.0).abs() < 1e-12);
        assert_eq!(b.gini, 0.0);
        assert_eq!(b.max_min_ratio, 1.0);
    }

    #[test]
    fn skewed_tasks_have_known_values() {
        // Shares 10%, 30%, 60%: mean 33.33, variance ((23.33)^2 + (3.33)^2 + (26.67)^2) / 3.
        let b = BalanceStats::of(&[10, 30, 60]).unwrap();
        let expect = ((10.0f64 - 100.0 / 3.0).powi(2)
            + (30.0f64 - 100.0 / 3.0).powi(2)
            + (60.0f64 - 100.0 / 3.0).powi(2))
            / 3.0;
        assert!((b.share_variance_pp - expect).abs() < 1e-9);
        assert!(
            (b.count_variance - expect).abs() < 1e-9,
            "N = 100 makes counts equal shares"
        );
        assert!((b.gini - ((-2.0 * 10.0 + 0.0 * 30.0 + 2.0 * 60.0) / 300.0)).abs() < 1e-12);
        assert_eq!(b.max_min_ratio, 6.0);
        let h = -(0.1f64 * 0.1f64.ln() + 0.3 * 0.3f64.ln() + 0.6 * 0.6f64.ln()) / 3f64.ln();
        assert!((b.normalized_entropy.unwrap() - h).abs() < 1e-12);
    }

    #[test]
    fn unlabelled_records_skip_every_balance_id_with_the_reason() {
        use crate::record::{Origin, Role, Turn};
        let mut m = make(&AnalysisConfig::default());
        let mut r = Record::new(
            "r0",
            Origin {
                file: "t.jsonl".into(),
                line: Some(1),
                index: 0,
                within: None,
            },
        );
        r.turns = vec![
            Turn::new(Role::User, "hi"),
            Turn::new(Role::Assistant, "ok"),
        ];
        m.observe(&r);
        let mut out = Outputs::default();
        m.finish(&mut out);
        assert!(out.metrics.keys().all(|k| !k.starts_with("balance.")));
        for id in IDS {
            assert_eq!(
                out.not_measured.get(id).map(String::as_str),
                Some(NO_LABELS)
            );
        }
        // An empty dataset measures nothing and has nothing to explain.
        let mut out = Outputs::default();
        make(&AnalysisConfig::default()).finish(&mut out);
        assert!(out.not_measured.is_empty());
    }

    #[test]
    fn merged_chunks_equal_one_pass() {
        use crate::record::Role::*;
        use crate::test_records::{assert_merges, record};
        let tasks = ["math", "poems", "code", "chat", "rare"];
        let recs: Vec<Record> = (0..70u64)
            .map(|i| {
                let mut r = record(i, &[(User, "q"), (Assistant, "a")]);
                // Skewed sizes, some unlabelled and blank labels, one label with spaces.
                r.task = match i % 7 {
                    0 => None,
                    1 => Some("  ".into()),
                    2..=4 => Some(" math ".into()),
                    _ => Some(tasks[(i * 3 % 5) as usize].into()),
                };
                r
            })
            .collect();
        assert_merges(|| make(&AnalysisConfig::default()), &recs);
    }

    #[test]
    fn share_variance_is_scale_free_but_count_variance_is_not() {
        let small = BalanceStats::of(&[1, 3]).unwrap();
        let big = BalanceStats::of(&[1000, 3000]).unwrap();
        assert!((small.share_variance_pp - big.share_variance_pp).abs() < 1e-9);
        assert!(big.count_variance > small.count_variance * 1e5);
    }
}
