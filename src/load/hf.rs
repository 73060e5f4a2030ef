//! Hugging Face data, offline: `hf://datasets/ORG/NAME[/CONFIG][@SPLIT]` resolved from the
//! local hub cache (or, failing that, the `datasets` library's cache), `save_to_disk`
//! DatasetDict folders, and `--split` on folders whose file names carry split names.
//! Nothing here touches the network.

use anyhow::{anyhow, bail, Result};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::files::{is_numbered_part, stem_of, walk};

const SCHEME: &str = "hf://";
const URL_FORM: &str = "hf://datasets/ORG/NAME[/CONFIG][@SPLIT]";
/// The config name of files that sit in no config folder.
const DEFAULT_CONFIG: &str = "default";

/// A parsed `hf://datasets/...` path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct HfId {
    pub org: String,
    pub name: String,
    pub config: Option<String>,
    pub split: Option<String>,
}

impl HfId {
    fn repo(&self) -> String {
        format!("{}/{}", self.org, self.name)
    }
}

/// What a path resolved to: the data files, and the name the dataset is shown under.
pub(crate) struct Resolved {
    pub files: Vec<PathBuf>,
    pub label: String,
}

fn valid_part(s: &str) -> bool {
    !s.is_empty()
        && s != "."
        && s != ".."
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// `None` when `path` is not an `hf://` path; an error for a malformed one.
pub(crate) fn parse(path: &str) -> Option<Result<HfId>> {
    let rest = path.strip_prefix(SCHEME)?;
    Some(parse_rest(path, rest))
}

fn parse_rest(path: &str, rest: &str) -> Result<HfId> {
    let bad = |why: &str| anyhow!("{path}: {why}; the form is {URL_FORM}");
    let Some(rest) = rest.strip_prefix("datasets/") else {
        return Err(bad(
            "only datasets can be read (the path must start with hf://datasets/)",
        ));
    };
    let (repo, split) = match rest.split_once('@') {
        Some((r, s)) => {
            if s.is_empty()
                || !s
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '_' || c == '.')
            {
                return Err(bad(&format!(
                    "`{s}` is not a split name (letters, digits, `_`, `.`)"
                )));
            }
            (r, Some(s.to_string()))
        }
        None => (rest, None),
    };
    let parts: Vec<&str> = repo.trim_end_matches('/').split('/').collect();
    if parts.iter().any(|p| !valid_part(p)) {
        return Err(bad("an empty or invalid name part"));
    }
    match parts.as_slice() {
        [org, name] | [org, name, _] => Ok(HfId {
            org: org.to_string(),
            name: name.to_string(),
            config: parts.get(2).map(|c| c.to_string()),
            split,
        }),
        [_] => Err(bad("give the dataset as ORG/NAME")),
        _ => Err(bad("too many parts")),
    }
}

/// The folder-name stem `ftqa report` uses for an `hf://` path: NAME[-CONFIG][-SPLIT].
pub fn report_name(path: &str) -> Option<String> {
    let id = parse(path)?.ok()?;
    let mut s = id.name;
    for part in [id.config, id.split].into_iter().flatten() {
        s.push('-');
        s.push_str(&part);
    }
    Some(s)
}

/// The splits of a `save_to_disk` DatasetDict folder (`dataset_dict.json` beside one
/// folder per split), or `None` when `path` is not one.
pub fn dataset_dict_splits(path: &str) -> Option<Vec<String>> {
    let dir = Path::new(path);
    let text = std::fs::read_to_string(dir.join("dataset_dict.json")).ok()?;
    let listed: Vec<String> = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| {
            v.get("splits")?.as_array().map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(str::to_string))
                    .collect()
            })
        })
        .unwrap_or_default();
    let mut splits: Vec<String> = listed
        .into_iter()
        .filter(|s| valid_part(s) && dir.join(s).is_dir())
        .collect();
    if splits.is_empty() {
        // An unreadable dataset_dict.json: the subfolders that look like saved datasets.
        let mut found: Vec<String> = std::fs::read_dir(dir)
            .ok()?
            .filter_map(|e| e.ok())
            .filter(|e| e.path().join("state.json").is_file())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        found.sort();
        splits = found;
    }
    (!splits.is_empty()).then_some(splits)
}

/// Resolves the inputs this module knows (`hf://`, DatasetDict folders, `--split` on a
/// folder); `None` leaves `path` to the ordinary file, folder and glob rules.
pub(crate) fn resolve(path: &str, split: Option<&str>) -> Result<Option<Resolved>> {
    if let Some(id) = parse(path) {
        return resolve_hf(path, &id?, split).map(Some);
    }
    if let Some(splits) = dataset_dict_splits(path) {
        return resolve_dict(path, &splits, split).map(Some);
    }
    let Some(split) = split else {
        return Ok(None);
    };
    let dir = Path::new(path);
    if !dir.is_dir() {
        bail!("{path}: --split applies to hf:// paths, save_to_disk DatasetDict folders and folders whose file or folder names carry split names; use the file or a glob of the split's files instead");
    }
    let mut files = Vec::new();
    walk(dir, &mut files)?;
    let entries: Vec<Entry> = files
        .into_iter()
        .map(|f| {
            let (_, s) = classify(f.strip_prefix(dir).unwrap_or(&f));
            Entry { split: s, path: f }
        })
        .collect();
    let files = pick_split(&entries, split, || path.to_string())?;
    Ok(Some(Resolved {
        files,
        label: format!("{}@{split}", path.trim_end_matches('/')),
    }))
}

fn resolve_dict(path: &str, splits: &[String], split: Option<&str>) -> Result<Resolved> {
    let Some(split) = split else {
        bail!(
            "{path} is a save_to_disk DatasetDict with splits {}; choose one with --split NAME (`ftqa report` without --split writes one report per split)",
            splits.join(", ")
        );
    };
    let Some(found) = splits.iter().find(|s| same_split(s, split)) else {
        bail!(
            "{path}: the DatasetDict has no split `{split}`; its splits are {}",
            splits.join(", ")
        );
    };
    let dir = Path::new(path).join(found);
    let mut files = Vec::new();
    walk(&dir, &mut files)?;
    if files.is_empty() {
        bail!("{}: the split's folder holds no data files", dir.display());
    }
    Ok(Resolved {
        files,
        label: dir.display().to_string(),
    })
}

fn env_dir(var: &str) -> Option<PathBuf> {
    std::env::var_os(var)
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
}

/// `HF_HOME`, else `$XDG_CACHE_HOME/huggingface`, else `~/.cache/huggingface`.
fn hf_home() -> Option<(PathBuf, &'static str)> {
    if let Some(d) = env_dir("HF_HOME") {
        return Some((d, "$HF_HOME"));
    }
    if let Some(d) = env_dir("XDG_CACHE_HOME") {
        return Some((d.join("huggingface"), "$XDG_CACHE_HOME/huggingface"));
    }
    env_dir("HOME").map(|h| (h.join(".cache/huggingface"), "~/.cache/huggingface"))
}

/// The hub cache root as `huggingface_hub` computes it, and where the value came from.
fn hub_root() -> Option<(PathBuf, String)> {
    for var in ["HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"] {
        if let Some(d) = env_dir(var) {
            return Some((d, format!("${var}")));
        }
    }
    hf_home().map(|(d, from)| (d.join("hub"), format!("{from}/hub")))
}

/// The hub cache root alone: where the dataset loader and the model locator
/// (`embed::locate`) both look.
pub fn hub_cache_root() -> Option<PathBuf> {
    hub_root().map(|(d, _)| d)
}

/// The `datasets` library's cache root, and where the value came from.
fn datasets_root() -> Option<(PathBuf, String)> {
    if let Some(d) = env_dir("HF_DATASETS_CACHE") {
        return Some((d, "$HF_DATASETS_CACHE".into()));
    }
    hf_home().map(|(d, from)| (d.join("datasets"), format!("{from}/datasets")))
}

/// `parent/name`, or an entry of `parent` whose name matches it ignoring case.
fn child_dir(parent: &Path, name: &str) -> Option<PathBuf> {
    let exact = parent.join(name);
    if exact.is_dir() {
        return Some(exact);
    }
    let lower = name.to_lowercase();
    std::fs::read_dir(parent)
        .ok()?
        .filter_map(|e| e.ok())
        .find(|e| e.file_name().to_string_lossy().to_lowercase() == lower && e.path().is_dir())
        .map(|e| e.path())
}

fn subdirs(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

fn modified(p: &Path) -> std::time::SystemTime {
    std::fs::metadata(p)
        .and_then(|m| m.modified())
        .unwrap_or(std::time::UNIX_EPOCH)
}

/// Snapshots to read, best first: the one `refs/main` names, the Parquet export
/// `refs/convert/parquet` names (for script-only datasets), then the newest.
fn hub_snapshots(repo: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = ["refs/main", "refs/convert/parquet"]
        .iter()
        .filter_map(|r| std::fs::read_to_string(repo.join(r)).ok())
        .map(|rev| repo.join("snapshots").join(rev.trim()))
        .filter(|d| d.is_dir())
        .collect();
    let newest = subdirs(&repo.join("snapshots"))
        .into_iter()
        .max_by_key(|d| modified(d));
    out.extend(newest);
    out.dedup();
    out
}

fn resolve_hf(path: &str, id: &HfId, split_flag: Option<&str>) -> Result<Resolved> {
    let split = match (&id.split, split_flag) {
        (Some(a), Some(b)) if !same_split(a, b) => {
            bail!("{path} names split `{a}` but --split says `{b}`; give one")
        }
        (Some(a), _) => Some(a.as_str()),
        (None, b) => b,
    };
    let mut looked = Vec::new();
    match hub_root() {
        Some((root, from)) => {
            let folder = format!("datasets--{}--{}", id.org, id.name);
            match child_dir(&root, &folder) {
                Some(repo) => {
                    let entries = hub_entries(&repo);
                    if !entries.is_empty() {
                        return choose(id, split, &entries, "hub cache");
                    }
                    looked.push(format!(
                        "{} ({from}): present, but no data files in its snapshot",
                        repo.display()
                    ));
                }
                None => looked.push(format!("{} ({from})", root.join(folder).display())),
            }
        }
        None => looked.push("the hub cache: no HF_HUB_CACHE, HF_HOME or HOME is set".into()),
    }
    match datasets_root() {
        Some((root, from)) => {
            let folder = format!("{}___{}", id.org, id.name);
            match child_dir(&root, &folder) {
                Some(dir) => {
                    let entries = datasets_cache_entries(&dir, &id.name);
                    if !entries.is_empty() {
                        return choose(id, split, &entries, "datasets cache");
                    }
                    looked.push(format!(
                        "{} ({from}): present, but no prepared .arrow files",
                        dir.display()
                    ));
                }
                None => looked.push(format!("{} ({from})", root.join(folder).display())),
            }
        }
        None => {
            looked.push("the datasets cache: no HF_DATASETS_CACHE, HF_HOME or HOME is set".into())
        }
    }
    let repo = id.repo();
    let here = hub_root().map_or("the hub cache".to_string(), |(r, _)| {
        r.display().to_string()
    });
    bail!(
        "{path}: dataset {repo} is not in the local Hugging Face cache (ftqa reads the cache only, never the network).\n  looked in:\n    {}\n  to get it there: on a machine with network run\n    huggingface-cli download --repo-type dataset {repo}\n  then copy its folder datasets--{}--{} from that machine's hub cache (~/.cache/huggingface/hub) into {here}, or point HF_HUB_CACHE (or HF_HOME) at where you copied it",
        looked.join("\n    "),
        id.org,
        id.name,
    )
}

#[derive(Clone, Debug)]
struct Entry {
    split: String,
    path: PathBuf,
}

/// Files of the first snapshot (in [`hub_snapshots`] order) that has data files, by config.
fn hub_entries(repo: &Path) -> BTreeMap<String, Vec<Entry>> {
    let mut by_config: BTreeMap<String, Vec<Entry>> = BTreeMap::new();
    for snap in hub_snapshots(repo) {
        let mut files = Vec::new();
        if walk(&snap, &mut files).is_err() {
            continue;
        }
        for f in files {
            let (config, split) = classify(f.strip_prefix(&snap).unwrap_or(&f));
            by_config
                .entry(config)
                .or_default()
                .push(Entry { split, path: f });
        }
        if !by_config.is_empty() {
            break;
        }
    }
    by_config
}

/// Prepared `.arrow` files of the `datasets` cache: `CONFIG/VERSION/HASH/NAME-SPLIT.arrow`
/// (or `NAME-SPLIT-00000-of-00002.arrow`), from each config's newest HASH folder.
fn datasets_cache_entries(dir: &Path, name: &str) -> BTreeMap<String, Vec<Entry>> {
    let mut by_config = BTreeMap::new();
    for config in subdirs(dir) {
        let newest = subdirs(&config)
            .iter()
            .flat_map(|version| subdirs(version))
            .filter(|hash| !arrow_splits(hash, name).is_empty())
            .max_by_key(|hash| modified(hash));
        let Some(hash) = newest else { continue };
        let config_name = config
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        by_config.insert(config_name, arrow_splits(&hash, name));
    }
    by_config
}

fn arrow_splits(dir: &Path, name: &str) -> Vec<Entry> {
    let mut out: Vec<Entry> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_else(|_| Vec::new())
        .into_iter()
        .filter(|p: &PathBuf| p.is_file())
        .filter_map(|p| {
            let file = p.file_name()?.to_str()?.to_string();
            let stem = file.strip_suffix(".arrow")?;
            if stem.starts_with("cache-") {
                return None;
            }
            let stem = strip_shard_suffix(stem);
            // NAME is the builder's name (the dataset's, or `parquet`, `json`...); split
            // names hold no `-`, so the split is the last part.
            let split = match stem.strip_prefix(name).and_then(|s| s.strip_prefix('-')) {
                Some(s) if !s.contains('-') => s,
                _ => stem.rsplit_once('-')?.1,
            };
            is_split_name(split).then(|| Entry {
                split: split.to_string(),
                path: p,
            })
        })
        .collect();
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// `NAME-train-00000-of-00002` → `NAME-train`.
fn strip_shard_suffix(stem: &str) -> &str {
    let Some((before, total)) = stem.rsplit_once("-of-") else {
        return stem;
    };
    if total.is_empty() || !total.bytes().all(|b| b.is_ascii_digit()) {
        return stem;
    }
    match before.rsplit_once('-') {
        Some((base, n)) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => base,
        _ => stem,
    }
}

/// A split name as `datasets` allows them: `\w+(\.\w+)*`.
fn is_split_name(s: &str) -> bool {
    !s.is_empty()
        && s.split('.')
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_alphanumeric() || c == '_'))
}

/// Split keywords, as `datasets` recognises them in file and folder names, with the split
/// each one means.
const SPLIT_KEYWORDS: &[(&str, &str)] = &[
    ("train", "train"),
    ("training", "train"),
    ("validation", "validation"),
    ("valid", "validation"),
    ("val", "validation"),
    ("dev", "validation"),
    ("test", "test"),
    ("testing", "test"),
    ("eval", "test"),
    ("evaluation", "test"),
];

fn keyword_split(s: &str) -> Option<&'static str> {
    let lower = s.to_lowercase();
    lower
        .split(|c: char| matches!(c, '-' | '_' | '.' | ' ') || c.is_ascii_digit())
        .find_map(|tok| {
            SPLIT_KEYWORDS
                .iter()
                .find(|(k, _)| *k == tok)
                .map(|(_, s)| *s)
        })
}

/// The canonical name of a split keyword (`dev` → `validation`), else the name itself.
fn canonical_split(s: &str) -> String {
    let lower = s.to_lowercase();
    SPLIT_KEYWORDS
        .iter()
        .find(|(k, _)| *k == lower)
        .map(|(_, c)| c.to_string())
        .unwrap_or(lower)
}

fn same_split(a: &str, b: &str) -> bool {
    a == b || canonical_split(a) == canonical_split(b)
}

/// The split a file stem names: `SPLIT-00000-of-00003...` (any split name before a
/// numbered part), else a split keyword among its words.
fn stem_split(stem: &str) -> Option<String> {
    if let Some(pos) = stem.find('-') {
        let (head, tail) = (&stem[..pos], &stem[pos + 1..]);
        let digits = tail.bytes().take_while(u8::is_ascii_digit).count();
        let generic = is_numbered_part(head) && keyword_split(head).is_none();
        if digits >= 4 && is_split_name(head) && !generic {
            return Some(head.to_string());
        }
    }
    keyword_split(stem).map(str::to_string)
}

/// (config, split) of a file from its path inside a snapshot or folder: the split from the
/// file name, else from a folder (`CONFIG/SPLIT/0000.parquet`, `train/...`), else `train`
/// as `datasets` assigns it; the config is the folders left (less `data`), else `default`.
fn classify(rel: &Path) -> (String, String) {
    let mut dirs: Vec<String> = rel
        .parent()
        .map(|p| {
            p.components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    let stem = stem_of(rel);
    let split = match stem_split(&stem) {
        Some(s) => s,
        None => {
            let numbered = is_numbered_part(&stem);
            let from_dir = dirs.iter().rposition(|d| {
                let d = d.to_lowercase();
                SPLIT_KEYWORDS.iter().any(|(k, _)| *k == d)
            });
            match from_dir {
                Some(i) => canonical_split(&dirs.remove(i)),
                None if numbered && dirs.len() >= 2 && dirs[dirs.len() - 1] != "data" => {
                    let d = dirs.pop().unwrap_or_default();
                    d.strip_prefix("partial-").unwrap_or(&d).to_string()
                }
                None => "train".to_string(),
            }
        }
    };
    dirs.retain(|d| d != "data");
    let config = if dirs.is_empty() {
        DEFAULT_CONFIG.to_string()
    } else {
        dirs.join("/")
    };
    (config, split)
}

/// The files of one split; `what` names the dataset in errors.
fn pick_split(entries: &[Entry], split: &str, what: impl Fn() -> String) -> Result<Vec<PathBuf>> {
    let files: Vec<PathBuf> = entries
        .iter()
        .filter(|e| same_split(&e.split, split))
        .map(|e| e.path.clone())
        .collect();
    if files.is_empty() {
        bail!(
            "{}: no split `{split}`; its splits are {}",
            what(),
            split_names(entries).join(", ")
        );
    }
    Ok(files)
}

fn split_names(entries: &[Entry]) -> Vec<String> {
    let mut names: Vec<String> = entries.iter().map(|e| e.split.clone()).collect();
    names.sort();
    names.dedup();
    names
}

/// Picks the config (the one asked for, else `default`, else the only one) and the split
/// (the one asked for, else `train`, else the only one).
fn choose(
    id: &HfId,
    split: Option<&str>,
    by_config: &BTreeMap<String, Vec<Entry>>,
    cache: &str,
) -> Result<Resolved> {
    let base = format!("hf://datasets/{}", id.repo());
    let configs: Vec<&str> = by_config.keys().map(String::as_str).collect();
    let config = match &id.config {
        Some(c) => by_config
            .get_key_value(c.as_str())
            .map(|(k, _)| k.as_str())
            .ok_or_else(|| {
                anyhow!(
                    "{base}: no config `{c}` in the {cache}; its configs are {}",
                    configs.join(", ")
                )
            })?,
        None if by_config.contains_key(DEFAULT_CONFIG) => DEFAULT_CONFIG,
        None if configs.len() == 1 => configs[0],
        None => bail!(
            "{base}: the dataset has several configs ({}); name one: {base}/CONFIG",
            configs.join(", ")
        ),
    };
    let entries = &by_config[config];
    let shown = if config == DEFAULT_CONFIG {
        base.clone()
    } else {
        format!("{base}/{config}")
    };
    let splits = split_names(entries);
    let split = match split {
        Some(s) => s.to_string(),
        None if splits.iter().any(|s| s == "train") => "train".to_string(),
        None if splits.len() == 1 => splits[0].clone(),
        None => bail!(
            "{shown}: no `train` split and several others ({}); choose one with {shown}@SPLIT or --split SPLIT",
            splits.join(", ")
        ),
    };
    let files = pick_split(entries, &split, || format!("{shown} (in the {cache})"))?;
    let split_shown = entries
        .iter()
        .find(|e| same_split(&e.split, &split))
        .map(|e| e.split.clone())
        .unwrap_or(split);
    Ok(Resolved {
        files,
        label: format!("{shown}@{split_shown}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(org: &str, name: &str, config: Option<&str>, split: Option<&str>) -> HfId {
        HfId {
            org: org.into(),
            name: name.into(),
            config: config.map(Into::into),
            split: split.map(Into::into),
        }
    }

    #[test]
    fn parses_hf_paths() {
        let p = |s: &str| parse(s).unwrap().unwrap();
        assert_eq!(
            p("hf://datasets/tatsu-lab/alpaca"),
            id("tatsu-lab", "alpaca", None, None)
        );
        assert_eq!(
            p("hf://datasets/tatsu-lab/alpaca/"),
            id("tatsu-lab", "alpaca", None, None)
        );
        assert_eq!(
            p("hf://datasets/org/name/cfg"),
            id("org", "name", Some("cfg"), None)
        );
        assert_eq!(
            p("hf://datasets/org/name@test"),
            id("org", "name", None, Some("test"))
        );
        assert_eq!(
            p("hf://datasets/org/na.me_2/c-1@train_sft"),
            id("org", "na.me_2", Some("c-1"), Some("train_sft"))
        );
        assert!(parse("data/train.jsonl").is_none());
        assert!(parse("/abs/hf:/x").is_none());
    }

    #[test]
    fn rejects_bad_hf_paths() {
        for bad in [
            "hf://org/name",
            "hf://models/org/name",
            "hf://datasets/",
            "hf://datasets/name",
            "hf://datasets/org//name",
            "hf://datasets/org/name/cfg/extra",
            "hf://datasets/org/name@",
            "hf://datasets/org/name@a-b",
            "hf://datasets/org/../x",
            "hf://datasets/org/na me",
        ] {
            let err = parse(bad).unwrap().unwrap_err().to_string();
            assert!(err.contains(bad), "{bad}: {err}");
            assert!(err.contains(URL_FORM), "{bad}: {err}");
        }
    }

    #[test]
    fn report_names() {
        assert_eq!(report_name("hf://datasets/o/n").as_deref(), Some("n"));
        assert_eq!(
            report_name("hf://datasets/o/n/c@test").as_deref(),
            Some("n-c-test")
        );
        assert_eq!(report_name("x.jsonl"), None);
        assert_eq!(report_name("hf://bad"), None);
    }

    #[test]
    fn classifies_hub_layouts() {
        let c = |s: &str| {
            let (a, b) = classify(Path::new(s));
            (a, b)
        };
        let pair = |a: &str, b: &str| (a.to_string(), b.to_string());
        assert_eq!(c("cfg/train-00000-of-00002.parquet"), pair("cfg", "train"));
        assert_eq!(c("cfg/test/0000.parquet"), pair("cfg", "test"));
        assert_eq!(c("cfg/partial-test/0000.parquet"), pair("cfg", "test"));
        assert_eq!(
            c("data/train_sft-00000-of-00001-abc.parquet"),
            pair("default", "train_sft")
        );
        assert_eq!(c("test.jsonl"), pair("default", "test"));
        assert_eq!(c("dev.json"), pair("default", "validation"));
        assert_eq!(c("alpaca_data.json"), pair("default", "train"));
        assert_eq!(c("train/0000.parquet"), pair("default", "train"));
        assert_eq!(c("data/0000.parquet"), pair("default", "train"));
        assert_eq!(c("en/validation.jsonl.gz"), pair("en", "validation"));
    }

    #[test]
    fn datasets_cache_names() {
        assert_eq!(strip_shard_suffix("n-train-00000-of-00002"), "n-train");
        assert_eq!(strip_shard_suffix("n-train"), "n-train");
        assert!(same_split("dev", "validation"));
        assert!(!same_split("train", "test"));
        assert!(is_split_name("train.clean"));
        assert!(!is_split_name("a-b"));
    }
}
