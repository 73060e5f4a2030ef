//! What several commands share: the input flags, the embedding flags, and the analysis
//! `report`, `check` and `compare` all run (with its flags). No command module.

use super::values::{self, DbscanSearch, EmbedderName, FileFormat, SchemaName};
use crate::check::config::Config;
use crate::load::{ColumnMap, LoadOptions};
use crate::pipeline::{analyze, RunOptions};
use anyhow::{bail, Result};
use clap::Args;
use ftqa_metrics::registry::AnalysisConfig;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// How to read the input; shared by every command that loads data.
#[derive(Args, Clone)]
pub struct InputArgs {
    /// Force the file format instead of sniffing it.
    #[arg(long, value_parser = values::format_parser(), help_heading = "Input")]
    pub format: Option<FileFormat>,
    /// Force the schema instead of detecting it (aliases such as vicuna or chatml work too;
    /// see the README).
    #[arg(long, value_parser = values::schema_parser(), help_heading = "Input")]
    pub schema: Option<SchemaName>,
    /// Column holding the instruction (Alpaca-like mapping).
    #[arg(long, help_heading = "Columns")]
    pub instruction_col: Option<String>,
    /// Column appended to the instruction (Alpaca `input`).
    #[arg(long, help_heading = "Columns")]
    pub input_col: Option<String>,
    /// Column holding the response.
    #[arg(long, help_heading = "Columns")]
    pub response_col: Option<String>,
    /// Column holding a list of messages ({role,content} or {from,value}).
    #[arg(long, help_heading = "Columns")]
    pub messages_col: Option<String>,
    /// Column holding the system prompt.
    #[arg(long, help_heading = "Columns")]
    pub system_col: Option<String>,
    /// Column holding the task label.
    #[arg(long, help_heading = "Columns")]
    pub task_col: Option<String>,
    /// Column holding the record id [default: the file stem and row number].
    #[arg(long, help_heading = "Columns")]
    pub id_col: Option<String>,
    /// Column holding the record's images (paths, URLs or image objects).
    #[arg(long, help_heading = "Columns")]
    pub images_col: Option<String>,
    /// Column holding the prompt of a preference pair or a prompt/completion record.
    #[arg(long, help_heading = "Columns")]
    pub prompt_col: Option<String>,
    /// Column holding the preferred response of a preference pair.
    #[arg(long, help_heading = "Columns")]
    pub chosen_col: Option<String>,
    /// Column holding the rejected response of a preference pair.
    #[arg(long, help_heading = "Columns")]
    pub rejected_col: Option<String>,
    /// Stop with exit code 2 at the first record that cannot be read, instead of skipping it.
    #[arg(long, help_heading = "Input")]
    pub strict: bool,
    /// Report even when more than half of the records were skipped (or all of them);
    /// without it such a run stops with exit code 2, naming the first reasons.
    #[arg(long, help_heading = "Input")]
    pub allow_skips: bool,
    /// Never draw a progress bar.
    #[arg(long, help_heading = "Output")]
    pub no_progress: bool,
    /// Read one split: of a `save_to_disk` DatasetDict folder (without it, `report` writes
    /// one report per split into <out>/<split>/), of an hf://datasets/ORG/NAME path (same
    /// as @SPLIT; default train), or of a folder whose file or folder names carry splits.
    #[arg(long, value_name = "NAME", help_heading = "Input")]
    pub split: Option<String>,
}

impl InputArgs {
    pub fn load_options(&self, path: &str) -> LoadOptions {
        LoadOptions {
            path: path.to_string(),
            format: self.format.map(|f| f.as_str().to_string()),
            schema: self.schema.map(|s| s.as_str().to_string()),
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

/// Response-diversity settings shared by commands that analyse data.
#[derive(Args, Clone, Debug)]
pub struct EmbedArgs {
    /// Sentence embedder for response diversity: static (built in), lexical (character
    /// n-grams, not semantic) or minilm (the transformer; needs the model, see `ftqa model pull`).
    #[arg(long, value_enum, default_value_t = EmbedderName::Static, help_heading = "Embeddings")]
    pub embedder: EmbedderName,
    /// Folder of a sentence-transformers model for --embedder minilm [default: FTQA_MODEL_DIR,
    /// then the Hugging Face cache, then ftqa's cache].
    #[arg(long, help_heading = "Embeddings")]
    pub model_dir: Option<PathBuf>,
    /// DBSCAN radius as a cosine distance (1 - cos) [default: the k-distance rule: knee of the curve, else its 25th percentile].
    #[arg(long, help_heading = "Embeddings")]
    pub eps: Option<f32>,
    /// DBSCAN neighbours a core response needs, itself included [default: 5].
    #[arg(long, help_heading = "Embeddings")]
    pub min_samples: Option<usize>,
    /// Neighbour search: auto (exact; brute force below 20,000 responses, partitioned above),
    /// brute, or partition.
    #[arg(long, value_enum, default_value_t = DbscanSearch::Auto, help_heading = "Embeddings")]
    pub dbscan_search: DbscanSearch,
    /// Caps the rows each block of 256 responses is compared with (partitioned search only).
    /// Faster on huge sets but approximate.
    #[arg(long, help_heading = "Embeddings")]
    pub dbscan_budget: Option<usize>,
}

impl EmbedArgs {
    pub fn apply(&self, config: &mut AnalysisConfig) -> Result<()> {
        if let Some(e) = self.eps {
            if !(e > 0.0 && e <= 2.0) {
                bail!("--eps must be a cosine distance in (0, 2], got {e}");
            }
        }
        if self.min_samples == Some(0) {
            bail!("--min-samples must be at least 1");
        }
        config.dbscan_eps = self.eps;
        config.dbscan_min_samples = self.min_samples;
        config.dbscan_search = match self.dbscan_search.search(self.dbscan_budget) {
            Some(s) => s,
            None => bail!("--dbscan-budget applies to the partitioned search only"),
        };
        config.embedder = Some(crate::embed::make_embedder(
            self.embedder.as_str(),
            self.model_dir.as_deref(),
        )?);
        Ok(())
    }
}

/// The flags of the analysis `ftqa report` runs, which `ftqa check` and `ftqa compare`
/// take too.
#[derive(Args)]
pub struct AnalysisArgs {
    /// A file (.jsonl .json .csv .tsv .parquet .arrow, optionally .gz/.zst), a folder of shards, or a glob.
    pub path: String,
    /// Report folder [default: ftqa-report-<dataset name>]
    #[arg(short, long, help_heading = "Output")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub input: InputArgs,
    /// Example records attached to each metric.
    #[arg(long, default_value_t = 5, help_heading = "Output")]
    pub max_examples: usize,
    #[command(flatten)]
    pub embed: EmbedArgs,
    #[command(flatten, next_help_heading = "Judge")]
    pub judge: crate::judge::JudgeArgs,
    /// Folder that relative image paths are resolved against: checks that every referenced
    /// image exists and decodes, and records resolutions.
    #[arg(long, value_name = "DIR", help_heading = "Input")]
    pub image_root: Option<PathBuf>,
    #[command(flatten)]
    pub clip: crate::clip::ClipArgs,
    #[command(flatten)]
    pub dedup: crate::dedup::flags::DedupFlags,
    #[command(flatten)]
    pub bench: crate::dedup::flags::BenchmarkFlags,
    /// Infer task labels from instruction embeddings: auto (only when the data has none),
    /// always (also scores agreement with the data's labels), never.
    #[arg(long, value_enum, default_value_t = crate::task_labels::InferTasks::Auto, help_heading = "Tasks")]
    pub infer_tasks: crate::task_labels::InferTasks,
    /// Embedder for task inference: lexical (default: instructions of one task share their
    /// wording, and it agreed best with known labels), static or minilm.
    #[arg(long, value_enum, default_value_t = EmbedderName::Lexical, help_heading = "Tasks")]
    pub task_embedder: EmbedderName,
    /// Thresholds (ftqa.toml) to show as traffic lights; their [contamination] benchmarks are scanned.
    #[arg(long, value_name = "FTQA_TOML", help_heading = "Metrics")]
    pub config: Option<PathBuf>,
    /// Element-graph edges (word co-occurrences) seen fewer times are dropped.
    #[arg(long, default_value_t = 1, help_heading = "Instruction clusters")]
    pub cooccurrence_min_count: u32,
    /// Ego-Splitting clusters with fewer distinct words are not counted.
    #[arg(long, default_value_t = 2, help_heading = "Instruction clusters")]
    pub min_cluster_size: usize,
    /// Hub words keep at most this many heaviest neighbours in their ego-net (0 = no cap).
    #[arg(long, default_value_t = 5_000, help_heading = "Instruction clusters")]
    pub max_ego_net: usize,
    /// Records in the seeded uniform sample that size-dependent indices (response and
    /// instruction clusters, task inference, lexical diversity) are computed on, so datasets
    /// of different sizes compare at one size. 0 uses every record.
    #[arg(long, default_value_t = ftqa_metrics::sample::DEFAULT_SAMPLE_SIZE, help_heading = "Sampling")]
    pub sample_size: usize,
    /// Seed of the sample's per-record keys.
    #[arg(long, default_value_t = ftqa_metrics::sample::DEFAULT_SAMPLE_SEED, help_heading = "Sampling")]
    pub sample_seed: u64,
    /// Instructions of the sample per task that each task's element graph is built from
    /// (instruction diversity), so a task's cluster count does not grow with its row count.
    #[arg(long, default_value_t = ftqa_metrics::diversity::instruction::DEFAULT_INSTRUCTIONS_PER_TASK, help_heading = "Sampling")]
    pub instructions_per_task: usize,
    /// Run only these metric families (comma-separated prefixes, e.g. `length,dedup`). The
    /// stages before the metrics (task labeller, image checker, LLM judge) run only when an
    /// id they feed is selected.
    #[arg(long, value_delimiter = ',', help_heading = "Metrics")]
    pub only: Vec<String>,
    /// Leave out these metric families (comma-separated prefixes, e.g. `diversity.response`);
    /// `tasks`, `images` and `complexity.instruction.difficulty` also turn off their stages.
    #[arg(long, value_delimiter = ',', help_heading = "Metrics")]
    pub skip: Vec<String>,
    /// Do not print the terminal summary.
    #[arg(short, long, help_heading = "Output")]
    pub quiet: bool,
    /// Threads to load, observe and finish on (0 = every core). The report is the same for
    /// any number: metric states merge exactly, whichever thread saw which records.
    #[arg(
        long,
        default_value_t = 0,
        value_name = "N",
        help_heading = "Performance"
    )]
    pub threads: usize,
}

impl AnalysisArgs {
    /// Loads `--config` (for `report` and `compare`) and adds its benchmarks to the run, so
    /// thresholds on `contamination.*` have something to measure.
    pub fn prepare_config(&mut self) -> Result<Option<Config>> {
        let Some(path) = self.config.clone() else {
            return Ok(None);
        };
        let config = Config::load(&path)?;
        self.add_benchmarks(&config);
        Ok(Some(config))
    }

    /// Adds the config's `[contamination]` benchmarks to `--benchmark`.
    pub fn add_benchmarks(&mut self, config: &Config) {
        for b in &config.benchmarks {
            if !self.bench.benchmarks.contains(b) {
                self.bench.benchmarks.push(b.clone());
            }
        }
    }

    /// The analysis `ftqa report` runs, shared with `ftqa check` and `ftqa compare`; `out`
    /// is the report folder named in the run facts (and holding the judge cache).
    pub fn analyze(&self, out: &Path) -> Result<ftqa_metrics::result::Report> {
        analyze(self.run_options(out)?)
    }

    /// The options of the analysis these flags ask for: what `analyze` runs, and what a
    /// partial run and `ftqa merge` rebuild from a part's settings.
    pub fn run_options(&self, out: &Path) -> Result<RunOptions> {
        check_filters(&self.only, &self.skip)?;
        let mut run_facts = BTreeMap::new();
        run_facts.insert(
            "command".into(),
            std::env::args().collect::<Vec<_>>().join(" "),
        );
        run_facts.insert("output".into(), out.display().to_string());
        if let Some(c) = &self.config {
            // The config can add benchmarks, which the command line alone would not show.
            run_facts.insert("config".into(), c.display().to_string());
        }
        let opts = RunOptions {
            load: self.input.load_options(&self.path),
            analysis: {
                let mut a = AnalysisConfig {
                    max_examples: self.max_examples,
                    only: self.only.clone(),
                    cooccurrence_min_count: self.cooccurrence_min_count,
                    min_cluster_size: self.min_cluster_size,
                    max_ego_net: self.max_ego_net,
                    skip: self.skip.clone(),
                    sample_size: if self.sample_size == 0 {
                        usize::MAX
                    } else {
                        self.sample_size
                    },
                    sample_seed: self.sample_seed,
                    instructions_per_task: self.instructions_per_task.max(1),
                    ..AnalysisConfig::default()
                };
                self.embed.apply(&mut a)?;
                a.dedup = self.dedup.config()?;
                a.benchmarks = self.bench.index(a.embedder.clone())?;
                a
            },
            strict: self.input.strict,
            allow_skips: self.input.allow_skips,
            progress: !self.input.no_progress,
            run_facts,
            judge: self.judge.config(out)?,
            image_root: image_root(self.image_root.as_deref())?,
            clip: self.clip.config()?,
            threads: self.threads,
            partial: false,
            infer_tasks: self.infer_tasks,
            task_embedder: crate::embed::make_embedder(
                self.task_embedder.as_str(),
                self.embed.model_dir.as_deref(),
            )?,
        };
        Ok(opts)
    }
}

/// Writes a report folder (with the config's traffic lights) and, unless `quiet`, prints
/// the terminal summary: what `report` and `merge` end with.
pub fn write_report(
    report: &ftqa_metrics::result::Report,
    out: &Path,
    config: Option<&Config>,
    quiet: bool,
) -> Result<()> {
    use anyhow::Context;
    use std::io::IsTerminal;
    let scorecard = config.map(|c| crate::check::scorecard(c, report));
    ftqa_reports::write_report_dir_with(report, out, scorecard.as_ref())
        .with_context(|| format!("writing the report to {}", out.display()))?;
    if !quiet {
        print!(
            "{}",
            ftqa_reports::render_terminal(report, std::io::stdout().is_terminal())
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
    Ok(())
}

/// `--only`/`--skip` values that select no metric family are errors naming the closest
/// families: a typo would otherwise run everything (`--skip`) or nothing (`--only`).
fn check_filters(only: &[String], skip: &[String]) -> Result<()> {
    let config = AnalysisConfig {
        only: only.to_vec(),
        skip: skip.to_vec(),
        ..AnalysisConfig::default()
    };
    let Some((flag, value)) = config.unmatched_filters().into_iter().next() else {
        return Ok(());
    };
    let families: Vec<&str> = ftqa_metrics::registry::registry()
        .iter()
        .map(|s| s.family)
        .collect();
    // Each family and each of its whole-segment prefixes (`hygiene`, `dedup`) is a choice.
    let mut choices: Vec<String> = families
        .iter()
        .flat_map(|f| {
            let segs: Vec<&str> = f.split('.').collect();
            (1..=segs.len()).map(move |k| segs[..k].join("."))
        })
        .collect();
    choices.sort();
    choices.dedup();
    let near = crate::check::suggest::closest_ids(&value, choices.iter().map(String::as_str), 3);
    let hint = if near.is_empty() {
        "run `ftqa metrics` for the list of ids".to_string()
    } else {
        format!("closest families: {}", near.join(", "))
    };
    bail!("{flag} {value} selects no metric family; {hint}")
}

/// `--image-root`, checked to be a folder.
pub(crate) fn image_root(dir: Option<&Path>) -> Result<Option<PathBuf>> {
    match dir {
        Some(d) if !d.is_dir() => bail!("--image-root {} is not a folder", d.display()),
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
