//! A bounded pre-check of the Thrift structures in a Parquet file, run before the `parquet`
//! crate parses them.
//!
//! parquet 60.1 skips unknown Thrift fields with a routine that treats each boolean inside a
//! list, set or map as taking no bytes (in the compact protocol they take one each), so a
//! `list<bool>` declaring 2^31 elements makes it spin for minutes without reading input
//! (`tests/loader_regressions/parquet_thrift_bool_list_hang.parquet`). Nothing panics, so
//! `columnar::guarded` cannot help. This module walks the same bytes first, with rules that
//! always end in time linear in the input:
//!
//! - [`walk_struct`] is a generic compact-protocol walker: every list, set or map must fit
//!   its declared element count in the bytes left (every element takes at least one byte,
//!   booleans in collections included), every binary its declared length; unknown type ids,
//!   over-long varints and nesting deeper than [`MAX_DEPTH`] are errors.
//! - The Parquet checks add the layout of the structures the crate decodes (`FileMetaData`
//!   and `PageHeader`, with everything they contain). The crate decodes a known field by its
//!   id whatever type the field header declares, and skips an unknown field by the declared
//!   type, so a known field whose declared type does not match is rejected (the crate would
//!   read those bytes differently from us), and so is a non-empty collection of booleans in
//!   a field the crate skips (its skip would fall out of step with the bytes).
//! - [`check_footer`] validates the footer before the crate reads it; [`check_pages`] then
//!   follows every column chunk's page headers (one bounded seek and read per header, never
//!   the page bodies), checking each header and its `compressed_page_size`.
//!
//! Page indexes (column and offset indexes) and bloom filters are not checked: our reader
//! opens files with `PageIndexPolicy::Skip` and never asks for bloom filters, so the crate
//! never reads those bytes.

use anyhow::{anyhow, bail, Context, Result};
use parquet::file::metadata::ParquetMetaData;
use std::fmt;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};

/// Deepest nesting of structs, lists, sets and maps accepted (Parquet needs fewer than 10).
pub(crate) const MAX_DEPTH: usize = 32;

/// Bytes read for a page header: first a little (real headers take tens of bytes, a few
/// KiB with page statistics), then more only when the header runs past what was read; the
/// last size caps a header (the crate's own reads have no cap).
const HEADER_READS: [u64; 3] = [4 * 1024, 64 * 1024, 16 * 1024 * 1024];

/// What was wrong, and where (offset in the walked bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ThriftError {
    pub(crate) at: usize,
    pub(crate) what: String,
    /// The input ran out (or was declared to run out): more bytes could make it valid.
    pub(crate) short: bool,
}

impl fmt::Display for ThriftError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at byte {}: {}", self.at, self.what)
    }
}

/// A struct that passed the walk.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Walked {
    /// Bytes the struct took, its stop byte included.
    pub(crate) len: usize,
    /// Its top-level integer fields (byte, i16, i32, i64) as (field id, value).
    pub(crate) ints: Vec<(i16, i64)>,
}

impl Walked {
    /// The value of top-level integer field `id` (the last one, as a decoder would keep).
    pub(crate) fn int(&self, id: i16) -> Option<i64> {
        self.ints
            .iter()
            .rev()
            .find(|(i, _)| *i == id)
            .map(|(_, v)| *v)
    }
}

/// The expected type of a known field: what the `parquet` crate will decode it as.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Ty {
    Bool,
    Byte,
    /// i16, i32, i64 and enums: all zigzag varints on the wire, so interchangeable.
    Int,
    Double,
    Binary,
    List(&'static Ty),
    Struct(&'static [(i16, Ty)]),
}

// Compact-protocol type ids.
const BOOL_TRUE: u8 = 1;
const BOOL_FALSE: u8 = 2;
const BYTE: u8 = 3;
const I16: u8 = 4;
const I32: u8 = 5;
const I64: u8 = 6;
const DOUBLE: u8 = 7;
const BINARY: u8 = 8;
const LIST: u8 = 9;
const SET: u8 = 10;
const MAP: u8 = 11;
const STRUCT: u8 = 12;
const UUID: u8 = 13;

fn type_name(t: u8) -> &'static str {
    match t {
        BOOL_TRUE | BOOL_FALSE => "bool",
        BYTE => "byte",
        I16 => "i16",
        I32 => "i32",
        I64 => "i64",
        DOUBLE => "double",
        BINARY => "binary",
        LIST => "list",
        SET => "set",
        MAP => "map",
        STRUCT => "struct",
        UUID => "uuid",
        _ => "unknown",
    }
}

impl Ty {
    fn name(self) -> &'static str {
        match self {
            Ty::Bool => "bool",
            Ty::Byte => "byte",
            Ty::Int => "integer",
            Ty::Double => "double",
            Ty::Binary => "binary",
            Ty::List(_) => "list",
            Ty::Struct(_) => "struct",
        }
    }

    fn accepts(self, wire: u8) -> bool {
        match self {
            Ty::Bool => matches!(wire, BOOL_TRUE | BOOL_FALSE),
            Ty::Byte => wire == BYTE,
            Ty::Int => matches!(wire, I16 | I32 | I64),
            Ty::Double => wire == DOUBLE,
            Ty::Binary => wire == BINARY,
            Ty::List(_) => matches!(wire, LIST | SET),
            Ty::Struct(_) => wire == STRUCT,
        }
    }
}

fn is_bool(t: u8) -> bool {
    matches!(t, BOOL_TRUE | BOOL_FALSE)
}

/// Fewest bytes one collection element of type `t` (a valid id) takes.
fn min_size(t: u8) -> u64 {
    match t {
        DOUBLE => 8,
        UUID => 16,
        _ => 1,
    }
}

type Walk<T> = Result<T, ThriftError>;

struct Walker<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl Walker<'_> {
    fn left(&self) -> usize {
        self.buf.len() - self.pos
    }

    fn fail<T>(&self, at: usize, what: String) -> Walk<T> {
        Err(ThriftError {
            at,
            what,
            short: false,
        })
    }

    fn short<T>(&self, at: usize, what: String) -> Walk<T> {
        Err(ThriftError {
            at,
            what,
            short: true,
        })
    }

    fn byte(&mut self, inside: &str) -> Walk<u8> {
        match self.buf.get(self.pos) {
            Some(&b) => {
                self.pos += 1;
                Ok(b)
            }
            None => self.short(self.pos, format!("input ends inside {inside}")),
        }
    }

    fn skip(&mut self, n: u64, what: &str) -> Walk<()> {
        if n > self.left() as u64 {
            return self.short(
                self.pos,
                format!("{what} of {n} bytes with {} bytes left", self.left()),
            );
        }
        self.pos += n as usize;
        Ok(())
    }

    /// An unsigned LEB128 varint of at most 10 bytes.
    fn varint(&mut self) -> Walk<u64> {
        let start = self.pos;
        let mut value = 0u64;
        for i in 0..10 {
            let Some(&b) = self.buf.get(self.pos) else {
                return self.short(start, "truncated varint".to_string());
            };
            self.pos += 1;
            value |= u64::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                return Ok(value);
            }
        }
        self.fail(start, "varint longer than 10 bytes".to_string())
    }

    fn zigzag(&mut self) -> Walk<i64> {
        let v = self.varint()?;
        Ok((v >> 1) as i64 ^ -((v & 1) as i64))
    }

    /// A collection size: a varint that must fit in an i32, as the Thrift schema has it.
    fn size(&mut self, kind: &str) -> Walk<u64> {
        let at = self.pos;
        let n = self.varint()?;
        if n > i32::MAX as u64 {
            return self.fail(at, format!("{kind} size {n} does not fit in an i32"));
        }
        Ok(n)
    }

    fn enter(&self, at: usize, depth: usize) -> Walk<()> {
        if depth > MAX_DEPTH {
            return self.fail(at, format!("nested deeper than {MAX_DEPTH} levels"));
        }
        Ok(())
    }

    /// One value of wire type `ty` (not a struct field's bool, which has no payload).
    /// `expect`: the known type, if any (already checked against `ty`). `skipped`: the
    /// `parquet` crate skips these bytes instead of decoding them. Returns integers.
    fn value(
        &mut self,
        ty: u8,
        expect: Option<Ty>,
        skipped: bool,
        depth: usize,
    ) -> Walk<Option<i64>> {
        let at = self.pos;
        match ty {
            BOOL_TRUE | BOOL_FALSE => {
                self.byte("a bool")?;
                Ok(None)
            }
            BYTE => Ok(Some(self.byte("a byte")? as i8 as i64)),
            I16 | I32 | I64 => Ok(Some(self.zigzag()?)),
            DOUBLE => self.skip(8, "double").map(|_| None),
            UUID => self.skip(16, "uuid").map(|_| None),
            BINARY => {
                let n = self.varint()?;
                self.skip(n, "binary").map(|_| None)
            }
            LIST | SET => {
                let elem = match expect {
                    Some(Ty::List(e)) => Some(*e),
                    _ => None,
                };
                self.list(ty, elem, skipped, depth + 1).map(|_| None)
            }
            MAP => self.map(skipped, depth + 1).map(|_| None),
            STRUCT => {
                let shape = match expect {
                    Some(Ty::Struct(s)) => Some(s),
                    _ => None,
                };
                self.structure(shape, skipped, depth + 1, None)
                    .map(|_| None)
            }
            _ => self.fail(at, format!("unknown type id {ty}")),
        }
    }

    fn list(&mut self, kind: u8, elem: Option<Ty>, skipped: bool, depth: usize) -> Walk<()> {
        let at = self.pos;
        self.enter(at, depth)?;
        let kind = type_name(kind);
        let header = self.byte(kind)?;
        if header == 0 {
            // Some writers mark an empty list with a zero byte (no element type).
            return Ok(());
        }
        let et = header & 0x0f;
        let n = match header >> 4 {
            15 => self.size(kind)?,
            short => u64::from(short),
        };
        if !(BOOL_TRUE..=UUID).contains(&et) {
            return self.fail(at, format!("{kind} of unknown element type id {et}"));
        }
        if let Some(e) = elem {
            if !e.accepts(et) {
                return self.fail(
                    at,
                    format!("{kind} of {}, expected {}", type_name(et), e.name()),
                );
            }
        }
        if skipped && is_bool(et) && n > 0 {
            return self.fail(
                at,
                format!("{kind}<bool> of {n} elements in a skipped field"),
            );
        }
        if n * min_size(et) > self.left() as u64 {
            return self.short(
                at,
                format!("{kind} of {n} elements with {} bytes left", self.left()),
            );
        }
        for _ in 0..n {
            self.value(et, elem, skipped, depth)?;
        }
        Ok(())
    }

    fn map(&mut self, skipped: bool, depth: usize) -> Walk<()> {
        let at = self.pos;
        self.enter(at, depth)?;
        let n = self.size("map")?;
        if n == 0 {
            return Ok(());
        }
        let kv = self.byte("a map")?;
        let (kt, vt) = (kv >> 4, kv & 0x0f);
        for t in [kt, vt] {
            if !(BOOL_TRUE..=UUID).contains(&t) {
                return self.fail(at, format!("map of unknown element type id {t}"));
            }
        }
        if skipped && (is_bool(kt) || is_bool(vt)) {
            return self.fail(
                at,
                format!("map with bool entries of {n} entries in a skipped field"),
            );
        }
        if n * (min_size(kt) + min_size(vt)) > self.left() as u64 {
            return self.short(
                at,
                format!("map of {n} entries with {} bytes left", self.left()),
            );
        }
        for _ in 0..n {
            self.value(kt, None, skipped, depth)?;
            self.value(vt, None, skipped, depth)?;
        }
        Ok(())
    }

    /// A struct up to and including its stop byte. `shape`: its known fields (`None`:
    /// walk generically). `ints`: where to put its top-level integer fields.
    fn structure(
        &mut self,
        shape: Option<&'static [(i16, Ty)]>,
        skipped: bool,
        depth: usize,
        mut ints: Option<&mut Vec<(i16, i64)>>,
    ) -> Walk<()> {
        self.enter(self.pos, depth)?;
        let mut last: i16 = 0;
        loop {
            let at = self.pos;
            let header = self.byte("a struct")?;
            let ty = header & 0x0f;
            if ty == 0 {
                // Stop. (Like the `parquet` crate, any byte with a zero type is a stop.)
                return Ok(());
            }
            let delta = header >> 4;
            let id = if delta != 0 {
                match last.checked_add(i16::from(delta)) {
                    Some(id) => id,
                    None => return self.fail(at, format!("field id overflows after {last}")),
                }
            } else {
                self.zigzag()? as i16
            };
            if !(BOOL_TRUE..=UUID).contains(&ty) {
                return self.fail(at, format!("field {id} of unknown type id {ty}"));
            }
            last = id;
            let expect = shape.and_then(|s| s.iter().find(|(i, _)| *i == id).map(|(_, t)| *t));
            if let Some(e) = expect {
                if !e.accepts(ty) {
                    return self.fail(
                        at,
                        format!("field {id} is a {}, expected {}", type_name(ty), e.name()),
                    );
                }
            }
            if is_bool(ty) {
                continue; // A bool field's value is its type id.
            }
            let field_skipped = skipped || (shape.is_some() && expect.is_none());
            let value = self.value(ty, expect, field_skipped, depth)?;
            if let (Some(ints), Some(v)) = (ints.as_deref_mut(), value) {
                ints.push((id, v));
            }
        }
    }
}

fn walk(buf: &[u8], shape: Option<&'static [(i16, Ty)]>) -> Walk<Walked> {
    let mut w = Walker { buf, pos: 0 };
    let mut ints = Vec::new();
    w.structure(shape, false, 1, Some(&mut ints))?;
    Ok(Walked { len: w.pos, ints })
}

/// Walks one compact-protocol struct at the start of `buf`, generically (no field is
/// known). Bytes after its stop byte are not looked at.
#[cfg(test)]
pub(crate) fn walk_struct(buf: &[u8]) -> Walk<Walked> {
    walk(buf, None)
}

/// The layout of the Parquet structures the `parquet` crate decodes (parquet.thrift).
mod shapes {
    use super::Ty::{self, Binary, Bool, Byte, Double, Int, List, Struct};

    type Shape = &'static [(i16, Ty)];

    const EMPTY: Shape = &[];
    const UNIT: Ty = Struct(EMPTY);

    const STATISTICS: Shape = &[
        (1, Binary),
        (2, Binary),
        (3, Int),
        (4, Int),
        (5, Binary),
        (6, Binary),
        (7, Bool),
        (8, Bool),
        (9, Int),
    ];

    const DATA_PAGE_HEADER: Shape = &[
        (1, Int),
        (2, Int),
        (3, Int),
        (4, Int),
        (5, Struct(STATISTICS)),
    ];
    const DICTIONARY_PAGE_HEADER: Shape = &[(1, Int), (2, Int), (3, Bool)];
    const DATA_PAGE_HEADER_V2: Shape = &[
        (1, Int),
        (2, Int),
        (3, Int),
        (4, Int),
        (5, Int),
        (6, Int),
        (7, Bool),
        (8, Struct(STATISTICS)),
    ];

    pub(super) const PAGE_HEADER: Shape = &[
        (1, Int),
        (2, Int),
        (3, Int),
        (4, Int),
        (5, Struct(DATA_PAGE_HEADER)),
        (6, UNIT),
        (7, Struct(DICTIONARY_PAGE_HEADER)),
        (8, Struct(DATA_PAGE_HEADER_V2)),
    ];

    const TIME_UNIT: Shape = &[(1, UNIT), (2, UNIT), (3, UNIT)];
    const TIMESTAMP_TYPE: Shape = &[(1, Bool), (2, Struct(TIME_UNIT))];
    const LOGICAL_TYPE: Shape = &[
        (1, UNIT),
        (2, UNIT),
        (3, UNIT),
        (4, UNIT),
        (5, Struct(&[(1, Int), (2, Int)])),
        (6, UNIT),
        (7, Struct(TIMESTAMP_TYPE)),
        (8, Struct(TIMESTAMP_TYPE)),
        (10, Struct(&[(1, Byte), (2, Bool)])),
        (11, UNIT),
        (12, UNIT),
        (13, UNIT),
        (14, UNIT),
        (15, UNIT),
        (16, Struct(&[(1, Byte)])),
        (17, Struct(&[(1, Binary)])),
        (18, Struct(&[(1, Binary), (2, Int)])),
        (19, UNIT),
    ];
    const SCHEMA_ELEMENT: Shape = &[
        (1, Int),
        (2, Int),
        (3, Int),
        (4, Binary),
        (5, Int),
        (6, Int),
        (7, Int),
        (8, Int),
        (9, Int),
        (10, Struct(LOGICAL_TYPE)),
    ];

    const KEY_VALUE: Shape = &[(1, Binary), (2, Binary)];
    const PAGE_ENCODING_STATS: Shape = &[(1, Int), (2, Int), (3, Int)];
    const SIZE_STATISTICS: Shape = &[(1, Int), (2, List(&Int)), (3, List(&Int))];
    const BOUNDING_BOX: Shape = &[
        (1, Double),
        (2, Double),
        (3, Double),
        (4, Double),
        (5, Double),
        (6, Double),
        (7, Double),
        (8, Double),
    ];
    const GEOSPATIAL_STATISTICS: Shape = &[(1, Struct(BOUNDING_BOX)), (2, List(&Int))];

    const COLUMN_META_DATA: Shape = &[
        (1, Int),
        (2, List(&Int)),
        (3, List(&Binary)),
        (4, Int),
        (5, Int),
        (6, Int),
        (7, Int),
        (8, List(&Struct(KEY_VALUE))),
        (9, Int),
        (10, Int),
        (11, Int),
        (12, Struct(STATISTICS)),
        (13, List(&Struct(PAGE_ENCODING_STATS))),
        (14, Int),
        (15, Int),
        (16, Struct(SIZE_STATISTICS)),
        (17, Struct(GEOSPATIAL_STATISTICS)),
    ];
    const COLUMN_CRYPTO_META_DATA: Shape =
        &[(1, UNIT), (2, Struct(&[(1, List(&Binary)), (2, Binary)]))];
    const COLUMN_CHUNK: Shape = &[
        (1, Binary),
        (2, Int),
        (3, Struct(COLUMN_META_DATA)),
        (4, Int),
        (5, Int),
        (6, Int),
        (7, Int),
        (8, Struct(COLUMN_CRYPTO_META_DATA)),
        (9, Binary),
    ];
    const SORTING_COLUMN: Shape = &[(1, Int), (2, Bool), (3, Bool)];
    const ROW_GROUP: Shape = &[
        (1, List(&Struct(COLUMN_CHUNK))),
        (2, Int),
        (3, Int),
        (4, List(&Struct(SORTING_COLUMN))),
        (5, Int),
        (6, Int),
        (7, Int),
    ];
    const AES_GCM: Shape = &[(1, Binary), (2, Binary), (3, Bool)];

    pub(super) const FILE_META_DATA: Shape = &[
        (1, Int),
        (2, List(&Struct(SCHEMA_ELEMENT))),
        (3, Int),
        (4, List(&Struct(ROW_GROUP))),
        (5, List(&Struct(KEY_VALUE))),
        (6, Binary),
        (7, List(&Struct(&[(1, UNIT)]))),
        (8, Struct(&[(1, Struct(AES_GCM)), (2, Struct(AES_GCM))])),
        (9, Binary),
    ];
}

/// Checks the footer (`FileMetaData`) of the Parquet file `file` before the crate reads
/// it. Files too short for a footer, or without the `PAR1` magic at the end, are left to
/// the crate, which reports them.
pub(crate) fn check_footer(mut file: &File, name: &str) -> Result<()> {
    let len = file
        .metadata()
        .with_context(|| format!("{name}: cannot read file"))?
        .len();
    if len < 8 {
        return Ok(());
    }
    let mut tail = [0u8; 8];
    file.seek(SeekFrom::Start(len - 8))
        .and_then(|_| file.read_exact(&mut tail))
        .with_context(|| format!("{name}: cannot read the Parquet footer"))?;
    if &tail[4..] != b"PAR1" {
        return Ok(());
    }
    let footer_len = u64::from(u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]));
    if footer_len + 8 > len {
        return Ok(());
    }
    let start = len - 8 - footer_len;
    let mut footer = vec![0u8; footer_len as usize];
    file.seek(SeekFrom::Start(start))
        .and_then(|_| file.read_exact(&mut footer))
        .with_context(|| format!("{name}: cannot read the Parquet footer"))?;
    walk(&footer, Some(shapes::FILE_META_DATA)).map_err(|e| {
        anyhow!(
            "{name}: malformed Parquet footer at byte {}: {}",
            start + e.at as u64,
            e.what
        )
    })?;
    Ok(())
}

/// What [`check_pages`] went through.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Pages {
    pub(crate) pages: u64,
    /// Bytes of the longest page header.
    pub(crate) longest_header: usize,
}

/// Bytes of the file last read for page headers.
struct Window {
    start: u64,
    bytes: Vec<u8>,
}

impl Window {
    /// `len` bytes at `pos`, from the last read if it covers them, else read now.
    fn get(&mut self, mut file: &File, pos: u64, len: u64) -> std::io::Result<&[u8]> {
        let have = self.start + self.bytes.len() as u64;
        if pos < self.start || pos + len > have {
            self.bytes.resize(len as usize, 0);
            file.seek(SeekFrom::Start(pos))?;
            file.read_exact(&mut self.bytes)?;
            self.start = pos;
        }
        let from = (pos - self.start) as usize;
        Ok(&self.bytes[from..from + len as usize])
    }
}

/// Follows the page headers of every column chunk in `meta` (the metadata the crate read
/// from `file`), the way the crate's page reader will: from the chunk's start (dictionary
/// page offset if set, else data page offset) through `compressed_size` bytes, header
/// after header, each header followed by `compressed_page_size` bytes of page.
pub(crate) fn check_pages(file: &File, name: &str, meta: &ParquetMetaData) -> Result<Pages> {
    let file_len = file
        .metadata()
        .with_context(|| format!("{name}: cannot read file"))?
        .len();
    let mut window = Window {
        start: 0,
        bytes: Vec::new(),
    };
    let mut pages = Pages::default();
    for (rg, group) in meta.row_groups().iter().enumerate() {
        for (ci, column) in group.columns().iter().enumerate() {
            let start = column
                .dictionary_page_offset()
                .unwrap_or(column.data_page_offset());
            let size = column.compressed_size();
            let place = || {
                if meta.num_row_groups() > 1 {
                    format!("column {ci} of row group {rg}")
                } else {
                    format!("column {ci}")
                }
            };
            let end = start.checked_add(size).filter(|_| start >= 0 && size >= 0);
            let end = match end {
                Some(end) if end as u64 <= file_len => end as u64,
                _ => bail!(
                    "{name}: malformed Parquet metadata: {} claims bytes {start} to {start} + \
                     {size} of a {file_len}-byte file",
                    place()
                ),
            };
            let mut pos = start as u64;
            while pos < end {
                let rest = end - pos;
                let mut want = HEADER_READS[0].min(rest);
                let walked = loop {
                    let bytes = window.get(file, pos, want).with_context(|| {
                        format!("{name}: cannot read a page header in {}", place())
                    })?;
                    let more = HEADER_READS
                        .iter()
                        .map(|&n| n.min(rest))
                        .find(|&n| n > want);
                    match walk(bytes, Some(shapes::PAGE_HEADER)) {
                        Ok(walked) => break walked,
                        Err(e) if e.short && more.is_some() => {
                            want = more.unwrap_or(rest);
                        }
                        Err(e) => bail!(
                            "{name}: malformed Parquet page header in {} at byte {}: {}",
                            place(),
                            pos + e.at as u64,
                            e.what
                        ),
                    }
                };
                let page = match walked.int(3) {
                    Some(page) if page >= 0 && page <= i64::from(i32::MAX) => page as u64,
                    Some(page) => bail!(
                        "{name}: malformed Parquet page header in {} at byte {pos}: \
                         compressed_page_size {page}",
                        place()
                    ),
                    None => bail!(
                        "{name}: malformed Parquet page header in {} at byte {pos}: no \
                         compressed_page_size",
                        place()
                    ),
                };
                let next = pos + walked.len as u64 + page;
                if next > end {
                    bail!(
                        "{name}: malformed Parquet page header in {} at byte {pos}: a page of \
                         {page} bytes after a {}-byte header runs past the end of the column \
                         chunk (byte {end})",
                        place(),
                        walked.len
                    );
                }
                pos = next;
                pages.pages += 1;
                pages.longest_header = pages.longest_header.max(walked.len);
            }
        }
    }
    Ok(pages)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Compact field header with a delta.
    fn field(delta: u8, ty: u8) -> u8 {
        (delta << 4) | ty
    }

    #[test]
    fn valid_struct_with_nested_list_map_and_binary() {
        let mut b = vec![
            field(1, I32),
            0x54, // field 1: i32 42
            field(1, BINARY),
            3,
            b'a',
            b'b',
            b'c', // field 2: "abc"
            field(1, LIST),
            0x32, // list<bool> of 3
            1,
            0,
            1,
            field(1, MAP),
            2,    // 2 entries
            0x85, // binary -> i32
            1,
            b'k',
            0x02,
            0,
            0x04, // "k" -> 1, "" -> 2
            field(1, STRUCT),
            field(1, DOUBLE),
        ];
        b.extend_from_slice(&1.5f64.to_le_bytes());
        b.push(field(1, LIST));
        b.push(0x1c); // list<struct> of 1
        b.push(field(1, I64));
        b.push(0x03); // -2
        b.push(0); // end of inner struct element
        b.push(0); // end of nested struct
        b.push(field(1, BOOL_TRUE)); // field 6: true, no payload
        b.push(0); // stop
        b.extend_from_slice(b"trailing bytes are not looked at");
        let walked = walk_struct(&b).unwrap();
        assert_eq!(walked.len, b.len() - 32);
        assert_eq!(walked.int(1), Some(42));
        assert_eq!(walked.ints, vec![(1, 42)]);
    }

    #[test]
    fn full_field_ids_and_empty_lists() {
        // Field id given in full (zigzag 300 = 600 = 0xd8 0x04), an empty list written as
        // a zero byte, and a long-form list size.
        let b = [
            I32,
            0xd8,
            0x04,
            0x02,
            field(1, LIST),
            0,
            field(1, LIST),
            0xf3,
            1,
            7,
            0,
        ];
        let walked = walk_struct(&b).unwrap();
        assert_eq!(walked.len, b.len());
        assert_eq!(walked.int(300), Some(1));
    }

    #[test]
    fn huge_bool_list_is_rejected() {
        // list<bool>, long-form size 2147483647, then a few bytes.
        let b = [
            field(1, LIST),
            0xf1,
            0xff,
            0xff,
            0xff,
            0xff,
            0x07,
            1,
            1,
            1,
            0,
        ];
        let e = walk_struct(&b).unwrap_err();
        assert_eq!(e.at, 1);
        assert_eq!(e.what, "list of 2147483647 elements with 4 bytes left");
        // Too big for an i32 at all.
        let b = [field(1, SET), 0xf2, 0xff, 0xff, 0xff, 0xff, 0x0f, 0];
        let e = walk_struct(&b).unwrap_err();
        assert_eq!(e.what, "set size 4294967295 does not fit in an i32");
        // Maps: each entry takes at least two bytes.
        let b = [field(1, MAP), 0x03, 0x11, 1, 1, 1, 1, 0];
        let e = walk_struct(&b).unwrap_err();
        assert_eq!(e.what, "map of 3 entries with 5 bytes left");
    }

    #[test]
    fn truncated_varint_is_rejected() {
        let e = walk_struct(&[field(1, I64), 0x80, 0x80]).unwrap_err();
        assert_eq!(
            (e.at, e.what.as_str(), e.short),
            (1, "truncated varint", true)
        );
        let mut b = vec![field(1, I64)];
        b.extend([0xff; 11]);
        let e = walk_struct(&b).unwrap_err();
        assert_eq!(e.what, "varint longer than 10 bytes");
        let e = walk_struct(&[field(1, I32), 0x01]).unwrap_err();
        assert_eq!(e.what, "input ends inside a struct");
    }

    #[test]
    fn binary_longer_than_input_is_rejected() {
        let e = walk_struct(&[field(1, BINARY), 0x0a, b'a', b'b', 0]).unwrap_err();
        assert_eq!(e.at, 2);
        assert_eq!(e.what, "binary of 10 bytes with 3 bytes left");
        let e = walk_struct(&[field(1, DOUBLE), 0, 0, 0]).unwrap_err();
        assert_eq!(e.what, "double of 8 bytes with 3 bytes left");
    }

    #[test]
    fn depth_bomb_is_rejected() {
        // Structs nested 10,000 deep (field 1 of each is the next struct).
        let b = vec![field(1, STRUCT); 10_000];
        let e = walk_struct(&b).unwrap_err();
        assert_eq!(e.what, "nested deeper than 32 levels");
        assert_eq!(e.at, MAX_DEPTH);
        // Lists of lists too.
        let mut b = vec![field(1, LIST)];
        b.extend([0x19; 10_000]);
        let e = walk_struct(&b).unwrap_err();
        assert_eq!(e.what, "nested deeper than 32 levels");
        // 31 nested structs are fine.
        let mut b = vec![field(1, STRUCT); MAX_DEPTH - 1];
        b.extend(vec![0; MAX_DEPTH]);
        assert_eq!(walk_struct(&b).unwrap().len, b.len());
    }

    #[test]
    fn unknown_type_id_is_rejected() {
        let e = walk_struct(&[field(1, I32), 2, field(1, 14), 0]).unwrap_err();
        assert_eq!(
            (e.at, e.what.as_str()),
            (2, "field 2 of unknown type id 14")
        );
        let e = walk_struct(&[field(1, LIST), 0x1f, 0]).unwrap_err();
        assert_eq!(e.what, "list of unknown element type id 15");
        let e = walk_struct(&[field(1, LIST), 0x10, 0]).unwrap_err();
        assert_eq!(e.what, "list of unknown element type id 0");
        let e = walk_struct(&[field(1, MAP), 1, 0x5e, 0]).unwrap_err();
        assert_eq!(e.what, "map of unknown element type id 14");
    }

    #[test]
    fn known_fields_must_have_their_type() {
        // PageHeader field 3 (compressed_page_size) declared as a list.
        let b = [field(1, I32), 0, field(1, I32), 2, field(1, LIST), 0, 0];
        let e = walk(&b, Some(shapes::PAGE_HEADER)).unwrap_err();
        assert_eq!(e.what, "field 3 is a list, expected integer");
        // A well-formed header: type 0, sizes 10 and 7, DataPageHeader with 4 fields.
        let b = [
            field(1, I32),
            0,
            field(1, I32),
            20,
            field(1, I32),
            14,
            field(2, STRUCT),
            field(1, I32),
            2,
            field(1, I32),
            0,
            field(1, I32),
            6,
            field(1, I32),
            6,
            0,
            0,
        ];
        let walked = walk(&b, Some(shapes::PAGE_HEADER)).unwrap();
        assert_eq!((walked.len, walked.int(3)), (b.len(), Some(7)));
    }

    #[test]
    fn bool_collections_in_skipped_fields_are_rejected() {
        // PageHeader field 9 is unknown to the crate, which skips it; with booleans in a
        // list it would fall out of step with the bytes.
        let b = [field(9, LIST), 0x21, 1, 1, 0];
        let e = walk(&b, Some(shapes::PAGE_HEADER)).unwrap_err();
        assert_eq!(e.what, "list<bool> of 2 elements in a skipped field");
        // Generically, a short bool list is fine.
        assert!(walk_struct(&b).is_ok());
        // An empty one is fine in a skipped field too.
        assert!(walk(&[field(9, LIST), 0x01, 0], Some(shapes::PAGE_HEADER)).is_ok());
    }

    #[test]
    fn long_valid_lists_walk() {
        // A list of a million bytes: each element is read once.
        let n = 1_000_000usize;
        let mut b = vec![field(1, LIST), 0xf3];
        let mut v = n as u64;
        while v >= 0x80 {
            b.push((v as u8) | 0x80);
            v >>= 7;
        }
        b.push(v as u8);
        b.extend(std::iter::repeat_n(7u8, n));
        b.push(0);
        assert_eq!(walk_struct(&b).unwrap().len, b.len());
    }

    /// Files from the `parquet` writer in several configurations (page statistics, data
    /// page v2, many small pages, codecs, page indexes and bloom filters) all pass.
    #[test]
    fn writer_variants_pass() {
        use arrow_array::{ArrayRef, BooleanArray, Int64Array, RecordBatch, StringArray};
        use parquet::arrow::ArrowWriter;
        use parquet::basic::{Compression, ZstdLevel};
        use parquet::file::properties::{EnabledStatistics, WriterProperties, WriterVersion};
        use parquet::file::reader::{FileReader, SerializedFileReader};
        use std::sync::Arc;

        let n = 5000;
        let text: Vec<String> = (0..n)
            // Every 500th value is 10 KB and sorts last: the page maximum (statistics).
            .map(|i| match i % 500 {
                7 => format!("~{i} {}", "x".repeat(10_000)),
                _ => format!("row {i} {}", "x".repeat(i % 97)),
            })
            .collect();
        let batch = RecordBatch::try_from_iter([
            ("text", Arc::new(StringArray::from(text)) as ArrayRef),
            (
                "n",
                Arc::new(Int64Array::from_iter_values(0..n as i64)) as ArrayRef,
            ),
            (
                "b",
                Arc::new(BooleanArray::from_iter((0..n).map(|i| Some(i % 3 == 0)))) as ArrayRef,
            ),
        ])
        .unwrap();
        let variants = [
            WriterProperties::builder().build(),
            WriterProperties::builder()
                .set_writer_version(WriterVersion::PARQUET_2_0)
                .set_statistics_enabled(EnabledStatistics::Page)
                .set_data_page_size_limit(512)
                .set_write_batch_size(64)
                .set_compression(Compression::ZSTD(ZstdLevel::default()))
                .set_bloom_filter_enabled(true)
                .set_max_row_group_row_count(Some(1000))
                .build(),
            WriterProperties::builder()
                .set_dictionary_enabled(false)
                .set_statistics_enabled(EnabledStatistics::Page)
                .set_data_page_size_limit(100)
                .set_write_batch_size(10)
                .set_compression(Compression::SNAPPY)
                .build(),
            // Page headers with 10 KB statistics: more than the first read of a header.
            WriterProperties::builder()
                .set_dictionary_enabled(false)
                .set_statistics_enabled(EnabledStatistics::Page)
                .set_write_page_header_statistics(true)
                .set_statistics_truncate_length(None)
                .set_data_page_size_limit(50_000)
                .build(),
        ];
        for (v, props) in variants.into_iter().enumerate() {
            let mut bytes = Vec::new();
            let mut w = ArrowWriter::try_new(&mut bytes, batch.schema(), Some(props)).unwrap();
            w.write(&batch).unwrap();
            w.close().unwrap();
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("v.parquet");
            std::fs::write(&path, &bytes).unwrap();
            let file = File::open(&path).unwrap();
            check_footer(&file, "v.parquet").unwrap_or_else(|e| panic!("variant {v}: {e:#}"));
            let reader = SerializedFileReader::new(file.try_clone().unwrap()).unwrap();
            let pages = check_pages(&file, "v.parquet", reader.metadata())
                .unwrap_or_else(|e| panic!("variant {v}: {e:#}"));
            assert!(pages.pages >= [3, 30, 300, 5][v], "variant {v}: {pages:?}");
            if v == 3 {
                assert!(pages.longest_header > HEADER_READS[0] as usize, "{pages:?}");
            }
        }
    }
}
