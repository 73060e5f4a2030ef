//! Instruction diversity (paper 004, section 4.2): per task, an element graph of
//! co-occurring content words, split into overlapping communities by Ego-Splitting;
//! the number of clusters is the index. Lexical companions are reported beside it.

pub mod ego_split;
pub mod graph;
pub mod lexical;
pub mod tokenize;

use crate::record::Record;
use crate::registry::{AnalysisConfig, Direction, Metric, MetricDoc, MetricSpec, Provenance};
use crate::result::{Distribution, Outputs};
use crate::sample::{mix64, BottomK};
use crate::text::dominant_script;
use ego_split::{ego_split, EgoSplitConfig};
use graph::{ElementGraphBuilder, MAX_WORDS_PER_INSTRUCTION};
use std::collections::BTreeMap;

pub const SPEC: MetricSpec = MetricSpec {
    family: "diversity.instruction",
    docs,
    make,
};

/// Instructions sampled (uniformly, deterministically) for distinct-n and MTLD. A fixed
/// size keeps them comparable between datasets of different sizes.
pub const LEXICAL_SAMPLE: usize = 10_000;
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
        d("diversity.instruction.distinct_1", "Distinct unigrams / all unigrams over a uniform sample of up to 10,000 instructions (all words, stop words included). A fixed sample size keeps it comparable across dataset sizes.", HigherIsBetter, Provenance::Companion),
        d("diversity.instruction.distinct_2", "Distinct bigrams / all bigrams over the same sample, within instructions.", HigherIsBetter, Provenance::Companion),
        d("diversity.instruction.mtld", "MTLD (McCarthy & Jarvis 2010, TTR threshold 0.72, forward/backward mean) of the sampled instructions' words read as one text: the mean length of word runs before vocabulary starts repeating. Length-robust, unlike type-token ratios.", HigherIsBetter, Provenance::Companion),
        d("diversity.instruction.verb_object_pairs", "Distinct (opening verb, object) pairs among English instructions, the measure of the Self-Instruct analysis. Approximated without a parser: the first listed imperative verb among an instruction's first five words and the next content word that is not a common modifier.", HigherIsBetter, Provenance::Companion),
        d("diversity.instruction.root_verbs", "Distinct opening verbs among English instructions (see verb_object_pairs).", HigherIsBetter, Provenance::Companion),
        d("diversity.instruction.verb_object_coverage", "Share of English instructions where an opening verb and object were found: how much of the data verb_object_pairs describes.", Neutral, Provenance::Basic),
    ]
}

fn make(c: &AnalysisConfig) -> Box<dyn Metric> {
    Box::new(InstructionDiversity {
        tasks: BTreeMap::new(),
        sample: BottomK::new(LEXICAL_SAMPLE),
        verb_objects: lexical::VerbObjects::default(),
        n: 0,
        min_count: c.cooccurrence_min_count,
        split: EgoSplitConfig {
            min_cluster_size: c.min_cluster_size,
            max_ego_net: c.max_ego_net,
        },
        scratch: Vec::new(),
        content: Vec::new(),
    })
}

struct InstructionDiversity {
    tasks: BTreeMap<String, ElementGraphBuilder>,
    sample: BottomK<Vec<String>>,
    verb_objects: lexical::VerbObjects,
    n: u64,
    min_count: u32,
    split: EgoSplitConfig,
    scratch: Vec<String>,
    content: Vec<String>,
}

impl Metric for InstructionDiversity {
    fn observe(&mut self, r: &Record) {
        let Some(inst) = r.instruction().filter(|i| !i.trim().is_empty()) else {
            return;
        };
        self.n += 1;
        let task = r
            .task
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .unwrap_or(UNLABELLED_TASK);
        tokenize::words(inst, &mut self.scratch);
        if dominant_script(inst) == Some("latin") {
            self.verb_objects.add(&self.scratch);
        }
        let key = mix64(self.n ^ 0xD1B5_4A32_D192_ED03);
        if self.sample.accepts(key) {
            self.sample.offer(key, self.scratch.clone());
        }
        self.content.clear();
        for w in self.scratch.drain(..) {
            if !tokenize::is_stopword(&w) && !self.content.contains(&w) {
                self.content.push(w);
            }
        }
        match self.tasks.get_mut(task) {
            Some(b) => b.add_instruction(&self.content),
            None => {
                let mut b = ElementGraphBuilder::default();
                b.add_instruction(&self.content);
                self.tasks.insert(task.to_string(), b);
            }
        }
    }

    fn finish(self: Box<Self>, out: &mut Outputs) {
        if self.tasks.is_empty() {
            return;
        }
        let mut per_task: Vec<(String, usize)> = Vec::new();
        let mut capped = 0usize;
        for (task, builder) in &self.tasks {
            let (g, _) = builder.build(self.min_count);
            let r = ego_split(&g, &self.split);
            capped += r.capped_nodes;
            out.set(
                format!("diversity.instruction.clusters.{task}"),
                r.clusters.len() as f64,
            );
            per_task.push((task.clone(), r.clusters.len()));
        }
        let mean = per_task.iter().map(|(_, c)| *c as f64).sum::<f64>() / per_task.len() as f64;
        out.set("diversity.instruction.clusters_mean", mean);
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

        let sample = self.sample.into_sorted();
        if let Some(d1) = lexical::distinct_n(&sample, 1) {
            out.set("diversity.instruction.distinct_1", d1);
        }
        if let Some(d2) = lexical::distinct_n(&sample, 2) {
            out.set("diversity.instruction.distinct_2", d2);
        }
        let stream: Vec<&str> = sample.iter().flatten().map(String::as_str).collect();
        if let Some(m) = lexical::mtld(&stream) {
            out.set("diversity.instruction.mtld", m);
        }
        let vo = &self.verb_objects;
        if vo.english_instructions > 0 {
            out.set(
                "diversity.instruction.verb_object_pairs",
                vo.distinct_pairs() as f64,
            );
            out.set(
                "diversity.instruction.root_verbs",
                vo.distinct_verbs() as f64,
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
                "Element graph per task ({} tasks{}): content words of each instruction (stop words removed; Chinese segmented with jieba), window = the whole instruction (first {MAX_WORDS_PER_INSTRUCTION} distinct content words), edges kept at count >= {}. Ego-Splitting with connected components in the ego-net and persona-graph phases; clusters smaller than {} words not counted; ego-nets capped at {} heaviest neighbours ({} hub words capped). distinct-n and MTLD on a uniform sample of {} of {} instructions.",
                per_task.len(),
                if self.tasks.contains_key(UNLABELLED_TASK) { ", no task labels: one graph" } else { "" },
                self.min_count,
                self.split.min_cluster_size,
                self.split.max_ego_net,
                capped,
                sample.len(),
                self.n
            ),
        );
    }
}
