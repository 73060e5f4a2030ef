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
    Check(crate::check::CheckArgs),
    /// Write a commented starter ftqa.toml with thresholds drawn from a report.json.
    Init(crate::init::InitArgs),
    /// Compare datasets side by side: deltas, verdicts, overlaid plots and overlap.
    Compare(crate::compare::CompareArgs),
    /// Analyse a dataset and write a report folder (report.json, report.md, report.html, plots/).
    Report(ReportArgs),
    /// Remove duplicates (exact, near, semantic) and, with --decontaminate, benchmark items;
    /// write the kept records in the input's format plus removed.jsonl.
    Dedup(crate::dedup::DedupArgs),
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
    /// Export the instruction element graph of each task (word, word, co-occurrence count),
    /// the graph behind diversity.instruction.clusters, e.g. for Gephi or a reference check.
    #[command(name = "element-graph")]
    ElementGraph {
        path: String,
        /// Output folder: one <task>.tsv per task.
        #[arg(short, long)]
        out: PathBuf,
        #[command(flatten)]
        input: InputArgs,
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
    #[command(flatten)]
    pub judge: crate::judge::JudgeArgs,
    /// Folder that relative image paths are resolved against: checks that every referenced
    /// image exists and decodes, and records resolutions.
    #[arg(long, value_name = "DIR")]
    pub image_root: Option<PathBuf>,
    #[command(flatten)]
    pub dedup: crate::dedup::flags::DedupFlags,
    #[command(flatten)]
    pub bench: crate::dedup::flags::BenchmarkFlags,
    /// Infer task labels from instruction embeddings: auto (only when the data has none),
    /// always (also scores agreement with the data's labels), never.
    #[arg(long, value_enum, default_value_t = crate::task_labels::InferTasks::Auto)]
    pub infer_tasks: crate::task_labels::InferTasks,
    /// Embedder for task inference: lexical (default: instructions of one task share their
    /// wording, and it agreed best with known labels), static or minilm.
    #[arg(long, default_value = "lexical")]
    pub task_embedder: String,
    /// Thresholds (ftqa.toml) to show as traffic lights; their [contamination] benchmarks are scanned.
    #[arg(long, value_name = "FTQA_TOML")]
    pub config: Option<PathBuf>,
    /// Element-graph edges (word co-occurrences) seen fewer times are dropped.
    #[arg(long, default_value_t = 1)]
    pub cooccurrence_min_count: u32,
    /// Ego-Splitting clusters with fewer distinct words are not counted.
    #[arg(long, default_value_t = 2)]
    pub min_cluster_size: usize,
    /// Hub words keep at most this many heaviest neighbours in their ego-net (0 = no cap).
    #[arg(long, default_value_t = 5_000)]
    pub max_ego_net: usize,
    /// Records in the seeded uniform sample that size-dependent indices (response and
    /// instruction clusters, task inference, lexical diversity) are computed on, so datasets
    /// of different sizes compare at one size. 0 uses every record.
    #[arg(long, default_value_t = ftqa_metrics::sample::DEFAULT_SAMPLE_SIZE)]
    pub sample_size: usize,
    /// Seed of the sample's per-record keys.
    #[arg(long, default_value_t = ftqa_metrics::sample::DEFAULT_SAMPLE_SEED)]
    pub sample_seed: u64,
    /// Instructions of the sample per task that each task's element graph is built from
    /// (instruction diversity), so a task's cluster count does not grow with its row count.
    #[arg(long, default_value_t = ftqa_metrics::instruction_diversity::DEFAULT_INSTRUCTIONS_PER_TASK)]
    pub instructions_per_task: usize,
    /// Run only these metric families (comma-separated prefixes, e.g. `length,dedup`).
    #[arg(long, value_delimiter = ',')]
    pub only: Vec<String>,
    /// Leave out these metric families (comma-separated prefixes, e.g. `diversity.response`).
    #[arg(long, value_delimiter = ',')]
    pub skip: Vec<String>,
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
    /// Report even when more than half of the records were skipped (or all of them);
    /// without it such a run stops with exit code 2, naming the first reasons.
    #[arg(long)]
    pub allow_skips: bool,
    /// Never draw a progress bar.
    #[arg(long)]
    pub no_progress: bool,
    /// Read one split: of a `save_to_disk` DatasetDict folder (without it, `report` writes
    /// one report per split into <out>/<split>/), of an hf://datasets/ORG/NAME path (same
    /// as @SPLIT; default train), or of a folder whose file or folder names carry splits.
    #[arg(long, value_name = "NAME")]
    pub split: Option<String>,
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
            split: self.split.clone(),
        }
    }
}

pub fn run(cli: Cli) -> Result<i32> {
    match cli.command {
        Command::Report(args) => report(args),
        Command::Check(args) => crate::check::run(args),
        Command::Init(args) => crate::init::run(args),
        Command::Compare(args) => crate::compare::run(args),
        Command::Dedup(args) => crate::dedup::run(args),
        Command::Metrics { markdown } => {
            print!("{}", crate::metric_docs::render(markdown));
            Ok(0)
        }
        Command::Fixtures { out } => {
            let manifest = crate::fixtures::write_all(&out)?;
            eprintln!(
                "wrote {} fixture files to {}",
                manifest.len(),
                out.display()
            );
            Ok(0)
        }
        Command::Model { cmd } => crate::embed::cli::run(cmd),
        Command::ElementGraph { path, out, input } => {
            let n = crate::element_graph::export(&input.load_options(&path), &out)?;
            eprintln!("wrote {n} task graphs to {}", out.display());
            Ok(0)
        }
        Command::BenchData {
            records,
            jsonl,
            parquet,
        } => {
            crate::fixtures::bench::write(records, &jsonl, parquet.as_deref())?;
            Ok(0)
        }
    }
}

fn report(mut args: ReportArgs) -> Result<i32> {
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| default_out_dir(&args.path));
    // --config adds traffic lights (and the config's benchmarks); `report` never fails on
    // them, `ftqa check` is the gate.
    let config = crate::check::prepare(&mut args)?;
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
    args: &ReportArgs,
    out: &Path,
    config: Option<&crate::check::config::Config>,
) -> Result<i32> {
    let report = analyze_report_args(args, out)?;
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

/// The analysis `ftqa report` runs, shared with `ftqa check` and `ftqa compare`; `out` is
/// the report folder named in the run facts (and holding the judge cache).
pub fn analyze_report_args(args: &ReportArgs, out: &Path) -> Result<ftqa_metrics::result::Report> {
    let mut run_facts = BTreeMap::new();
    run_facts.insert(
        "command".into(),
        std::env::args().collect::<Vec<_>>().join(" "),
    );
    run_facts.insert("output".into(), out.display().to_string());
    if let Some(c) = &args.config {
        // The config can add benchmarks, which the command line alone would not show.
        run_facts.insert("config".into(), c.display().to_string());
    }
    let opts = RunOptions {
        load: args.input.load_options(&args.path),
        analysis: {
            let mut a = AnalysisConfig {
                max_examples: args.max_examples,
                only: args.only.clone(),
                cooccurrence_min_count: args.cooccurrence_min_count,
                min_cluster_size: args.min_cluster_size,
                max_ego_net: args.max_ego_net,
                skip: args.skip.clone(),
                sample_size: if args.sample_size == 0 {
                    usize::MAX
                } else {
                    args.sample_size
                },
                sample_seed: args.sample_seed,
                instructions_per_task: args.instructions_per_task.max(1),
                ..AnalysisConfig::default()
            };
            args.embed.apply(&mut a)?;
            a.dedup = args.dedup.config()?;
            a.benchmarks = args.bench.index(a.embedder.clone())?;
            a
        },
        strict: args.input.strict,
        allow_skips: args.input.allow_skips,
        progress: !args.input.no_progress,
        run_facts,
        judge: args.judge.config(out)?,
        image_root: image_root(args.image_root.as_deref())?,
        infer_tasks: args.infer_tasks,
        task_embedder: crate::embed::make_embedder(
            &args.task_embedder,
            args.embed.model_dir.as_deref(),
        )?,
    };
    analyze(opts)
}

fn image_root(dir: Option<&Path>) -> Result<Option<PathBuf>> {
    match dir {
        Some(d) if !d.is_dir() => anyhow::bail!("--image-root {} is not a folder", d.display()),
        d => Ok(d.map(Path::to_path_buf)),
    }
}

/// `ftqa-report-<name>` beside the current directory, named after the dataset.
pub fn default_out_dir(path: &str) -> PathBuf {
    // hf://datasets/ORG/NAME/CONFIG@SPLIT: NAME-CONFIG-SPLIT (names may hold dots).
    let hf_name = crate::load::report_name(path);
    let p = Path::new(path.trim_end_matches('/'));
    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("dataset");
    let stem = match &hf_name {
        Some(n) => n.as_str(),
        None => name
            .split('.')
            .next()
            .filter(|s| !s.is_empty())
            .unwrap_or("dataset"),
    };
    let stem: String = stem
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    PathBuf::from(format!("ftqa-report-{stem}"))
}
