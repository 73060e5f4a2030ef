//! Where the CLIP weights are: `--clip-model-dir`, `FTQA_CLIP_MODEL_DIR`, the Hugging Face
//! cache (the OpenAI CLIP repositories first, then any other cached repository with `clip`
//! in its name), then `<ftqa cache>/models/clip`. The search itself is
//! [`crate::embed::locate`]'s.

use crate::embed::locate::{candidates_for, find_for, Lookup};
use anyhow::Result;
use std::path::{Path, PathBuf};

/// The files a CLIP folder must have; `preprocessor_config.json` is read when present.
pub const REQUIRED: [&str; 3] = ["config.json", "model.safetensors", "tokenizer.json"];

/// Hub repositories tried first, in order.
pub const HF_REPOS: [&str; 4] = [
    "openai/clip-vit-base-patch32",
    "openai/clip-vit-base-patch16",
    "openai/clip-vit-large-patch14",
    "openai/clip-vit-large-patch14-336",
];

pub const LOOKUP: Lookup = Lookup {
    flag: "--clip-model-dir",
    env: "FTQA_CLIP_MODEL_DIR",
    hf_repos,
    cache_name: "clip",
    required: &REQUIRED,
    what: "CLIP model",
    hint: "Point ftqa at CLIP weights you have with --clip-model-dir DIR or FTQA_CLIP_MODEL_DIR (a Hugging Face-layout folder with config.json, model.safetensors and tokenizer.json, e.g. a snapshot of openai/clip-vit-base-patch32).",
};

/// [`HF_REPOS`], then other cached repositories whose name has `clip` in it, by name.
fn hf_repos(hub: &Path) -> Vec<String> {
    let mut repos: Vec<String> = HF_REPOS.iter().map(|r| r.to_string()).collect();
    let mut others: Vec<String> = std::fs::read_dir(hub)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|n| n.strip_prefix("models--").map(|r| r.replacen("--", "/", 1)))
        .filter(|r| r.to_ascii_lowercase().contains("clip") && !repos.contains(r))
        .collect();
    others.sort();
    repos.extend(others);
    repos
}

/// Every place looked at, in order, with what was found.
pub fn candidates(flag: Option<&Path>) -> Vec<(String, Option<PathBuf>)> {
    candidates_for(&LOOKUP, flag)
}

/// The CLIP folder to use; an explicit flag or variable naming a folder without the
/// weights is an error, finding none anywhere is too (the stage turns that into "not
/// measured" with the places it looked).
pub fn find(flag: Option<&Path>) -> Result<PathBuf> {
    find_for(&LOOKUP, flag)
}

/// Whether a flag or the variable names the folder, so a wrong one is the user's error.
pub fn explicit(flag: Option<&Path>) -> bool {
    flag.is_some() || std::env::var_os(LOOKUP.env).is_some_and(|e| !e.is_empty())
}
