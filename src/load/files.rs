//! Finding the data files behind a path, and sniffing each one's compression and format.

use anyhow::{anyhow, bail, Context, Result};
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use super::json_stream::{self, Extent};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Compression {
    None,
    Gzip,
    Zstd,
}

impl Compression {
    pub(crate) fn name(self) -> Option<&'static str> {
        match self {
            Compression::None => None,
            Compression::Gzip => Some("gzip"),
            Compression::Zstd => Some("zstd"),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Format {
    Jsonl,
    /// `[ {...}, {...} ]`, streamed element by element.
    JsonArray,
    /// Pretty-printed top-level object(s): one wrapper such as `{"data": [...]}`, a single
    /// record, or several concatenated records.
    JsonObjects,
    Csv,
    Tsv,
    Parquet,
    ArrowFile,
    ArrowStream,
}

impl Format {
    /// The name shown in `DatasetInfo::format`.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Format::Jsonl => "jsonl",
            Format::JsonArray | Format::JsonObjects => "json",
            Format::Csv => "csv",
            Format::Tsv => "tsv",
            Format::Parquet => "parquet",
            Format::ArrowFile | Format::ArrowStream => "arrow",
        }
    }
}

/// Values accepted for `LoadOptions::format`.
pub const FORMATS: &[&str] = &["jsonl", "json", "csv", "tsv", "parquet", "arrow"];

/// What the user forced with `--format`; `Json` and `Arrow` still sniff their sub-kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FormatHint {
    Jsonl,
    Json,
    Csv,
    Tsv,
    Parquet,
    Arrow,
}

pub(crate) fn parse_format_hint(s: &str) -> Option<FormatHint> {
    Some(match s.trim().to_ascii_lowercase().as_str() {
        "jsonl" | "ndjson" | "jsonlines" => FormatHint::Jsonl,
        "json" => FormatHint::Json,
        "csv" => FormatHint::Csv,
        "tsv" => FormatHint::Tsv,
        "parquet" | "pq" => FormatHint::Parquet,
        "arrow" | "ipc" | "feather" => FormatHint::Arrow,
        _ => return None,
    })
}

#[derive(Clone, Debug)]
pub(crate) struct DataFile {
    pub path: PathBuf,
    /// The path as shown in origins, skips and `DatasetInfo::files`.
    pub name: Arc<str>,
    /// File name without data and compression extensions: the id prefix and shard task.
    pub stem: Arc<str>,
    /// The path below the dataset's root when other files share this one's name
    /// (`Origin::within`); set by [`set_within`].
    pub within: Option<Arc<str>>,
    pub size: u64,
    pub compression: Compression,
    pub format: Format,
}

const DATA_EXTS: &[&str] = &[
    "jsonl", "ndjson", "json", "csv", "tsv", "parquet", "arrow", "feather", "ipc",
];
const COMPRESSION_EXTS: &[&str] = &["gz", "gzip", "zst", "zstd"];
/// Metadata files that sit next to data shards (Hugging Face `save_to_disk`,
/// LLaMA-Factory's registry) and must not be read as data.
const METADATA_NAMES: &[&str] = &[
    "dataset_info.json",
    "dataset_infos.json",
    "dataset_dict.json",
    "state.json",
    "config.json",
    "package.json",
    "metadata.json",
];

/// Lower-case (name without compression suffix, its data extension).
fn split_name(path: &Path) -> (String, Option<String>) {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let inner = match name.rsplit_once('.') {
        Some((base, ext)) if COMPRESSION_EXTS.contains(&ext) => base.to_string(),
        _ => name,
    };
    let ext = inner.rsplit_once('.').map(|(_, e)| e.to_string());
    (inner, ext)
}

pub(crate) fn stem_of(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut s = name.as_str();
    for exts in [COMPRESSION_EXTS, DATA_EXTS] {
        if let Some((base, ext)) = s.rsplit_once('.') {
            if exts.contains(&ext.to_ascii_lowercase().as_str()) {
                s = base;
            }
        }
    }
    s.to_string()
}

fn is_data_file(path: &Path) -> bool {
    let Some(name) = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
    else {
        return false;
    };
    if name.starts_with('.') || name.starts_with('_') || name.starts_with("readme") {
        return false;
    }
    let (inner, ext) = split_name(path);
    if METADATA_NAMES.contains(&inner.as_str()) || inner.contains("dataset_info") {
        return false;
    }
    // `datasets` map/filter caches (`cache-<fingerprint>.arrow`), not the dataset itself.
    if inner.starts_with("cache-") && inner.ends_with(".arrow") {
        return false;
    }
    ext.is_some_and(|e| DATA_EXTS.contains(&e.as_str()))
}

pub(super) fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("{}: cannot list directory", dir.display()))?
        .filter_map(|e| e.ok())
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        if hidden {
            continue;
        }
        if path.is_dir() {
            walk(&path, out)?;
        } else if is_data_file(&path) {
            out.push(path);
        }
    }
    Ok(())
}

/// The data files a path names (a file, every data file under a directory, or a glob;
/// `hf://` paths and `save_to_disk` folders through [`super::hf`]), with the dataset's name.
pub(crate) fn resolve(path: &str, split: Option<&str>) -> Result<super::hf::Resolved> {
    if let Some(found) = super::hf::resolve(path, split)? {
        return Ok(found);
    }
    resolve_plain(path).map(|files| super::hf::Resolved {
        files,
        label: path.to_string(),
    })
}

fn resolve_plain(path: &str) -> Result<Vec<PathBuf>> {
    let p = Path::new(path);
    if p.is_file() {
        return Ok(vec![p.to_path_buf()]);
    }
    if p.is_dir() {
        let mut out = Vec::new();
        walk(p, &mut out)?;
        if out.is_empty() {
            bail!(
                "{path}: no data files found in this directory (looked for {} files, optionally .gz/.zst)",
                DATA_EXTS.join(", ")
            );
        }
        return Ok(out);
    }
    if path.contains(['*', '?', '[']) {
        let entries = glob::glob(path).with_context(|| format!("{path}: invalid glob pattern"))?;
        let mut out = Vec::new();
        for entry in entries {
            let entry = entry.with_context(|| format!("{path}: cannot read a matched path"))?;
            if entry.is_dir() {
                walk(&entry, &mut out)?;
            } else if entry.is_file() {
                out.push(entry);
            }
        }
        out.sort();
        out.dedup();
        if out.is_empty() {
            bail!("{path}: no files match this pattern");
        }
        return Ok(out);
    }
    if p.exists() {
        bail!("{path}: not a regular file or directory");
    }
    bail!("{path}: no such file or directory")
}

/// Counts raw (compressed) bytes pulled from a file, for the progress bar.
pub(crate) struct CountingReader<R> {
    inner: R,
    counter: Arc<AtomicU64>,
}

impl<R> CountingReader<R> {
    pub(crate) fn new(inner: R, counter: Arc<AtomicU64>) -> Self {
        CountingReader { inner, counter }
    }
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.counter.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

impl<R: Seek> Seek for CountingReader<R> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        let at = self.inner.seek(pos)?;
        self.counter.store(at, Ordering::Relaxed);
        Ok(at)
    }
}

const GZIP_MAGIC: &[u8] = &[0x1f, 0x8b];
const ZSTD_MAGIC: &[u8] = &[0x28, 0xb5, 0x2f, 0xfd];
pub(crate) const PARQUET_MAGIC: &[u8] = b"PAR1";
pub(crate) const ARROW_MAGIC: &[u8] = b"ARROW1";
const ARROW_STREAM_CONTINUATION: &[u8] = &[0xff, 0xff, 0xff, 0xff];

/// The decompressed byte stream of a file.
pub(crate) fn open_decoded(
    path: &Path,
    compression: Compression,
    counter: Arc<AtomicU64>,
) -> io::Result<Box<dyn Read + Send>> {
    let file = CountingReader::new(File::open(path)?, counter);
    Ok(match compression {
        Compression::None => Box::new(file),
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(file)),
        Compression::Zstd => Box::new(zstd::Decoder::new(file)?),
    })
}

/// Reads up to `limit` bytes (fewer at end of stream). A read error after some bytes
/// (a cut-off compressed file) still returns them: the reader reports the damage later,
/// after yielding every record before it.
fn read_head(r: &mut dyn Read, limit: usize) -> io::Result<Vec<u8>> {
    let mut head = vec![0u8; limit];
    let mut filled = 0;
    while filled < limit {
        match r.read(&mut head[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if filled == 0 => return Err(e),
            Err(_) => break,
        }
    }
    head.truncate(filled);
    Ok(head)
}

fn skip_bom_and_space(b: &[u8]) -> &[u8] {
    let b = b.strip_prefix(b"\xef\xbb\xbf").unwrap_or(b);
    let start = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    &b[start..]
}

/// Sniffs compression (magic bytes, then extension) and format (content first, then
/// extension) of one file.
pub(crate) fn inspect(path: PathBuf, hint: Option<FormatHint>) -> Result<DataFile> {
    let shown = path.display().to_string();
    let meta = std::fs::metadata(&path).with_context(|| format!("{shown}: cannot read file"))?;
    let mut raw = File::open(&path).with_context(|| format!("{shown}: cannot open file"))?;
    let magic = read_head(&mut raw, 8).with_context(|| format!("{shown}: cannot read file"))?;
    let (_, ext) = split_name(&path);
    let lower = shown.to_ascii_lowercase();
    let compression = if magic.starts_with(GZIP_MAGIC) {
        Compression::Gzip
    } else if magic.starts_with(ZSTD_MAGIC) {
        Compression::Zstd
    } else if lower.ends_with(".gz") || lower.ends_with(".zst") {
        bail!(
            "{shown}: the name says compressed but the content is not gzip or zstd (magic bytes {:02x?})",
            &magic[..magic.len().min(4)]
        );
    } else {
        Compression::None
    };
    let format = sniff_format(&path, compression, ext.as_deref(), hint)
        .with_context(|| format!("{shown}: cannot determine the data format"))?;
    if compression != Compression::None && format == Format::Parquet {
        bail!("{shown}: compressed Parquet files are not supported; decompress it first (Parquet compresses its pages internally)");
    }
    Ok(DataFile {
        name: Arc::from(shown.as_str()),
        stem: Arc::from(stem_of(&path).as_str()),
        within: None,
        path,
        size: meta.len(),
        compression,
        format,
    })
}

/// Bytes read to sniff a format; more only when a JSON object's first line is longer.
const SNIFF_HEAD: usize = 64 << 10;
const SNIFF_LINE_LIMIT: usize = 16 << 20;

fn sniff_format(
    path: &Path,
    compression: Compression,
    ext: Option<&str>,
    hint: Option<FormatHint>,
) -> Result<Format> {
    match hint {
        Some(FormatHint::Jsonl) => return Ok(Format::Jsonl),
        Some(FormatHint::Csv) => return Ok(Format::Csv),
        Some(FormatHint::Tsv) => return Ok(Format::Tsv),
        Some(FormatHint::Parquet) => return Ok(Format::Parquet),
        _ => {}
    }
    let counter = Arc::new(AtomicU64::new(0));
    let mut reader = BufReader::new(open_decoded(path, compression, counter)?);
    let mut head =
        read_head(&mut reader, 8).map_err(|e| anyhow!("cannot read the start of the file: {e}"))?;
    if head.starts_with(PARQUET_MAGIC) {
        return Ok(Format::Parquet);
    }
    if head.starts_with(ARROW_MAGIC) {
        return Ok(Format::ArrowFile);
    }
    if head.starts_with(ARROW_STREAM_CONTINUATION) || hint == Some(FormatHint::Arrow) {
        return Ok(Format::ArrowStream);
    }
    if head.len() == 8 {
        head.extend(read_head(&mut reader, SNIFF_HEAD - 8).unwrap_or_default());
    }
    let offset = head.len() - skip_bom_and_space(&head).len();
    match head.get(offset) {
        Some(b'[') => return Ok(Format::JsonArray),
        Some(b'{') => {
            let mut extent = json_stream::first_object_extent(&head[offset..]);
            if extent == Extent::Open && head.len() == SNIFF_HEAD {
                // A long first line: read on to its end (bounded) before deciding.
                // Read errors here resurface, with better context, when the file is read.
                let _ = (&mut reader)
                    .take(SNIFF_LINE_LIMIT as u64)
                    .read_until(b'\n', &mut head);
                extent = json_stream::first_object_extent(&head[offset..]);
            }
            return Ok(match extent {
                // One compact object on the first line. If it is all the file holds, read
                // it as a document so a one-line wrapper such as {"data":[...]} works.
                Extent::Closes(end) => {
                    let after = &head[offset + end..];
                    let mut only_object = after.iter().all(u8::is_ascii_whitespace);
                    if only_object && head.len() >= SNIFF_HEAD {
                        let more = read_head(&mut reader, 4096).unwrap_or_default();
                        only_object = more.iter().all(u8::is_ascii_whitespace);
                    }
                    if only_object && !matches!(ext, Some("jsonl" | "ndjson")) {
                        Format::JsonObjects
                    } else {
                        Format::Jsonl
                    }
                }
                Extent::Newline => Format::JsonObjects,
                Extent::Open => match ext {
                    Some("jsonl" | "ndjson") => Format::Jsonl,
                    _ => Format::JsonObjects,
                },
            });
        }
        _ => {}
    }
    if hint == Some(FormatHint::Json) {
        bail!("the content does not start with `[` or `{{`, so it is not JSON");
    }
    let empty = offset == head.len();
    match ext {
        Some("csv") => Ok(Format::Csv),
        Some("tsv") => Ok(Format::Tsv),
        Some("jsonl" | "ndjson" | "json") if empty => Ok(Format::Jsonl),
        Some("jsonl" | "ndjson" | "json") => {
            bail!("the content does not start with `[` or `{{`, so it is not JSON or JSON Lines")
        }
        Some("parquet") => bail!("the name says Parquet but the file does not start with `PAR1`"),
        Some("arrow" | "feather" | "ipc") => {
            bail!("the name says Arrow but the file is neither an Arrow IPC file nor stream")
        }
        _ => bail!(
            "unknown extension and the content is not JSON, Parquet or Arrow; pass --format ({})",
            FORMATS.join("|")
        ),
    }
}

/// Split names and generic part names: shards named like this carry no task label.
const GENERIC_STEMS: &[&str] = &[
    "part",
    "parts",
    "shard",
    "data",
    "chunk",
    "file",
    "train",
    "test",
    "validation",
    "valid",
    "val",
    "dev",
    "eval",
    "split",
    "batch",
    "output",
    "out",
    "segment",
    "rows",
    "records",
];

/// Whether a shard's stem is a numbered part (train-00001-of-00004, part-0003, data_0)
/// or a bare split name rather than something that names a task.
pub(crate) fn is_numbered_part(stem: &str) -> bool {
    let s = stem.to_ascii_lowercase();
    if let Some((before, after)) = s.rsplit_once("-of-") {
        if !after.is_empty()
            && after.bytes().all(|b| b.is_ascii_digit())
            && before.ends_with(|c: char| c.is_ascii_digit())
        {
            return true;
        }
    }
    let base = s.trim_end_matches(|c: char| c.is_ascii_digit());
    let base = base.trim_end_matches(['-', '_', '.', ' ']);
    base.is_empty() || GENERIC_STEMS.contains(&base)
}

/// Whether shard file names should serve as task labels.
pub(crate) fn shard_names_are_tasks(files: &[DataFile]) -> bool {
    stems_are_tasks(files.iter().map(|f| &*f.stem))
}

/// Whether files of these stems take their stems as task labels: two or more files, none
/// a numbered part, not all of one name. `ftqa merge` asks it of the parts' files together.
pub(crate) fn stems_are_tasks<'a>(stems: impl Iterator<Item = &'a str>) -> bool {
    let mut stems: Vec<&str> = stems.collect();
    if stems.len() < 2 || stems.iter().any(|s| is_numbered_part(s)) {
        return false;
    }
    stems.sort_unstable();
    stems.dedup();
    stems.len() > 1
}

/// Gives files whose name is not unique in the dataset their path below the deepest
/// folder all files share, for sampling keys (`Origin::within`): that part of the path
/// moves with the dataset, and it tells `en/train.jsonl` from `zh/train.jsonl`.
pub(crate) fn set_within(files: &mut [DataFile]) {
    let name = |f: &DataFile| f.path.file_name().map(|n| n.to_string_lossy().into_owned());
    let mut counts: std::collections::HashMap<Option<String>, usize> = Default::default();
    for f in files.iter() {
        *counts.entry(name(f)).or_insert(0) += 1;
    }
    if counts.values().all(|&c| c < 2) {
        return;
    }
    let mut root: Option<PathBuf> = None;
    for f in files.iter() {
        let dir = f.path.parent().map(Path::to_path_buf).unwrap_or_default();
        root = Some(match root {
            None => dir,
            Some(r) => r
                .ancestors()
                .find(|a| dir.starts_with(a))
                .map(Path::to_path_buf)
                .unwrap_or_default(),
        });
    }
    let root = root.unwrap_or_default();
    for f in files.iter_mut() {
        if counts[&name(f)] > 1 {
            let below = f.path.strip_prefix(&root).unwrap_or(&f.path);
            let parts: Vec<String> = below
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            f.within = Some(Arc::from(parts.join("/").as_str()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_drop_data_and_compression_extensions() {
        assert_eq!(stem_of(Path::new("a/b/task_x.jsonl.gz")), "task_x");
        assert_eq!(stem_of(Path::new("data.json")), "data");
        assert_eq!(stem_of(Path::new("x.y.parquet")), "x.y");
        assert_eq!(stem_of(Path::new("notes.txt")), "notes.txt");
    }

    #[test]
    fn numbered_parts_are_recognised() {
        for s in [
            "train-00001-of-00004",
            "data-00000-of-00001",
            "part-0003",
            "data_0",
            "0001",
            "train",
            "shard_12",
        ] {
            assert!(is_numbered_part(s), "{s}");
        }
        for s in [
            "adversarial_qa_dbert_based_on",
            "gsm8k",
            "super_glue_copa",
            "math_qa",
        ] {
            assert!(!is_numbered_part(s), "{s}");
        }
    }

    #[test]
    fn metadata_and_hidden_files_are_not_data() {
        assert!(is_data_file(Path::new("d/train.jsonl.gz")));
        assert!(is_data_file(Path::new("d/x.parquet")));
        assert!(!is_data_file(Path::new("d/dataset_info.json")));
        assert!(!is_data_file(Path::new("d/state.json")));
        assert!(!is_data_file(Path::new("d/.hidden.jsonl")));
        assert!(!is_data_file(Path::new("d/README.md")));
        assert!(!is_data_file(Path::new("d/notes.txt")));
        assert!(!is_data_file(Path::new("d/cache-5f2a9c.arrow")));
        assert!(!is_data_file(Path::new("d/x.arrow.lock")));
        assert!(is_data_file(Path::new("d/data-00000-of-00001.arrow")));
    }

    #[test]
    fn missing_path_error_names_it() {
        let err = resolve("/nonexistent/ftqa/x.jsonl", None)
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("/nonexistent/ftqa/x.jsonl"), "{err}");
    }
}
