//! Inferred task labels for data that has none: a sampling pass fits the task model,
//! then the main pass labels records in batches before any metric sees them, so task
//! counts, balance and per-task instruction diversity all use the inferred tasks.

use crate::load::{LoadEvent, LoadOptions, Loader};
use anyhow::{Context, Result};
use ftqa_metrics::embed::Embedder;
use ftqa_metrics::result::{DatasetInfo, Outputs};
use ftqa_metrics::sample::{mix64, BottomK};
use ftqa_metrics::task_inference::{write_agreement, TaskModel, FIT_SAMPLE};
use std::collections::VecDeque;
use std::sync::Arc;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum InferTasks {
    /// Infer tasks only when the data has no task labels.
    #[default]
    Auto,
    /// Always infer; on labelled data also report agreement with the labels.
    Always,
    Never,
}

pub struct TaskLabeler {
    model: Option<TaskModel>,
    sample: usize,
    buf: VecDeque<LoadEvent>,
    truth: Vec<String>,
    inferred: Vec<usize>,
    all_labelled: bool,
}

impl TaskLabeler {
    /// Decides whether to infer, and if so reads the data once to fit the model.
    pub fn prepare(
        mode: InferTasks,
        opts: &LoadOptions,
        info: &DatasetInfo,
        embedder: Arc<dyn Embedder>,
    ) -> Result<Self> {
        let mut me = TaskLabeler {
            model: None,
            sample: 0,
            buf: VecDeque::new(),
            truth: Vec::new(),
            inferred: Vec::new(),
            all_labelled: true,
        };
        let infer = match mode {
            InferTasks::Never => false,
            InferTasks::Always => true,
            InferTasks::Auto => info.task_source.is_none(),
        };
        if !infer {
            return Ok(me);
        }
        let mut sample: BottomK<String> = BottomK::new(FIT_SAMPLE);
        let mut n = 0u64;
        for ev in Loader::open(opts)? {
            if let LoadEvent::Record(r) = ev {
                if let Some(i) = r.instruction().filter(|i| !i.trim().is_empty()) {
                    n += 1;
                    let key = mix64(n ^ 0x7A5C);
                    if sample.accepts(key) {
                        sample.offer(key, i.to_string());
                    }
                }
            }
        }
        let texts = sample.into_sorted();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        me.sample = refs.len();
        me.model =
            TaskModel::fit(&refs, embedder).context("embedding instructions to infer tasks")?;
        Ok(me)
    }

    pub fn next(&mut self, loader: &mut Loader) -> Result<Option<LoadEvent>> {
        let Some(model) = &self.model else {
            return Ok(loader.next());
        };
        if self.buf.is_empty() {
            self.buf.extend(loader.by_ref().take(512));
            let texts: Vec<&str> = self
                .buf
                .iter()
                .filter_map(|e| match e {
                    LoadEvent::Record(r) => Some(r.instruction().unwrap_or("")),
                    LoadEvent::Skip(_) => None,
                })
                .collect();
            let labels = model
                .assign(&texts)
                .context("embedding instructions to infer tasks")?;
            let mut it = labels.into_iter();
            for e in &mut self.buf {
                if let LoadEvent::Record(r) = e {
                    let l = it.next().unwrap_or(0);
                    match r.task.take() {
                        Some(t) => self.truth.push(t),
                        None => self.all_labelled = false,
                    }
                    self.inferred.push(l);
                    r.task = Some(model.names[l].label.clone());
                }
            }
        }
        Ok(self.buf.pop_front())
    }

    /// Adds the inference facts to the outputs and says in the dataset info where tasks came from.
    pub fn finish(self, out: &mut Outputs, info: &mut DatasetInfo) {
        let Some(model) = &self.model else { return };
        out.set("tasks.inferred.count", model.k() as f64);
        out.set("tasks.inferred.silhouette", model.silhouette);
        if self.all_labelled && !self.truth.is_empty() {
            write_agreement(&self.truth, &self.inferred, out);
        }
        out.methods
            .insert("tasks".into(), model.describe(self.sample));
        info.task_source = Some(match &info.task_source {
            Some(given) => format!("inferred (k-means, k={}); the data's own labels ({given}) were used only to score agreement", model.k()),
            None => format!("inferred (k-means on instruction embeddings, k={})", model.k()),
        });
    }
}
