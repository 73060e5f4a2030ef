//! `ftqa report DATA`: analyse a dataset and write a report folder, or with `--partial`
//! a partial result file for `ftqa merge`.

use super::common::{default_out_dir, write_report, AnalysisArgs};
use anyhow::{bail, Result};
use clap::Args;
use std::path::{Path, PathBuf};

#[derive(Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub analysis: AnalysisArgs,
    /// Write a partial result file (-o PART.ftqa) instead of a report: the merged state of
    /// these records, for `ftqa merge` to combine with other parts of the dataset. Parts
    /// merge only when made with the same flags and the same ftqa (docs/PARTIAL.md).
    #[arg(long, help_heading = "Output")]
    pub partial: bool,
}

pub fn run(args: ReportArgs) -> Result<i32> {
    let partial = args.partial;
    let mut args = args.analysis;
    if partial {
        return write_part(args);
    }
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
    write_report(&report, out, config, args.quiet)?;
    Ok(0)
}

/// `--partial`: one pass over the data, saved with the run's settings.
fn write_part(mut args: AnalysisArgs) -> Result<i32> {
    if args.input.split.is_none() {
        if let Some(splits) = crate::load::dataset_dict_splits(&args.path) {
            bail!(
                "{} is a DatasetDict with splits {}: a part holds one split, so pass --split NAME",
                args.path,
                splits.join(", ")
            );
        }
    }
    let out = args.out.clone().unwrap_or_else(|| {
        PathBuf::from(format!("{}.ftqa", default_out_dir(&args.path).display()))
    });
    if out.is_dir() {
        bail!(
            "{} is a folder; --partial writes one file (-o PART.ftqa)",
            out.display()
        );
    }
    if args.judge.judge.is_some() {
        // Before the judge's settings are read: they would make a cache beside the part.
        return Err(crate::partial::unsplittable(crate::judge::NOT_IN_PARTS));
    }
    let settings = crate::partial::settings::from_argv(std::env::args_os(), "report")?;
    args.prepare_config()?;
    let mut opts = args.run_options(&out)?;
    opts.partial = true;
    let (records, bytes) = crate::pipeline::on_pool(opts.threads, |t| {
        let pass = crate::pipeline::read_pass(&opts, t)?;
        let bytes = crate::partial::write(&out, &pass, settings)?;
        Ok((pass.records, bytes))
    })?;
    if !args.quiet {
        println!(
            "part: {} ({} records read, {} skipped; {:.1} MB)",
            out.display(),
            records.analyzed,
            records.skipped,
            bytes as f64 / 1e6
        );
    }
    Ok(0)
}
