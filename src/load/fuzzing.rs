//! Entry points for the fuzz targets in `fuzz/` and for the loader regression and property
//! tests (issue 12). Each takes arbitrary bytes, drives the real reader to completion and
//! reports what it produced; none may panic on any input (a panic is a bug in the reader).
//!
//! Readers that take a byte stream are fed from memory; those that need a path (format
//! sniffing, Parquet, the whole loader) get a scratch file under the temp directory,
//! removed again when the call returns.

use anyhow::Result;
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use super::files::{self, Compression, DataFile, Format, FormatHint};
use super::source::{RawItem, RowSource};
use super::{columnar, delimited, detect, json_stream, jsonl};
use super::{ColumnMap, LoadEvent, LoadOptions, Loader, Schema, SCHEMAS};

/// For fuzz targets: lets panics raised inside third-party crates unwind instead of
/// aborting at once, so that the loader's own guard (`columnar::guarded`, which turns a
/// decoder panic on a damaged file into an error) is exercised. A panic in ftqa's own code
/// still aborts immediately, and one that escapes the loader still reaches libFuzzer,
/// which reports it as a crash. Call at the start of every fuzz input; cheap after the first.
pub fn tolerate_caught_dependency_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let strict = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let in_dependency = info
                .location()
                .is_some_and(|l| l.file().contains("/registry/src/"));
            if !in_dependency {
                strict(info);
            }
        }));
    });
}

/// Items read from one input at most (a decompression bomb must not run for ever).
const MAX_ITEMS: u64 = 100_000;

/// What a reader produced from one input.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Rows (raw readers) or records (the loader, `detect_map`).
    pub rows: u64,
    /// Unreadable items (raw readers) or skips (the loader, `detect_map`).
    pub skips: u64,
    pub warnings: usize,
}

fn drain(src: &mut dyn RowSource) -> Counts {
    let mut c = Counts::default();
    while c.rows + c.skips < MAX_ITEMS {
        match src.next_item() {
            Some(RawItem::Row { .. }) => c.rows += 1,
            Some(RawItem::Bad { .. }) => c.skips += 1,
            None => break,
        }
    }
    let mut w = Vec::new();
    src.drain_warnings(&mut w);
    c.warnings = w.len();
    c
}

fn drain_loader(loader: &mut Loader) -> Counts {
    let mut c = Counts::default();
    while c.rows + c.skips < MAX_ITEMS {
        match loader.next() {
            Some(LoadEvent::Record(_)) => c.rows += 1,
            Some(LoadEvent::Skip(_)) => c.skips += 1,
            None => break,
        }
    }
    c.warnings = loader.take_warnings().len();
    c
}

fn memory(data: &[u8]) -> Box<Cursor<Vec<u8>>> {
    Box::new(Cursor::new(data.to_vec()))
}

/// The JSON Lines reader over `data`.
pub fn jsonl(data: &[u8]) -> Counts {
    let mut src = jsonl::JsonlSource::new(memory(data), Arc::from("fuzz.jsonl"));
    drain(&mut src)
}

/// The JSON array (`array`) or concatenated-objects stream reader over `data`, plus the
/// first-line scanner that format sniffing uses.
pub fn json_stream(data: &[u8], array: bool) -> Counts {
    let _ = json_stream::first_object_extent(data);
    let mut src = json_stream::JsonStreamSource::new(memory(data), Arc::from("fuzz.json"), array);
    drain(&mut src)
}

/// The CSV (`b','`) or TSV (`b'\t'`) reader over `data`; `Err` when there is no header.
pub fn delimited(data: &[u8], delimiter: u8) -> Result<Counts> {
    let extra = ["text".to_string()];
    let mut src =
        delimited::DelimitedSource::new(memory(data), Arc::from("fuzz.csv"), delimiter, &extra)?;
    Ok(drain(&mut src))
}

/// The Parquet reader over `data` (written to a scratch file: it reads through seeks).
pub fn parquet(data: &[u8]) -> Result<Counts> {
    let file = Scratch::new("fuzz.parquet", data)?;
    let mut src = columnar::open_parquet(
        &file.0,
        Arc::from("fuzz.parquet"),
        Arc::new(AtomicU64::new(0)),
        data.len() as u64,
    )?;
    Ok(drain(&mut src))
}

/// The Parquet reader over [`small_parquet`] with byte patches applied: a structure-aware
/// variant that keeps most of a valid file, so the reader gets past the magic and footer.
/// `patches` is read as (position: u16 big-endian, value) triples; a leftover byte cuts
/// that many bytes off the end.
pub fn parquet_patched(patches: &[u8]) -> Result<Counts> {
    static BASE: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    let mut file = match BASE.get() {
        Some(b) => b.clone(),
        None => BASE
            .get_or_init(|| small_parquet().unwrap_or_default())
            .clone(),
    };
    let mut ops = patches.chunks_exact(3);
    for op in &mut ops {
        let at = u16::from_be_bytes([op[0], op[1]]) as usize;
        if !file.is_empty() {
            let len = file.len();
            file[at % len] = op[2];
        }
    }
    if let [cut, ..] = ops.remainder() {
        file.truncate(file.len().saturating_sub(*cut as usize));
    }
    parquet(&file)
}

/// File names `sniff` chooses from: the extension steers sniffing.
pub const SNIFF_NAMES: &[&str] = &[
    "data.jsonl",
    "data.json",
    "data.csv",
    "data.tsv",
    "data.parquet",
    "data.arrow",
    "data.bin",
    "data.jsonl.gz",
    "data.json.zst",
];
const SNIFF_HINTS: &[Option<FormatHint>] = &[
    None,
    Some(FormatHint::Jsonl),
    Some(FormatHint::Json),
    Some(FormatHint::Csv),
    Some(FormatHint::Tsv),
    Some(FormatHint::Parquet),
    Some(FormatHint::Arrow),
];

/// The selector byte that makes `sniff` use `SNIFF_NAMES[name]` and no `--format` hint.
pub fn sniff_selector(name: usize) -> u8 {
    name as u8
}

/// Format and compression sniffing, then the chosen reader. The first byte of `data`
/// selects the file name (`SNIFF_NAMES`) and the `--format` hint; the rest is the file.
/// `Err` when the file is rejected; otherwise the sniffed format and what it held.
pub fn sniff(data: &[u8]) -> Result<(&'static str, Counts)> {
    let (sel, content) = match data.split_first() {
        Some((s, rest)) => (*s as usize, rest),
        None => (0, data),
    };
    let name = SNIFF_NAMES[sel % SNIFF_NAMES.len()];
    let hint = SNIFF_HINTS[(sel / SNIFF_NAMES.len()) % SNIFF_HINTS.len()];
    let file = Scratch::new(name, content)?;
    let df = files::inspect(file.0.clone(), hint)?;
    let mut src = super::open_rows(&df, Arc::new(AtomicU64::new(0)), &[])?;
    Ok((df.format.name(), drain(src.as_mut())))
}

/// The schema `detect_map` forces for selector byte `sel`: `None` (auto-detect) for 0.
pub fn forced_schema(sel: u8) -> Option<&'static str> {
    match sel as usize % (SCHEMAS.len() + 1) {
        0 => None,
        i => Some(SCHEMAS[i - 1]),
    }
}

/// Schema detection and mapping, the way the loader does it: the JSON Lines in `data[1..]`
/// become rows, `detect` chooses a plan from them (forcing the schema `forced_schema(data[0])`),
/// then every item becomes a record or a skip. `Err` when detection rejects the rows.
pub fn detect_map(data: &[u8]) -> Result<Counts> {
    let (sel, content) = match data.split_first() {
        Some((s, rest)) => (*s, rest),
        None => (0, data),
    };
    let schema = forced_schema(sel);
    let mut src = jsonl::JsonlSource::new(memory(content), Arc::from("fuzz.jsonl"));
    let mut pending = std::collections::VecDeque::new();
    while (pending.len() as u64) < MAX_ITEMS {
        match src.next_item() {
            Some(item) => pending.push_back((0, item)),
            None => break,
        }
    }
    let file = DataFile {
        path: PathBuf::from("fuzz.jsonl"),
        name: Arc::from("fuzz.jsonl"),
        stem: Arc::from("fuzz"),
        within: None,
        size: content.len() as u64,
        compression: Compression::None,
        format: Format::Jsonl,
    };
    let rows: Vec<&super::source::Row> = pending
        .iter()
        .filter_map(|(_, item)| match item {
            RawItem::Row { row, .. } => Some(row),
            RawItem::Bad { .. } => None,
        })
        .collect();
    let detection = detect::detect(
        "fuzz.jsonl",
        &rows,
        schema,
        &ColumnMap::default(),
        std::slice::from_ref(&file),
    )?;
    drop(rows);
    let mut loader = Loader {
        info: Default::default(),
        files: vec![file],
        plan: detection.plan,
        shard_tasks: detection.shard_tasks,
        structured_columns: Vec::new(),
        pending,
        current: None,
        next_file: 1,
        counter: Arc::new(AtomicU64::new(0)),
        bytes_done: 0,
        bytes_total: content.len() as u64,
        warnings: detection.warnings,
        unknown_roles: Default::default(),
    };
    Ok(drain_loader(&mut loader))
}

/// The whole public loader (`Loader::open`, then every event) on `data` saved as a file
/// named `file_name` (its extension steers format sniffing). `schema` forces one.
pub fn load(data: &[u8], file_name: &str, schema: Option<Schema>) -> Result<Counts> {
    let file = Scratch::new(file_name, data)?;
    let opts = LoadOptions {
        path: file.0.to_string_lossy().into_owned(),
        schema: schema.map(|s| s.name().to_string()),
        ..Default::default()
    };
    let mut loader = Loader::open(&opts)?;
    Ok(drain_loader(&mut loader))
}

/// A file in the temp directory holding one input, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(file_name: &str, data: &[u8]) -> std::io::Result<Scratch> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let dir = std::env::temp_dir().join("ftqa-fuzzing");
        std::fs::create_dir_all(&dir)?;
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = dir.join(format!("{}-{n}-{file_name}", std::process::id()));
        std::fs::write(&path, data)?;
        Ok(Scratch(path))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Writes a seed corpus for every fuzz target under `root/<target>/`, from the generated
/// fixtures (cut to a few records each, so inputs stay small) and hand-written edge cases.
pub fn write_seed_corpus(root: &Path) -> Result<usize> {
    let fixtures = std::env::temp_dir().join(format!("ftqa-fuzz-fixtures-{}", std::process::id()));
    crate::fixtures::write_all(&fixtures)?;
    let result = seeds_from(&fixtures, root);
    let _ = std::fs::remove_dir_all(&fixtures);
    result
}

fn seeds_from(fixtures: &Path, root: &Path) -> Result<usize> {
    let mut written = 0;
    let mut put = |target: &str, name: &str, bytes: &[u8]| -> Result<()> {
        let dir = root.join(target);
        std::fs::create_dir_all(&dir)?;
        std::fs::write(dir.join(format!("seed-{name}")), bytes)?;
        written += 1;
        Ok(())
    };
    let mut paths: Vec<PathBuf> = Vec::new();
    for dir in [
        fixtures.to_path_buf(),
        fixtures.join("shards"),
        fixtures.join("dedup"),
    ] {
        for e in std::fs::read_dir(&dir)? {
            let p = e?.path();
            if p.is_file() && p.file_name().is_some_and(|n| n != "manifest.json") {
                paths.push(p);
            }
        }
    }
    paths.sort();
    let mut jsonl_heads: Vec<(String, Vec<u8>)> = Vec::new();
    for p in &paths {
        let name = p
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let bytes = std::fs::read(p)?;
        let lower = name.to_ascii_lowercase();
        let plain = !(lower.ends_with(".gz") || lower.ends_with(".zst"));
        // Text: the first few lines (a cut inside a JSON document is itself a good seed).
        let head = first_lines(&bytes, 4);
        if lower.ends_with(".jsonl") {
            put("json_stream", &name, &head)?;
            jsonl_heads.push((name.clone(), head.clone()));
        } else if lower.ends_with(".json") {
            put("json_stream", &name, &head_bytes(&bytes, 3000))?;
            put(
                "json_stream",
                &format!("{name}.first2k"),
                &first_records(&bytes, 2),
            )?;
        } else if lower.ends_with(".csv") || lower.ends_with(".tsv") {
            put("csv", &name, &head)?;
        } else if lower.ends_with(".parquet") {
            put("parquet", &name, &bytes)?;
        }
        // Sniffing: the file under its own extension, and as an extension-less blob.
        let small = if plain && !lower.ends_with(".parquet") && !lower.ends_with(".arrow") {
            head_bytes(&bytes, 3000)
        } else {
            bytes.clone()
        };
        let ext_index = SNIFF_NAMES
            .iter()
            .position(|n| lower.ends_with(n.trim_start_matches("data")))
            .unwrap_or(6);
        for idx in [ext_index, 6] {
            let mut s = vec![sniff_selector(idx)];
            s.extend_from_slice(&small);
            put("sniff", &format!("{name}.{idx}"), &s)?;
        }
    }
    // Detection: each JSON Lines head, auto-detected and forced to a few schemas.
    for (name, head) in &jsonl_heads {
        for sel in [0u8, 1, 5, 12] {
            let mut s = vec![sel];
            s.extend_from_slice(head);
            put("detect_map", &format!("{name}.{sel}"), &s)?;
        }
    }
    for (i, line) in HAND_LINES.iter().enumerate() {
        let mut s = vec![0u8];
        s.extend_from_slice(line.as_bytes());
        s.push(b'\n');
        put("detect_map", &format!("hand{i}"), &s)?;
        put("json_stream", &format!("hand{i}"), line.as_bytes())?;
    }
    for (i, text) in HAND_JSON.iter().enumerate() {
        put("json_stream", &format!("doc{i}"), text.as_bytes())?;
    }
    for (i, text) in HAND_CSV.iter().enumerate() {
        put("csv", &format!("hand{i}"), text.as_bytes())?;
    }
    put("parquet", "small.parquet", &small_parquet()?)?;
    for (i, patch) in [&[][..], &[0, 4, 0][..], &[0xff, 0xf0, 1, 0, 0x40, 7][..]]
        .iter()
        .enumerate()
    {
        put("parquet_mutate", &format!("patch{i}"), patch)?;
    }
    Ok(written)
}

const HAND_LINES: &[&str] = &[
    r#"{"instruction":"a","input":"","output":"b","id":7,"task":"t"}"#,
    r#"{"conversations":[{"from":"human","value":"hi"},{"from":"gpt","value":"yo"}],"system":"s"}"#,
    r#"{"messages":[{"role":"system","content":"s"},{"role":"user","content":[{"type":"text","text":"x"},{"type":"image_url","image_url":{"url":"a.png"}}]},{"role":"assistant","content":"y"}]}"#,
    r#"{"prompt":"p","chosen":"c","rejected":"r"}"#,
    r#"{"chosen":"\n\nHuman: a\n\nAssistant: b","rejected":"\n\nHuman: a\n\nAssistant: c"}"#,
    r#"{"prompt":"p","completion":"c","label":true}"#,
    "{\"text\":\"### Human: a ### Assistant: b\"}",
    r#"{"question":"q","answer":"a","history":[["u","v"]]}"#,
    r#"{"instruction":"i","instances":[{"input":"x","output":"y"}]}"#,
    r#"{"image":"x.jpg","conversations":[{"from":"human","value":"<image>\nq"},{"from":"gpt","value":"a"}]}"#,
];

const HAND_JSON: &[&str] = &[
    "[]",
    "[{\"a\":1},{\"a\":\"x]\\\"{\"}]",
    "{\"data\":[{\"instruction\":\"a\",\"output\":\"b\"}]}",
    "\u{feff}[\n{\"a\":1},\n{\"a\":1,,},\n]",
    "{\"a\":1}\n{\"a\":2}\n",
    "[1, \"s\", null, {\"a\": [1, {\"b\": 2}]}] trailing",
    "[{\"a\": \"cut her",
];

const HAND_CSV: &[&str] = &[
    "instruction,input,output\na,,b\n\"q, with comma\",\"\",\"multi\nline\"\n",
    "messages,label\n\"[{\"\"role\"\":\"\"user\"\",\"\"content\"\":\"\"hi\"\"}]\",true\nonly\n",
    "\u{feff}prompt\tchosen\trejected\np\tc\tr\n",
    ",\n\n",
];

/// A three-row Parquet file with a string, a nested list-of-struct and an int column.
pub fn small_parquet() -> Result<Vec<u8>> {
    use arrow_array::builder::{ListBuilder, StringBuilder, StructBuilder};
    use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray};
    use arrow_schema::{DataType, Field, Fields};

    let fields = Fields::from(vec![
        Field::new("role", DataType::Utf8, true),
        Field::new("content", DataType::Utf8, true),
    ]);
    let mut list = ListBuilder::new(StructBuilder::from_fields(fields, 3));
    for (u, a) in [("hi", "hello"), ("2+2?", "4"), ("", "")] {
        let s = list.values();
        for (role, text) in [("user", u), ("assistant", a)] {
            s.field_builder::<StringBuilder>(0)
                .expect("role column")
                .append_value(role);
            s.field_builder::<StringBuilder>(1)
                .expect("content column")
                .append_value(text);
            s.append(true);
        }
        list.append(true);
    }
    let messages: ArrayRef = Arc::new(list.finish());
    let batch = RecordBatch::try_from_iter([
        ("messages", messages),
        (
            "task",
            Arc::new(StringArray::from(vec![Some("a"), None, Some("b")])) as ArrayRef,
        ),
        ("id", Arc::new(Int64Array::from(vec![1, 2, 3])) as ArrayRef),
    ])?;
    let mut out = Vec::new();
    let mut w = parquet::arrow::ArrowWriter::try_new(&mut out, batch.schema(), None)?;
    w.write(&batch)?;
    w.close()?;
    Ok(out)
}

/// The first `n` lines of `bytes`.
fn first_lines(bytes: &[u8], n: usize) -> Vec<u8> {
    let mut end = 0;
    for _ in 0..n {
        match bytes[end..].iter().position(|&b| b == b'\n') {
            Some(i) => end += i + 1,
            None => return bytes.to_vec(),
        }
    }
    bytes[..end].to_vec()
}

fn head_bytes(bytes: &[u8], n: usize) -> Vec<u8> {
    bytes[..bytes.len().min(n)].to_vec()
}

/// A JSON array file cut to its first `n` records and closed again (best effort).
fn first_records(bytes: &[u8], n: usize) -> Vec<u8> {
    match serde_json::from_slice::<serde_json::Value>(bytes) {
        Ok(serde_json::Value::Array(items)) => {
            let cut: Vec<_> = items.into_iter().take(n).collect();
            serde_json::to_vec_pretty(&cut).unwrap_or_default()
        }
        _ => head_bytes(bytes, 2000),
    }
}
