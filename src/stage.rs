//! Pipeline stages: the steps between the loader and the metrics that do IO or need the
//! whole run (a pre-pass over the data, files on disk, an LLM endpoint), so they live in
//! the CLI crate rather than in ftqa-metrics.
//!
//! A stage sees every batch of loader events before the metrics do, and may annotate its
//! records (the task labeller sets `task`); it then observes each record alongside the
//! metric engine, and after the pass writes its outputs. The stages are
//! - `tasks` ([`crate::task_labels::TaskLabeler`]): inferred task labels;
//! - `images.files` ([`crate::image_check::ImageStage`]): `--image-root` file checks;
//! - `matching.clip` ([`crate::clip::stage::ClipStage`]): the CLIP matching degree;
//! - `complexity.instruction.difficulty` ([`crate::judge::DifficultyStage`]): the LLM judge.
//! - `correctness.judge` ([`crate::judge::correctness::CorrectnessStage`]): the LLM judge's
//!   correctness verdicts, on the same sampled records.
//!
//! `--only`/`--skip` select stages like metric families, by the ids each stage feeds
//! ([`Stage::feeds`]): a stage runs only when `--only` selects one of them (a prefix of an
//! id it feeds, or a filter inside one of its prefixes) and `--skip` does not name the
//! stage itself (its [`Stage::name`] or a prefix of it).

use crate::load::{LoadEvent, LoadOptions};
use anyhow::Result;
use ftqa_metrics::record::Record;
use ftqa_metrics::registry::AnalysisConfig;
use ftqa_metrics::result::{DatasetInfo, Outputs};

/// What a stage may read before the main pass.
pub struct StageContext<'a> {
    pub load: &'a LoadOptions,
    pub dataset: &'a DatasetInfo,
    pub analysis: &'a AnalysisConfig,
}

pub trait Stage {
    /// The stage's id prefix: `--skip` of it (or of a prefix of it) turns the stage off.
    fn name(&self) -> &'static str;
    /// Id prefixes of what the stage writes or feeds (directly, or through the labels it
    /// gives records); the stage runs only when one of them is selected.
    fn feeds(&self) -> &'static [&'static str];
    /// Before the main pass (in stage order): may read the data once, or check settings.
    fn prepare(&mut self, _ctx: &StageContext) -> Result<()> {
        Ok(())
    }
    /// Sees each batch of events, in input order, before any metric does.
    fn annotate(&mut self, _batch: &mut [LoadEvent]) -> Result<()> {
        Ok(())
    }
    /// Sees each record as the metrics do, after every stage annotated it.
    fn observe(&mut self, _record: &Record) {}
    /// After the metrics finished (in stage order): writes the stage's outputs, dataset
    /// facts and warnings.
    fn finish(self: Box<Self>, out: &mut Outputs, dataset: &mut DatasetInfo) -> Vec<String>;
    /// The stage's state for a partial result file (`ftqa report --partial`). `Err` says
    /// why the stage cannot run on a part of the data: the default, so a new stage is
    /// refused in parts until it says how its state merges.
    fn save(&self) -> Result<Vec<u8>, String> {
        Err(format!(
            "the {} stage cannot run on a part of the data yet",
            self.name()
        ))
    }
    /// Folds a state [`Stage::save`] wrote into this stage, which `ftqa merge` made from
    /// the same settings and never prepared.
    fn absorb(&mut self, _saved: &[u8]) -> Result<(), String> {
        Err(format!(
            "the {} stage cannot merge partial results yet",
            self.name()
        ))
    }
}

/// Whether `--only`/`--skip` select the stage (see the module doc).
pub fn selected(stage: &dyn Stage, config: &AnalysisConfig) -> bool {
    let skip_only = AnalysisConfig {
        only: Vec::new(),
        skip: config.skip.clone(),
        ..AnalysisConfig::default()
    };
    // `wants` also takes an `--only` id inside a fed prefix (`hygiene.image_missing.rate`).
    skip_only.wants(stage.name()) && stage.feeds().iter().any(|prefix| config.wants(prefix))
}

#[cfg(test)]
mod tests {
    use super::*;

    struct S;
    impl Stage for S {
        fn name(&self) -> &'static str {
            "images.files"
        }
        fn feeds(&self) -> &'static [&'static str] {
            &["images.files", "hygiene.image_missing"]
        }
        fn finish(self: Box<Self>, _: &mut Outputs, _: &mut DatasetInfo) -> Vec<String> {
            Vec::new()
        }
    }

    fn sel(only: &[&str], skip: &[&str]) -> bool {
        let c = AnalysisConfig {
            only: only.iter().map(|s| s.to_string()).collect(),
            skip: skip.iter().map(|s| s.to_string()).collect(),
            ..AnalysisConfig::default()
        };
        selected(&S, &c)
    }

    #[test]
    fn stages_follow_the_ids_they_feed() {
        assert!(sel(&[], &[]));
        assert!(sel(&["images"], &[]));
        assert!(sel(&["hygiene"], &[]));
        assert!(sel(&["hygiene.image_missing.count"], &[]));
        assert!(!sel(&["length"], &[]));
        assert!(!sel(&["hygiene.pii"], &[]));
        assert!(!sel(&[], &["images"]));
        assert!(!sel(&["hygiene"], &["images.files"]));
        assert!(sel(&[], &["hygiene"]));
        assert!(!sel(&["images"], &["images.files", "hygiene"]));
    }
}
