//! `ftqa dedup IN -o OUT`: remove duplicates (exact, near, semantic) and, with
//! `--decontaminate`, records holding benchmark items; write the kept records in the
//! input's own format, plus `removed.jsonl` saying what went and why.
//!
//! - [`plan`]: pass one, deciding removals from signatures;
//! - [`write`]: pass two, the writer that copies kept rows;
//! - [`overlap`]: how much of one dataset appears in another (for `ftqa compare`);
//! - [`flags`]: flags shared with `ftqa report`.

pub mod flags;
pub mod overlap;
pub mod plan;
pub mod write;

pub use overlap::{overlap, OverlapConfig};

use crate::cli::InputArgs;
use anyhow::{bail, Context, Result};
use clap::Args;
use ftqa_metrics::dedup::parts::Part;
use ftqa_metrics::fasthash::FastSet;
use plan::{analyse, DedupOptions, Level, Plan, Reason};
use serde_json::json;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Args)]
pub struct DedupArgs {
    /// The dataset: a file, a folder of shards, or a glob.
    pub path: String,
    /// Output folder for the cleaned data and removed.jsonl (required unless --dry-run).
    #[arg(short, long)]
    pub out: Option<PathBuf>,
    /// How far to go: none, exact, near (includes exact) or semantic (includes near).
    #[arg(long, default_value = "near")]
    pub level: String,
    /// What is compared: sample (the whole conversation), instruction or response.
    #[arg(long, default_value = "sample")]
    pub by: String,
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
    pub embed: crate::embed::cli::EmbedArgs,
    /// Do not print the summary.
    #[arg(short, long)]
    pub quiet: bool,
}

pub fn run(args: DedupArgs) -> Result<i32> {
    let Some(level) = Level::parse(&args.level) else {
        bail!(
            "--level must be none, exact, near or semantic, got {:?}",
            args.level
        )
    };
    let Some(part) = Part::parse(&args.by) else {
        bail!(
            "--by must be sample, instruction or response, got {:?}",
            args.by
        )
    };
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

/// Writes the kept records and `removed.jsonl` under `out`.
pub fn write_outputs(
    load: &crate::load::LoadOptions,
    plan: &Plan,
    out: &Path,
) -> Result<write::WriteSummary> {
    let removed: FastSet<(u32, u64)> = plan
        .removals
        .iter()
        .map(|r| {
            let s = plan.slots[r.seq as usize];
            (s.file, s.index)
        })
        .collect();
    // Analysed rows per file, in index order (the loader reads each file front to back).
    let mut analysed: Vec<Vec<u64>> = vec![Vec::new(); plan.files.len()];
    for s in &plan.slots {
        analysed[s.file as usize].push(s.index);
    }
    let file_id = |name: &str| plan.files.iter().position(|f| &**f == name);
    let keep = |name: &str, index: u64| match file_id(name) {
        Some(f) => {
            analysed[f].binary_search(&index).is_ok() && !removed.contains(&(f as u32, index))
        }
        None => false,
    };
    let summary = write::write_kept(load, out, &keep)?;
    write_removed(plan, &out.join("removed.jsonl"))?;
    Ok(summary)
}

fn write_removed(plan: &Plan, path: &Path) -> Result<()> {
    let mut w = std::io::BufWriter::new(
        std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
    );
    for r in &plan.removals {
        let mut v = json!({
            "id": &*plan.ids[r.seq as usize],
            "origin": plan.origin(r.seq),
            "reason": r.reason.as_str(),
        });
        if let (Some(c), Some(t)) = (r.cluster, r.twin) {
            v["cluster"] = json!(c);
            v["kept_twin"] = json!({"id": &*plan.ids[t as usize], "origin": plan.origin(t)});
            if let Some(s) = r.similarity {
                v["similarity"] = json!((s * 1000.0).round() / 1000.0);
            }
        }
        if let Reason::Contamination(h, bench, item) = &r.reason {
            v["benchmark"] = json!(bench);
            v["item"] = json!(item);
            v["strength"] = json!(h.strength.as_str());
            v["turn"] = json!(h.turn);
            v["span"] = json!(h.span);
            v["detail"] = json!(h.detail);
        }
        serde_json::to_writer(&mut w, &v)?;
        w.write_all(b"\n")?;
    }
    for (location, reason) in &plan.skipped {
        serde_json::to_writer(
            &mut w,
            &json!({"origin": location, "reason": "unreadable", "detail": reason}),
        )?;
        w.write_all(b"\n")?;
    }
    w.flush()?;
    Ok(())
}

/// Removes records holding benchmark items and nothing else, through the same writer as
/// `ftqa dedup` (for `ftqa check --decontaminate`). Writes nothing when `out` is `None`.
pub fn decontaminate(
    load: &crate::load::LoadOptions,
    index: std::sync::Arc<ftqa_metrics::contamination::BenchmarkIndex>,
    out: Option<&Path>,
) -> Result<Plan> {
    let opts = DedupOptions {
        level: Level::None,
        part: Part::Sample,
        near: Default::default(),
        semantic_threshold: 1.0,
        embedder: None,
        decontaminate: Some(index),
        strict: false,
        progress: false,
    };
    let plan = analyse(load, &opts)?;
    if let Some(out) = out {
        std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
        write_outputs(load, &plan, out)?;
    }
    Ok(plan)
}
