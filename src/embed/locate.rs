//! Where a model's folder is. Order: a flag (`--model-dir`), an environment variable
//! (`FTQA_MODEL_DIR`), the Hugging Face cache, then ftqa's own cache (where `ftqa model
//! pull` puts the transformer). One [`Lookup`] per kind of model: the sentence
//! transformer ([`MINILM`]) and CLIP (`crate::clip::locate`).

use anyhow::{bail, Result};
use std::path::{Path, PathBuf};

pub const HF_REPO: &str = "sentence-transformers/all-MiniLM-L6-v2";
/// Folder name under ftqa's cache.
pub const CACHE_NAME: &str = "all-MiniLM-L6-v2";

/// The files every model folder must have.
pub const REQUIRED: [&str; 3] = ["config.json", "tokenizer.json", "model.safetensors"];

/// What one kind of model is looked for by, and what its folder must hold.
pub struct Lookup {
    /// The flag that names a folder, as shown (`--model-dir`).
    pub flag: &'static str,
    /// The environment variable that names a folder.
    pub env: &'static str,
    /// Hub repositories (`org/name`) to try in the Hugging Face cache, in order, given the
    /// cache's root (a lookup may add repositories it finds there).
    pub hf_repos: fn(&Path) -> Vec<String>,
    /// Folder name under `<ftqa cache>/models`.
    pub cache_name: &'static str,
    /// Files the folder must have.
    pub required: &'static [&'static str],
    /// What is looked for, for messages ("sentence-transformers model").
    pub what: &'static str,
    /// How to get one, appended to "not found" messages.
    pub hint: &'static str,
}

/// The sentence transformer of `--embedder minilm`.
pub const MINILM: Lookup = Lookup {
    flag: "--model-dir",
    env: "FTQA_MODEL_DIR",
    hf_repos: |_| vec![HF_REPO.to_string()],
    cache_name: CACHE_NAME,
    required: &REQUIRED,
    what: "sentence-transformers model",
    hint: "Run `ftqa model pull`, or pass --model-dir.",
};

pub fn is_model_dir(dir: &Path) -> bool {
    has_files(dir, &REQUIRED)
}

/// Whether `dir` holds every one of `required`.
pub fn has_files(dir: &Path, required: &[&str]) -> bool {
    required.iter().all(|f| dir.join(f).is_file())
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
    repo_snapshot(hub, HF_REPO, &REQUIRED)
}

/// [`hf_snapshot`] for any repository and required files.
pub fn repo_snapshot(hub: &Path, repo: &str, required: &[&str]) -> Option<PathBuf> {
    let repo = hub.join(format!("models--{}", repo.replace('/', "--")));
    if let Ok(rev) = std::fs::read_to_string(repo.join("refs/main")) {
        let dir = repo.join("snapshots").join(rev.trim());
        if has_files(&dir, required) {
            return Some(dir);
        }
    }
    let mut snaps: Vec<PathBuf> = std::fs::read_dir(repo.join("snapshots"))
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| has_files(p, required))
        .collect();
    snaps.sort();
    snaps.pop()
}

/// Every place looked at, in order, with what was found: for error messages.
pub fn candidates(flag: Option<&Path>) -> Vec<(String, Option<PathBuf>)> {
    candidates_for(&MINILM, flag)
}

/// [`candidates`] for any kind of model.
pub fn candidates_for(l: &Lookup, flag: Option<&Path>) -> Vec<(String, Option<PathBuf>)> {
    let mut out = Vec::new();
    if let Some(f) = flag {
        out.push((l.flag.to_string(), Some(f.to_path_buf())));
    }
    if let Some(e) = std::env::var_os(l.env).filter(|e| !e.is_empty()) {
        out.push((l.env.to_string(), Some(PathBuf::from(e))));
    }
    let hub = crate::load::hub_cache_root();
    let repos = hub.as_deref().map(l.hf_repos).unwrap_or_default();
    out.push((
        format!(
            "Hugging Face cache ({}{})",
            hub.as_ref()
                .map_or("unknown".into(), |h| h.display().to_string()),
            if repos.len() > 1 {
                format!(": {}", repos.join(", "))
            } else {
                String::new()
            }
        ),
        hub.as_deref()
            .and_then(|h| repos.iter().find_map(|r| repo_snapshot(h, r, l.required))),
    ));
    let own = ftqa_cache().map(|c| c.join("models").join(l.cache_name));
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
    find_for(&MINILM, flag)
}

/// [`find_model`] for any kind of model.
pub fn find_for(l: &Lookup, flag: Option<&Path>) -> Result<PathBuf> {
    let mut tried = Vec::new();
    for (source, dir) in candidates_for(l, flag) {
        let explicit = source == l.flag || source == l.env;
        match dir {
            Some(d) if has_files(&d, l.required) => return Ok(d),
            Some(d) if explicit => bail!(
                "{source} points at {}, which lacks one of {}",
                d.display(),
                l.required.join(", ")
            ),
            Some(d) => tried.push(format!("{source}: {} (not there)", d.display())),
            None => tried.push(format!("{source}: not there")),
        }
    }
    bail!(
        "no {} found; looked in:\n  {}\n{}",
        l.what,
        tried.join("\n  "),
        l.hint
    )
}
