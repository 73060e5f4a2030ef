//! Command-line interface. Exit codes: 0 success, 1 a quality threshold failed
//! (`check`), 2 usage or input error.

use crate::load::{ColumnMap, LoadOptions};
use crate::pipeline::{analyze, RunOptions};
use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use ftqa_metrics::registry::AnalysisConfig;
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

#[derive(Parser)]
#[command(name = "ftqa", version, about = "Is this fine-tuning dataset good? Diversity, complexity, balance, duplication and contamination, measured.")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Analyse a dataset and write a report folder (report.json, report.md, report.html, plots/).
    Report(ReportArgs),
    /// List every metric id with its definition and which direction is better.
    Metrics {
        /// Print the Markdown reference (docs/METRICS.md) instead of a plain list.
        #[arg(long)]
        markdown: bool,
    },
    /// Write the project's generated fixtures (datasets with planted, known properties).
    #[command(hide = true)]
    Fixtures {
        #[arg(long, default_value = "fixtures/generated")]
        out: PathBuf,
    },
    /// Sentence-embedding models: fetch the transformer, or rebuild the built-in static model.
    Model {
        #[command(subcommand)]
        cmd: crate::embed::cli::ModelCommand,
    },
    /// Write a large synthetic dataset for benchmarks, as JSONL and optionally Parquet.
    #[command(name = "bench-data", hide = true)]
    BenchData {
        #[arg(long, default_value_t = 1_000_000)]
        records: u64,
        #[arg(long)]
        jsonl: PathBuf,
        #[arg(long)]
        parquet: Option<PathBuf>,
    },
}

#[derive(Args)]
pub struct ReportArgs {
    /// A file (.jsonl .json .csv .tsv .parquet .arrow, optionally .gz/.zst), a folder of shards, or a glob.
    pub path: String,
    /// Report folder [default: ftqa-report-<dataset name>]
    #[arg(short, long)]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub input: InputArgs,
    /// Example records attached to each metric.
    #[arg(long, default_value_t = 5)]
    pub max_examples: usize,
    #[command(flatten)]
    pub embed: crate::embed::cli::EmbedArgs,
    /// Do not print the terminal summary.
    #[arg(short, long)]
    pub quiet: bool,
}

/// How to read the input; shared by every command that loads data.
#[derive(Args, Clone)]
pub struct InputArgs {
    /// Force the file format instead of sniffing it: jsonl, json, csv, tsv, parquet, arrow.
    #[arg(long)]
    pub format: Option<String>,
    /// Force the schema instead of detecting it (see the README for names).
    #[arg(long)]
    pub schema: Option<String>,
    /// Column holding the instruction (Alpaca-like mapping).
    #[arg(long)]
    pub instruction_col: Option<String>,
    /// Column appended to the instruction (Alpaca `input`).
    #[arg(long)]
    pub input_col: Option<String>,
    /// Column holding the response.
    #[arg(long)]
    pub response_col: Option<String>,
    /// Column holding a list of messages ({role,content} or {from,value}).
    #[arg(long)]
    pub messages_col: Option<String>,
    #[arg(long)]
    pub system_col: Option<String>,
    /// Column holding the task label.
    #[arg(long)]
    pub task_col: Option<String>,
    #[arg(long)]
    pub id_col: Option<String>,
    #[arg(long)]
    pub images_col: Option<String>,
    #[arg(long)]
    pub prompt_col: Option<String>,
    #[arg(long)]
    pub chosen_col: Option<String>,
    #[arg(long)]
    pub rejected_col: Option<String>,
    /// Stop with exit code 2 at the first record that cannot be read, instead of skipping it.
    #[arg(long)]
    pub strict: bool,
    /// Never draw a progress bar.
    #[arg(long)]
    pub no_progress: bool,
}

impl InputArgs {
    pub fn load_options(&self, path: &str) -> LoadOptions {
        LoadOptions {
            path: path.to_string(),
            format: self.format.clone(),
            schema: self.schema.clone(),
            columns: ColumnMap {
                instruction: self.instruction_col.clone(),
                input: self.input_col.clone(),
                response: self.response_col.clone(),
                messages: self.messages_col.clone(),
                system: self.system_col.clone(),
                task: self.task_col.clone(),
                id: self.id_col.clone(),
                images: self.images_col.clone(),
                prompt: self.prompt_col.clone(),
                chosen: self.chosen_col.clone(),
                rejected: self.rejected_col.clone(),
            },
        }
    }
}

pub fn run(cli: Cli) -> Result<i32> {
    match cli.command {
        Command::Report(args) => report(args),
        Command::Metrics { markdown } => {
            print!("{}", crate::metric_docs::render(markdown));
            Ok(0)
        }
        Command::Fixtures { out } => {
            let manifest = crate::fixtures::write_all(&out)?;
            eprintln!("wrote {} fixture files to {}", manifest.len(), out.display());
            Ok(0)
        }
        Command::Model { cmd } => crate::embed::cli::run(cmd),
        Command::BenchData { records, jsonl, parquet } => {
            crate::fixtures::bench::write(records, &jsonl, parquet.as_deref())?;
            Ok(0)
        }
    }
}

fn report(args: ReportArgs) -> Result<i32> {
    let out = args.out.clone().unwrap_or_else(|| default_out_dir(&args.path));
    let mut run_facts = BTreeMap::new();
    run_facts.insert("command".into(), std::env::args().collect::<Vec<_>>().join(" "));
    run_facts.insert("output".into(), out.display().to_string());
    let opts = RunOptions {
        load: args.input.load_options(&args.path),
        analysis: {
            let mut a = AnalysisConfig { max_examples: args.max_examples, ..AnalysisConfig::default() };
            args.embed.apply(&mut a)?;
            a
        },
        strict: args.input.strict,
        progress: !args.input.no_progress,
        run_facts,
    };
    let report = analyze(opts)?;
    ftqa_reports::write_report_dir(&report, &out).with_context(|| format!("writing the report to {}", out.display()))?;
    if !args.quiet {
        print!("{}", ftqa_reports::render_terminal(&report, std::io::stdout().is_terminal()));
        println!("report: {}", out.join("report.html").display());
    }
    Ok(0)
}

/// `ftqa-report-<name>` beside the current directory, named after the dataset.
fn default_out_dir(path: &str) -> PathBuf {
    let p = Path::new(path.trim_end_matches('/'));
    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("dataset");
    let stem = name.split('.').next().filter(|s| !s.is_empty()).unwrap_or("dataset");
    let stem: String = stem.chars().map(|c| if c.is_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect();
    PathBuf::from(format!("ftqa-report-{stem}"))
}
