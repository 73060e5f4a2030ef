//! `ftqa init REPORT_JSON`: writes a commented starter `ftqa.toml` whose thresholds are drawn
//! from a report, so `ftqa check` passes on that data and fails when it gets worse.

use crate::check::config::Config;
use crate::check::report_file::ReportView;
use crate::init::starter_config;
use anyhow::{bail, Context, Result};
use clap::Args;
use std::path::PathBuf;

#[derive(Args)]
pub struct InitArgs {
    /// A report.json from `ftqa report` (or the report folder holding it).
    pub report: PathBuf,
    /// Where to write the config.
    #[arg(short, long, default_value = "ftqa.toml")]
    pub out: PathBuf,
    /// Replace an existing file.
    #[arg(long)]
    pub force: bool,
}

pub fn run(args: InitArgs) -> Result<i32> {
    let path = if args.report.is_dir() {
        args.report.join("report.json")
    } else {
        args.report.clone()
    };
    let report = ReportView::load(&path)?;
    if args.out.exists() && !args.force {
        bail!("{} exists; pass --force to replace it", args.out.display());
    }
    let text = starter_config(&report, &path, &args.out);
    // What we write must load: a broken starter file would be a bug, not a user error.
    let n = Config::parse(&text, &args.out)
        .context("the generated config does not parse (a bug in ftqa init)")?
        .thresholds
        .len();
    std::fs::write(&args.out, &text).with_context(|| format!("writing {}", args.out.display()))?;
    eprintln!(
        "wrote {} with {n} thresholds drawn from {}\nnext: ftqa check {} --config {}",
        args.out.display(),
        path.display(),
        if report.dataset.path.is_empty() {
            "DATA"
        } else {
            &report.dataset.path
        },
        args.out.display()
    );
    Ok(0)
}
