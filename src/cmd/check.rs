//! `ftqa check DATA --config ftqa.toml`: the CI gate. Exit 0 when every rule passes (warnings
//! allowed), 1 when a threshold fails or a metric regressed against `--baseline`, 2 on a
//! usage or input error (bad config, unknown metric id, unreadable data).

use super::common::{default_out_dir, AnalysisArgs};
use crate::check::config::Config;
use crate::check::evaluate::{evaluate_with_intervals, Outcome};
use crate::check::output::{self, Format};
use crate::check::report_file::{is_report_json, ReportView};
use crate::check::DEFAULT_CONFIG;
use anyhow::{bail, Context, Result};
use clap::Args;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Args)]
// `--format` is the output format here, as in most CI tools; the report's input-format flag
// is renamed so both fit.
#[command(mut_arg("format", |a| a.long("input-format").help("Force the input file format instead of sniffing it.")))]
#[command(mut_arg("path", |a| a.help("The dataset (as for `ftqa report`), or a report.json from `ftqa report`: then nothing is re-analysed.")))]
#[command(mut_arg("out", |a| a.help("Also write the report folder here, with traffic lights [default: none]")))]
#[command(mut_arg("config", |a| a.help("Thresholds to check [default: ./ftqa.toml]")))]
pub struct CheckArgs {
    #[command(flatten)]
    pub analysis: AnalysisArgs,
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
    /// Pass when the config holds no rule (no thresholds, and no --baseline to compare
    /// with). Without it such a gate checks nothing and exits 2, rather than passing.
    #[arg(long)]
    pub allow_empty: bool,
}

pub fn run(mut args: CheckArgs) -> Result<i32> {
    let config_path = match &args.analysis.config {
        Some(p) => p.clone(),
        None if Path::new(DEFAULT_CONFIG).is_file() => PathBuf::from(DEFAULT_CONFIG),
        None => bail!("no --config given and no {DEFAULT_CONFIG} here; write one with `ftqa init REPORT_JSON`"),
    };
    let config = Config::load(&config_path)?;
    // Before the (possibly long) analysis: a gate with nothing to check must not pass.
    if config.thresholds.is_empty() && args.baseline.is_none() && !args.allow_empty {
        bail!(
            "{}: the config holds no thresholds and no --baseline was given, so the check would pass without checking anything; add [thresholds] (`ftqa init REPORT_JSON` writes some), give --baseline, or pass --allow-empty",
            config_path.display()
        );
    }
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
    let data = PathBuf::from(&args.analysis.path);
    let (current, intervals) = if is_report_json(&data) {
        if !config.benchmarks.is_empty() {
            eprintln!(
                "note: {} is a finished report; the config's [contamination] benchmarks apply only when analysing data",
                data.display()
            );
        }
        ReportView::load_with_intervals(&data)?
    } else {
        args.analysis.add_benchmarks(&config);
        let out = args
            .analysis
            .out
            .clone()
            .unwrap_or_else(|| default_out_dir(&args.analysis.path));
        let report = args.analysis.analyze(&out)?;
        let view = ReportView::from_report(&report);
        if let Some(dir) = &args.analysis.out {
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
    if outcome.findings.is_empty() && !args.allow_empty {
        bail!(
            "{}: no rule applied (no threshold, and no metric to compare with the baseline), so the check would pass without checking anything; pass --allow-empty if that is intended",
            config_path.display()
        );
    }
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
