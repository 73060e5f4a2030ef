//! Task labels found in the data: how many and how large.

use crate::record::Record;
use crate::registry::{AnalysisConfig, Direction, Metric, MetricDoc, MetricSpec, Provenance};
use crate::result::{Distribution, Outputs};
use crate::stats::rate;
use std::collections::HashMap;

pub const SPEC: MetricSpec = MetricSpec {
    family: "tasks",
    docs,
    make,
};

/// Bars shown in the task-size plot; the rest are summed into one "other" bar.
const PLOTTED_TASKS: usize = 30;

fn docs() -> Vec<MetricDoc> {
    vec![
        MetricDoc {
            id: "diversity.task.count",
            definition: "Task diversity (paper 004, Table 4): the number of distinct task labels. Labels come from a task column or shard file names (the report's dataset.task_source says which).",
            direction: Direction::HigherIsBetter,
            provenance: Provenance::Paper,
        },
        MetricDoc {
            id: "tasks.inferred.count",
            definition: "Number of tasks inferred when the data has no task labels (or --infer-tasks was given): k of the spherical k-means on instruction embeddings, chosen by the best mean silhouette. The report's methods section and dataset.task_source say so.",
            direction: Direction::Neutral,
            provenance: Provenance::Basic,
        },
        MetricDoc {
            id: "tasks.inferred.silhouette",
            definition: "Mean silhouette (cosine) of the chosen task clustering on its sample: how well separated the inferred tasks are (-1 to 1).",
            direction: Direction::HigherIsBetter,
            provenance: Provenance::Basic,
        },
        MetricDoc {
            id: "tasks.inferred.ari",
            definition: "Adjusted Rand index between inferred tasks and the task labels the data carries (only with --infer-tasks on labelled data): 0 is chance, 1 is identical.",
            direction: Direction::HigherIsBetter,
            provenance: Provenance::Basic,
        },
        MetricDoc {
            id: "tasks.inferred.nmi",
            definition: "Normalised mutual information (arithmetic mean) between inferred tasks and the data's task labels (only with --infer-tasks on labelled data).",
            direction: Direction::HigherIsBetter,
            provenance: Provenance::Basic,
        },
        MetricDoc {
            id: "tasks.labelled_rate",
            definition: "Share of samples that carry a task label.",
            direction: Direction::Neutral,
            provenance: Provenance::Basic,
        },
    ]
}

fn make(_: &AnalysisConfig) -> Box<dyn Metric> {
    Box::new(Tasks::default())
}

#[derive(Default)]
struct Tasks {
    n: u64,
    labelled: u64,
    /// Label -> (count, first position) so ties sort by first appearance.
    counts: HashMap<String, (u64, u64)>,
}

impl Metric for Tasks {
    fn observe(&mut self, r: &Record) {
        self.n += 1;
        let Some(task) = r.task.as_deref().map(str::trim).filter(|t| !t.is_empty()) else {
            return;
        };
        self.labelled += 1;
        match self.counts.get_mut(task) {
            Some(e) => e.0 += 1,
            None => {
                self.counts.insert(task.to_string(), (1, self.n));
            }
        }
    }

    fn finish(self: Box<Self>, out: &mut Outputs) {
        out.set("tasks.labelled_rate", rate(self.labelled, self.n));
        if self.labelled == 0 {
            return;
        }
        out.set("diversity.task.count", self.counts.len() as f64);
        let mut sizes: Vec<(String, (u64, u64))> = self.counts.into_iter().collect();
        sizes.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then(a.1 .1.cmp(&b.1 .1)));
        let mut labels: Vec<String> = Vec::new();
        let mut counts: Vec<u64> = Vec::new();
        for (name, (c, _)) in sizes.iter().take(PLOTTED_TASKS) {
            labels.push(name.clone());
            counts.push(*c);
        }
        let rest: u64 = sizes.iter().skip(PLOTTED_TASKS).map(|(_, (c, _))| c).sum();
        if rest > 0 {
            labels.push(format!("{} other tasks", sizes.len() - PLOTTED_TASKS));
            counts.push(rest);
        }
        out.distributions.push(Distribution::Categorical {
            id: "tasks.sizes".into(),
            title: "Samples per task".into(),
            x_label: "task".into(),
            labels,
            counts,
        });
    }
}
