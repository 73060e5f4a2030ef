//! Combining parts: the checks that they may merge (one settings hash, one schema and
//! mapping, no file twice, nothing a single run would have done differently) and the
//! merge of their record counts, dataset facts and warnings. The metric states merge
//! through [`ftqa_metrics::registry::Engine::merge`], as threads do.

use super::Header;
use anyhow::{bail, Result};
use ftqa_metrics::result::{DatasetInfo, RecordCounts};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Checks that the parts (path, header) may merge into one report: the same settings,
/// the same reading of the data, disjoint files, and no decision a single run over all
/// the files would have taken differently.
pub fn check(parts: &[(&Path, &Header)]) -> Result<()> {
    check_disjoint(parts)?;
    let (first_path, first) = parts[0];
    for (path, h) in &parts[1..] {
        let same_reading = h.dataset.schema == first.dataset.schema
            && h.dataset.mapping == first.dataset.mapping
            && h.dataset.task_source == first.dataset.task_source;
        if !same_reading {
            bail!(
                "{} and {} read their data differently (schema {} vs {}, mapping {:?} vs {:?}, tasks from {} vs {}): a single run reads every file one way. Name the schema and columns (--schema, --instruction-col, --task-col, ...) so every part reads the same",
                first_path.display(),
                path.display(),
                first.dataset.schema,
                h.dataset.schema,
                first.dataset.mapping,
                h.dataset.mapping,
                first.dataset.task_source.as_deref().unwrap_or("nowhere"),
                h.dataset.task_source.as_deref().unwrap_or("nowhere"),
            );
        }
    }
    let files: Vec<&str> = parts
        .iter()
        .flat_map(|(_, h)| h.dataset.files.iter().map(String::as_str))
        .collect();
    // Same-named files in different folders get their sampling keys from their path below
    // the dataset's root, which a part holding only one of them cannot know.
    let mut by_name: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for f in &files {
        let name = f.rsplit(['/', '\\']).next().unwrap_or(f);
        by_name.entry(name).or_default().push(f);
    }
    if let Some((name, same)) = by_name.iter().find(|(_, fs)| fs.len() > 1) {
        let together = parts
            .iter()
            .any(|(_, h)| same.iter().all(|f| h.dataset.files.iter().any(|g| g == f)));
        if !together {
            bail!(
                "files named {name} sit in different folders ({}) and in different parts; a single run tells them apart by their path below the dataset's root, which a part cannot see. Put same-named files in one part, or rename them",
                same.join(", ")
            );
        }
    }
    // Shard file names are task labels when a run sees several differently named files;
    // a part of one file sees only its own.
    let stems: Vec<String> = files
        .iter()
        .map(|f| crate::load::files::stem_of(Path::new(f)))
        .collect();
    let whole = crate::load::files::stems_are_tasks(stems.iter().map(String::as_str));
    if whole && first.dataset.task_source.is_none() {
        bail!(
            "a single run over these files would take task labels from their names ({}), but the parts, each reading fewer files, did not; give each part the task column (--task-col) or merge parts that each hold several of the named files",
            stems.join(", ")
        );
    }
    Ok(())
}

/// The checks every split run needs: one settings hash, and no file in two parts.
pub fn check_disjoint(parts: &[(&Path, &Header)]) -> Result<()> {
    let Some((first_path, first)) = parts.first() else {
        bail!("give at least one partial result file");
    };
    for (path, h) in &parts[1..] {
        if h.settings_hash != first.settings_hash {
            let a: BTreeSet<&String> = first.settings.iter().collect();
            let b: BTreeSet<&String> = h.settings.iter().collect();
            let only_a: Vec<&str> = a.difference(&b).map(|s| s.as_str()).collect();
            let only_b: Vec<&str> = b.difference(&a).map(|s| s.as_str()).collect();
            let detail = if only_a.is_empty() && only_b.is_empty() {
                "the same flags, but the files they name (--benchmark, --config) differ".to_string()
            } else {
                format!(
                    "{} has {}; {} has {}",
                    first_path.display(),
                    list_or_none(&only_a),
                    path.display(),
                    list_or_none(&only_b)
                )
            };
            bail!(
                "{} and {} were made with different settings ({} vs {}): {detail}. Make every part with the same flags",
                first_path.display(),
                path.display(),
                first.settings_hash,
                h.settings_hash
            );
        }
    }
    // A file in two parts would be counted twice.
    let mut seen: BTreeMap<&str, &Path> = BTreeMap::new();
    for (path, h) in parts {
        for f in &h.dataset.files {
            if let Some(other) = seen.insert(f, path) {
                bail!(
                    "{f} is in two parts ({} and {}): each file must be read by exactly one part",
                    other.display(),
                    path.display()
                );
            }
        }
    }
    Ok(())
}

fn list_or_none(v: &[&str]) -> String {
    if v.is_empty() {
        "nothing the other lacks".to_string()
    } else {
        v.join(" ")
    }
}

/// The dataset facts of the whole: the parts' files in order, one format and compression
/// when they agree, the lowest mapping confidence.
pub fn dataset(parts: &[&Header]) -> DatasetInfo {
    let mut info = parts[0].dataset.clone();
    let mut files: Vec<String> = parts
        .iter()
        .flat_map(|h| h.dataset.files.iter().cloned())
        .collect();
    files.sort();
    if !parts.iter().all(|h| h.dataset.format == info.format) {
        info.format = "mixed".into();
    }
    if !parts
        .iter()
        .all(|h| h.dataset.compression == info.compression)
    {
        info.compression = None;
    }
    const CONFIDENCE: [&str; 4] = ["low", "medium", "high", "given"];
    let rank = |c: &str| CONFIDENCE.iter().position(|x| *x == c).unwrap_or(0);
    if let Some(lowest) = parts
        .iter()
        .map(|h| h.dataset.mapping_confidence.as_str())
        .min_by_key(|c| rank(c))
    {
        info.mapping_confidence = lowest.to_string();
    }
    info.mapping_notes = dedup_in_order(parts.iter().flat_map(|h| h.dataset.mapping_notes.iter()));
    info.path = common_folder(&files).unwrap_or_else(|| {
        parts
            .iter()
            .map(|h| h.dataset.path.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    });
    info.files = files;
    info
}

/// The folder every file is in, when there is one.
fn common_folder(files: &[String]) -> Option<String> {
    let mut root: Option<&Path> = Path::new(files.first()?).parent();
    for f in files {
        let dir = Path::new(f).parent()?;
        while let Some(r) = root {
            if dir.starts_with(r) {
                break;
            }
            root = r.parent();
        }
    }
    root.map(|r| r.display().to_string())
        .filter(|r| !r.is_empty())
}

/// Record counts summed; the listed skipped records in part order, capped as a run caps
/// them.
pub fn records(parts: &[&Header]) -> RecordCounts {
    let mut all = RecordCounts::default();
    for h in parts {
        let r = &h.records;
        all.total += r.total;
        all.analyzed += r.analyzed;
        all.skipped += r.skipped;
        for (k, n) in &r.skipped_by_reason {
            *all.skipped_by_reason.entry(k.clone()).or_insert(0) += n;
        }
        all.skipped_examples
            .extend(r.skipped_examples.iter().cloned());
    }
    all.skipped_examples.truncate(crate::pipeline::LISTED_SKIPS);
    all
}

/// The parts' warnings, each once, in part order.
pub fn warnings(parts: &[&Header]) -> Vec<String> {
    dedup_in_order(parts.iter().flat_map(|h| h.warnings.iter()))
}

fn dedup_in_order<'a>(items: impl Iterator<Item = &'a String>) -> Vec<String> {
    let mut seen = BTreeSet::new();
    items.filter(|w| seen.insert(w.as_str())).cloned().collect()
}
