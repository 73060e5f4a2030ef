//! `ftqa check DATA --config ftqa.toml`: the CI gate. Exit 0 when every rule passes (warnings
//! allowed), 1 when a threshold fails or a metric regressed against `--baseline`, 2 on a
//! usage or input error (bad config, unknown metric id, unreadable data).

pub mod config;
pub mod evaluate;
pub mod output;
pub mod report_file;
pub mod suggest;

use crate::cli::{analyze_report_args, default_out_dir, ReportArgs};
use anyhow::{bail, Context, Result};
use clap::Args;
use config::Config;
use evaluate::{evaluate_with_intervals, Outcome};
use ftqa_metrics::result::Report;
use output::Format;
use report_file::{is_report_json, ReportView};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The config used when `--config` is not given.
pub const DEFAULT_CONFIG: &str = "ftqa.toml";

#[derive(Args)]
// `--format` is the output format here, as in most CI tools; the report's input-format flag
// is renamed so both fit.
#[command(mut_arg("format", |a| a.long("input-format").help("Force the input file format instead of sniffing it: jsonl, json, csv, tsv, parquet, arrow.")))]
#[command(mut_arg("out", |a| a.help("Also write the report folder here, with traffic lights [default: none]")))]
#[command(mut_arg("config", |a| a.help("Thresholds to check [default: ./ftqa.toml]")))]
pub struct CheckArgs {
    /// `DATA` may also be a report.json from `ftqa report`: then nothing is re-analysed.
    #[command(flatten)]
    pub report: ReportArgs,
    /// Output: human (default), json, junit (XML), github (::error annotations, plus
    /// Markdown appended to $GITHUB_STEP_SUMMARY when set).
    #[arg(long = "format", value_enum, default_value = "human")]
    pub output_format: Format,
    /// A previous report.json: fail when a metric got worse by more than the tolerance.
    #[arg(long, value_name = "REPORT_JSON")]
    pub baseline: Option<PathBuf>,
    /// Allowed worsening against --baseline as a share of the baseline value (overrides
    /// [baseline] tolerance; default 0.05).
    #[arg(long)]
    pub tolerance: Option<f64>,
}

/// Loads `--config` (for `report`) and adds its benchmarks to the run, so thresholds on
/// `contamination.*` have something to measure.
pub fn prepare(args: &mut ReportArgs) -> Result<Option<Config>> {
    let Some(path) = args.config.clone() else {
        return Ok(None);
    };
    let config = Config::load(&path)?;
    add_benchmarks(args, &config);
    Ok(Some(config))
}

fn add_benchmarks(args: &mut ReportArgs, config: &Config) {
    for b in &config.benchmarks {
        if !args.bench.benchmarks.contains(b) {
            args.bench.benchmarks.push(b.clone());
        }
    }
}

/// The traffic lights of `config` on a fresh report.
pub fn scorecard(config: &Config, report: &Report) -> ftqa_reports::Scorecard {
    evaluate_with_intervals(
        config,
        &ReportView::from_report(report),
        &report.intervals,
        None,
        None,
    )
    .scorecard()
}

pub fn run(mut args: CheckArgs) -> Result<i32> {
    let config_path = match &args.report.config {
        Some(p) => p.clone(),
        None if Path::new(DEFAULT_CONFIG).is_file() => PathBuf::from(DEFAULT_CONFIG),
        None => bail!("no --config given and no {DEFAULT_CONFIG} here; write one with `ftqa init --from REPORT_JSON`"),
    };
    let config = Config::load(&config_path)?;
    if let Some(t) = args.tolerance {
        if !(t.is_finite() && t >= 0.0) {
            bail!("--tolerance must be a finite share >= 0, got {t}");
        }
    }
    // Read the baseline before the (possibly long) analysis: a typo should fail fast.
    let baseline = match &args.baseline {
        Some(p) => Some((p.display().to_string(), ReportView::load(p)?)),
        None => None,
    };
    let data = PathBuf::from(&args.report.path);
    let (current, intervals) = if is_report_json(&data) {
        if !config.benchmarks.is_empty() {
            eprintln!(
                "note: {} is a finished report; the config's [contamination] benchmarks apply only when analysing data",
                data.display()
            );
        }
        ReportView::load_with_intervals(&data)?
    } else {
        add_benchmarks(&mut args.report, &config);
        let out = args
            .report
            .out
            .clone()
            .unwrap_or_else(|| default_out_dir(&args.report.path));
        let report = analyze_report_args(&args.report, &out)?;
        let view = ReportView::from_report(&report);
        if let Some(dir) = &args.report.out {
            let card =
                evaluate_with_intervals(&config, &view, &report.intervals, None, None).scorecard();
            ftqa_reports::write_report_dir_with(&report, dir, Some(&card))
                .with_context(|| format!("writing the report to {}", dir.display()))?;
        }
        (view, report.intervals)
    };
    let outcome = evaluate_with_intervals(
        &config,
        &current,
        &intervals,
        baseline.as_ref().map(|(p, v)| (p.as_str(), v)),
        args.tolerance,
    );
    emit(&outcome, args.output_format)?;
    Ok(outcome.exit_code())
}

fn emit(o: &Outcome, format: Format) -> Result<()> {
    let text = match format {
        Format::Human => output::human(o),
        Format::Json => output::json(o),
        Format::Junit => output::junit(o),
        Format::Github => {
            if let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) {
                let mut f = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&path)
                    .with_context(|| {
                        format!(
                            "opening $GITHUB_STEP_SUMMARY {}",
                            PathBuf::from(&path).display()
                        )
                    })?;
                f.write_all(output::step_summary(o).as_bytes())?;
            }
            output::github(o)
        }
    };
    print!("{text}");
    Ok(())
}
