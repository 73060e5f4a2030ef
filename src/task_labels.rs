//! Inferred task labels for data that has none: a sampling pass fits the task model,
//! then the main pass labels records in batches before any metric sees them, so task
//! counts, balance and per-task instruction diversity all use the inferred tasks.
//!
//! Two routes, tried in this order:
//! 1. With `--judge`, the paper's: an LLM tags a seeded sample of instructions zero-shot
//!    (TagGPT-style, `judge::tagger`), redundant tags are merged, and every record takes the
//!    tag of its most similar tagged instruction.
//! 2. Offline: spherical k-means on instruction embeddings, k by the best mean silhouette.
//!    Its clusters become tasks only when that silhouette reaches the structure floor
//!    (`task_inference::STRUCTURE_FLOOR`); below it no record gets an inferred label, and the task count
//!    and balance are reported as not measured, with the reason.
//!
//! Both draw their instructions from the run's seeded sample: the records with the
//! smallest [`record_key`]s under `--sample-seed`, at most `--sample-size` of them.

use crate::judge::tagger::{self, TagRun};
use crate::judge::JudgeConfig;
use crate::load::{LoadEvent, LoadOptions, Loader};
use crate::stage::{Stage, StageContext};
use anyhow::{Context, Result};
use ftqa_metrics::balance;
use ftqa_metrics::embed::Embedder;
use ftqa_metrics::registry::AnalysisConfig;
use ftqa_metrics::result::{DatasetInfo, Outputs};
use ftqa_metrics::sample::{record_key, BottomK};
use ftqa_metrics::task_inference::tagging::{merge_labels, MergedLabels, NearestLabel};
use ftqa_metrics::task_inference::{task_text, write_agreement, TaskModel, FIT_SAMPLE, MIN_TEXTS};
use std::sync::Arc;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum InferTasks {
    /// Infer tasks only when the data has no task labels.
    #[default]
    Auto,
    /// Always infer; on labelled data also report agreement with the labels.
    Always,
    /// Never infer.
    Never,
}

enum Route {
    None,
    KMeans(TaskModel),
    Judge {
        model: NearestLabel,
        run: TagRun,
        merged: MergedLabels,
    },
}

/// The `tasks` pipeline stage ([`crate::stage`]). It feeds `tasks.*` (its own
/// `tasks.inferred.*` and `tasks.judge.*`, and the `tasks` family's counts),
/// `diversity.task.*` (it sets or replaces the task count's interval and reason),
/// `balance.*` and `diversity.instruction.*` (both read the labels it gives records), so
/// it runs when `--only`/`--skip` select any of those, unless `--skip tasks`.
pub struct TaskLabeler {
    /// `--infer-tasks`.
    mode: InferTasks,
    embedder: Arc<dyn Embedder>,
    /// With `--judge`, task labels come from the judge (the paper's route).
    judge: Option<JudgeConfig>,
    route: Route,
    /// Replace each record's task with its inferred label.
    assign: bool,
    /// Compute inferred labels (to assign them, or only to score them against the data's).
    label: bool,
    /// Instructions the k-means model was fitted on.
    fit_size: usize,
    truth: Vec<String>,
    inferred: Vec<usize>,
    all_labelled: bool,
    warnings: Vec<String>,
    /// Whether `prepare` decided to infer labels (whatever the fit then found).
    inferring: bool,
}

impl TaskLabeler {
    pub fn new(mode: InferTasks, embedder: Arc<dyn Embedder>, judge: Option<JudgeConfig>) -> Self {
        TaskLabeler {
            mode,
            embedder,
            judge,
            route: Route::None,
            assign: false,
            label: false,
            fit_size: 0,
            truth: Vec::new(),
            inferred: Vec::new(),
            all_labelled: true,
            warnings: Vec::new(),
            inferring: false,
        }
    }

    /// Decides whether to infer, and if so reads the data once to fit the model (and, with
    /// a judge, to have the sample tagged).
    fn fit(
        &mut self,
        opts: &LoadOptions,
        info: &DatasetInfo,
        analysis: &AnalysisConfig,
    ) -> Result<()> {
        let me = self;
        let embedder = me.embedder.clone();
        let judge = me.judge.clone();
        let judge = judge.as_ref();
        let infer = match me.mode {
            InferTasks::Never => false,
            InferTasks::Always => true,
            InferTasks::Auto => info.task_source.is_none(),
        };
        if !infer {
            return Ok(());
        }
        me.inferring = true;
        let fit_cap = FIT_SAMPLE.min(analysis.sample_size);
        let tag_cap = judge.map_or(0, |j| j.task_sample).min(analysis.sample_size);
        // The records of the run's sample with the smallest keys; those without an
        // instruction are kept as `None` so the fit set stays inside the run's sample.
        let mut sample: BottomK<Option<String>> = BottomK::new(fit_cap.max(tag_cap));
        for ev in Loader::open(opts)? {
            if let LoadEvent::Record(r) = ev {
                let key = record_key(&r, analysis.sample_seed);
                if sample.accepts(key) {
                    let i = r.instruction().filter(|i| !i.trim().is_empty());
                    sample.offer(key, i.map(str::to_string));
                }
            }
        }
        let sorted = sample.into_sorted();
        let instructions = |cap: usize| -> Vec<&str> {
            sorted
                .iter()
                .take(cap)
                .flatten()
                .map(String::as_str)
                .collect()
        };
        let fit_texts = instructions(fit_cap);
        let tag_texts = instructions(tag_cap);
        me.fit_size = fit_texts.len();

        if let Some(j) = judge.filter(|_| tag_texts.len() >= MIN_TEXTS) {
            let owned: Vec<String> = tag_texts.iter().map(|s| s.to_string()).collect();
            let run = tagger::tag(j, &owned);
            let merged = merge_labels(&run.labels);
            if let Some(why) = &run.aborted {
                me.warnings.push(format!(
                    "LLM task labels: {why}; tasks were inferred offline instead"
                ));
            } else if run.labelled() * 2 < owned.len() {
                me.warnings.push(format!(
                    "LLM task labels: only {} of {} sampled instructions got a usable label ({} failed requests, {} malformed replies); tasks were inferred offline instead",
                    run.labelled(),
                    owned.len(),
                    run.failed,
                    run.malformed
                ));
            } else {
                // The embedder is fitted (lexical IDF) on the larger fit sample.
                let heads: Vec<&str> = fit_texts.iter().map(|t| task_text(t)).collect();
                let fitted = embedder.fit(&heads).unwrap_or_else(|| embedder.clone());
                let (texts, tasks): (Vec<&str>, Vec<usize>) = tag_texts
                    .iter()
                    .zip(&merged.of)
                    .filter_map(|(t, m)| m.map(|m| (*t, m)))
                    .unzip();
                let model = NearestLabel::fit(&texts, &tasks, merged.names.clone(), fitted)
                    .context("embedding instructions to spread LLM task labels")?;
                me.route = Route::Judge { model, run, merged };
                me.assign = true;
                me.label = true;
                return Ok(());
            }
        }

        let Some(model) = TaskModel::fit(&fit_texts, embedder)
            .context("embedding instructions to infer tasks")?
        else {
            return Ok(());
        };
        me.assign = model.has_structure();
        // Without structure, labels are still computed on labelled data (--infer-tasks
        // always) to score them, but records keep their own.
        me.label = me.assign || info.task_source.is_some();
        me.route = Route::KMeans(model);
        Ok(())
    }

    fn labels(&self, texts: &[&str]) -> Result<Vec<usize>> {
        Ok(match &self.route {
            Route::None => vec![0; texts.len()],
            Route::KMeans(m) => m
                .assign(texts)
                .context("embedding instructions to infer tasks")?,
            Route::Judge { model, .. } => model
                .assign(texts)
                .context("embedding instructions to spread LLM task labels")?,
        })
    }

    fn name(&self, l: usize) -> String {
        match &self.route {
            Route::None => String::new(),
            Route::KMeans(m) => m.names[l].label.clone(),
            Route::Judge { model, .. } => model.names[l].clone(),
        }
    }

    /// Labels a batch of records at once (the embedders work in batches).
    fn label_batch(&mut self, batch: &mut [LoadEvent]) -> Result<()> {
        if !self.label {
            return Ok(());
        }
        let texts: Vec<&str> = batch
            .iter()
            .filter_map(|e| match e {
                LoadEvent::Record(r) => Some(r.instruction().unwrap_or("")),
                LoadEvent::Skip(_) => None,
            })
            .collect();
        let labels = self.labels(&texts)?;
        let mut it = labels.into_iter();
        for e in batch {
            if let LoadEvent::Record(r) = e {
                let l = it.next().unwrap_or(0);
                match &r.task {
                    Some(t) => self.truth.push(t.clone()),
                    None => self.all_labelled = false,
                }
                self.inferred.push(l);
                if self.assign {
                    r.task = Some(self.name(l));
                }
            }
        }
        Ok(())
    }

    /// Adds the inference facts to the outputs, says in the dataset info where tasks came
    /// from, and returns warnings for the report.
    fn write(self, out: &mut Outputs, info: &mut DatasetInfo) -> Vec<String> {
        let scored = self.all_labelled && !self.truth.is_empty();
        match &self.route {
            // Inference was wanted but had too few instructions to fit on: say so, rather
            // than the metrics' bare "no task labels".
            Route::None if self.inferring && info.task_source.is_none() => {
                let why = format!(
                    "skipped: no task labels, and the data's {} instructions are too few to infer tasks (inference needs at least {MIN_TEXTS}); give the data a task column (--task-col)",
                    self.fit_size
                );
                out.not_measured("diversity.task.count", why.as_str());
                balance::skip_all(out, &why);
            }
            Route::None => {}
            Route::Judge { model, run, merged } => {
                out.set("tasks.judge.labels", merged.names.len() as f64);
                out.set("tasks.judge.labelled", run.labelled() as f64);
                if scored {
                    write_agreement(&self.truth, &self.inferred, "tasks.judge", out);
                }
                out.methods.insert(
                    "tasks".into(),
                    format!(
                        "LLM task labels, the paper's route (TagGPT-style zero-shot tagging): the run's seeded sample supplied {} instructions. {} The {} distinct tags ({} after normalising case, whitespace, punctuation and plurals) were merged where their word sets are near-identical (Jaccard >= {}), leaving {} labels; every record takes the label of its most similar tagged instruction (cosine of the instruction heads embedded with {}).",
                        run.labels.len(),
                        run.describe(),
                        merged.raw_distinct,
                        merged.normalised_distinct,
                        ftqa_metrics::task_inference::tagging::MERGE_JACCARD,
                        merged.names.len(),
                        model.describe_embedder()
                    ),
                );
                info.task_source = Some(match &info.task_source {
                    Some(given) => format!("inferred (LLM task labels, {} labels); the data's own labels ({given}) were used only to score agreement", model.k()),
                    None => format!("inferred (LLM task labels spread by nearest instruction, {} labels)", model.k()),
                });
            }
            Route::KMeans(model) => {
                out.set("tasks.inferred.count", model.k() as f64);
                out.set("tasks.inferred.silhouette", model.silhouette);
                out.set("tasks.inferred.stability", model.stability);
                if scored {
                    write_agreement(&self.truth, &self.inferred, "tasks.inferred", out);
                }
                let mut methods = model.describe(self.fit_size);
                if !model.has_structure() {
                    methods.push_str(&match &info.task_source {
                        Some(given) => format!(" The data's own task labels ({given}) were kept; the clusters were only scored against them."),
                        None => " Task count and balance are not measured; give the data a task column, or use --judge for LLM task labels.".to_string(),
                    });
                }
                out.methods.insert("tasks".into(), methods);
                if model.has_structure() && info.task_source.is_none() {
                    // The count's uncertainty is the choice of k, not which records hold
                    // which label: replace the label half-sample interval.
                    out.intervals
                        .insert("diversity.task.count".into(), model.count_interval());
                    // Balance of inferred tasks also depends on k: widen its interval to the
                    // balance of every plausible k's clusters on the fit sample.
                    if let (Some((lo, hi)), Some(i)) = (
                        model.plausible_balance,
                        out.intervals.get_mut("balance.task.variance"),
                    ) {
                        i.low = i.low.min(lo);
                        i.high = i.high.max(hi);
                        i.method = "half_sample_and_plausible_k".into();
                    }
                }
                if model.has_structure() {
                    info.task_source = Some(match &info.task_source {
                        Some(given) => format!("inferred (k-means, k={}); the data's own labels ({given}) were used only to score agreement", model.k()),
                        None => format!("inferred (k-means on instruction embeddings, k={})", model.k()),
                    });
                } else if info.task_source.is_none() {
                    out.not_measured("diversity.task.count", model.no_structure_reason());
                    balance::skip_all(out, balance::NO_STRUCTURE);
                }
            }
        }
        self.warnings
    }
}

impl Stage for TaskLabeler {
    fn name(&self) -> &'static str {
        "tasks"
    }
    fn feeds(&self) -> &'static [&'static str] {
        &[
            "tasks",
            "diversity.task",
            "balance",
            "diversity.instruction",
        ]
    }
    fn prepare(&mut self, ctx: &StageContext) -> Result<()> {
        self.fit(ctx.load, ctx.dataset, ctx.analysis)
    }
    fn annotate(&mut self, batch: &mut [LoadEvent]) -> Result<()> {
        self.label_batch(batch)
    }
    fn finish(self: Box<Self>, out: &mut Outputs, dataset: &mut DatasetInfo) -> Vec<String> {
        self.write(out, dataset)
    }
    /// Without inference the labeller holds nothing. Inference fits one model on the whole
    /// dataset's sample, which a part cannot see.
    fn save(&self) -> std::result::Result<Vec<u8>, String> {
        if self.inferring {
            return Err("task labels would be inferred (the data has no task column, or --infer-tasks always), and inference fits one model on the whole dataset's sample, which a part cannot see; name the task column (--task-col) or pass --infer-tasks never".into());
        }
        Ok(Vec::new())
    }
    fn absorb(&mut self, _saved: &[u8]) -> std::result::Result<(), String> {
        Ok(())
    }
}
