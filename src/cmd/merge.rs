//! `ftqa merge PART... -o OUT`: combine partial result files (`ftqa report --partial`)
//! made on any machines into the report one run over all their data would write.

use super::common::write_report;
use anyhow::{anyhow, Context, Result};
use clap::Args;
use std::path::PathBuf;

#[derive(Args)]
pub struct MergeArgs {
    /// Partial result files, written by `ftqa report DATA --partial -o PART.ftqa` with the
    /// same flags and the same ftqa.
    #[arg(required = true, value_name = "PART")]
    pub parts: Vec<PathBuf>,
    /// Report folder to write.
    #[arg(short, long)]
    pub out: PathBuf,
    /// Do not print the terminal summary.
    #[arg(short, long)]
    pub quiet: bool,
    /// Threads to merge and finish on (0 = every core); the report is the same for any.
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub threads: usize,
}

pub fn run(args: MergeArgs) -> Result<i32> {
    let started = std::time::Instant::now();
    let first = crate::partial::read_header(&args.parts[0])?;
    crate::partial::check_kind(&args.parts[0], &first, "report")?;
    // The analysis is rebuilt from the parts' own settings (`combine::check` makes sure
    // every part has the same), so a merge cannot finish with other flags.
    let argv = crate::partial::settings::to_argv(&first.settings, "report");
    let cli = <super::Cli as clap::Parser>::try_parse_from(&argv).map_err(|e| {
        anyhow!(
            "{}: its settings do not parse with this ftqa: {e}",
            args.parts[0].display()
        )
    })?;
    let super::Command::Report(report_args) = cli.command else {
        unreachable!("settings parse as a report command line");
    };
    let mut analysis = report_args.analysis;
    let config = analysis.prepare_config()?;
    // The image root is where workers found the images; the merge reads none.
    let image_root = analysis.image_root.take();
    let mut opts = analysis.run_options(&args.out)?;
    opts.image_root = image_root;
    opts.threads = args.threads;
    opts.run_facts.insert(
        "command".into(),
        std::env::args().collect::<Vec<_>>().join(" "),
    );
    opts.run_facts
        .insert("parts".into(), args.parts.len().to_string());
    opts.run_facts
        .insert("part_settings".into(), first.settings.join(" "));
    let report = crate::pipeline::on_pool(opts.threads, |threads| {
        let pass = crate::partial::merge(&args.parts, &opts)?;
        crate::pipeline::finish_pass(pass, opts, threads, started)
    })
    .with_context(|| format!("merging {} parts", args.parts.len()))?;
    write_report(&report, &args.out, config.as_ref(), args.quiet)?;
    Ok(0)
}
