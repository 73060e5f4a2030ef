//! The cleaned-dataset writer: re-reads the input and writes the rows to keep in the
//! input's own format, schema and compression, one output file per input file.
//!
//! - JSON Lines and CSV/TSV are copied line by line / record by record, byte-faithful;
//! - JSON arrays are re-serialised element by element (key order preserved);
//! - Parquet and Arrow IPC batches are sliced into kept runs and written with the input's
//!   schema (and, for Parquet, its compression codec).
//!
//! Which rows to keep is the caller's decision, by (file name as in `Origin::file`, record
//! index) — the same coordinates every record's origin carries.

use crate::load::raw::{data_files, DataFileInfo, RawEvent};
use crate::load::LoadOptions;
use anyhow::{bail, Context, Result};
use arrow_array::RecordBatch;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

#[derive(Debug, Default)]
pub struct WriteSummary {
    pub files: Vec<PathBuf>,
    pub written: u64,
    pub dropped: u64,
}

/// Where each input file goes under `out`: its path relative to the input folder, or its
/// file name for a single file or glob.
fn target(input: &str, file: &DataFileInfo, out: &Path) -> PathBuf {
    let base = Path::new(input);
    let rel = if base.is_dir() {
        file.path.strip_prefix(base).ok().map(Path::to_path_buf)
    } else {
        None
    };
    out.join(rel.unwrap_or_else(|| PathBuf::from(file.path.file_name().unwrap_or_default())))
}

/// Writes the rows for which `keep(file, index)` holds. Refuses to overwrite an input file.
pub fn write_kept(
    load: &LoadOptions,
    out: &Path,
    keep: &dyn Fn(&str, u64) -> bool,
) -> Result<WriteSummary> {
    let files = data_files(load)?;
    let mut summary = WriteSummary::default();
    for f in &files {
        let dest = target(&load.path, f, out);
        if let (Ok(a), Ok(b)) = (dest.canonicalize(), f.path.canonicalize()) {
            if a == b {
                bail!(
                    "{}: the output would overwrite the input; choose another -o folder",
                    dest.display()
                );
            }
        }
        if let Some(dir) = dest.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        let keep_row = |i: u64| keep(&f.name, i);
        let (w, d) = match f.format {
            "jsonl" => copy_jsonl(f, &dest, &keep_row),
            "json_array" | "json_objects" => copy_json(f, &dest, &keep_row),
            "csv" | "tsv" => copy_delimited(f, &dest, &keep_row),
            "parquet" => copy_parquet(f, &dest, &keep_row),
            "arrow_file" | "arrow_stream" => copy_arrow(f, &dest, &keep_row),
            other => bail!("{}: cannot write format {other}", f.name),
        }
        .with_context(|| format!("writing {} (from {})", dest.display(), f.name))?;
        summary.written += w;
        summary.dropped += d;
        summary.files.push(dest);
    }
    Ok(summary)
}

/// A writer that compresses like the input file did.
fn create(f: &DataFileInfo, dest: &Path) -> Result<Box<dyn Write>> {
    let file = BufWriter::with_capacity(
        1 << 20,
        File::create(dest).with_context(|| format!("cannot create {}", dest.display()))?,
    );
    Ok(match f.compression {
        Some("gzip") => Box::new(flate2::write::GzEncoder::new(
            file,
            flate2::Compression::default(),
        )),
        Some("zstd") => Box::new(zstd::Encoder::new(file, 3)?.auto_finish()),
        _ => Box::new(file),
    })
}

/// Closes a compressed writer properly (gzip needs its trailer written).
fn finish(mut w: Box<dyn Write>) -> Result<()> {
    w.flush()?;
    drop(w);
    Ok(())
}

fn copy_jsonl(f: &DataFileInfo, dest: &Path, keep: &dyn Fn(u64) -> bool) -> Result<(u64, u64)> {
    let mut r = BufReader::with_capacity(1 << 20, f.open_decoded()?);
    let mut w = create(f, dest)?;
    let (mut buf, mut index, mut line, mut written, mut dropped) =
        (Vec::new(), 0u64, 0u64, 0u64, 0u64);
    loop {
        buf.clear();
        if r.read_until(b'\n', &mut buf)? == 0 {
            break;
        }
        line += 1;
        let body = if line == 1 {
            buf.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&buf)
        } else {
            &buf[..]
        };
        // Blank lines hold no record and take no index (as in the loader).
        if body.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        if keep(index) {
            w.write_all(body)?;
            if body.last() != Some(&b'\n') {
                w.write_all(b"\n")?;
            }
            written += 1;
        } else {
            dropped += 1;
        }
        index += 1;
    }
    finish(w)?;
    Ok((written, dropped))
}

fn copy_json(f: &DataFileInfo, dest: &Path, keep: &dyn Fn(u64) -> bool) -> Result<(u64, u64)> {
    let mut w = create(f, dest)?;
    let array = f.format == "json_array";
    let (mut written, mut dropped) = (0u64, 0u64);
    if array {
        w.write_all(b"[")?;
    }
    for ev in f.rows()? {
        match ev {
            RawEvent::Row { row, index, .. } if keep(index) => {
                if array && written > 0 {
                    w.write_all(b",")?;
                }
                w.write_all(b"\n")?;
                serde_json::to_writer(&mut w, &row)?;
                written += 1;
            }
            _ => dropped += 1,
        }
    }
    w.write_all(if array { b"\n]\n" } else { b"\n" })?;
    finish(w)?;
    Ok((written, dropped))
}

fn copy_delimited(f: &DataFileInfo, dest: &Path, keep: &dyn Fn(u64) -> bool) -> Result<(u64, u64)> {
    let delim = if f.format == "csv" { b',' } else { b'\t' };
    // The loader's reader settings, so record indices agree.
    let mut r = csv::ReaderBuilder::new()
        .delimiter(delim)
        .has_headers(true)
        .flexible(true)
        .from_reader(f.open_decoded()?);
    let mut w = csv::WriterBuilder::new()
        .delimiter(delim)
        .flexible(true)
        .from_writer(create(f, dest)?);
    w.write_record(r.byte_headers()?)?;
    let (mut rec, mut index, mut written, mut dropped) = (csv::ByteRecord::new(), 0u64, 0u64, 0u64);
    loop {
        match r.read_byte_record(&mut rec) {
            Ok(false) => break,
            Ok(true) if keep(index) => {
                w.write_byte_record(&rec)?;
                written += 1;
            }
            Ok(true) => dropped += 1,
            // A record the loader could not read either; it is dropped, and a read error
            // ends the file as it ends the loader's reading.
            Err(e) if e.is_io_error() => {
                dropped += 1;
                break;
            }
            Err(_) => dropped += 1,
        }
        index += 1;
    }
    let inner = w
        .into_inner()
        .map_err(|e| anyhow::anyhow!("{}", e.error()))?;
    finish(inner)?;
    Ok((written, dropped))
}

/// Kept runs of a batch starting at row `first` of the file.
fn kept_slices(
    batch: &RecordBatch,
    first: u64,
    keep: &dyn Fn(u64) -> bool,
) -> (Vec<RecordBatch>, u64, u64) {
    let (mut out, mut run, mut kept) = (Vec::new(), None::<usize>, 0u64);
    let n = batch.num_rows();
    for i in 0..=n {
        let k = i < n && keep(first + i as u64);
        match (k, run) {
            (true, None) => run = Some(i),
            (false, Some(s)) => {
                out.push(batch.slice(s, i - s));
                kept += (i - s) as u64;
                run = None;
            }
            _ => {}
        }
    }
    (out, kept, n as u64 - kept)
}

fn copy_parquet(f: &DataFileInfo, dest: &Path, keep: &dyn Fn(u64) -> bool) -> Result<(u64, u64)> {
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    use parquet::arrow::ArrowWriter;
    use parquet::file::properties::WriterProperties;
    let builder = ParquetRecordBatchReaderBuilder::try_new(File::open(&f.path)?)?;
    let codec = builder
        .metadata()
        .row_groups()
        .first()
        .and_then(|g| g.columns().first())
        .map(|c| c.compression());
    let schema = builder.schema().clone();
    let props = codec.map(|c| WriterProperties::builder().set_compression(c).build());
    let reader = builder.build()?;
    let mut w = ArrowWriter::try_new(File::create(dest)?, schema, props)?;
    let (mut row, mut written, mut dropped) = (0u64, 0u64, 0u64);
    for batch in reader {
        let batch = batch?;
        let (slices, k, d) = kept_slices(&batch, row, keep);
        for s in &slices {
            w.write(s)?;
        }
        row += batch.num_rows() as u64;
        written += k;
        dropped += d;
    }
    w.close()?;
    Ok((written, dropped))
}

fn copy_arrow(f: &DataFileInfo, dest: &Path, keep: &dyn Fn(u64) -> bool) -> Result<(u64, u64)> {
    use arrow_ipc::reader::{FileReader, StreamReader};
    use arrow_ipc::writer::{FileWriter, StreamWriter};
    let batches: Box<
        dyn Iterator<Item = std::result::Result<RecordBatch, arrow_schema::ArrowError>>,
    >;
    let schema;
    if f.format == "arrow_file" {
        // The file form needs random access; a compressed one is decompressed into memory.
        let mut bytes = Vec::new();
        f.open_decoded()?.read_to_end(&mut bytes)?;
        let r = FileReader::try_new(std::io::Cursor::new(bytes), None)?;
        schema = r.schema();
        batches = Box::new(r);
    } else {
        let r = StreamReader::try_new(BufReader::new(f.open_decoded()?), None)?;
        schema = r.schema();
        batches = Box::new(r);
    }
    let out = create(f, dest)?;
    enum W {
        File(FileWriter<Box<dyn Write>>),
        Stream(StreamWriter<Box<dyn Write>>),
    }
    let mut w = if f.format == "arrow_file" {
        W::File(FileWriter::try_new(out, &schema)?)
    } else {
        W::Stream(StreamWriter::try_new(out, &schema)?)
    };
    let (mut row, mut written, mut dropped) = (0u64, 0u64, 0u64);
    for batch in batches {
        let batch = batch?;
        let (slices, k, d) = kept_slices(&batch, row, keep);
        for s in &slices {
            match &mut w {
                W::File(x) => x.write(s)?,
                W::Stream(x) => x.write(s)?,
            }
        }
        row += batch.num_rows() as u64;
        written += k;
        dropped += d;
    }
    let inner = match w {
        W::File(mut x) => {
            x.finish()?;
            x.into_inner()?
        }
        W::Stream(mut x) => {
            x.finish()?;
            x.into_inner()?
        }
    };
    finish(inner)?;
    Ok((written, dropped))
}
