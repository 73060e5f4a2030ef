//! Command-line interface: one module per subcommand, each holding its clap arguments and
//! its `run`. Exit codes: 0 success, 1 a quality threshold failed (`check`), 2 usage or
//! input error.
//!
//! A command module never imports another command's module; what several commands share
//! lives in [`common`] (input, embedding and analysis flags, the analysis itself) and
//! [`values`] (the closed sets of flag values).

pub mod bench_data;
pub mod check;
pub mod common;
pub mod compare;
pub mod completions;
pub mod dedup;
pub mod element_graph;
pub mod fixtures;
pub mod init;
pub mod merge;
pub mod metrics;
pub mod model;
pub mod report;
pub mod values;

use anyhow::Result;
use clap::{Parser, Subcommand};

/// The modules under `src/cmd/` that are commands; the others are shared.
pub const COMMAND_MODULES: &[&str] = &[
    "bench_data",
    "check",
    "compare",
    "completions",
    "dedup",
    "element_graph",
    "fixtures",
    "init",
    "merge",
    "metrics",
    "model",
    "report",
];

/// The modules under `src/cmd/` that commands share.
pub const SHARED_MODULES: &[&str] = &["common", "values"];

#[derive(Parser)]
#[command(
    name = "ftqa",
    version,
    about = "Is this fine-tuning dataset good? Diversity, complexity, balance, duplication and contamination, measured."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Fail (exit 1) when a dataset breaks the thresholds in ftqa.toml or regresses against
    /// a baseline report; for CI. Takes the same flags as `report`.
    Check(check::CheckArgs),
    /// Write a commented starter ftqa.toml with thresholds drawn from a report.json.
    Init(init::InitArgs),
    /// Compare datasets side by side: deltas, verdicts, overlaid plots and overlap.
    Compare(compare::CompareArgs),
    /// Analyse a dataset and write a report folder (report.json, report.md, report.html, plots/).
    Report(report::ReportArgs),
    /// Merge partial result files (`report --partial`) made on any machines into one
    /// report, the same as one run over all their data.
    Merge(merge::MergeArgs),
    /// Remove duplicates (exact, near, semantic) and, with --decontaminate, benchmark items;
    /// write the kept records in the input's format plus removed.jsonl.
    Dedup(dedup::DedupArgs),
    /// List every metric id with its definition and which direction is better.
    Metrics(metrics::MetricsArgs),
    /// Write the project's generated fixtures (datasets with planted, known properties).
    #[command(hide = true)]
    Fixtures(fixtures::FixturesArgs),
    /// Sentence-embedding models: fetch the transformer, or rebuild the built-in static model.
    Model(model::ModelArgs),
    /// Export the instruction element graph of each task (word, word, co-occurrence count),
    /// the graph behind diversity.instruction.clusters, e.g. for Gephi or a reference check.
    #[command(name = "element-graph")]
    ElementGraph(element_graph::ElementGraphArgs),
    /// Write a large synthetic dataset for benchmarks, as JSONL and optionally Parquet.
    #[command(name = "bench-data", hide = true)]
    BenchData(bench_data::BenchDataArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell) to stdout.
    Completions(completions::CompletionsArgs),
}

pub fn run(cli: Cli) -> Result<i32> {
    match cli.command {
        Command::Report(args) => report::run(args),
        Command::Check(args) => check::run(args),
        Command::Init(args) => init::run(args),
        Command::Compare(args) => compare::run(args),
        Command::Dedup(args) => dedup::run(args),
        Command::Merge(args) => merge::run(args),
        Command::Metrics(args) => metrics::run(args),
        Command::Fixtures(args) => fixtures::run(args),
        Command::Model(args) => model::run(args),
        Command::ElementGraph(args) => element_graph::run(args),
        Command::BenchData(args) => bench_data::run(args),
        Command::Completions(args) => completions::run(args),
    }
}
