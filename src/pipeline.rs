//! One-way flow: load -> canonical records -> metrics -> report.

use crate::load::{LoadEvent, LoadOptions, Loader};
use crate::progress::Progress;
use anyhow::{bail, Result};
use ftqa_metrics::complexity::difficulty::write_judge;
use ftqa_metrics::hygiene::image_files::ImageFiles;
use ftqa_metrics::registry::{AnalysisConfig, Engine};
use ftqa_metrics::result::{
    RecordCounts, Report, SampleInfo, SkippedRecord, NO_RESPONSES, REPORT_LAYOUT_VERSION,
};
use std::collections::BTreeMap;
use std::time::Instant;

/// Skipped records listed one by one in the report; all are counted by reason.
pub const LISTED_SKIPS: usize = 100;

/// Above this share of skipped records a report describes what the loader could read, not
/// the dataset: the run stops (exit 2) unless `--allow-skips`. A wrong column mapping
/// skips every record, and a report of 0 analysed records must never pass for a result.
pub const MAX_SKIPPED_SHARE: f64 = 0.5;

/// More records were skipped than a report can stand for.
#[derive(Debug)]
pub struct TooManySkips {
    pub path: String,
    pub skipped: u64,
    pub total: u64,
    /// The commonest reasons, with counts.
    pub reasons: Vec<(String, u64)>,
    /// The first skipped record: location and reason.
    pub first: Option<(String, String)>,
}

impl std::fmt::Display for TooManySkips {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let reasons: Vec<String> = self
            .reasons
            .iter()
            .map(|(r, n)| format!("{r} ({n})"))
            .collect();
        write!(
            f,
            "{}: {} of {} records were skipped ({:.1}%, more than the {:.0}% a report can stand for); reasons: {}",
            self.path,
            self.skipped,
            self.total,
            100.0 * self.skipped as f64 / self.total.max(1) as f64,
            100.0 * MAX_SKIPPED_SHARE,
            reasons.join(", ")
        )?;
        if let Some((at, why)) = &self.first {
            write!(f, "; first: {at}: {why}")?;
        }
        write!(f, ". Check the column mapping (--instruction-col, --response-col, --messages-col, --schema), or pass --allow-skips to report on the records that were read")
    }
}

impl std::error::Error for TooManySkips {}

pub struct RunOptions {
    pub load: LoadOptions,
    pub analysis: AnalysisConfig,
    /// Turn the first skipped record into an error.
    pub strict: bool,
    /// Report even when more than [`MAX_SKIPPED_SHARE`] of the records were skipped.
    pub allow_skips: bool,
    pub progress: bool,
    /// When to infer task labels from instruction embeddings.
    pub infer_tasks: crate::task_labels::InferTasks,
    pub task_embedder: std::sync::Arc<dyn ftqa_metrics::embed::Embedder>,
    /// Facts about the invocation shown in the methods section.
    pub run_facts: BTreeMap<String, String>,
    /// `--judge`: score a sample with an LLM after the load pass.
    pub judge: Option<crate::judge::JudgeConfig>,
    /// `--image-root`: check referenced image files while records stream past.
    pub image_root: Option<std::path::PathBuf>,
}

/// An input problem the user must fix; the CLI exits with code 2 for these.
#[derive(Debug)]
pub struct StrictSkip {
    pub location: String,
    pub reason: String,
    pub detail: String,
}

impl std::fmt::Display for StrictSkip {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {} ({}); stopped because of --strict",
            self.location, self.detail, self.reason
        )
    }
}

impl std::error::Error for StrictSkip {}

pub fn analyze(opts: RunOptions) -> Result<Report> {
    let started = Instant::now();
    let mut loader = Loader::open(&opts.load)?;
    let mut dataset = loader.info().clone();
    let mut labeler = crate::task_labels::TaskLabeler::prepare(
        // Inference costs a pass over the data, so it runs only if a task metric will use it.
        if ["tasks", "balance", "diversity.instruction"]
            .iter()
            .any(|f| opts.analysis.wants(f))
        {
            opts.infer_tasks
        } else {
            crate::task_labels::InferTasks::Never
        },
        &opts.load,
        &dataset,
        opts.task_embedder.clone(),
        &opts.analysis,
        opts.judge.as_ref(),
    )?;
    let mut engine = Engine::new(&opts.analysis);
    let mut records = RecordCounts::default();
    let progress = Progress::new(opts.progress, loader.bytes_total());
    if let Some(j) = &opts.judge {
        crate::judge::check_cache_path(j)?;
    }
    let mut judge_sample = opts
        .judge
        .as_ref()
        .map(|j| crate::judge::JudgeSampler::new(j.sample));
    let mut image_files = opts.image_root.as_ref().map(|root| {
        (
            crate::image_check::ImageChecker::new(root),
            ImageFiles::new(&root.display().to_string(), &opts.analysis),
        )
    });

    let mut events = 0u64;
    // Records with a response: without any, the judge (which rates instruction-response
    // pairs) has nothing to score.
    let mut with_response = 0u64;
    while let Some(event) = labeler.next(&mut loader)? {
        events += 1;
        if events.is_multiple_of(4096) {
            progress.set(loader.bytes_read(), records.analyzed);
        }
        match event {
            LoadEvent::Record(r) => {
                records.analyzed += 1;
                with_response += u64::from(r.response().is_some());
                engine.observe(&r);
                if let Some(s) = &mut judge_sample {
                    s.offer(&r);
                }
                if let Some((checker, agg)) = &mut image_files {
                    agg.observe(&r, &checker.check(&r));
                }
            }
            LoadEvent::Skip(s) => {
                if opts.strict {
                    progress.finish();
                    bail!(StrictSkip {
                        location: s.location,
                        reason: s.reason,
                        detail: s.detail
                    });
                }
                records.skipped += 1;
                *records
                    .skipped_by_reason
                    .entry(s.reason.clone())
                    .or_insert(0) += 1;
                if records.skipped_examples.len() < LISTED_SKIPS {
                    records.skipped_examples.push(SkippedRecord {
                        location: s.location.clone(),
                        reason: format!("{}: {}", s.reason, s.detail),
                    });
                }
                engine.observe_skip(&s);
            }
        }
    }
    progress.finish();
    records.total = records.analyzed + records.skipped;
    if !opts.allow_skips
        && records.skipped > 0
        && records.skipped as f64 > MAX_SKIPPED_SHARE * records.total as f64
    {
        let mut reasons: Vec<(String, u64)> = records
            .skipped_by_reason
            .iter()
            .map(|(r, n)| (r.clone(), *n))
            .collect();
        reasons.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        reasons.truncate(3);
        bail!(TooManySkips {
            path: opts.load.path.clone(),
            skipped: records.skipped,
            total: records.total,
            reasons,
            first: records
                .skipped_examples
                .first()
                .map(|s| (s.location.clone(), s.reason.clone())),
        });
    }
    let mut warnings = loader.take_warnings();
    let mut outputs = engine.finish();
    warnings.extend(labeler.finish(&mut outputs, &mut dataset));
    if let Some((_, agg)) = image_files {
        agg.finish(&mut outputs);
    }
    let no_responses = with_response == 0;
    if no_responses && opts.analysis.wants("complexity.instruction") {
        outputs.not_measured("complexity.instruction.difficulty_mean", NO_RESPONSES);
        if opts.judge.is_some() {
            warnings.push(format!(
                "LLM judge: not run, {NO_RESPONSES} (it rates instruction-response pairs)"
            ));
        }
    } else if opts.judge.is_none() && opts.analysis.wants("complexity.instruction") {
        outputs.not_measured(
            "complexity.instruction.difficulty_mean",
            "needs an LLM judge (--judge URL); the offline complexity.instruction.difficulty_estimate_mean is reported instead",
        );
    }
    if let (Some(config), Some(sample), false) = (&opts.judge, judge_sample, no_responses) {
        let run = crate::judge::run(config, sample.into_items(), records.analyzed);
        if let Some(why) = &run.aborted {
            warnings.push(format!("LLM judge: {why}"));
        } else if !run.scores.is_empty() && run.scores.iter().all(Option::is_none) {
            warnings.push(format!(
                "LLM judge: no valid score for any of the {} sampled records ({} failed requests, {} malformed replies)",
                run.scores.len(),
                run.failed_requests,
                run.malformed
            ));
        }
        write_judge(&run, &mut outputs);
    }

    let sample = SampleInfo {
        requested: opts.analysis.sample_size as u64,
        size: (opts.analysis.sample_size as u64).min(records.analyzed),
        population: records.analyzed,
        seed: opts.analysis.sample_seed,
        ids: std::mem::take(&mut outputs.sampled_ids),
    };
    let mut run = opts.run_facts;
    run.insert(
        "seconds".into(),
        format!("{:.3}", started.elapsed().as_secs_f64()),
    );
    Ok(Report {
        report_layout_version: REPORT_LAYOUT_VERSION,
        ftqa_version: env!("CARGO_PKG_VERSION").to_string(),
        dataset,
        records,
        warnings,
        metrics: outputs.metrics,
        distributions: outputs.distributions,
        examples: outputs.examples,
        methods: outputs.methods,
        intervals: outputs.intervals,
        not_measured: outputs.not_measured,
        sample,
        run,
    })
}
