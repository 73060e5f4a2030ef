//! `ftqa report DATA`: analyse a dataset and write a report folder.

use super::common::{default_out_dir, AnalysisArgs};
use anyhow::{Context, Result};
use clap::Args;
use std::io::IsTerminal;
use std::path::Path;

#[derive(Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub analysis: AnalysisArgs,
}

pub fn run(args: ReportArgs) -> Result<i32> {
    let mut args = args.analysis;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| default_out_dir(&args.path));
    // --config adds traffic lights (and the config's benchmarks); `report` never fails on
    // them, `ftqa check` is the gate.
    let config = args.prepare_config()?;
    let splits = match &args.input.split {
        None => crate::load::dataset_dict_splits(&args.path),
        Some(_) => None,
    };
    let Some(splits) = splits else {
        return report_one(&args, &out, config.as_ref());
    };
    // A DatasetDict: one report per split, never the splits merged.
    eprintln!(
        "{} is a DatasetDict with splits {}: writing one report per split into {}/<split>/",
        args.path,
        splits.join(", "),
        out.display()
    );
    for split in splits {
        args.input.split = Some(split.clone());
        report_one(&args, &out.join(&split), config.as_ref())?;
    }
    Ok(0)
}

fn report_one(
    args: &AnalysisArgs,
    out: &Path,
    config: Option<&crate::check::config::Config>,
) -> Result<i32> {
    let report = args.analyze(out)?;
    let scorecard = config.map(|c| crate::check::scorecard(c, &report));
    ftqa_reports::write_report_dir_with(&report, out, scorecard.as_ref())
        .with_context(|| format!("writing the report to {}", out.display()))?;
    if !args.quiet {
        print!(
            "{}",
            ftqa_reports::render_terminal(&report, std::io::stdout().is_terminal())
        );
        if let Some(c) = &scorecard {
            use ftqa_reports::Status;
            println!(
                "thresholds ({}): {} pass, {} fail, {} warn",
                c.source,
                c.count(Status::Pass),
                c.count(Status::Fail),
                c.count(Status::Warn)
            );
        }
        println!("report: {}", out.join("report.html").display());
    }
    Ok(0)
}
