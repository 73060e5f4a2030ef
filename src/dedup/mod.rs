//! `ftqa dedup IN -o OUT`: remove duplicates (exact, near, semantic) and, with
//! `--decontaminate`, records holding benchmark items; write the kept records in the
//! input's own format, plus `removed.jsonl` saying what went and why.
//!
//! - [`plan`]: pass one, deciding removals from signatures;
//! - [`write`]: pass two, the writer that copies kept rows;
//! - [`overlap`]: how much of one dataset appears in another (for `ftqa compare`);
//! - [`flags`]: flags shared with `ftqa report`;
//! - [`split`]: the same over shards on many machines (`--partial`, `--merge`, `--apply`).
//!
//! The command is `crate::cmd::dedup`.

pub mod flags;
pub mod overlap;
pub mod plan;
pub mod split;
pub mod write;

pub use overlap::{overlap, OverlapConfig};

use anyhow::{Context, Result};
use ftqa_metrics::dedup::parts::Part;
use ftqa_metrics::fasthash::FastSet;
use plan::{analyse, DedupOptions, Level, Plan, Reason};
use serde_json::json;
use std::io::Write;
use std::path::Path;

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

/// Writes `removed.jsonl`: each removed record with its reason (and kept twin), then the
/// unreadable ones.
pub fn write_removed(plan: &Plan, path: &Path) -> Result<()> {
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
        image_root: None,
    };
    let plan = analyse(load, &opts)?;
    if let Some(out) = out {
        std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
        write_outputs(load, &plan, out)?;
    }
    Ok(plan)
}
