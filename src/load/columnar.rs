//! Parquet and Arrow IPC (file and stream form), read one record batch at a time.

use anyhow::{anyhow, Context, Result};
use arrow_array::RecordBatch;
use arrow_schema::{ArrowError, Schema};
use parquet::arrow::arrow_reader::{ArrowReaderOptions, ParquetRecordBatchReaderBuilder};
use parquet::file::metadata::PageIndexPolicy;
use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use super::arrow_json::{batch_to_rows, check_fields};
use super::files::CountingReader;
use super::parquet_guard;
use super::source::{RawItem, Row, RowSource};

/// Rows per batch: big enough to amortise per-batch work, small enough to bound memory.
const BATCH_ROWS: usize = 1024;

type Batches = Box<dyn Iterator<Item = Result<RecordBatch, ArrowError>> + Send>;

/// Parquet reads through its own seeks, so progress is estimated from rows done.
struct RowProgress {
    counter: Arc<AtomicU64>,
    file_bytes: u64,
    total_rows: u64,
}

pub(crate) struct BatchSource {
    batches: Batches,
    name: Arc<str>,
    rows: std::vec::IntoIter<Row>,
    index: u64,
    finished: bool,
    progress: Option<RowProgress>,
    warnings: Vec<String>,
}

impl BatchSource {
    fn new(batches: Batches, name: Arc<str>, schema: &Schema) -> Result<Self> {
        check_fields(schema.fields().iter().map(|f| f.as_ref()))
            .map_err(|e| anyhow!("{name}: {e}"))?;
        Ok(BatchSource {
            batches,
            name,
            rows: Vec::new().into_iter(),
            index: 0,
            finished: false,
            progress: None,
            warnings: Vec::new(),
        })
    }

    fn fail(&mut self, what: String) -> RawItem {
        self.finished = true;
        self.warnings.push(format!(
            "{}: stopped after {} rows: {what}",
            self.name, self.index
        ));
        let index = self.index;
        self.index += 1;
        RawItem::Bad {
            reason: "truncated",
            detail: format!("the rest of the file could not be read: {what}"),
            line: None,
            index,
        }
    }
}

impl RowSource for BatchSource {
    fn next_item(&mut self) -> Option<RawItem> {
        loop {
            if let Some(row) = self.rows.next() {
                let index = self.index;
                self.index += 1;
                return Some(RawItem::Row {
                    row,
                    line: None,
                    index,
                    invalid_utf8: false,
                });
            }
            if self.finished {
                return None;
            }
            // A decoder bug on malformed input (see `guarded`) ends the file like a read error.
            let next = match guarded(|| self.batches.next()) {
                Ok(next) => next,
                Err(e) => return Some(self.fail(e)),
            };
            match next {
                None => {
                    self.finished = true;
                    return None;
                }
                Some(Err(e)) => return Some(self.fail(e.to_string())),
                Some(Ok(batch)) => {
                    let mut rows = Vec::with_capacity(batch.num_rows());
                    if let Err(e) = batch_to_rows(&batch, &mut rows) {
                        return Some(self.fail(e));
                    }
                    if let Some(p) = &self.progress {
                        let done = self.index + rows.len() as u64;
                        let bytes = (p.file_bytes as u128 * done as u128
                            / p.total_rows.max(1) as u128)
                            as u64;
                        p.counter.store(bytes.min(p.file_bytes), Ordering::Relaxed);
                    }
                    self.rows = rows.into_iter();
                }
            }
        }
    }

    fn drain_warnings(&mut self, out: &mut Vec<String>) {
        out.append(&mut self.warnings);
    }
}

/// Runs a step of a third-party decoder (parquet, arrow-ipc), turning a panic into an error.
/// They are meant to return errors on malformed files but do not always: parquet 60.1
/// divides by zero decoding a dictionary page that declares no values
/// (`byte_array.rs:391`, found by `fuzz/fuzz_targets/parquet_mutate.rs`). A damaged file
/// must cost only itself, never the run. The decoder is not used again after a panic.
pub(crate) fn guarded<T>(step: impl FnOnce() -> T) -> Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(step)).map_err(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown error".to_string());
        format!("the decoder failed on malformed data ({what})")
    })
}

pub(crate) fn open_parquet(
    path: &Path,
    name: Arc<str>,
    counter: Arc<AtomicU64>,
    file_bytes: u64,
) -> Result<BatchSource> {
    let file = File::open(path).with_context(|| format!("{name}: cannot open file"))?;
    // The crate's Thrift decoding can spin on hostile input; check it first (parquet_guard).
    parquet_guard::check_footer(&file, &name)?;
    let check = file
        .try_clone()
        .with_context(|| format!("{name}: cannot open file"))?;
    // No page indexes: the guard does not check them, so the crate must not read them.
    let options = ArrowReaderOptions::new().with_page_index_policy(PageIndexPolicy::Skip);
    let builder = guarded(|| ParquetRecordBatchReaderBuilder::try_new_with_options(file, options))
        .map_err(|e| anyhow!("{name}: not a readable Parquet file: {e}"))?
        .with_context(|| format!("{name}: not a readable Parquet file"))?;
    parquet_guard::check_pages(&check, &name, builder.metadata())?;
    let total_rows = builder.metadata().file_metadata().num_rows().max(0) as u64;
    let schema = builder.schema().clone();
    let window = row_group_window(builder.metadata(), rayon::current_num_threads());
    let batches: Batches = if window > 1 {
        Box::new(RowGroups {
            path: path.to_path_buf(),
            groups: builder.metadata().num_row_groups(),
            next: 0,
            window,
            ready: std::collections::VecDeque::new(),
        })
    } else {
        Box::new(
            guarded(|| builder.with_batch_size(BATCH_ROWS).build())
                .map_err(|e| anyhow!("{name}: cannot read Parquet file: {e}"))?
                .with_context(|| format!("{name}: cannot read Parquet file"))?,
        )
    };
    let mut source = BatchSource::new(batches, name, &schema)?;
    source.progress = Some(RowProgress {
        counter,
        file_bytes,
        total_rows,
    });
    Ok(source)
}

/// Uncompressed bytes of row groups decoded at once, at most: parallel decoding holds a
/// window of whole row groups in memory, so it is used only when that stays small.
const WINDOW_BYTES: i64 = 256 << 20;

/// How many row groups to decode at once on `threads` threads: 1 (stream the file with
/// one reader) for a single row group, a single thread, or row groups too large to hold
/// several of in memory.
fn row_group_window(meta: &parquet::file::metadata::ParquetMetaData, threads: usize) -> usize {
    let groups = meta.num_row_groups();
    let largest = meta
        .row_groups()
        .iter()
        .map(|g| g.total_byte_size())
        .max()
        .unwrap_or(0)
        .max(1);
    if groups < 2 || threads < 2 {
        return 1;
    }
    threads
        .min(groups)
        .min((WINDOW_BYTES / largest).max(1) as usize)
}

/// Parquet row groups decoded in parallel on the rayon pool (`--threads`), a window of
/// them at a time, each by its own reader over the file; batches come out in file order,
/// so rows, their indices and every error are where one reader would put them.
struct RowGroups {
    path: std::path::PathBuf,
    groups: usize,
    next: usize,
    window: usize,
    ready: std::collections::VecDeque<Result<RecordBatch, ArrowError>>,
}

impl Iterator for RowGroups {
    type Item = Result<RecordBatch, ArrowError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.ready.is_empty() && self.next < self.groups {
            use rayon::prelude::*;
            let end = (self.next + self.window).min(self.groups);
            let path = &self.path;
            let decoded: Vec<Result<Vec<RecordBatch>, String>> = (self.next..end)
                .into_par_iter()
                .map(|g| decode_row_group(path, g))
                .collect();
            self.next = end;
            for d in decoded {
                match d {
                    Ok(batches) => self.ready.extend(batches.into_iter().map(Ok)),
                    Err(e) => {
                        // The first failure ends the file, as it would for one reader.
                        self.ready
                            .push_back(Err(ArrowError::ExternalError(e.into())));
                        self.next = self.groups;
                        break;
                    }
                }
            }
        }
        self.ready.pop_front()
    }
}

/// Every batch of one row group, through a reader of its own (the footer and pages were
/// checked by `parquet_guard` when the file was opened).
fn decode_row_group(path: &Path, group: usize) -> Result<Vec<RecordBatch>, String> {
    let file = File::open(path).map_err(|e| e.to_string())?;
    let options = ArrowReaderOptions::new().with_page_index_policy(PageIndexPolicy::Skip);
    guarded(|| -> Result<Vec<RecordBatch>, String> {
        let reader = ParquetRecordBatchReaderBuilder::try_new_with_options(file, options)
            .map_err(|e| e.to_string())?
            .with_row_groups(vec![group])
            .with_batch_size(BATCH_ROWS)
            .build()
            .map_err(|e| e.to_string())?;
        reader
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| e.to_string())
    })
    .and_then(|r| r)
}

pub(crate) fn open_arrow_file(
    path: &Path,
    name: Arc<str>,
    counter: Arc<AtomicU64>,
) -> Result<BatchSource> {
    let file = File::open(path).with_context(|| format!("{name}: cannot open file"))?;
    let reader =
        arrow_ipc::reader::FileReader::try_new_buffered(CountingReader::new(file, counter), None)
            .with_context(|| format!("{name}: not a readable Arrow IPC file"))?;
    let schema = reader.schema();
    BatchSource::new(Box::new(reader), name, &schema)
}

/// `skip_file_header`: the input is an Arrow IPC *file* we cannot seek in (it is
/// compressed). The file form is the stream form between a header (magic plus zero
/// padding, 8 bytes in the spec but 64 from arrow-rs) and a footer, so skipping the
/// header lets the stream reader handle it.
pub(crate) fn open_arrow_stream(
    mut input: Box<dyn Read + Send>,
    name: Arc<str>,
    skip_file_header: bool,
) -> Result<BatchSource> {
    if skip_file_header {
        let mut magic = [0u8; 6];
        input
            .read_exact(&mut magic)
            .with_context(|| format!("{name}: cannot read Arrow file header"))?;
        // The first stream message starts with a non-zero byte (continuation marker or
        // length), so padding ends at the first non-zero byte, which we put back.
        let mut byte = [0u8; 1];
        loop {
            input
                .read_exact(&mut byte)
                .with_context(|| format!("{name}: cannot read Arrow file header"))?;
            if byte[0] != 0 {
                break;
            }
        }
        input = Box::new(std::io::Cursor::new(byte).chain(input));
    }
    let reader = arrow_ipc::reader::StreamReader::try_new_buffered(input, None)
        .with_context(|| format!("{name}: not a readable Arrow IPC stream"))?;
    let schema = reader.schema();
    BatchSource::new(Box::new(reader), name, &schema)
}
