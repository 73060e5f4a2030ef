//! `ftqa dedup IN -o OUT`: remove duplicates (exact, near, semantic) and, with
//! `--decontaminate`, records holding benchmark items; write the kept records in the
//! input's own format, plus `removed.jsonl` saying what went and why.

use super::common::{EmbedArgs, InputArgs};
use super::values::By;
use crate::dedup::flags;
use crate::dedup::plan::{analyse, DedupOptions, Level, Plan};
use crate::dedup::write_outputs;
use anyhow::{bail, Context, Result};
use clap::Args;
use std::path::PathBuf;

#[derive(Args)]
pub struct DedupArgs {
    /// The dataset: a file, a folder of shards, or a glob.
    pub path: String,
    /// Output folder for the cleaned data and removed.jsonl (required unless --dry-run).
    #[arg(short, long)]
    pub out: Option<PathBuf>,
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
    let level = args.level;
    let part = args.by.part();
    if args.decontaminate && args.bench.benchmarks.is_empty() {
        bail!("--decontaminate needs at least one --benchmark PATH");
    }
    if !args.decontaminate && !args.bench.benchmarks.is_empty() {
        bail!("--benchmark with `ftqa dedup` needs --decontaminate (to only measure contamination, use `ftqa report --benchmark`)");
    }
    let out = match (&args.out, args.dry_run) {
        (Some(o), _) => Some(o.clone()),
        (None, true) => None,
        (None, false) => bail!("give an output folder with -o (or use --dry-run)"),
    };
    let mut analysis = ftqa_metrics::registry::AnalysisConfig::default();
    args.embed.apply(&mut analysis)?;
    let load = args.input.load_options(&args.path);
    let opts = DedupOptions {
        level,
        part,
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
    for w in &plan.warnings {
        eprintln!("warning: {w}");
    }
    Ok(0)
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
