//! The data loader: turns a file, directory or glob of fine-tuning data into a stream of
//! canonical records (or skips, for records that cannot be read).
//!
//! Layers, each in its own module:
//! - `files`: resolving paths into data files, sniffing compression and format;
//! - `jsonl`, `json_stream`, `delimited`, `columnar` (+ `arrow_json`): one reader per
//!   format, all producing raw rows (`source`);
//! - `detect`: choosing a schema and columns once, from a sample of rows or from flags;
//!   `roles` (+ `names`) gives columns roles when no named schema fits, and
//!   `task_columns` finds the task label (one level or two);
//! - `schemas` (+ `turns`): mapping each raw row onto a `Record`.

mod arrow_json;
mod columnar;
mod delimited;
mod detect;
pub(crate) mod files;
#[doc(hidden)]
pub mod fuzzing;
mod hf;
mod json_stream;
mod jsonl;
mod names;
mod parquet_guard;
pub mod raw;
mod roles;
mod schemas;
mod source;
mod task_columns;
mod turns;

#[cfg(test)]
mod tests;

pub use files::FORMATS;
pub use hf::{dataset_dict_splits, hub_cache_root, report_name};
pub use schemas::{parse_schema_name, Schema, SCHEMAS};

use anyhow::{anyhow, Result};
use ftqa_metrics::record::{Origin, Record};
use ftqa_metrics::registry::Skip;
use ftqa_metrics::result::DatasetInfo;
use serde_json::Value;
use std::collections::{HashSet, VecDeque};
use std::io::BufReader;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use files::{Compression, DataFile, Format};
use schemas::Plan;
use source::{RawItem, RowSource};

/// Explicit source columns for canonical fields (from `--*-col` flags).
#[derive(Default, Clone, Debug)]
pub struct ColumnMap {
    pub instruction: Option<String>,
    pub input: Option<String>,
    pub response: Option<String>,
    pub messages: Option<String>,
    pub system: Option<String>,
    pub task: Option<String>,
    pub id: Option<String>,
    pub images: Option<String>,
    pub prompt: Option<String>,
    pub chosen: Option<String>,
    pub rejected: Option<String>,
}

#[derive(Default, Clone, Debug)]
pub struct LoadOptions {
    /// A file, a directory (read recursively) or a glob pattern.
    pub path: String,
    /// Forces the format: one of [`FORMATS`].
    pub format: Option<String>,
    /// Forces the schema: one of [`SCHEMAS`].
    pub schema: Option<String>,
    pub columns: ColumnMap,
    /// The split to read from an `hf://` dataset (like `@SPLIT`), a `save_to_disk`
    /// DatasetDict folder, or a folder whose file names carry split names.
    pub split: Option<String>,
}

// Records are nearly every event, so boxing them would cost an allocation per record to
// save memory only on the rare skip.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum LoadEvent {
    Record(Record),
    Skip(Skip),
}

/// Rows looked at to choose the schema.
const SAMPLE_ROWS: usize = 100;
/// Items (rows or unreadable records) read while sampling, at most.
const SAMPLE_ITEMS: usize = 1000;
const TEXT_BUFFER: usize = 256 << 10;

pub struct Loader {
    info: DatasetInfo,
    files: Vec<DataFile>,
    plan: Plan,
    /// Whether each file's stem is its records' task label.
    shard_tasks: bool,
    /// Columns to parse as JSON in CSV/TSV files.
    structured_columns: Vec<String>,
    /// Items read while sampling, replayed first.
    pending: VecDeque<(usize, RawItem)>,
    current: Option<(usize, Box<dyn RowSource>)>,
    next_file: usize,
    counter: Arc<AtomicU64>,
    bytes_done: u64,
    bytes_total: u64,
    warnings: Vec<String>,
    unknown_roles: HashSet<String>,
}

impl Loader {
    pub fn open(opts: &LoadOptions) -> Result<Loader> {
        let hint = match &opts.format {
            Some(f) => Some(files::parse_format_hint(f).ok_or_else(|| {
                anyhow!("unknown format `{f}`; supported: {}", FORMATS.join(", "))
            })?),
            None => None,
        };
        if let Some(s) = &opts.schema {
            if parse_schema_name(s).is_none() {
                return Err(anyhow!(
                    "unknown schema `{s}`; supported: {}",
                    SCHEMAS.join(", ")
                ));
            }
        }
        let resolved = files::resolve(&opts.path, opts.split.as_deref())?;
        let label = resolved.label;
        let mut files = resolved
            .files
            .into_iter()
            .map(|p| files::inspect(p, hint))
            .collect::<Result<Vec<_>>>()?;
        files::set_within(&mut files);
        let cols = &opts.columns;
        let structured_columns = [
            &cols.messages,
            &cols.chosen,
            &cols.rejected,
            &cols.prompt,
            &cols.images,
        ]
        .into_iter()
        .flatten()
        .cloned()
        .collect();
        let mut loader = Loader {
            info: DatasetInfo::default(),
            bytes_total: files.iter().map(|f| f.size).sum(),
            files,
            plan: Plan {
                schema: Schema::Text,
                keys: Default::default(),
                id_key: None,
                task_key: None,
                task_parent_key: None,
                layout: None,
            },
            shard_tasks: false,
            structured_columns,
            pending: VecDeque::new(),
            current: None,
            next_file: 0,
            counter: Arc::new(AtomicU64::new(0)),
            bytes_done: 0,
            warnings: Vec::new(),
            unknown_roles: HashSet::new(),
        };
        loader.sample()?;

        let rows: Vec<&source::Row> = loader
            .pending
            .iter()
            .filter_map(|(_, item)| match item {
                RawItem::Row { row, .. } => Some(row),
                RawItem::Bad { .. } => None,
            })
            .collect();
        if rows.is_empty() && opts.schema.is_none() {
            return Err(loader.nothing_readable(&label));
        }
        let detection = detect::detect(
            &label,
            &rows,
            opts.schema.as_deref(),
            &opts.columns,
            &loader.files,
        )?;
        loader.warnings.extend(detection.warnings);
        loader.shard_tasks = detection.shard_tasks;
        loader.info = DatasetInfo {
            path: label,
            format: one_or_mixed(loader.files.iter().map(|f| f.format.name()))
                .unwrap_or_default()
                .to_string(),
            schema: detection.plan.schema.name().to_string(),
            mapping: detection.mapping,
            schema_source: detection.schema_source.to_string(),
            mapping_confidence: detection.confidence.to_string(),
            mapping_notes: detection.notes,
            files: loader.files.iter().map(|f| f.name.to_string()).collect(),
            compression: one_or_mixed(loader.files.iter().map(|f| f.compression.name()))
                .flatten()
                .map(str::to_string),
            task_source: detection.task_source,
        };
        loader.plan = detection.plan;
        Ok(loader)
    }

    pub fn info(&self) -> &DatasetInfo {
        &self.info
    }

    /// Warnings found so far (truncated files, unknown role names, ...), each once.
    pub fn take_warnings(&mut self) -> Vec<String> {
        if let Some((_, src)) = &mut self.current {
            src.drain_warnings(&mut self.warnings);
        }
        std::mem::take(&mut self.warnings)
    }

    /// Total size of the input files on disk (compressed size for compressed files).
    pub fn bytes_total(&self) -> u64 {
        self.bytes_total
    }

    /// Approximately how many of `bytes_total` have been consumed.
    pub fn bytes_read(&self) -> u64 {
        let current = match &self.current {
            Some((fi, _)) => self
                .counter
                .load(Ordering::Relaxed)
                .min(self.files[*fi].size),
            None => 0,
        };
        (self.bytes_done + current).min(self.bytes_total)
    }

    /// Reads ahead until the sample is big enough; the items are replayed afterwards.
    fn sample(&mut self) -> Result<()> {
        let mut rows = 0;
        while rows < SAMPLE_ROWS && self.pending.len() < SAMPLE_ITEMS {
            if self.current.is_none() {
                if self.next_file >= self.files.len() {
                    break;
                }
                let fi = self.next_file;
                self.next_file += 1;
                let src = self.open_source(fi)?;
                self.current = Some((fi, src));
            }
            match self.pull_current() {
                Some((fi, item)) => {
                    rows += matches!(item, RawItem::Row { .. }) as usize;
                    self.pending.push_back((fi, item));
                }
                None => self.finish_current(),
            }
        }
        Ok(())
    }

    fn nothing_readable(&self, path: &str) -> anyhow::Error {
        match self.pending.front() {
            Some((
                fi,
                RawItem::Bad {
                    reason,
                    detail,
                    line,
                    index,
                },
            )) => {
                let at = origin(&self.files[*fi], *line, *index);
                anyhow!(
                    "{path}: none of the first {} records could be read (first problem, {reason} at {at}: {detail})",
                    self.pending.len()
                )
            }
            _ => anyhow!("{path}: no records found (the data is empty)"),
        }
    }

    fn open_source(&self, fi: usize) -> Result<Box<dyn RowSource>> {
        self.counter.store(0, Ordering::Relaxed);
        open_rows(
            &self.files[fi],
            self.counter.clone(),
            &self.structured_columns,
        )
    }

    fn pull_current(&mut self) -> Option<(usize, RawItem)> {
        let (fi, src) = self.current.as_mut()?;
        src.next_item().map(|item| (*fi, item))
    }

    fn finish_current(&mut self) {
        if let Some((fi, mut src)) = self.current.take() {
            src.drain_warnings(&mut self.warnings);
            self.bytes_done += self.files[fi].size;
        }
    }

    /// The next raw item of the dataset, crossing file boundaries.
    fn next_raw(&mut self) -> Option<(usize, RawItem)> {
        if let Some(item) = self.pending.pop_front() {
            return Some(item);
        }
        loop {
            if self.current.is_some() {
                match self.pull_current() {
                    Some(item) => return Some(item),
                    None => {
                        self.finish_current();
                        continue;
                    }
                }
            }
            if self.next_file >= self.files.len() {
                return None;
            }
            let fi = self.next_file;
            self.next_file += 1;
            match self.open_source(fi) {
                Ok(src) => self.current = Some((fi, src)),
                Err(e) => {
                    // A later shard that cannot be opened costs only itself.
                    self.warnings.push(format!("{e:#}"));
                    self.bytes_done += self.files[fi].size;
                    return Some((
                        fi,
                        RawItem::Bad {
                            reason: "unreadable_file",
                            detail: format!("{e:#}"),
                            line: None,
                            index: 0,
                        },
                    ));
                }
            }
        }
    }

    fn event(&mut self, fi: usize, item: RawItem) -> LoadEvent {
        let file = &self.files[fi];
        let (mut row, line, index, invalid_utf8) = match item {
            RawItem::Row {
                row,
                line,
                index,
                invalid_utf8,
            } => (row, line, index, invalid_utf8),
            RawItem::Bad {
                reason,
                detail,
                line,
                index,
            } => {
                return LoadEvent::Skip(Skip {
                    reason: reason.to_string(),
                    detail,
                    location: origin(file, line, index).to_string(),
                })
            }
        };
        let id = self
            .plan
            .id_key
            .as_ref()
            .and_then(|k| match row.get_mut(k.as_str()).map(Value::take) {
                Some(Value::String(s)) if !s.is_empty() => Some(s),
                Some(v @ Value::Number(_)) => Some(v.to_string()),
                _ => None,
            })
            .unwrap_or_else(|| format!("{}:{index}", file.stem));
        let mut rec = Record::new(id, origin(file, line, index));
        rec.invalid_utf8 = invalid_utf8;
        let mut label = |key: &Option<String>| -> Option<String> {
            match schemas::lookup(&mut row, key.as_deref()?).map(Value::take) {
                Some(Value::String(s)) if !s.trim().is_empty() => Some(s),
                Some(v @ (Value::Number(_) | Value::Bool(_))) => Some(v.to_string()),
                _ => None,
            }
        };
        let parent = label(&self.plan.task_parent_key);
        rec.task = match (label(&self.plan.task_key), &parent) {
            // Two levels: the full path names the task, so equal lower-level names under
            // different upper levels stay different tasks.
            (Some(t), Some(p)) => Some(format!("{p} / {t}")),
            (Some(t), None) => Some(t),
            (None, Some(p)) => Some(p.clone()),
            (None, None) if self.shard_tasks => Some(file.stem.to_string()),
            (None, None) => None,
        };
        rec.task_parent = parent;
        match self.plan.map(&mut row, &mut rec) {
            Ok(()) => LoadEvent::Record(rec),
            Err(fail) => {
                let location = rec.origin.to_string();
                if let Some(role) = fail.role {
                    if self.unknown_roles.insert(role.clone()) {
                        self.warnings.push(format!(
                            "{location}: unknown role name `{role}`; records that use it are skipped (reason unknown_role)"
                        ));
                    }
                }
                LoadEvent::Skip(Skip {
                    reason: fail.reason.to_string(),
                    detail: fail.detail,
                    location,
                })
            }
        }
    }
}

impl Iterator for Loader {
    type Item = LoadEvent;

    fn next(&mut self) -> Option<LoadEvent> {
        let (fi, item) = self.next_raw()?;
        Some(self.event(fi, item))
    }
}

/// Opens the reader for one data file; shared by the loader and [`raw`] (the writer and
/// benchmark reader re-read files through it).
fn open_rows(
    file: &DataFile,
    counter: Arc<AtomicU64>,
    structured_columns: &[String],
) -> Result<Box<dyn RowSource>> {
    let name = file.name.clone();
    let decoded = || {
        files::open_decoded(&file.path, file.compression, counter.clone())
            .map_err(|e| anyhow!("{name}: cannot open file: {e}"))
    };
    Ok(match file.format {
        Format::Jsonl => Box::new(jsonl::JsonlSource::new(
            Box::new(BufReader::with_capacity(TEXT_BUFFER, decoded()?)),
            name,
        )),
        Format::JsonArray | Format::JsonObjects => Box::new(json_stream::JsonStreamSource::new(
            Box::new(BufReader::with_capacity(TEXT_BUFFER, decoded()?)),
            name,
            file.format == Format::JsonArray,
        )),
        Format::Csv | Format::Tsv => Box::new(delimited::DelimitedSource::new(
            decoded()?,
            name,
            if file.format == Format::Csv {
                b','
            } else {
                b'\t'
            },
            structured_columns,
        )?),
        Format::Parquet => Box::new(columnar::open_parquet(
            &file.path,
            name,
            counter.clone(),
            file.size,
        )?),
        Format::ArrowFile if file.compression == Compression::None => Box::new(
            columnar::open_arrow_file(&file.path, name, counter.clone())?,
        ),
        Format::ArrowFile => Box::new(columnar::open_arrow_stream(decoded()?, name.clone(), true)?),
        Format::ArrowStream => Box::new(columnar::open_arrow_stream(
            decoded()?,
            name.clone(),
            false,
        )?),
    })
}

fn origin(file: &DataFile, line: Option<u64>, index: u64) -> Origin {
    Origin {
        file: file.name.clone(),
        line,
        index,
        within: file.within.clone(),
    }
}

/// The single value shared by all items, or "mixed".
fn one_or_mixed<T: PartialEq + From<&'static str>>(mut it: impl Iterator<Item = T>) -> Option<T> {
    let first = it.next()?;
    if it.all(|x| x == first) {
        Some(first)
    } else {
        Some(T::from("mixed"))
    }
}
