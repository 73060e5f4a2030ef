//! Task labels found in the data: how many and how large.

use crate::diversity::instruction::tokenize::{is_stopword, words};
use crate::record::Record;
use crate::registry::{AnalysisConfig, Direction, Metric, MetricDoc, MetricSpec, Provenance};
use crate::result::{Distribution, Outputs};
use crate::stats::rate;
use crate::task_inference::naming::distinctive_words;
use crate::uncertainty::{half_sample_label_counts, relative_interval_from_replicates};
use std::collections::HashMap;

pub const SPEC: MetricSpec = MetricSpec {
    module: module_path!(),
    family: "tasks",
    docs,
    make,
};

/// Bars shown in the task-size plot; the rest are summed into one "other" bar.
const PLOTTED_TASKS: usize = 30;
/// Instructions per task (its first ones) whose words feed the task's keywords.
const KEYWORD_SAMPLE: u64 = 300;
/// Tasks (the first seen) that keep word counts for keywords; bounds memory when a label
/// column holds many thousands of distinct values.
const KEYWORD_TASKS: usize = 2000;
/// Keywords shown per task in the treemap.
const KEYWORDS: usize = 3;
/// Why the task count is missing when no record carries a task label (task inference, when
/// it ran and found nothing usable, replaces this with its own reason).
pub const NO_LABELS: &str = "skipped: no task labels";

fn docs() -> Vec<MetricDoc> {
    vec![
        MetricDoc {
            id: "diversity.task.count",
            definition: "Task diversity (paper 004, Table 4): the number of distinct task labels. Labels come from a task column or shard file names, else from LLM task tags (--judge) or inferred k-means tasks (the report's dataset.task_source says which). Not measured (report.json not_measured says why) when there are no labels, or when the inferred tasks have no clear structure: a best mean silhouette below the structure floor (0.10 with the default lexical task embedder, 0.15 with static or minilm; task_inference::STRUCTURE_FLOOR), where k-means clusters are an artefact of k, not tasks. 95% interval: half-sample replicates of the labelled records; for k-means-inferred tasks, the range of candidate k whose mean silhouette is within 1.96 standard errors of the best (method plausible_k), since the choice of k is the uncertainty there.",
            direction: Direction::HigherIsBetter,
            provenance: Provenance::Paper,
        },
        MetricDoc {
            id: "tasks.inferred.count",
            definition: "Number of clusters k-means found when the data has no task labels (or --infer-tasks always was given): k of the spherical k-means on instruction embeddings, chosen by the best mean silhouette. It becomes the task count only when tasks.inferred.silhouette reaches the structure floor (0.10 lexical, 0.15 static or minilm); below it the records get no inferred labels. The report's methods section and dataset.task_source say which.",
            direction: Direction::Neutral,
            provenance: Provenance::Basic,
        },
        MetricDoc {
            id: "tasks.inferred.silhouette",
            definition: "Mean silhouette (cosine) of the chosen task clustering on its sample: how well separated the inferred tasks are (-1 to 1). Below the structure floor (0.10 with the default lexical task embedder, 0.15 with static or minilm) the clusters are not used as tasks: with the lexical embedder, real instructions without task structure score 0.01 to 0.08 and task-structured ones 0.12 to 0.33 (T0's 294 templates: 0.21); the figures are in task_inference::STRUCTURE_FLOOR's documentation.",
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
            id: "tasks.inferred.stability",
            definition: "Adjusted Rand index between the chosen k-means task clustering and a refit at the same k from another seed, on the fit sample: 1 when the clusters do not depend on where k-means starts, near 0 when they are arbitrary.",
            direction: Direction::HigherIsBetter,
            provenance: Provenance::Basic,
        },
        MetricDoc {
            id: "tasks.judge.labels",
            definition: "Distinct task labels after merging, when an LLM tagged tasks (--judge on data without task labels, or with --infer-tasks always): the paper's TagGPT route. The judge gives each instruction of a seeded sample (--judge-task-sample) a short zero-shot task tag; tags that are the same after normalising case, whitespace, punctuation and plurals, or whose word sets are near-identical (Jaccard at least 0.75), are merged; every record then takes the label of its most similar tagged instruction.",
            direction: Direction::Neutral,
            provenance: Provenance::Basic,
        },
        MetricDoc {
            id: "tasks.judge.labelled",
            definition: "Sampled instructions the LLM judge gave a usable task tag (of the --judge-task-sample drawn).",
            direction: Direction::Neutral,
            provenance: Provenance::Basic,
        },
        MetricDoc {
            id: "tasks.judge.ari",
            definition: "Adjusted Rand index between the LLM-tagged tasks (spread to every record) and the task labels the data carries (only with --judge and --infer-tasks always on labelled data): 0 is chance, 1 is identical.",
            direction: Direction::HigherIsBetter,
            provenance: Provenance::Basic,
        },
        MetricDoc {
            id: "tasks.judge.nmi",
            definition: "Normalised mutual information (arithmetic mean) between the LLM-tagged tasks and the data's task labels (only with --judge and --infer-tasks always on labelled data).",
            direction: Direction::HigherIsBetter,
            provenance: Provenance::Basic,
        },
        MetricDoc {
            id: "tasks.parent.count",
            definition: "Distinct upper-level labels when the task label has two levels (columns such as domain1/domain2 or category/subcategory; the report's dataset.task_source says which). Each task is then named `upper / lower`, and diversity.task.count counts those full names.",
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
    /// Each labelled record's task, as the order of first appearance, for the interval.
    order: Vec<u32>,
    /// Task -> word counts of its first [`KEYWORD_SAMPLE`] instructions (stop words removed).
    words: HashMap<String, HashMap<String, f64>>,
    scratch: Vec<String>,
    /// Distinct upper-level labels of two-level tasks.
    parents: std::collections::HashSet<String>,
}

impl Tasks {
    fn count_words(&mut self, task: &str, r: &Record) {
        let Some(text) = r.instruction() else { return };
        if !self.words.contains_key(task) {
            if self.words.len() >= KEYWORD_TASKS {
                return;
            }
            self.words.insert(task.to_string(), HashMap::new());
        }
        let Some(tf) = self.words.get_mut(task) else {
            return;
        };
        words(text, &mut self.scratch);
        for w in self.scratch.drain(..).filter(|w| !is_stopword(w)) {
            *tf.entry(w).or_insert(0.0) += 1.0;
        }
    }
}

impl Metric for Tasks {
    fn observe(&mut self, r: &Record) {
        self.n += 1;
        let Some(task) = r.task.as_deref().map(str::trim).filter(|t| !t.is_empty()) else {
            return;
        };
        self.labelled += 1;
        if let Some(p) = r
            .task_parent
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            if !self.parents.contains(p) {
                self.parents.insert(p.to_string());
            }
        }
        let next = self.counts.len() as u32;
        let (seen, index) = match self.counts.get_mut(task) {
            Some(e) => {
                e.0 += 1;
                (e.0, e.1)
            }
            None => {
                self.counts.insert(task.to_string(), (1, next as u64));
                (1, next as u64)
            }
        };
        self.order.push(index as u32);
        if seen <= KEYWORD_SAMPLE {
            self.count_words(task, r);
        }
    }

    fn finish(self: Box<Self>, out: &mut Outputs) {
        out.set("tasks.labelled_rate", rate(self.labelled, self.n));
        if self.labelled == 0 {
            if self.n > 0 {
                out.not_measured("diversity.task.count", NO_LABELS);
            }
            return;
        }
        if !self.parents.is_empty() {
            out.set("tasks.parent.count", self.parents.len() as f64);
        }
        let k = self.counts.len();
        // Half-sample interval: the distinct labels among half the labelled records.
        let reps: Vec<f64> = half_sample_label_counts(&self.order, k, 0x007A_5CC0)
            .iter()
            .map(|c| c.iter().filter(|&&x| x > 0).count() as f64)
            .collect();
        out.set_with_interval(
            "diversity.task.count",
            k as f64,
            relative_interval_from_replicates(k as f64, &reps, self.labelled)
                .map(|i| i.within(0.0, f64::INFINITY)),
        );
        let mut sizes: Vec<(String, (u64, u64))> = self.counts.into_iter().collect();
        sizes.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then(a.1 .1.cmp(&b.1 .1)));

        let mut labels: Vec<String> = Vec::new();
        let mut counts: Vec<u64> = Vec::new();
        for (name, (c, _)) in sizes.iter().take(PLOTTED_TASKS) {
            labels.push(name.clone());
            counts.push(*c);
        }
        // c-TF-IDF across every task that kept words, so a keyword is what sets a task apart.
        let mut with_words: Vec<(String, HashMap<String, f64>)> = self.words.into_iter().collect();
        with_words.sort_by(|a, b| a.0.cmp(&b.0));
        let (names, tf): (Vec<String>, Vec<HashMap<String, f64>>) = with_words.into_iter().unzip();
        let keywords = distinctive_words(&tf, KEYWORDS);
        let mut notes: Vec<String> = labels
            .iter()
            .map(|l| {
                names
                    .binary_search_by(|n| n.as_str().cmp(l))
                    .map(|i| keywords[i].join(", "))
                    .unwrap_or_default()
            })
            .collect();
        let rest: u64 = sizes.iter().skip(PLOTTED_TASKS).map(|(_, (c, _))| c).sum();
        if rest > 0 {
            labels.push(format!("{} other tasks", sizes.len() - PLOTTED_TASKS));
            counts.push(rest);
            notes.push(String::new());
        }
        out.distributions.push(Distribution::Categorical {
            id: "tasks.sizes".into(),
            title: "Samples per task".into(),
            x_label: "task".into(),
            labels: labels.clone(),
            counts: counts.clone(),
        });
        out.distributions.push(Distribution::Treemap {
            id: "tasks.treemap".into(),
            title: "Tasks by size, with their top keywords".into(),
            labels,
            counts,
            notes,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{Origin, Role, Turn};

    fn rec(i: u64, task: &str, instruction: &str) -> Record {
        let mut r = Record::new(
            format!("r{i}"),
            Origin {
                file: "t.jsonl".into(),
                line: Some(i + 1),
                index: i,
            },
        );
        r.task = Some(task.into());
        r.turns = vec![
            Turn::new(Role::User, instruction),
            Turn::new(Role::Assistant, "ok"),
        ];
        r
    }

    #[test]
    fn two_level_labels_count_their_upper_level() {
        let mut m = make(&AnalysisConfig::default());
        for (i, (p, t)) in [("A", "x"), ("A", "y"), ("B", "x"), ("B", "x")]
            .iter()
            .enumerate()
        {
            let mut r = rec(i as u64, &format!("{p} / {t}"), "do it");
            r.task_parent = Some(p.to_string());
            m.observe(&r);
        }
        let mut out = Outputs::default();
        m.finish(&mut out);
        assert_eq!(out.metrics["tasks.parent.count"], 2.0);
        assert_eq!(out.metrics["diversity.task.count"], 3.0);
    }

    #[test]
    fn treemap_lists_tasks_by_size_with_their_distinctive_words() {
        let mut m: Box<dyn Metric> = Box::new(Tasks::default());
        let mut i = 0;
        for _ in 0..6 {
            m.observe(&rec(
                i,
                "math",
                "Solve the quadratic equation by formula and simplify",
            ));
            i += 1;
        }
        for _ in 0..3 {
            m.observe(&rec(
                i,
                "poems",
                "Write a poem about the sea and moon and simplify",
            ));
            i += 1;
        }
        let mut out = Outputs::default();
        m.finish(&mut out);
        let Some(Distribution::Treemap {
            labels,
            counts,
            notes,
            ..
        }) = out.distributions.iter().find(|d| d.id() == "tasks.treemap")
        else {
            panic!("no treemap");
        };
        assert_eq!(labels, &["math", "poems"]);
        assert_eq!(counts, &[6, 3]);
        // "simplify" is in both tasks, so it is never among the distinctive words.
        assert!(!notes[0].contains("simplify") && !notes[1].contains("simplify"));
        // Words unique to a task score alike, so they come in alphabetical order.
        assert_eq!(notes, &["equation, formula, quadratic", "moon, poem, sea"]);
    }
}
