//! Task diversity (paper 004, section 4.2 and Table 4): the number of distinct task labels.
//!
//! Labels are the records' `task` (a task column, shard file names, or the labels the
//! task labeller stage gave records: LLM tags or inferred k-means tasks). The stage also
//! replaces this index's interval (k-means: the plausible k) or its not-measured reason
//! (inferred tasks without structure); see `src/task_labels.rs` in the CLI.

use crate::record::Record;
use crate::registry::{
    merged, AnalysisConfig, Direction, Metric, MetricDoc, MetricSpec, Provenance,
};
use crate::result::Outputs;
use crate::uncertainty::replicate_bits;
use crate::uncertainty::{relative_interval_from_replicates, HALF_SAMPLE_REPLICATES};
use std::collections::HashMap;

pub const SPEC: MetricSpec = MetricSpec {
    module: module_path!(),
    family: "diversity.task",
    docs,
    make,
};

/// Why the task count is missing when no record carries a task label (task inference, when
/// it ran and found nothing usable, replaces this with its own reason).
pub const NO_LABELS: &str = "skipped: no task labels";
/// Seeds which half-sample replicates a record falls in ([`replicate_bits`]).
const REPLICATE_SEED: u64 = 0x007A_5CC0;

fn docs() -> Vec<MetricDoc> {
    vec![MetricDoc {
        id: "diversity.task.count",
        definition: "Task diversity (paper 004, Table 4): the number of distinct task labels. Labels come from a task column or shard file names, else from LLM task tags (--judge) or inferred k-means tasks (the report's dataset.task_source says which). Not measured (report.json not_measured says why) when there are no labels, or when the inferred tasks have no clear structure: a best mean silhouette below the structure floor (0.10 with the default lexical task embedder, 0.15 with static or minilm; task_inference::STRUCTURE_FLOOR), where k-means clusters are an artefact of k, not tasks. 95% interval: half-sample replicates of the labelled records; for k-means-inferred tasks, the range of candidate k whose mean silhouette is within 1.96 standard errors of the best (method plausible_k), since the choice of k is the uncertainty there.",
        direction: Direction::HigherIsBetter,
        provenance: Provenance::Paper,
    }]
}

fn make(c: &AnalysisConfig) -> Box<dyn Metric> {
    Box::new(TaskCount {
        seed: c.sample_seed,
        n: 0,
        labelled: 0,
        replicates: HashMap::new(),
    })
}

#[derive(serde::Serialize, serde::Deserialize)]
struct TaskCount {
    seed: u64,
    n: u64,
    labelled: u64,
    /// Label -> the half-sample replicates (bit r = replicate r) holding one of its
    /// records. Bits come from the record's stable key, so OR-merging states is exact.
    replicates: HashMap<String, u32>,
}

impl Metric for TaskCount {
    fn observe(&mut self, r: &Record) {
        self.n += 1;
        let Some(task) = r.task.as_deref().map(str::trim).filter(|t| !t.is_empty()) else {
            return;
        };
        self.labelled += 1;
        let bits = replicate_bits(r, self.seed, REPLICATE_SEED);
        match self.replicates.get_mut(task) {
            Some(b) => *b |= bits,
            None => {
                self.replicates.insert(task.to_string(), bits);
            }
        }
    }

    fn merge(&mut self, other: Box<dyn Metric>) {
        let other: TaskCount = merged(other);
        self.n += other.n;
        self.labelled += other.labelled;
        for (task, bits) in other.replicates {
            *self.replicates.entry(task).or_insert(0) |= bits;
        }
    }

    crate::whole_state!();

    fn finish(self: Box<Self>, out: &mut Outputs) {
        if self.labelled == 0 {
            if self.n > 0 {
                out.not_measured("diversity.task.count", NO_LABELS);
            }
            return;
        }
        let k = self.replicates.len();
        // Half-sample interval: the distinct labels among half the labelled records.
        let reps: Vec<f64> = (0..HALF_SAMPLE_REPLICATES)
            .map(|rep| {
                self.replicates
                    .values()
                    .filter(|&&b| b >> rep & 1 == 1)
                    .count() as f64
            })
            .collect();
        out.set_with_interval(
            "diversity.task.count",
            k as f64,
            relative_interval_from_replicates(k as f64, &reps, self.labelled)
                .map(|i| i.within(0.0, f64::INFINITY)),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Role::*;
    use crate::test_records::{assert_merges, outputs, record};

    fn labelled(i: u64, task: Option<&str>) -> Record {
        let mut r = record(i, &[(User, "do it"), (Assistant, "ok")]);
        r.task = task.map(str::to_string);
        r
    }

    #[test]
    fn counts_distinct_trimmed_labels_and_explains_their_absence() {
        let recs: Vec<Record> = [Some("a"), Some(" a "), Some("b"), None, Some("  ")]
            .iter()
            .enumerate()
            .map(|(i, t)| labelled(i as u64, *t))
            .collect();
        let out = outputs(make(&AnalysisConfig::default()), &recs);
        assert_eq!(out.metrics["diversity.task.count"], 2.0);
        let out = outputs(make(&AnalysisConfig::default()), &recs[3..]);
        assert_eq!(out.not_measured["diversity.task.count"], NO_LABELS);
        let out = outputs(make(&AnalysisConfig::default()), &[]);
        assert!(out.not_measured.is_empty() && out.metrics.is_empty());
    }

    #[test]
    fn merged_chunks_equal_one_pass() {
        let tasks = ["math", "poems", "code", "chat", "rare", "x / y"];
        let recs: Vec<Record> = (0..60u64)
            .map(|i| {
                let t = (i % 5 != 3).then(|| tasks[(i * i % 6) as usize]);
                labelled(i, t)
            })
            .collect();
        assert_merges(|| make(&AnalysisConfig::default()), &recs);
    }
}
