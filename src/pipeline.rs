//! One-way flow: load -> canonical records -> metrics -> report.

use crate::load::{LoadEvent, LoadOptions, Loader};
use crate::progress::Progress;
use anyhow::{bail, Result};
use ftqa_metrics::registry::{AnalysisConfig, Engine};
use ftqa_metrics::result::{RecordCounts, Report, SkippedRecord, REPORT_LAYOUT_VERSION};
use std::collections::BTreeMap;
use std::time::Instant;

/// Skipped records listed one by one in the report; all are counted by reason.
pub const LISTED_SKIPS: usize = 100;

pub struct RunOptions {
    pub load: LoadOptions,
    pub analysis: AnalysisConfig,
    /// Turn the first skipped record into an error.
    pub strict: bool,
    pub progress: bool,
    /// Facts about the invocation shown in the methods section.
    pub run_facts: BTreeMap<String, String>,
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
        write!(f, "{}: {} ({}); stopped because of --strict", self.location, self.detail, self.reason)
    }
}

impl std::error::Error for StrictSkip {}

pub fn analyze(opts: RunOptions) -> Result<Report> {
    let started = Instant::now();
    let mut loader = Loader::open(&opts.load)?;
    let dataset = loader.info().clone();
    let mut engine = Engine::new(&opts.analysis);
    let mut records = RecordCounts::default();
    let progress = Progress::new(opts.progress, loader.bytes_total());

    let mut events = 0u64;
    while let Some(event) = loader.next() {
        events += 1;
        if events % 4096 == 0 {
            progress.set(loader.bytes_read(), records.analyzed);
        }
        match event {
            LoadEvent::Record(r) => {
                records.analyzed += 1;
                engine.observe(&r);
            }
            LoadEvent::Skip(s) => {
                if opts.strict {
                    progress.finish();
                    bail!(StrictSkip { location: s.location, reason: s.reason, detail: s.detail });
                }
                records.skipped += 1;
                *records.skipped_by_reason.entry(s.reason.clone()).or_insert(0) += 1;
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
    let warnings = loader.take_warnings();
    let outputs = engine.finish();

    let mut run = opts.run_facts;
    run.insert("seconds".into(), format!("{:.3}", started.elapsed().as_secs_f64()));
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
        run,
    })
}
