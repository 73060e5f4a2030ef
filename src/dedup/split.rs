//! `ftqa dedup` over shards on many machines, in three steps that decide exactly what
//! one run decides:
//!
//! 1. `ftqa dedup SHARD --partial -o SIG.ftqa` on each worker: pass one over the shard,
//!    its signatures (exact keys, image keys, MinHash signatures, embeddings, benchmark
//!    hits; never texts) saved in a partial file of kind `dedup` ([`crate::partial`]).
//! 2. `ftqa dedup SIG.ftqa... --merge -o PLAN_DIR` on one machine: the signatures appended
//!    in file order, one global decision ([`super::plan::decide`]), written as
//!    `removed.jsonl` (what a single run writes) and `plan.json` (what to drop, by file).
//! 3. `ftqa dedup SHARD --apply PLAN_DIR/plan.json -o OUT` on each worker: pass two,
//!    copying the shard's kept records in its own format.
//!
//! Steps 2 and 3 take their settings from the files, never from flags.

use super::plan::{decide, DedupOptions, Plan, Signatures};
use crate::load::{LoadEvent, LoadOptions, Loader};
use crate::partial::{self, Header};
use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const PLAN_FORMAT: &str = "ftqa-dedup-plan";
pub const PLAN_VERSION: u32 = 1;

/// What step 3 needs: per file, how many records pass one read and which it removes.
#[derive(Serialize, Deserialize)]
pub struct PlanFile {
    pub format: String,
    pub format_version: u32,
    pub ftqa_version: String,
    /// The dedup settings (canonical flags) and their hash, from the signatures.
    pub settings: Vec<String>,
    pub settings_hash: String,
    pub files: Vec<PlanEntry>,
}

#[derive(Serialize, Deserialize)]
pub struct PlanEntry {
    /// As in record origins: the path the shard was read under.
    pub file: String,
    /// Records read (not counting unreadable ones, which are never written).
    pub records: u64,
    /// Record indices (0-based, within the file) to drop, ascending.
    pub removed: Vec<u64>,
}

/// Step 1: the shard's signatures, saved with the settings.
pub fn write_signatures(
    load: &LoadOptions,
    opts: &DedupOptions,
    settings: Vec<String>,
    out: &Path,
) -> Result<(usize, u64)> {
    let (sig, mut dataset) = super::plan::read(load, opts)?;
    let body = sig.to_bytes()?;
    let records = ftqa_metrics::result::RecordCounts {
        total: (sig.len() + sig.skipped.len()) as u64,
        analyzed: sig.len() as u64,
        skipped: sig.skipped.len() as u64,
        ..Default::default()
    };
    dataset.files = sig.files.iter().map(|f| f.to_string()).collect();
    let mut header = Header {
        format_version: partial::FORMAT_VERSION,
        kind: "dedup".into(),
        ftqa_version: env!("CARGO_PKG_VERSION").to_string(),
        settings_hash: partial::settings::hash(&settings, "dedup")?,
        settings,
        dataset,
        records,
        warnings: sig.warnings.clone(),
        families: Vec::new(),
        stages: Vec::new(),
        body_bytes: 0,
        body_sha256: String::new(),
    };
    let bytes = partial::write_file(out, &mut header, &body)?;
    Ok((sig.len(), bytes))
}

/// The settings of signature files, checked to agree, and their headers in file order.
pub fn headers(paths: &[PathBuf]) -> Result<Vec<(PathBuf, Header)>> {
    let mut headers = paths
        .iter()
        .map(|p| {
            let h = partial::read_header(p)?;
            partial::check_kind(p, &h, "dedup")?;
            Ok((p.clone(), h))
        })
        .collect::<Result<Vec<_>>>()?;
    headers.sort_by(|a, b| a.1.dataset.files.cmp(&b.1.dataset.files));
    let pairs: Vec<(&Path, &Header)> = headers.iter().map(|(p, h)| (p.as_path(), h)).collect();
    partial::combine::check_disjoint(&pairs)?;
    Ok(headers)
}

/// Step 2: every part's signatures appended in file order, one decision.
pub fn merge(headers: &[(PathBuf, Header)], opts: &DedupOptions) -> Result<Plan> {
    let mut all: Option<Signatures> = None;
    for (path, _) in headers {
        let (_, body) = partial::read_file(path, "dedup")?;
        let sig = Signatures::from_bytes(&body, opts)
            .with_context(|| format!("reading the signatures in {}", path.display()))?;
        match &mut all {
            None => all = Some(sig),
            Some(a) => a.append(sig),
        }
    }
    decide(all.expect("at least one part"), opts)
}

/// The plan file of a decision.
pub fn plan_file(plan: &Plan, settings: &[String], settings_hash: &str) -> PlanFile {
    let mut files: Vec<PlanEntry> = plan
        .files
        .iter()
        .map(|f| PlanEntry {
            file: f.to_string(),
            records: 0,
            removed: Vec::new(),
        })
        .collect();
    for s in &plan.slots {
        files[s.file as usize].records += 1;
    }
    for r in &plan.removals {
        let s = plan.slots[r.seq as usize];
        files[s.file as usize].removed.push(s.index);
    }
    for f in &mut files {
        f.removed.sort_unstable();
    }
    PlanFile {
        format: PLAN_FORMAT.into(),
        format_version: PLAN_VERSION,
        ftqa_version: env!("CARGO_PKG_VERSION").into(),
        settings: settings.to_vec(),
        settings_hash: settings_hash.into(),
        files,
    }
}

/// Reads a plan file, checking what it is.
pub fn read_plan(path: &Path) -> Result<PlanFile> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let plan: PlanFile = serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is not a dedup plan (`ftqa dedup SIGNATURES... --merge -o DIR` writes DIR/plan.json)",
            path.display()
        )
    })?;
    if plan.format != PLAN_FORMAT || plan.format_version != PLAN_VERSION {
        bail!(
            "{}: format {} version {}; this ftqa reads {PLAN_FORMAT} version {PLAN_VERSION}",
            path.display(),
            plan.format,
            plan.format_version
        );
    }
    Ok(plan)
}

/// Step 3: writes the shard's kept records. The shard is read again to find its readable
/// records, which must be as many as pass one read, file by file.
pub fn apply(
    load: &LoadOptions,
    plan: &PlanFile,
    plan_path: &Path,
    out: &Path,
) -> Result<super::write::WriteSummary> {
    let by_file: BTreeMap<&str, &PlanEntry> =
        plan.files.iter().map(|e| (e.file.as_str(), e)).collect();
    let mut read: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for ev in Loader::open(load)? {
        if let LoadEvent::Record(r) = ev {
            read.entry(r.origin.file.to_string())
                .or_default()
                .push(r.origin.index);
        }
    }
    for (file, indices) in &mut read {
        let Some(entry) = by_file.get(file.as_str()) else {
            bail!(
                "{file} is not in the plan {} (it covers {} files, read under the paths they had in pass one); apply the plan to the shards its signatures were made from, under the same paths",
                plan_path.display(),
                plan.files.len()
            );
        };
        if indices.len() as u64 != entry.records {
            bail!(
                "{file}: {} readable records now, {} when its signatures were made: the shard changed since, so the plan does not fit it",
                indices.len(),
                entry.records
            );
        }
        indices.sort_unstable();
    }
    let keep = |name: &str, index: u64| {
        read.get(name)
            .is_some_and(|rows| rows.binary_search(&index).is_ok())
            && by_file
                .get(name)
                .is_some_and(|e| e.removed.binary_search(&index).is_err())
    };
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    super::write::write_kept(load, out, &keep)
}
