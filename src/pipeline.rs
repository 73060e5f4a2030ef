//! One-way flow: load -> canonical records -> stages -> metrics -> report. One loop reads
//! the loader in batches, lets every pipeline stage ([`crate::stage`]: task labels, image
//! files, the LLM judge) annotate each batch, then hands the batch's records to the metric
//! engines and the stages; after the pass the engines merge, and the engine and then the
//! stages write their outputs.
//!
//! Parallelism (`--threads N`, issue 13): everything runs on one rayon pool of N threads.
//! Each batch is cut into chunks that the pool's threads observe, each into its own
//! metric engine; at the end the engines merge. Metric state merges exactly and
//! independently of order ([`ftqa_metrics::registry::Metric::merge`]), so which thread saw
//! which chunk never shows in the report: the output is the same for any N. The metrics'
//! finish steps run on the same pool ([`Engine::finish`]).

use crate::image_check::ImageStage;
use crate::judge::DifficultyStage;
use crate::load::{LoadEvent, LoadOptions, Loader};
use crate::progress::Progress;
use crate::stage::{Stage, StageContext};
use crate::task_labels::TaskLabeler;
use anyhow::{bail, Result};
use ftqa_metrics::registry::{AnalysisConfig, Engine};
use ftqa_metrics::result::{
    Outputs, RecordCounts, Report, SampleInfo, SkippedRecord, REPORT_LAYOUT_VERSION,
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
    /// `--clip-*`: the matching degree's weights, sample and threshold.
    pub clip: crate::clip::ClipConfig,
    /// `--threads`: threads of the pool everything runs on (0 = every core).
    pub threads: usize,
    /// `--partial`: the pass is saved as a partial result; what cannot be saved stops the
    /// run before any data is read.
    pub partial: bool,
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

/// Loader events read at once. The stages see a batch at once (the task labeller embeds a
/// batch's instructions together) before the metrics see its records; its size does not
/// depend on `--threads`, so neither does anything a stage does with it.
const BATCH: usize = 16_384;
/// Records one thread observes at a time, at most: small enough to spread a batch over
/// many threads, large enough that taking a chunk costs nothing next to observing it.
const CHUNK: usize = 512;
/// Chunks per thread a batch is cut into, at least, so threads that finish early find
/// work.
const CHUNKS_PER_THREAD: usize = 4;
/// The smallest chunk: below it, taking a chunk would cost more than observing it.
const MIN_CHUNK: usize = 16;

/// The pool size `--threads` asks for: 0 means every core the process may use.
pub fn thread_count(requested: usize) -> usize {
    if requested > 0 {
        requested
    } else {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    }
}

/// The pipeline stages the options ask for, in run order, those that `--only`/`--skip`
/// deselect left out ([`crate::stage::selected`]).
fn stages(opts: &RunOptions) -> Vec<Box<dyn Stage>> {
    let mut stages: Vec<Box<dyn Stage>> = vec![Box::new(TaskLabeler::new(
        opts.infer_tasks,
        opts.task_embedder.clone(),
        opts.judge.clone(),
    ))];
    if let Some(root) = &opts.image_root {
        stages.push(Box::new(ImageStage::new(root, &opts.analysis)));
    }
    stages.push(Box::new(crate::clip::stage::ClipStage::new(
        &opts.clip,
        opts.image_root.as_deref(),
        &opts.analysis,
        opts.progress,
    )));
    stages.push(Box::new(DifficultyStage::new(opts.judge.clone())));
    stages.push(Box::new(crate::judge::correctness::CorrectnessStage::new(
        opts.judge.clone(),
        &opts.analysis,
    )));
    stages.retain(|s| crate::stage::selected(s.as_ref(), &opts.analysis));
    stages
}

pub fn analyze(opts: RunOptions) -> Result<Report> {
    on_pool(opts.threads, |threads| {
        let started = Instant::now();
        let pass = read_pass(&opts, threads)?;
        finish_pass(pass, opts, threads, started)
    })
}

/// Runs `job` on a rayon pool of `--threads` threads (0 = every core), with the count.
pub fn on_pool<T: Send>(
    requested: usize,
    job: impl FnOnce(usize) -> Result<T> + Send,
) -> Result<T> {
    let threads = thread_count(requested);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("ftqa-{i}"))
        .build()?;
    pool.install(|| job(threads))
}

/// What one pass over the data leaves: the merged metric states, the stages, the record
/// counts, the dataset facts and the loader's warnings. A partial result file is this,
/// saved ([`crate::partial`]); `ftqa merge` rebuilds it from several files.
pub struct Pass {
    pub engine: Engine,
    pub stages: Vec<Box<dyn Stage>>,
    pub records: RecordCounts,
    pub dataset: ftqa_metrics::result::DatasetInfo,
    pub warnings: Vec<String>,
}

/// The stages of these options before any data is read: what a merge folds saved stage
/// states into.
pub fn unprepared_stages(opts: &RunOptions) -> Vec<Box<dyn Stage>> {
    stages(opts)
}

/// Reads the data once: stages annotate batches, the pool observes them into one engine
/// per thread, and the engines merge.
pub fn read_pass(opts: &RunOptions, threads: usize) -> Result<Pass> {
    let mut loader = Loader::open(&opts.load)?;
    let dataset = loader.info().clone();
    let mut stages = stages(opts);
    for s in &mut stages {
        s.prepare(&StageContext {
            load: &opts.load,
            dataset: &dataset,
            analysis: &opts.analysis,
        })?;
        if opts.partial {
            s.save().map_err(crate::partial::unsplittable)?;
        }
    }
    if opts.partial {
        Engine::new(&opts.analysis)
            .save()
            .map_err(crate::partial::unsplittable)?;
    }
    // One engine per pool thread: a thread observes into its own, so no two threads ever
    // share a state; the engines merge after the pass.
    let engines: Vec<std::sync::Mutex<Engine>> = (0..threads)
        .map(|_| std::sync::Mutex::new(Engine::new(&opts.analysis)))
        .collect();
    let mut records = RecordCounts::default();
    let progress = Progress::new(opts.progress, loader.bytes_total());

    let mut batch: Vec<LoadEvent> = Vec::with_capacity(BATCH);
    let mut kept: Vec<ftqa_metrics::record::Record> = Vec::with_capacity(BATCH);
    loop {
        batch.extend(loader.by_ref().take(BATCH));
        if batch.is_empty() {
            break;
        }
        for s in &mut stages {
            s.annotate(&mut batch)?;
        }
        for event in batch.drain(..) {
            match event {
                LoadEvent::Record(r) => {
                    records.analyzed += 1;
                    for s in &mut stages {
                        s.observe(&r);
                    }
                    kept.push(r);
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
                    lock(&engines[0]).observe_skip(&s);
                }
            }
        }
        observe_in_parallel(&engines, &kept);
        kept.clear();
        progress.set(loader.bytes_read(), records.analyzed);
    }
    progress.finish();
    records.total = records.analyzed + records.skipped;
    let warnings = loader.take_warnings();
    let mut engines = engines
        .into_iter()
        .map(|e| e.into_inner().unwrap_or_else(|p| p.into_inner()));
    let mut engine = engines.next().expect("at least one thread");
    for other in engines {
        engine.merge(other);
    }
    Ok(Pass {
        engine,
        stages,
        records,
        dataset,
        warnings,
    })
}

/// Refuses a report on data that was mostly skipped (unless `--allow-skips`), finishes
/// the metrics and the stages, and assembles the report.
pub fn finish_pass(
    pass: Pass,
    opts: RunOptions,
    threads: usize,
    started: Instant,
) -> Result<Report> {
    let Pass {
        engine,
        stages,
        records,
        mut dataset,
        mut warnings,
    } = pass;
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
    let mut outputs = engine.finish();
    for s in stages {
        // A stage runs when any id it feeds is selected, but writes only selected ids:
        // `--only diversity.task` runs the task labeller without reporting `tasks.*`.
        let mut written = Outputs::default();
        warnings.extend(s.finish(&mut written, &mut dataset));
        written.retain_ids(|id| opts.analysis.wants(id));
        outputs.append(written);
    }

    let sample = SampleInfo {
        requested: opts.analysis.sample_size as u64,
        size: (opts.analysis.sample_size as u64).min(records.analyzed),
        population: records.analyzed,
        seed: opts.analysis.sample_seed,
        ids: std::mem::take(&mut outputs.sampled_ids),
    };
    let mut run = opts.run_facts;
    run.insert("threads".into(), threads.to_string());
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

/// Hands a batch's records to the pool in chunks; each chunk goes into the engine of the
/// thread that takes it.
fn observe_in_parallel(
    engines: &[std::sync::Mutex<Engine>],
    records: &[ftqa_metrics::record::Record],
) {
    use rayon::prelude::*;
    // A short batch (a small file, the end of a large one) still spreads over the threads.
    let chunk = records
        .len()
        .div_ceil(engines.len() * CHUNKS_PER_THREAD)
        .clamp(MIN_CHUNK, CHUNK);
    records.par_chunks(chunk).for_each(|chunk| {
        // Pool threads are numbered 0..threads, one engine each; a thread outside the pool
        // (none here, as the pipeline runs inside `install`) would share engine 0 safely.
        let i = rayon::current_thread_index().unwrap_or(0) % engines.len();
        let mut engine = lock(&engines[i]);
        for r in chunk {
            engine.observe(r);
        }
    });
}

/// The thread's engine. A metric that panics while observing poisons the lock, but rayon
/// re-raises that panic and ends the run, so no poisoned engine is ever observed into or
/// merged; recovering the guard keeps that one panic the only message.
fn lock(engine: &std::sync::Mutex<Engine>) -> std::sync::MutexGuard<'_, Engine> {
    engine.lock().unwrap_or_else(|p| p.into_inner())
}
