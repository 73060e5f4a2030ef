//! `ftqa dedup IN -o OUT`: remove duplicates (exact, near, semantic) and, with
//! `--decontaminate`, records holding benchmark items; write the kept records in the
//! input's own format, plus `removed.jsonl` saying what went and why.
//!
//! Over shards on many machines: `--partial` (signatures of a shard), `--merge` (one
//! decision over every shard's signatures) and `--apply` (a shard's kept records); see
//! [`crate::dedup::split`].

use super::common::{EmbedArgs, InputArgs};
use super::values::By;
use crate::dedup::flags;
use crate::dedup::plan::{analyse, DedupOptions, Level, Plan};
use crate::dedup::{split, write_outputs};
use anyhow::{bail, Context, Result};
use clap::Args;
use std::path::PathBuf;

#[derive(Args)]
pub struct DedupArgs {
    /// The dataset: a file, a folder of shards, or a glob. With --merge: the signature
    /// files that --partial wrote.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<String>,
    /// Output folder for the cleaned data and removed.jsonl (required unless --dry-run);
    /// with --partial, the signature file to write.
    #[arg(short, long)]
    pub out: Option<PathBuf>,
    /// Pass one on a shard only: write its signatures (-o SIG.ftqa) for --merge, instead of
    /// deciding and writing.
    #[arg(long, conflicts_with_all = ["merge", "apply", "dry_run"], help_heading = "Across machines")]
    pub partial: bool,
    /// Decide over the signature files given as PATHs: write removed.jsonl and plan.json
    /// into -o DIR. Settings come from the signatures.
    #[arg(long, conflicts_with = "apply", help_heading = "Across machines")]
    pub merge: bool,
    /// Pass two on a shard: write its kept records by the plan (PLAN_DIR/plan.json) that
    /// --merge wrote. Settings come from the plan.
    #[arg(long, value_name = "PLAN_JSON", help_heading = "Across machines")]
    pub apply: Option<PathBuf>,
    /// How far to go: none, exact, near (includes exact) or semantic (includes near).
    #[arg(long, value_enum, default_value_t = Level::Near)]
    pub level: Level,
    /// What is compared: sample (the whole conversation), instruction or response.
    #[arg(long, value_enum, default_value_t = By::Sample)]
    pub by: By,
    /// Also remove records that hold items of the --benchmark files (n-gram or near match).
    #[arg(long)]
    pub decontaminate: bool,
    /// Report what would be removed; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Folder that relative image paths are resolved against: images are then compared by
    /// decoded content (pixels and dimensions), so one picture under two file names
    /// matches. Without it, by reference. Duplicates need matching text and images.
    #[arg(long, value_name = "DIR", help_heading = "Input")]
    pub image_root: Option<PathBuf>,
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub dedup: flags::DedupFlags,
    #[command(flatten)]
    pub bench: flags::BenchmarkFlags,
    #[command(flatten)]
    pub embed: EmbedArgs,
    /// Do not print the summary.
    #[arg(short, long)]
    pub quiet: bool,
}

pub fn run(args: DedupArgs) -> Result<i32> {
    if args.merge {
        return merge(args);
    }
    let path = match args.paths.as_slice() {
        [p] => p.clone(),
        _ => bail!("give one dataset (a file, a folder of shards or a glob); several paths are for --merge"),
    };
    if let Some(plan) = &args.apply {
        return apply(&args, &path, plan);
    }
    let opts = options(&args)?;
    // Only pass one reads images (a merge works from the signatures).
    super::common::image_root(opts.image_root.as_deref())?;
    let load = args.input.load_options(&path);
    if args.partial {
        let Some(out) = &args.out else {
            bail!("give the signature file to write with -o SIG.ftqa");
        };
        let settings = crate::partial::settings::from_argv(std::env::args_os(), "dedup")?;
        let (records, bytes) = split::write_signatures(&load, &opts, settings, out)?;
        if !args.quiet {
            println!(
                "signatures: {} ({records} records; {:.1} MB)",
                out.display(),
                bytes as f64 / 1e6
            );
        }
        return Ok(0);
    }
    let out = match (&args.out, args.dry_run) {
        (Some(o), _) => Some(o.clone()),
        (None, true) => None,
        (None, false) => bail!("give an output folder with -o (or use --dry-run)"),
    };
    let plan = analyse(&load, &opts)?;
    let summary = summarise(&plan);
    if let Some(out) = out.filter(|_| !args.dry_run) {
        std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
        let written = write_outputs(&load, &plan, &out)?;
        if !args.quiet {
            println!("{summary}");
            for f in &written.files {
                println!("wrote {}", f.display());
            }
            println!("wrote {}", out.join("removed.jsonl").display());
        }
    } else if !args.quiet {
        print_dry_run(&plan, &summary);
    }
    for w in &plan.warnings {
        eprintln!("warning: {w}");
    }
    Ok(0)
}

/// The dedup options the flags ask for.
fn options(args: &DedupArgs) -> Result<DedupOptions> {
    if args.decontaminate && args.bench.benchmarks.is_empty() {
        bail!("--decontaminate needs at least one --benchmark PATH");
    }
    if !args.decontaminate && !args.bench.benchmarks.is_empty() {
        bail!("--benchmark with `ftqa dedup` needs --decontaminate (to only measure contamination, use `ftqa report --benchmark`)");
    }
    let mut analysis = ftqa_metrics::registry::AnalysisConfig::default();
    args.embed.apply(&mut analysis)?;
    Ok(DedupOptions {
        level: args.level,
        part: args.by.part(),
        near: args.dedup.near()?,
        semantic_threshold: args.dedup.config()?.semantic_threshold,
        embedder: analysis.embedder.clone(),
        decontaminate: if args.decontaminate {
            args.bench.index(analysis.embedder.clone())?
        } else {
            None
        },
        strict: args.input.strict,
        progress: !args.input.no_progress,
        image_root: args.image_root.clone(),
    })
}

/// The dedup flags that settings stand for (from signature files or a plan).
fn from_settings(settings: &[String], what: &std::path::Path) -> Result<DedupArgs> {
    let argv = crate::partial::settings::to_argv(settings, "dedup");
    let cli = <super::Cli as clap::Parser>::try_parse_from(&argv).map_err(|e| {
        anyhow::anyhow!(
            "{}: its settings do not parse with this ftqa: {e}",
            what.display()
        )
    })?;
    match cli.command {
        super::Command::Dedup(a) => Ok(a),
        _ => unreachable!("settings parse as a dedup command line"),
    }
}

/// Settings flags given alongside --merge or --apply, which take theirs from the files.
fn refuse_setting_flags(step: &str) -> Result<()> {
    let given = crate::partial::settings::given(std::env::args_os(), "dedup")?;
    if let Some(flag) = given.first() {
        bail!("{flag} cannot be given with {step}: the settings come from the signatures the parts were made with");
    }
    Ok(())
}

fn merge(args: DedupArgs) -> Result<i32> {
    refuse_setting_flags("--merge")?;
    let parts: Vec<PathBuf> = args.paths.iter().map(PathBuf::from).collect();
    let headers = split::headers(&parts)?;
    let first = &headers[0];
    let mut stored = from_settings(&first.1.settings, &first.0)?;
    stored.input.no_progress = true;
    let opts = options(&stored)?;
    let plan = split::merge(&headers, &opts)?;
    let summary = summarise(&plan);
    if args.dry_run {
        if !args.quiet {
            print_dry_run(&plan, &summary);
        }
        return Ok(0);
    }
    let Some(out) = &args.out else {
        bail!("give the folder for removed.jsonl and plan.json with -o DIR (or use --dry-run)");
    };
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    crate::dedup::write_removed(&plan, &out.join("removed.jsonl"))?;
    let file = split::plan_file(&plan, &first.1.settings, &first.1.settings_hash);
    let plan_path = out.join("plan.json");
    std::fs::write(&plan_path, serde_json::to_vec_pretty(&file)?)
        .with_context(|| format!("writing {}", plan_path.display()))?;
    if !args.quiet {
        println!("{summary}");
        println!("wrote {}", out.join("removed.jsonl").display());
        println!(
            "wrote {} (apply it on each shard: ftqa dedup SHARD --apply {} -o OUT)",
            plan_path.display(),
            plan_path.display()
        );
    }
    for w in &plan.warnings {
        eprintln!("warning: {w}");
    }
    Ok(0)
}

fn apply(args: &DedupArgs, path: &str, plan_path: &std::path::Path) -> Result<i32> {
    refuse_setting_flags("--apply")?;
    let Some(out) = &args.out else {
        bail!("give the output folder for the kept records with -o DIR");
    };
    let plan = split::read_plan(plan_path)?;
    let stored = from_settings(&plan.settings, plan_path)?;
    // The plan's input flags (schema, columns) read the shard as pass one read it.
    let load = stored.input.load_options(path);
    let written = split::apply(&load, &plan, plan_path, out)?;
    if !args.quiet {
        println!(
            "kept {} records, dropped {}",
            written.written, written.dropped
        );
        for f in &written.files {
            println!("wrote {}", f.display());
        }
    }
    Ok(0)
}

fn print_dry_run(plan: &Plan, summary: &str) {
    println!("{summary}\n(dry run: nothing written)");
    for r in plan.removals.iter().take(10) {
        println!(
            "  {} ({}): {}",
            plan.ids[r.seq as usize],
            plan.origin(r.seq),
            r.reason.as_str()
        );
    }
}

fn summarise(plan: &Plan) -> String {
    let mut by: std::collections::BTreeMap<&str, u64> = Default::default();
    for r in &plan.removals {
        *by.entry(r.reason.as_str()).or_default() += 1;
    }
    let reasons: Vec<String> = by.iter().map(|(k, v)| format!("{v} {k}")).collect();
    format!(
        "{} records read, {} unreadable; removing {} ({}); keeping {}; {} duplicate clusters",
        plan.slots.len(),
        plan.skipped.len(),
        plan.removals.len(),
        if reasons.is_empty() {
            "nothing".to_string()
        } else {
            reasons.join(", ")
        },
        plan.slots.len() - plan.removals.len(),
        plan.clusters.clusters.len()
    )
}
