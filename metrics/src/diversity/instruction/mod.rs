//! Instruction diversity (paper 004, section 4.2): per task, an element graph of
//! co-occurring content words, split into overlapping communities by Ego-Splitting;
//! the number of clusters is the index. Lexical companions are reported beside it.

pub mod ego_split;
pub mod graph;
pub mod lexical;
pub mod tokenize;

use crate::record::Record;
use crate::registry::{
    merged, AnalysisConfig, Direction, Metric, MetricDoc, MetricSpec, Provenance,
};
use crate::result::{Distribution, Outputs};
use crate::sample::{record_key, BottomK};
use crate::text::dominant_script;
use crate::uncertainty::{
    half_sample_interval, half_samples, relative_interval_from_replicates, HALF_SAMPLE_REPLICATES,
};
use ego_split::{ego_split, EgoSplitConfig};
use graph::{ElementGraphBuilder, MAX_WORDS_PER_INSTRUCTION};
use rayon::prelude::*;
use std::collections::BTreeMap;

pub const SPEC: MetricSpec = MetricSpec {
    module: module_path!(),
    family: "diversity.instruction",
    docs,
    make,
};

/// Default `--instructions-per-task`: each task's element graph is built from at most this
/// many of its sampled instructions (smallest sample keys first), so that a task's cluster
/// count measures the variety of its instructions, not its row count.
pub const DEFAULT_INSTRUCTIONS_PER_TASK: usize = 500;
/// The task name used when the data carries no task labels.
pub const UNLABELLED_TASK: &str = "(all)";

fn docs() -> Vec<MetricDoc> {
    use Direction::*;
    let d = |id, definition, direction, provenance| MetricDoc {
        id,
        definition,
        direction,
        provenance,
    };
    vec![
        d("diversity.instruction.clusters_mean", "Instruction diversity index (paper 004, Table 4): for each task, the instructions' content words (Unicode words, lower case, Chinese segmented with jieba, English and Chinese stop words removed) form an element graph whose edges join words that co-occur in an instruction (window: the whole instruction, its first 32 distinct content words; edges kept when seen at least --cooccurrence-min-count times). Ego-Splitting with connected components in both phases finds overlapping clusters; the index is the mean number of clusters over tasks, which is how Table 4's fractional values read. Without task labels the whole dataset is one task.", HigherIsBetter, Provenance::Paper),
        d("diversity.instruction.clusters.<task>", "Number of Ego-Splitting clusters in one task's element graph (clusters with fewer than --min-cluster-size words are not counted).", HigherIsBetter, Provenance::Paper),
        d("diversity.instruction.capped_nodes", "Hub words whose ego-net was capped at --max-ego-net heaviest neighbours (the others share one extra persona). 0 means the exact algorithm ran everywhere.", Neutral, Provenance::Basic),
        d("diversity.instruction.distinct_1", "Distinct unigrams / all unigrams over the instructions of the seeded sample (--sample-size; all words, stop words included). A fixed sample size keeps it comparable across dataset sizes; 95% half-sample interval.", HigherIsBetter, Provenance::Companion),
        d("diversity.instruction.distinct_2", "Distinct bigrams / all bigrams over the same sample, within instructions.", HigherIsBetter, Provenance::Companion),
        d("diversity.instruction.mtld", "MTLD (McCarthy & Jarvis 2010, TTR threshold 0.72, forward/backward mean) of the sampled instructions' words read as one text: the mean length of word runs before vocabulary starts repeating. Length-robust, unlike type-token ratios.", HigherIsBetter, Provenance::Companion),
        d("diversity.instruction.verb_object_pairs", "Distinct (opening verb, object) pairs among the English instructions of the seeded sample, the measure of the Self-Instruct analysis. Approximated without a parser: the first listed imperative verb among an instruction's first five words and the next content word that is not a common modifier.", HigherIsBetter, Provenance::Companion),
        d("diversity.instruction.root_verbs", "Distinct opening verbs among the English instructions of the seeded sample (see verb_object_pairs).", HigherIsBetter, Provenance::Companion),
        d("diversity.instruction.verb_object_coverage", "Share of English instructions where an opening verb and object were found: how much of the data verb_object_pairs describes.", Neutral, Provenance::Basic),
    ]
}

fn make(c: &AnalysisConfig) -> Box<dyn Metric> {
    Box::new(InstructionDiversity {
        sample: BottomK::new(c.sample_size),
        seed: c.sample_seed,
        per_task: c.instructions_per_task,
        min_count: c.cooccurrence_min_count,
        split: EgoSplitConfig {
            min_cluster_size: c.min_cluster_size,
            max_ego_net: c.max_ego_net,
        },
    })
}

/// One sampled instruction: its task, its words, and the English flag for verb-object pairs.
#[derive(serde::Serialize, serde::Deserialize)]
struct Sampled {
    task: String,
    words: Vec<String>,
    english: bool,
}

struct InstructionDiversity {
    /// Every analysed record is offered, so this is the run's sample; `None`: no instruction.
    sample: BottomK<Option<Sampled>>,
    seed: u64,
    per_task: usize,
    min_count: u32,
    split: EgoSplitConfig,
}

/// Content words: stop words removed, first occurrence kept.
fn content_words(words: &[String]) -> Vec<String> {
    let mut content: Vec<String> = Vec::new();
    for w in words {
        if !tokenize::is_stopword(w) && !content.contains(w) {
            content.push(w.clone());
        }
    }
    content
}

/// Ego-Splitting clusters per task over the instructions `used` (indices into `items`).
fn clusters_per_task(
    items: &[(usize, Vec<String>)],
    used: impl Iterator<Item = usize>,
    tasks: &[String],
    min_count: u32,
    split: &EgoSplitConfig,
) -> (Vec<(String, usize)>, usize) {
    let mut builders: BTreeMap<usize, ElementGraphBuilder> = BTreeMap::new();
    for i in used {
        let (task, content) = &items[i];
        builders.entry(*task).or_default().add_instruction(content);
    }
    // Ego-Splitting per task in parallel; results are gathered in task order, and the
    // capped-node total is an integer sum, so any thread count gives the same output.
    let builders: Vec<(usize, ElementGraphBuilder)> = builders.into_iter().collect();
    let results: Vec<(String, usize, usize)> = builders
        .par_iter()
        .map(|(t, b)| {
            let (g, _) = b.build(min_count);
            let r = ego_split(&g, split);
            (tasks[*t].clone(), r.clusters.len(), r.capped_nodes)
        })
        .collect();
    let capped = results.iter().map(|r| r.2).sum();
    let per_task = results.into_iter().map(|(t, c, _)| (t, c)).collect();
    (per_task, capped)
}

fn mean_clusters(per_task: &[(String, usize)]) -> Option<f64> {
    (!per_task.is_empty())
        .then(|| per_task.iter().map(|(_, c)| *c as f64).sum::<f64>() / per_task.len() as f64)
}

impl Metric for InstructionDiversity {
    fn observe(&mut self, r: &Record) {
        let key = record_key(r, self.seed);
        if !self.sample.accepts(key) {
            return;
        }
        let item = r
            .instruction()
            .filter(|i| !i.trim().is_empty())
            .map(|inst| {
                let mut words = Vec::new();
                tokenize::words(inst, &mut words);
                Sampled {
                    task: r
                        .task
                        .as_deref()
                        .map(str::trim)
                        .filter(|t| !t.is_empty())
                        .unwrap_or(UNLABELLED_TASK)
                        .to_string(),
                    words,
                    english: dominant_script(inst) == Some("latin"),
                }
            });
        self.sample.offer(key, item);
    }

    fn merge(&mut self, other: Box<dyn Metric>) {
        // Everything this metric uses comes from the key-based sample.
        let other: InstructionDiversity = merged(other);
        self.sample.merge(other.sample);
    }

    /// The state is the sample; the rest are settings (`EgoSplitConfig` is not serde).
    fn save(&self) -> Result<Vec<u8>, String> {
        crate::state::encode(&self.sample)
    }

    fn load(&mut self, saved: &[u8]) -> Result<(), String> {
        self.sample = crate::state::decode(saved)?;
        Ok(())
    }

    fn finish(self: Box<Self>, out: &mut Outputs) {
        let sample: Vec<Sampled> = self.sample.into_sorted().into_iter().flatten().collect();
        if sample.is_empty() {
            out.not_measured(
                "diversity.instruction.clusters_mean",
                "the sample has no non-empty instruction",
            );
            return;
        }
        // Tasks by name; each task's first `per_task` sampled instructions (smallest keys).
        let mut task_names: Vec<String> = sample.iter().map(|s| s.task.clone()).collect();
        task_names.sort();
        task_names.dedup();
        let task_index = |t: &str| task_names.binary_search_by(|x| x.as_str().cmp(t)).unwrap();
        let mut taken = vec![0usize; task_names.len()];
        let mut items: Vec<(usize, Vec<String>)> = Vec::new();
        for s in &sample {
            let t = task_index(&s.task);
            if taken[t] < self.per_task {
                taken[t] += 1;
                items.push((t, content_words(&s.words)));
            }
        }
        let capped_tasks = taken.iter().filter(|&&c| c == self.per_task).count();
        let (per_task, capped) = clusters_per_task(
            &items,
            0..items.len(),
            &task_names,
            self.min_count,
            &self.split,
        );
        // Half-sample replicates of the used instructions: each task's graph rebuilt from
        // its half, for the per-task counts and their mean.
        let reps: Vec<Vec<(String, usize)>> =
            half_samples(items.len(), HALF_SAMPLE_REPLICATES, 0x1D_C1)
                .par_iter()
                .map(|subset| {
                    clusters_per_task(
                        &items,
                        subset.iter().map(|&i| i as usize),
                        &task_names,
                        self.min_count,
                        &self.split,
                    )
                    .0
                })
                .collect();
        let n_items = items.len() as u64;
        for (task, c) in &per_task {
            // A task absent from a replicate had no instruction there: 0 clusters.
            let values: Vec<f64> = reps
                .iter()
                .map(|r| {
                    r.iter()
                        .find(|(t, _)| t == task)
                        .map_or(0.0, |(_, c)| *c as f64)
                })
                .collect();
            let id = format!("diversity.instruction.clusters.{task}");
            out.set_with_interval(
                id.clone(),
                *c as f64,
                relative_interval_from_replicates(*c as f64, &values, n_items)
                    .map(|i| i.within(0.0, f64::INFINITY)),
            );
            out.mark_sampled(&id);
        }
        if let Some(mean) = mean_clusters(&per_task) {
            let values: Vec<f64> = reps.iter().filter_map(|r| mean_clusters(r)).collect();
            out.set_with_interval(
                "diversity.instruction.clusters_mean",
                mean,
                relative_interval_from_replicates(mean, &values, n_items)
                    .map(|i| i.within(0.0, f64::INFINITY)),
            );
            out.mark_sampled("diversity.instruction.clusters_mean");
        }
        out.set("diversity.instruction.capped_nodes", capped as f64);
        if per_task.len() > 1 {
            let mut bars = per_task.clone();
            bars.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            bars.truncate(30);
            out.distributions.push(Distribution::Categorical {
                id: "diversity.instruction.clusters".into(),
                title: "Instruction clusters per task (largest 30)".into(),
                x_label: "task".into(),
                labels: bars.iter().map(|(t, _)| t.clone()).collect(),
                counts: bars.iter().map(|(_, c)| *c as u64).collect(),
            });
        }

        let words: Vec<Vec<String>> = sample.iter().map(|s| s.words.clone()).collect();
        for (n, id) in [
            (1, "diversity.instruction.distinct_1"),
            (2, "diversity.instruction.distinct_2"),
        ] {
            if let Some(v) = lexical::distinct_n(&words, n) {
                let interval = half_sample_interval(v, words.len(), 0xD15 ^ n as u64, |subset| {
                    let part: Vec<Vec<String>> =
                        subset.iter().map(|&i| words[i as usize].clone()).collect();
                    lexical::distinct_n(&part, n)
                });
                out.set_with_interval(id, v, interval);
                out.mark_sampled(id);
            }
        }
        let stream: Vec<&str> = words.iter().flatten().map(String::as_str).collect();
        if let Some(m) = lexical::mtld(&stream) {
            let interval = half_sample_interval(m, words.len(), 0x3717, |subset| {
                let part: Vec<&str> = subset
                    .iter()
                    .flat_map(|&i| words[i as usize].iter().map(String::as_str))
                    .collect();
                lexical::mtld(&part)
            });
            out.set_with_interval("diversity.instruction.mtld", m, interval);
            out.mark_sampled("diversity.instruction.mtld");
        }
        let mut verb_objects = lexical::VerbObjects::default();
        for s in sample.iter().filter(|s| s.english) {
            verb_objects.add(&s.words);
        }
        for id in [
            "diversity.instruction.verb_object_pairs",
            "diversity.instruction.root_verbs",
        ] {
            out.mark_sampled(id);
        }
        let vo = &verb_objects;
        if vo.english_instructions > 0 {
            // Half-sample replicates of the English instructions, for both counts.
            let english: Vec<&Sampled> = sample.iter().filter(|s| s.english).collect();
            let reps: Vec<(f64, f64)> = half_samples(english.len(), HALF_SAMPLE_REPLICATES, 0x7E2B)
                .iter()
                .map(|subset| {
                    let mut part = lexical::VerbObjects::default();
                    for &i in subset {
                        part.add(&english[i as usize].words);
                    }
                    (part.distinct_pairs() as f64, part.distinct_verbs() as f64)
                })
                .collect();
            let n_en = english.len() as u64;
            let (pairs, verbs) = (vo.distinct_pairs() as f64, vo.distinct_verbs() as f64);
            let pair_reps: Vec<f64> = reps.iter().map(|r| r.0).collect();
            let verb_reps: Vec<f64> = reps.iter().map(|r| r.1).collect();
            out.set_with_interval(
                "diversity.instruction.verb_object_pairs",
                pairs,
                relative_interval_from_replicates(pairs, &pair_reps, n_en)
                    .map(|i| i.within(0.0, f64::INFINITY)),
            );
            out.set_with_interval(
                "diversity.instruction.root_verbs",
                verbs,
                relative_interval_from_replicates(verbs, &verb_reps, n_en)
                    .map(|i| i.within(0.0, f64::INFINITY)),
            );
            out.set(
                "diversity.instruction.verb_object_coverage",
                vo.matched as f64 / vo.english_instructions as f64,
            );
            let top = vo.top(20);
            if !top.is_empty() {
                out.distributions.push(Distribution::Categorical {
                    id: "diversity.instruction.verb_objects".into(),
                    title: "Most common opening verb-object pairs".into(),
                    x_label: "verb object".into(),
                    labels: top.iter().map(|(p, _)| p.clone()).collect(),
                    counts: top.iter().map(|(_, c)| *c).collect(),
                });
            }
        }
        out.methods.insert(
            "instruction diversity".into(),
            format!(
                "On the seeded sample ({} instructions). Element graph per task ({} tasks{}), each from at most {} of its sampled instructions ({} tasks reached the cap): content words of each instruction (stop words removed; Chinese segmented with jieba), window = the whole instruction (first {MAX_WORDS_PER_INSTRUCTION} distinct content words), edges kept at count >= {}. Ego-Splitting with connected components in the ego-net and persona-graph phases; clusters smaller than {} words not counted; ego-nets capped at {} heaviest neighbours ({} hub words capped). The 95% interval of clusters_mean is the value ± 1.96 standard deviations of half-sample replicates. distinct-n, MTLD and verb-object pairs on the same sample.",
                sample.len(),
                per_task.len(),
                if task_names.iter().any(|t| t == UNLABELLED_TASK) { ", no task labels: one graph" } else { "" },
                self.per_task,
                capped_tasks,
                self.min_count,
                self.split.min_cluster_size,
                self.split.max_ego_net,
                capped,
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Role::*;
    use crate::test_records::{assert_merges, record};

    #[test]
    fn merged_chunks_equal_one_pass() {
        let openings = ["Write", "Explain", "Translate", "Summarize", "List"];
        let topics = [
            "a poem about the sea",
            "the water cycle for children",
            "this sentence into French",
            "the plot of a novel",
            "five fruits rich in vitamin C",
            "quantum entanglement simply",
        ];
        let recs: Vec<Record> = (0..60u64)
            .map(|i| {
                let text = match i % 10 {
                    // No instruction, and a blank one: neither is sampled as an instruction.
                    8 => String::new(),
                    9 => "   ".to_string(),
                    _ => format!(
                        "{} {} and mention {}",
                        openings[(i % 5) as usize],
                        topics[(i * 7 % 6) as usize],
                        ["colour", "history", "numbers"][(i % 3) as usize]
                    ),
                };
                let mut r = if text.is_empty() {
                    record(i, &[(Assistant, "ok")])
                } else {
                    record(i, &[(User, &text), (Assistant, "ok")])
                };
                r.task =
                    (i % 4 != 0).then(|| ["writing", "science", "lang"][(i % 3) as usize].into());
                r
            })
            .collect();
        let config = AnalysisConfig::default();
        assert_merges(|| make(&config), &recs);
        // A sample smaller than the data: the merged parts still draw the same records.
        let small = AnalysisConfig {
            sample_size: 17,
            instructions_per_task: 4,
            ..AnalysisConfig::default()
        };
        assert_merges(|| make(&small), &recs);
        // The parallel finish gives the same output on any number of threads.
        let on = |threads| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let out = pool.install(|| crate::test_records::outputs(make(&config), &recs));
            serde_json::to_string(&out).unwrap()
        };
        assert_eq!(on(1), on(4));
        let out = crate::test_records::outputs(make(&config), &recs);
        assert!(out.metrics["diversity.instruction.clusters_mean"] > 0.0);
    }
}
