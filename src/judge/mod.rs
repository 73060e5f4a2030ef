//! The optional LLM judge for the paper's instruction-difficulty score (issue 5) and its
//! correctness index ([`correctness`], issue 15).
//!
//! During the load pass a uniform deterministic sample of records is kept; after it, each
//! sampled instruction-response pair is scored three times by an OpenAI-compatible chat
//! endpoint and the majority taken. Both indices go through one request engine ([`ask`],
//! parametrised by a [`Rubric`]). Requests run on a small pool of threads, failures are
//! retried with backoff, and every score is written to a cache file as it arrives so an
//! interrupted run resumes where it stopped. The scores then go to pure aggregation code
//! in ftqa-metrics (`complexity::difficulty::write_judge`).

pub mod cache;
pub mod client;
pub mod correctness;
pub mod correctness_prompt;
pub mod prompt;
pub mod tagger;

use anyhow::{bail, Context, Result};
use cache::Cache;
use clap::Args;
use client::{CallError, Client};
use ftqa_metrics::complexity::difficulty::{majority, JudgeRun};
use ftqa_metrics::complexity::instruction::record_complexity;
use ftqa_metrics::record::Record;
use ftqa_metrics::sample::{mix64, BottomK};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Judge samples per pair; the paper takes the majority of three.
pub const SAMPLES: u8 = 3;
/// Seeds the sampling key so the judged sample is independent of other samples.
const SEED: u64 = 0x6a75_6467_6531;

#[derive(Args, Clone, Debug, Default)]
pub struct JudgeArgs {
    /// OpenAI-compatible chat endpoint for the paper's LLM-judged indices (difficulty,
    /// correctness) and LLM task labels, e.g.
    /// http://127.0.0.1:8000/v1 (vLLM, llama.cpp, TGI). An API key, if needed, is read from
    /// FTQA_JUDGE_API_KEY.
    #[arg(long, value_name = "URL")]
    pub judge: Option<String>,
    /// Model name to request [default: the first model the endpoint lists].
    #[arg(long)]
    pub judge_model: Option<String>,
    /// Records to judge, drawn uniformly and deterministically (three requests each per
    /// index: difficulty and correctness judge the same records).
    #[arg(long, default_value_t = 200, value_name = "N")]
    pub judge_sample: usize,
    /// Instructions of the run's seeded sample the judge gives a task label (one request
    /// each) when the data has no task labels (or with --infer-tasks always); labels spread
    /// to all records by nearest instruction. 0 turns LLM task labels off.
    #[arg(long, default_value_t = DEFAULT_TASK_SAMPLE, value_name = "N")]
    pub judge_task_sample: usize,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 4)]
    pub judge_concurrency: usize,
    /// Seconds before a request is abandoned (and retried).
    #[arg(long, default_value_t = 60)]
    pub judge_timeout: u64,
    /// Retries per request after a timeout, a dropped connection, 429 or 5xx.
    #[arg(long, default_value_t = 3)]
    pub judge_retries: u32,
    /// Score cache (JSON lines) that makes runs resumable [default: <report folder>/judge-cache.jsonl].
    #[arg(long, value_name = "FILE")]
    pub judge_cache: Option<PathBuf>,
}

/// Default `--judge-task-sample`: 200 tags cost 200 short requests, and a task with a share
/// of 2% or more is then tagged at least once with probability 98%.
pub const DEFAULT_TASK_SAMPLE: usize = 200;

#[derive(Clone, Debug)]
pub struct JudgeConfig {
    pub endpoint: String,
    pub model: Option<String>,
    pub sample: usize,
    /// Instructions to tag with a task label (`--judge-task-sample`); 0 = no LLM task labels.
    pub task_sample: usize,
    pub concurrency: usize,
    pub timeout: Duration,
    pub retries: u32,
    /// First retry delay; doubled for each further retry.
    pub backoff: Duration,
    pub cache: PathBuf,
    pub api_key: Option<String>,
    /// Print the progress line on stderr.
    pub progress: bool,
}

impl JudgeArgs {
    /// The judge settings, or `None` without --judge. `out` is the report folder, home
    /// of the default cache.
    pub fn config(&self, out: &Path) -> Result<Option<JudgeConfig>> {
        let Some(url) = &self.judge else {
            return Ok(None);
        };
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            bail!("--judge must be an http:// or https:// URL, got {url:?}");
        }
        if self.judge_concurrency == 0 {
            bail!("--judge-concurrency must be at least 1");
        }
        Ok(Some(JudgeConfig {
            endpoint: url.clone(),
            model: self.judge_model.clone(),
            sample: self.judge_sample,
            task_sample: self.judge_task_sample,
            concurrency: self.judge_concurrency,
            timeout: Duration::from_secs(self.judge_timeout.max(1)),
            retries: self.judge_retries,
            backoff: Duration::from_millis(500),
            cache: self
                .judge_cache
                .clone()
                .unwrap_or_else(|| out.join("judge-cache.jsonl")),
            api_key: std::env::var("FTQA_JUDGE_API_KEY")
                .ok()
                .filter(|k| !k.is_empty()),
            progress: true,
        }))
    }
}

pub struct Item {
    pub instruction: String,
    pub response: String,
    /// The offline difficulty estimate of the same record, reported beside the judge.
    pub estimate: f64,
}

/// Keeps the records to judge while the data streams past. Every judged index draws the
/// same records: the sampling key depends only on the record's position and [`SEED`], and
/// a record is offered only when it has a non-empty instruction and response.
pub struct JudgeSampler<T = Item> {
    seen: u64,
    sample: BottomK<T>,
}

impl<T> JudgeSampler<T> {
    pub fn new(k: usize) -> Self {
        JudgeSampler {
            seen: 0,
            sample: BottomK::new(k),
        }
    }

    /// Offers a record, built into an item by `make` only when the sample keeps it.
    pub fn offer_with(&mut self, r: &Record, make: impl FnOnce(&Record) -> T) {
        self.seen += 1;
        let key = mix64(self.seen ^ SEED);
        if !self.sample.accepts(key) {
            return;
        }
        let (Some(i), Some(o)) = (r.instruction(), r.response()) else {
            return;
        };
        if i.trim().is_empty() || o.trim().is_empty() {
            return;
        }
        self.sample.offer(key, make(r));
    }

    pub fn into_items(self) -> Vec<T> {
        self.sample.into_sorted()
    }
}

impl Item {
    pub fn of(r: &Record) -> Self {
        Item {
            instruction: r.instruction().unwrap_or_default().to_string(),
            response: r.response().unwrap_or_default().to_string(),
            estimate: record_complexity(r).estimate,
        }
    }
}

impl JudgeSampler<Item> {
    pub fn offer(&mut self, r: &Record) {
        self.offer_with(r, Item::of);
    }
}

#[derive(Default)]
struct Counters {
    requests: AtomicU64,
    cached: AtomicU64,
    retries: AtomicU64,
    failed: AtomicU64,
    malformed: AtomicU64,
    prompt_tokens: AtomicU64,
    completion_tokens: AtomicU64,
    done: AtomicUsize,
}

/// The model to ask (`--judge-model`, else the first the endpoint lists) and the reply
/// cache: what the difficulty judge and the task tagger both need before their first
/// request. `Err` says why the judge cannot be used at all.
pub(crate) fn open_session(
    config: &JudgeConfig,
    chat_url: &str,
    models_url: &str,
) -> std::result::Result<(String, Cache), String> {
    let model = match &config.model {
        Some(m) => m.clone(),
        None => {
            let probe = Client::new(
                chat_url.to_string(),
                String::new(),
                config.api_key.clone(),
                config.timeout,
                0,
                config.backoff,
            );
            probe.first_model(models_url).map_err(|e| {
                format!("no --judge-model given and {models_url} did not list one ({e})")
            })?
        }
    };
    let cache = Cache::open(&config.cache).map_err(|e| {
        format!(
            "cannot read the judge cache {}: {e}",
            config.cache.display()
        )
    })?;
    Ok((model, cache))
}

/// One judged index: how the shared request engine ([`ask`]) asks about an item and reads
/// the reply. Difficulty ([`Difficulty`]) and correctness ([`correctness::Correctness`])
/// differ only here; the worker pool, retries, cache, counters and progress line are one.
pub trait Rubric: Sync {
    type Item: Sync;
    /// Names the phase on the progress line (`judge`, `judge (correctness)`).
    const PHASE: &'static str;
    /// Part of every cache key: a new prompt never reuses old replies, and two indices
    /// sharing the cache file never read each other's.
    const PROMPT_VERSION: &'static str;
    /// Longest reply asked for, in tokens.
    const MAX_TOKENS: u32 = 16;
    /// The two texts the cache key hashes: together, everything the prompt says about the item.
    fn key_texts(item: &Self::Item) -> (&str, &str);
    fn messages(item: &Self::Item) -> Vec<serde_json::Value>;
    /// A valid sample read from a reply, or `None` (counted as malformed, never guessed).
    fn parse(reply: &str) -> Option<cache::Sample>;
}

/// The paper's instruction-difficulty score ([`prompt`]).
pub struct Difficulty;

impl Rubric for Difficulty {
    type Item = Item;
    const PHASE: &'static str = "judge";
    const PROMPT_VERSION: &'static str = prompt::PROMPT_VERSION;
    fn key_texts(item: &Item) -> (&str, &str) {
        (&item.instruction, &item.response)
    }
    fn messages(item: &Item) -> Vec<serde_json::Value> {
        prompt::messages(&item.instruction, &item.response)
    }
    fn parse(reply: &str) -> Option<cache::Sample> {
        prompt::parse_score(reply).map(|score| cache::Sample {
            score,
            verdict: None,
        })
    }
}

/// Scores the sampled pairs. Never fails the report: problems end up in the returned
/// run (failures, `aborted`) and so in the report's methods and warnings.
pub fn run(config: &JudgeConfig, items: Vec<Item>, population: u64) -> JudgeRun {
    let (mut out, samples) = ask::<Difficulty>(config, &items, population);
    out.estimates = items.iter().map(|i| i.estimate).collect();
    out.scores = samples
        .iter()
        .map(|s| majority(&s.iter().map(|x| x.score).collect::<Vec<_>>()))
        .collect();
    out
}

/// Asks the judge [`SAMPLES`] times about each item under rubric `R`, cache first. Returns
/// the request side of the run (model, counts, tokens, time, why it stopped; `scores` and
/// `estimates` left empty for the caller) and the valid samples of each item, in item order.
pub fn ask<R: Rubric>(
    config: &JudgeConfig,
    items: &[R::Item],
    population: u64,
) -> (JudgeRun, Vec<Vec<cache::Sample>>) {
    let started = Instant::now();
    let (chat_url, models_url) = client::endpoint_urls(&config.endpoint);
    let mut out = JudgeRun {
        endpoint: config.endpoint.clone(),
        prompt_version: R::PROMPT_VERSION.to_string(),
        sampled: items.len(),
        population,
        ..JudgeRun::default()
    };
    let mut samples: Vec<Vec<cache::Sample>> = vec![Vec::new(); items.len()];
    let (model, mut cache) = match open_session(config, &chat_url, &models_url) {
        Ok(s) => s,
        Err(why) => {
            out.aborted = Some(why);
            out.seconds = started.elapsed().as_secs_f64();
            return (out, samples);
        }
    };
    out.model = model.clone();
    let client = Client::new(
        chat_url,
        model.clone(),
        config.api_key.clone(),
        config.timeout,
        config.retries,
        config.backoff,
    );
    let keys: Vec<String> = items
        .iter()
        .map(|i| {
            let (a, b) = R::key_texts(i);
            cache::key(R::PROMPT_VERSION, &model, a, b)
        })
        .collect();

    // Samples already in the cache are not asked again.
    let counters = Counters::default();
    let mut jobs: Vec<(usize, u8)> = Vec::new();
    for (k, key) in keys.iter().enumerate() {
        for s in 0..SAMPLES {
            match cache.get_sample(key, s) {
                Some(sample) => {
                    samples[k].push(sample);
                    counters.cached.fetch_add(1, Ordering::Relaxed);
                }
                None => jobs.push((k, s)),
            }
        }
    }

    let total = jobs.len();
    let next = AtomicUsize::new(0);
    let abort = AtomicBool::new(false);
    let fatal: Mutex<Option<String>> = Mutex::new(None);
    let results: Mutex<Vec<Vec<cache::Sample>>> = Mutex::new(samples);
    let cache_mx: Mutex<&mut Cache> = Mutex::new(&mut cache);
    let cache_error: Mutex<Option<String>> = Mutex::new(None);
    let progress = ProgressLine::new(
        config.progress,
        R::PHASE,
        total,
        counters.cached.load(Ordering::Relaxed),
    );
    let workers = config.concurrency.min(total).max(1);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                if abort.load(Ordering::Relaxed) {
                    break;
                }
                let j = next.fetch_add(1, Ordering::Relaxed);
                let Some(&(k, s)) = jobs.get(j) else { break };
                let msgs = R::messages(&items[k]);
                counters.requests.fetch_add(1, Ordering::Relaxed);
                match client.chat_with(&msgs, u64::from(s), 0.7, R::MAX_TOKENS) {
                    Ok(reply) => {
                        counters
                            .retries
                            .fetch_add(u64::from(reply.retries), Ordering::Relaxed);
                        counters
                            .prompt_tokens
                            .fetch_add(reply.prompt_tokens, Ordering::Relaxed);
                        counters
                            .completion_tokens
                            .fetch_add(reply.completion_tokens, Ordering::Relaxed);
                        match R::parse(&reply.content) {
                            Some(sample) => {
                                results.lock().expect("results lock")[k].push(sample);
                                if let Err(e) = cache_mx
                                    .lock()
                                    .expect("cache lock")
                                    .put_sample(&keys[k], s, sample)
                                {
                                    cache_error
                                        .lock()
                                        .expect("error lock")
                                        .get_or_insert(e.to_string());
                                }
                            }
                            None => {
                                counters.malformed.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                    }
                    Err(CallError::Failed { retries, .. }) => {
                        counters
                            .retries
                            .fetch_add(u64::from(retries), Ordering::Relaxed);
                        counters.failed.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(CallError::Fatal(reason)) => {
                        counters.failed.fetch_add(1, Ordering::Relaxed);
                        fatal.lock().expect("fatal lock").get_or_insert(reason);
                        abort.store(true, Ordering::Relaxed);
                    }
                }
                let done = counters.done.fetch_add(1, Ordering::Relaxed) + 1;
                progress.update(done, &counters, started);
            });
        }
    });
    progress.finish(&counters, started);

    let samples = results.into_inner().expect("results lock");
    out.requests = counters.requests.load(Ordering::Relaxed);
    out.cached = counters.cached.load(Ordering::Relaxed);
    out.retries = counters.retries.load(Ordering::Relaxed);
    out.failed_requests = counters.failed.load(Ordering::Relaxed);
    out.malformed = counters.malformed.load(Ordering::Relaxed);
    out.prompt_tokens = counters.prompt_tokens.load(Ordering::Relaxed);
    out.completion_tokens = counters.completion_tokens.load(Ordering::Relaxed);
    out.seconds = started.elapsed().as_secs_f64();
    let fatal = fatal.into_inner().expect("fatal lock");
    let cache_error = cache_error.into_inner().expect("error lock");
    out.aborted = match (fatal, cache_error) {
        (Some(f), _) => Some(format!("the endpoint refused the request ({f})")),
        (None, Some(c)) => Some(format!(
            "scores could not be cached in {} ({c})",
            config.cache.display()
        )),
        _ => None,
    };
    (out, samples)
}

/// `judge: 120/600 requests · 30 cached · 2 retries · 1 failed · 23,410 tokens · 12.3 s`
struct ProgressLine {
    enabled: bool,
    phase: &'static str,
    terminal: bool,
    total: usize,
    cached: u64,
    last: Mutex<Instant>,
}

impl ProgressLine {
    fn new(enabled: bool, phase: &'static str, total: usize, cached: u64) -> Self {
        ProgressLine {
            enabled,
            phase,
            terminal: std::io::stderr().is_terminal(),
            total,
            cached,
            last: Mutex::new(Instant::now()),
        }
    }

    fn line(&self, done: usize, c: &Counters, started: Instant) -> String {
        let tokens =
            c.prompt_tokens.load(Ordering::Relaxed) + c.completion_tokens.load(Ordering::Relaxed);
        let elapsed = started.elapsed().as_secs_f64();
        let eta = if done > 0 && done < self.total {
            format!(
                " · ~{:.0} s left",
                elapsed / done as f64 * (self.total - done) as f64
            )
        } else {
            String::new()
        };
        format!(
            "{}: {done}/{} requests · {} cached · {} retries · {} failed · {} malformed · {} tokens ({} prompt + {} completion) · {elapsed:.1} s{eta}",
            self.phase,
            self.total,
            self.cached,
            c.retries.load(Ordering::Relaxed),
            c.failed.load(Ordering::Relaxed),
            c.malformed.load(Ordering::Relaxed),
            tokens,
            c.prompt_tokens.load(Ordering::Relaxed),
            c.completion_tokens.load(Ordering::Relaxed),
        )
    }

    fn update(&self, done: usize, c: &Counters, started: Instant) {
        if !self.enabled || !self.terminal {
            return;
        }
        let mut last = self.last.lock().expect("progress lock");
        if last.elapsed() >= Duration::from_millis(250) {
            *last = Instant::now();
            eprint!("\r{}", self.line(done, c, started));
            let _ = std::io::stderr().flush();
        }
    }

    fn finish(&self, c: &Counters, started: Instant) {
        if !self.enabled {
            return;
        }
        let done = c.done.load(Ordering::Relaxed);
        if self.terminal {
            eprint!("\r");
        }
        eprintln!("{}", self.line(done, c, started));
    }
}

/// Checks the cache path is usable before the long load pass starts.
pub fn check_cache_path(config: &JudgeConfig) -> Result<()> {
    if let Some(dir) = config.cache.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| {
            format!(
                "creating the folder of the judge cache {}",
                config.cache.display()
            )
        })?;
    }
    Ok(())
}

/// The `complexity.instruction.difficulty` pipeline stage ([`crate::stage`]): samples
/// records during the pass and, with `--judge`, has them scored after it. It feeds the
/// judge's ids, `complexity.instruction.difficulty_{mean,judged,failed}` and the
/// `complexity.instruction.difficulty` distribution, so it runs when `--only`/`--skip`
/// select one of them (`--only complexity`, `--only complexity.instruction`, ...), and
/// never under `--skip complexity` or `--only length`: a deselected judge sends no
/// request. Selected without `--judge` (or on data without responses) it sends none
/// either and says why `difficulty_mean` is not measured.
pub struct DifficultyStage(Judging<Item>);

impl DifficultyStage {
    pub fn new(config: Option<JudgeConfig>) -> Self {
        DifficultyStage(Judging::new(config))
    }
}

/// What a judge stage keeps during the pass: the sample to judge (with `--judge`) and the
/// counts of records and of records with a response (without any, the judge, which rates
/// instruction-response pairs, has nothing to score). Without a judge the counts are the
/// stage's whole state, so it merges across parts; with one, a part cannot draw the sample
/// ([`NOT_IN_PARTS`]).
pub(crate) struct Judging<T> {
    pub config: Option<JudgeConfig>,
    pub sample: Option<JudgeSampler<T>>,
    pub records: u64,
    pub with_response: u64,
}

impl<T> Judging<T> {
    pub fn new(config: Option<JudgeConfig>) -> Self {
        Judging {
            sample: config.as_ref().map(|j| JudgeSampler::new(j.sample)),
            config,
            records: 0,
            with_response: 0,
        }
    }
    pub fn prepare(&self) -> Result<()> {
        self.config.as_ref().map_or(Ok(()), check_cache_path)
    }
    pub fn observe(&mut self, r: &Record, make: impl FnOnce(&Record) -> T) {
        self.records += 1;
        self.with_response += u64::from(r.response().is_some());
        if let Some(s) = &mut self.sample {
            s.offer_with(r, make);
        }
    }
    pub fn save(&self) -> std::result::Result<Vec<u8>, String> {
        if self.config.is_some() {
            return Err(NOT_IN_PARTS.into());
        }
        ftqa_metrics::state::encode(&(self.records, self.with_response))
    }
    pub fn absorb(&mut self, saved: &[u8]) -> std::result::Result<(), String> {
        let (records, with_response): (u64, u64) = ftqa_metrics::state::decode(saved)?;
        self.records += records;
        self.with_response += with_response;
        Ok(())
    }
}

/// Why `--judge` does not run with `--partial`.
pub const NOT_IN_PARTS: &str = "--judge rates one sample of the whole dataset, which a part of it cannot draw; run the judge with `ftqa report` on one machine";

impl crate::stage::Stage for DifficultyStage {
    fn name(&self) -> &'static str {
        "complexity.instruction.difficulty"
    }
    fn feeds(&self) -> &'static [&'static str] {
        &[
            "complexity.instruction.difficulty",
            "complexity.instruction.difficulty_mean",
            "complexity.instruction.difficulty_judged",
            "complexity.instruction.difficulty_failed",
        ]
    }
    fn prepare(&mut self, _: &crate::stage::StageContext) -> Result<()> {
        self.0.prepare()
    }
    fn observe(&mut self, r: &Record) {
        self.0.observe(r, Item::of);
    }
    /// Without a judge the state is two counts; with one, the judge rates one sample of
    /// the whole dataset, which a part cannot draw.
    fn save(&self) -> std::result::Result<Vec<u8>, String> {
        self.0.save()
    }
    fn absorb(&mut self, saved: &[u8]) -> std::result::Result<(), String> {
        self.0.absorb(saved)
    }
    fn finish(
        self: Box<Self>,
        out: &mut ftqa_metrics::result::Outputs,
        _: &mut ftqa_metrics::result::DatasetInfo,
    ) -> Vec<String> {
        use ftqa_metrics::result::NO_RESPONSES;
        let mut warnings = Vec::new();
        let stage = self.0;
        let no_responses = stage.with_response == 0;
        if no_responses {
            out.not_measured("complexity.instruction.difficulty_mean", NO_RESPONSES);
            if stage.config.is_some() {
                warnings.push(format!(
                    "LLM judge: not run, {NO_RESPONSES} (it rates instruction-response pairs)"
                ));
            }
        } else if stage.config.is_none() {
            out.not_measured(
                "complexity.instruction.difficulty_mean",
                "needs an LLM judge (--judge URL); the offline complexity.instruction.difficulty_estimate_mean is reported instead",
            );
        }
        if let (Some(config), Some(sample), false) = (&stage.config, stage.sample, no_responses) {
            let run = run(config, sample.into_items(), stage.records);
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
            ftqa_metrics::complexity::difficulty::write_judge(&run, out);
        }
        warnings
    }
}
