//! Where the transformer's folder is. Order: `--model-dir`, `FTQA_MODEL_DIR`, the Hugging
//! Face cache, then ftqa's own cache (where `ftqa model pull` puts it).

use anyhow::{bail, Result};
use std::path::{Path, PathBuf};

pub const HF_REPO: &str = "sentence-transformers/all-MiniLM-L6-v2";
/// Folder name under ftqa's cache.
pub const CACHE_NAME: &str = "all-MiniLM-L6-v2";

/// The files every model folder must have.
pub const REQUIRED: [&str; 3] = ["config.json", "tokenizer.json", "model.safetensors"];

pub fn is_model_dir(dir: &Path) -> bool {
    REQUIRED.iter().all(|f| dir.join(f).is_file())
}

fn home() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
}

/// `$FTQA_CACHE_DIR`, else `$XDG_CACHE_HOME/ftqa`, else `~/.cache/ftqa`.
pub fn ftqa_cache() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("FTQA_CACHE_DIR").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(d));
    }
    if let Some(d) = std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(d).join("ftqa"));
    }
    home().map(|h| h.join(".cache/ftqa"))
}

pub fn ftqa_model_dir() -> Option<PathBuf> {
    ftqa_cache().map(|c| c.join("models").join(CACHE_NAME))
}

/// `models--sentence-transformers--all-MiniLM-L6-v2/snapshots/<rev>`: the revision
/// `refs/main` names if it is complete, else the last complete one by name.
pub fn hf_snapshot(hub: &Path) -> Option<PathBuf> {
    let repo = hub.join(format!("models--{}", HF_REPO.replace('/', "--")));
    if let Ok(rev) = std::fs::read_to_string(repo.join("refs/main")) {
        let dir = repo.join("snapshots").join(rev.trim());
        if is_model_dir(&dir) {
            return Some(dir);
        }
    }
    let mut snaps: Vec<PathBuf> = std::fs::read_dir(repo.join("snapshots"))
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| is_model_dir(p))
        .collect();
    snaps.sort();
    snaps.pop()
}

/// Every place looked at, in order, with what was found: for error messages.
pub fn candidates(flag: Option<&Path>) -> Vec<(String, Option<PathBuf>)> {
    let mut out = Vec::new();
    if let Some(f) = flag {
        out.push(("--model-dir".to_string(), Some(f.to_path_buf())));
    }
    if let Some(e) = std::env::var_os("FTQA_MODEL_DIR").filter(|e| !e.is_empty()) {
        out.push(("FTQA_MODEL_DIR".to_string(), Some(PathBuf::from(e))));
    }
    let hub = crate::load::hub_cache_root();
    out.push((
        format!(
            "Hugging Face cache ({})",
            hub.as_ref()
                .map_or("unknown".into(), |h| h.display().to_string())
        ),
        hub.as_deref().and_then(hf_snapshot),
    ));
    let own = ftqa_model_dir();
    out.push((
        format!(
            "ftqa cache ({})",
            own.as_ref()
                .map_or("unknown".into(), |h| h.display().to_string())
        ),
        own,
    ));
    out
}

/// The model folder to use. An explicit `--model-dir` or `FTQA_MODEL_DIR` that is not a
/// model folder is an error rather than a silent fall-through to another model.
pub fn find_model(flag: Option<&Path>) -> Result<PathBuf> {
    let mut tried = Vec::new();
    for (source, dir) in candidates(flag) {
        let explicit = source == "--model-dir" || source == "FTQA_MODEL_DIR";
        match dir {
            Some(d) if is_model_dir(&d) => return Ok(d),
            Some(d) if explicit => bail!(
                "{source} points at {}, which lacks one of {}",
                d.display(),
                REQUIRED.join(", ")
            ),
            Some(d) => tried.push(format!("{source}: {} (not there)", d.display())),
            None => tried.push(format!("{source}: not there")),
        }
    }
    bail!("no sentence-transformers model found; looked in:\n  {}\nRun `ftqa model pull`, or pass --model-dir.", tried.join("\n  "))
}
