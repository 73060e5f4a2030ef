//! Raw access to the rows behind a dataset, before schema mapping: for readers that need
//! the original columns (the benchmark reader picks its own fields) or the original files
//! (the cleaned-dataset writer re-reads them to copy kept rows).

use super::files::{self, Compression, DataFile, Format};
use super::source::RawItem;
use super::{open_rows, LoadOptions};
use anyhow::{anyhow, Result};
use serde_json::{Map, Value};
use std::io::Read;
use std::path::PathBuf;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

/// One data file of a dataset as the loader sees it.
#[derive(Clone, Debug)]
pub struct DataFileInfo {
    pub path: PathBuf,
    /// The name used in record origins (`Origin::file`).
    pub name: Arc<str>,
    /// File name without data and compression extensions.
    pub stem: Arc<str>,
    /// `jsonl`, `json_array`, `json_objects`, `csv`, `tsv`, `parquet`, `arrow_file`, `arrow_stream`.
    pub format: &'static str,
    /// `gzip` or `zstd` when the file is compressed as a whole.
    pub compression: Option<&'static str>,
    inner: DataFile,
}

/// The data files `opts.path` resolves to, with their sniffed format and compression,
/// exactly as the loader resolves them.
pub fn data_files(opts: &LoadOptions) -> Result<Vec<DataFileInfo>> {
    let hint = match &opts.format {
        Some(f) => Some(files::parse_format_hint(f).ok_or_else(|| {
            anyhow!(
                "unknown format `{f}`; supported: {}",
                files::FORMATS.join(", ")
            )
        })?),
        None => None,
    };
    files::resolve(&opts.path, opts.split.as_deref())?
        .files
        .into_iter()
        .map(|p| {
            let f = files::inspect(p, hint)?;
            Ok(DataFileInfo {
                path: f.path.clone(),
                name: f.name.clone(),
                stem: f.stem.clone(),
                format: match f.format {
                    Format::Jsonl => "jsonl",
                    Format::JsonArray => "json_array",
                    Format::JsonObjects => "json_objects",
                    Format::Csv => "csv",
                    Format::Tsv => "tsv",
                    Format::Parquet => "parquet",
                    Format::ArrowFile => "arrow_file",
                    Format::ArrowStream => "arrow_stream",
                },
                compression: f.compression.name(),
                inner: f,
            })
        })
        .collect()
}

impl DataFileInfo {
    /// The decompressed bytes of the file.
    pub fn open_decoded(&self) -> Result<Box<dyn Read + Send>> {
        files::open_decoded(
            &self.inner.path,
            self.inner.compression,
            Arc::new(AtomicU64::new(0)),
        )
        .map_err(|e| anyhow!("{}: cannot open file: {e}", self.name))
    }

    pub fn is_compressed(&self) -> bool {
        self.inner.compression != Compression::None
    }

    /// Every row of the file in order, each with the line and record index that the
    /// loader puts in `Origin` (so a record can be matched back to its row).
    pub fn rows(&self) -> Result<RawRows> {
        Ok(RawRows {
            src: open_rows(&self.inner, Arc::new(AtomicU64::new(0)), &[])?,
            name: self.name.clone(),
        })
    }
}

pub enum RawEvent {
    Row {
        row: Map<String, Value>,
        line: Option<u64>,
        index: u64,
    },
    /// A record slot that could not be read (bad JSON, wrong type, cut-off file).
    Bad {
        location: String,
        reason: &'static str,
        detail: String,
        index: u64,
    },
}

pub struct RawRows {
    src: Box<dyn super::source::RowSource>,
    name: Arc<str>,
}

impl Iterator for RawRows {
    type Item = RawEvent;
    fn next(&mut self) -> Option<RawEvent> {
        Some(match self.src.next_item()? {
            RawItem::Row {
                row, line, index, ..
            } => RawEvent::Row { row, line, index },
            RawItem::Bad {
                reason,
                detail,
                line,
                index,
            } => RawEvent::Bad {
                location: match line {
                    Some(l) => format!("{}:{l}", self.name),
                    None => format!("{} row {index}", self.name),
                },
                reason,
                detail,
                index,
            },
        })
    }
}
