//! Task labels found in the data: how large each task is, their upper levels, and the
//! keywords that set tasks apart. The task count itself, the paper's task diversity index,
//! is the family `diversity.task` ([`crate::diversity::task`]).

use crate::diversity::instruction::tokenize::{is_stopword, words};
use crate::record::Record;
use crate::registry::{
    merged, AnalysisConfig, Direction, Metric, MetricDoc, MetricSpec, Provenance,
};
use crate::result::{Distribution, Outputs};
use crate::sample::{record_key, BottomK};
use crate::stats::rate;
use crate::task_inference::naming::distinctive_words;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

pub const SPEC: MetricSpec = MetricSpec {
    module: module_path!(),
    family: "tasks",
    docs,
    make,
};

/// Bars shown in the task-size plot; the rest are summed into one "other" bar.
const PLOTTED_TASKS: usize = 30;
/// Instructions per task (a seeded sample: the smallest record keys) whose words feed the
/// task's keywords.
const KEYWORD_SAMPLE: usize = 300;
/// Tasks that keep keyword samples (those with the smallest label hashes, a choice no
/// input order or split changes); bounds memory when a label column holds many thousands
/// of distinct values.
const KEYWORD_TASKS: usize = 2000;
/// Keywords shown per task in the treemap.
const KEYWORDS: usize = 3;

fn docs() -> Vec<MetricDoc> {
    vec![
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

fn make(c: &AnalysisConfig) -> Box<dyn Metric> {
    Box::new(Tasks {
        seed: c.sample_seed,
        n: 0,
        labelled: 0,
        counts: HashMap::new(),
        words: BTreeMap::new(),
        scratch: Vec::new(),
        parents: HashSet::new(),
    })
}

/// Position of a record ([`crate::record::Origin::order_key`]), owned.
type Position = (Arc<str>, u64);

#[derive(serde::Serialize, serde::Deserialize)]
struct Tasks {
    /// `--sample-seed`, for the keyword samples' record keys.
    seed: u64,
    n: u64,
    labelled: u64,
    /// Label -> (count, position of its first record) so ties sort by first appearance in
    /// the data, whatever order chunks arrive in.
    counts: HashMap<String, (u64, Position)>,
    /// (label hash, label) -> content words of a seeded sample of the task's instructions
    /// (stop words removed), for its keywords; the [`KEYWORD_TASKS`] smallest hashes only.
    words: BTreeMap<(u64, String), BottomK<Vec<String>>>,
    scratch: Vec<String>,
    /// Distinct upper-level labels of two-level tasks.
    parents: HashSet<String>,
}

fn label_hash(task: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(task.as_bytes())
}

impl Tasks {
    /// Whether the keyword tasks, full at [`KEYWORD_TASKS`], have room for a task.
    fn keeps_words_of(&self, hash: u64, task: &str) -> bool {
        self.words.len() < KEYWORD_TASKS
            || self
                .words
                .last_key_value()
                .is_some_and(|((h, name), _)| (hash, task) < (*h, name.as_str()))
    }

    fn trim_words(&mut self) {
        while self.words.len() > KEYWORD_TASKS {
            self.words.pop_last();
        }
    }

    /// The keyword sample of `task`, found by a range over its hash so that a known task
    /// costs no allocation (`String::new()` does not allocate).
    fn keyword_sample(&mut self, hash: u64, task: &str) -> Option<&mut BottomK<Vec<String>>> {
        self.words
            .range_mut((hash, String::new())..)
            .take_while(|((h, _), _)| *h == hash)
            .find(|((_, name), _)| name == task)
            .map(|(_, sample)| sample)
    }

    fn sample_words(&mut self, task: &str, r: &Record) {
        let Some(text) = r.instruction() else { return };
        let hash = label_hash(task);
        let record = record_key(r, self.seed);
        match self.keyword_sample(hash, task).map(|s| s.accepts(record)) {
            Some(false) => return,
            Some(true) => {}
            None if !self.keeps_words_of(hash, task) => return,
            None => {
                self.words
                    .insert((hash, task.to_string()), BottomK::new(KEYWORD_SAMPLE));
                self.trim_words();
            }
        }
        words(text, &mut self.scratch);
        let content: Vec<String> = self.scratch.drain(..).filter(|w| !is_stopword(w)).collect();
        if let Some(sample) = self.keyword_sample(hash, task) {
            sample.offer(record, content);
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
        let here = r.origin.order_key();
        match self.counts.get_mut(task) {
            Some(e) => {
                e.0 += 1;
                if here < (&*e.1 .0, e.1 .1) {
                    e.1 = (r.origin.file.clone(), r.origin.index);
                }
            }
            None => {
                let first = (r.origin.file.clone(), r.origin.index);
                self.counts.insert(task.to_string(), (1, first));
            }
        }
        self.sample_words(task, r);
    }

    fn merge(&mut self, other: Box<dyn Metric>) {
        let other: Tasks = merged(other);
        self.n += other.n;
        self.labelled += other.labelled;
        self.parents.extend(other.parents);
        for (task, (c, first)) in other.counts {
            match self.counts.get_mut(&task) {
                Some(e) => {
                    e.0 += c;
                    if (&*first.0, first.1) < (&*e.1 .0, e.1 .1) {
                        e.1 = first;
                    }
                }
                None => {
                    self.counts.insert(task, (c, first));
                }
            }
        }
        // Both sides kept every record of their tasks among the smallest label hashes, so
        // the union trimmed to the smallest hashes is what one pass keeps.
        for (key, sample) in other.words {
            match self.words.get_mut(&key) {
                Some(mine) => mine.merge(sample),
                None => {
                    self.words.insert(key, sample);
                }
            }
        }
        self.trim_words();
    }

    crate::whole_state!();

    fn finish(self: Box<Self>, out: &mut Outputs) {
        out.set("tasks.labelled_rate", rate(self.labelled, self.n));
        if self.labelled == 0 {
            return;
        }
        if !self.parents.is_empty() {
            out.set("tasks.parent.count", self.parents.len() as f64);
        }
        let mut sizes: Vec<(String, (u64, Position))> = self.counts.into_iter().collect();
        sizes.sort_by(|a, b| {
            b.1 .0
                .cmp(&a.1 .0)
                .then_with(|| (&*a.1 .1 .0, a.1 .1 .1).cmp(&(&*b.1 .1 .0, b.1 .1 .1)))
        });

        let mut labels: Vec<String> = Vec::new();
        let mut counts: Vec<u64> = Vec::new();
        for (name, (c, _)) in sizes.iter().take(PLOTTED_TASKS) {
            labels.push(name.clone());
            counts.push(*c);
        }
        // c-TF-IDF across every task that kept words, so a keyword is what sets a task apart.
        // Word counts are whole numbers, exact in f64 whatever the order of addition.
        let mut with_words: Vec<(String, HashMap<String, f64>)> = self
            .words
            .into_iter()
            .map(|((_, task), sample)| {
                let mut tf: HashMap<String, f64> = HashMap::new();
                for w in sample.into_sorted().into_iter().flatten() {
                    *tf.entry(w).or_insert(0.0) += 1.0;
                }
                (task, tf)
            })
            .collect();
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
    use crate::test_records::assert_merges;

    fn rec(i: u64, task: &str, instruction: &str) -> Record {
        let mut r = Record::new(
            format!("r{i}"),
            Origin {
                file: "t.jsonl".into(),
                line: Some(i + 1),
                index: i,
                within: None,
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
        // The task count is diversity.task's: every id here is the family's own.
        assert!(out.metrics.keys().all(|k| k.starts_with("tasks.")));
    }

    #[test]
    fn treemap_lists_tasks_by_size_with_their_distinctive_words() {
        let mut m = make(&AnalysisConfig::default());
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

    #[test]
    fn merged_chunks_equal_one_pass() {
        let tasks = [
            ("math", "Solve the quadratic equation by formula"),
            ("poems", "Write a poem about the sea and the moon"),
            ("code", "Implement a binary search in Rust"),
            ("chat", "Tell me about your weekend plans"),
        ];
        let mut recs: Vec<Record> = (0..80u64)
            .map(|i| {
                // Equal sizes for some tasks, so ties fall to the first record's position.
                let (t, text) = tasks[(i * 7 % 4) as usize];
                let mut r = rec(i, t, &format!("{text} number {}", i % 9));
                if i % 3 == 0 {
                    r.task_parent = Some(if i % 2 == 0 { "A" } else { "B" }.into());
                }
                if i % 11 == 5 {
                    r.task = None;
                }
                r
            })
            .collect();
        // Records from a second file, which sorts before the first.
        for r in recs.iter_mut().skip(60) {
            r.origin.file = "a.jsonl".into();
        }
        assert_merges(|| make(&AnalysisConfig::default()), &recs);
    }

    #[test]
    fn keyword_samples_are_bounded_and_split_independent() {
        // Far more instructions per task than the keyword sample holds, and more tasks than
        // keep keywords: the kept samples still do not depend on the order of the records.
        let recs: Vec<Record> = (0..(KEYWORD_SAMPLE as u64 * 3 + 150))
            .map(|i| rec(i, &format!("t{}", i % 3), &format!("word{} common", i % 13)))
            .collect();
        assert_merges(|| make(&AnalysisConfig::default()), &recs);
        let mut m = make(&AnalysisConfig::default());
        for r in &recs {
            m.observe(r);
        }
        let m: Tasks = merged(m);
        assert!(m.words.values().all(|s| s.len() == KEYWORD_SAMPLE));
    }
}
