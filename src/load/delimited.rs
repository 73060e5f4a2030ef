//! CSV and TSV. Cells are text, except that columns which hold conversations or lists in
//! real exports (pandas writes them as JSON) are parsed back into JSON, and `label`
//! columns turn "true"/"false" into booleans.

use anyhow::{bail, Context, Result};
use serde_json::Value;
use std::io::Read;
use std::sync::Arc;

use super::source::{RawItem, Row, RowSource};

/// Columns whose cells may hold JSON lists or objects.
const STRUCTURED_COLUMNS: &[&str] = &[
    "conversations",
    "conversation",
    "messages",
    "chosen",
    "rejected",
    "prompt",
    "completion",
    "images",
    "image",
    "videos",
    "video",
    "instances",
    "history",
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum CellKind {
    Text,
    Structured,
    Label,
}

pub(crate) struct DelimitedSource {
    reader: csv::Reader<Box<dyn Read + Send>>,
    name: Arc<str>,
    headers: Vec<String>,
    kinds: Vec<CellKind>,
    record: csv::ByteRecord,
    index: u64,
    finished: bool,
    warnings: Vec<String>,
    /// Whether a row with the wrong number of fields was already reported.
    ragged_warned: bool,
}

impl DelimitedSource {
    /// `extra_structured`: columns the user mapped to conversation-like fields.
    pub(crate) fn new(
        input: Box<dyn Read + Send>,
        name: Arc<str>,
        delimiter: u8,
        extra_structured: &[String],
    ) -> Result<Self> {
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(true)
            .flexible(true)
            .from_reader(input);
        let headers: Vec<String> = reader
            .headers()
            .with_context(|| format!("{name}: cannot read the header row"))?
            .iter()
            .map(|h| h.trim_start_matches('\u{feff}').to_string())
            .collect();
        if headers.iter().all(String::is_empty) {
            bail!("{name}: the file has no header row (a header naming the columns is required)");
        }
        let kinds = headers
            .iter()
            .map(|h| {
                let lower = h.to_ascii_lowercase();
                if lower == "label" {
                    CellKind::Label
                } else if STRUCTURED_COLUMNS.contains(&lower.as_str())
                    || extra_structured.iter().any(|c| c == h)
                {
                    CellKind::Structured
                } else {
                    CellKind::Text
                }
            })
            .collect();
        Ok(DelimitedSource {
            reader,
            name,
            headers,
            kinds,
            record: csv::ByteRecord::new(),
            index: 0,
            finished: false,
            warnings: Vec::new(),
            ragged_warned: false,
        })
    }

    /// The row under the header's names, and whether any cell had to be decoded lossily.
    /// A row shorter than the header lacks the last columns; cells beyond the header are
    /// kept under `column_N` (1-based), so nothing the file holds is dropped.
    fn build_row(&self) -> (Row, bool) {
        let mut row = Row::with_capacity(self.headers.len().max(self.record.len()));
        let mut lossy = false;
        for (i, bytes) in self.record.iter().enumerate() {
            let cell = String::from_utf8_lossy(bytes);
            lossy |= matches!(cell, std::borrow::Cow::Owned(_));
            match (self.headers.get(i), self.kinds.get(i)) {
                (Some(header), Some(kind)) => {
                    row.insert(header.clone(), cell_value(*kind, &cell));
                }
                _ => {
                    row.insert(
                        format!("column_{}", i + 1),
                        Value::String(cell.into_owned()),
                    );
                }
            }
        }
        (row, lossy)
    }
}

fn cell_value(kind: CellKind, cell: &str) -> Value {
    match kind {
        CellKind::Text => Value::String(cell.to_owned()),
        CellKind::Structured => {
            let t = cell.trim();
            let looks_json = (t.starts_with('[') && t.ends_with(']'))
                || (t.starts_with('{') && t.ends_with('}'));
            if t.is_empty() {
                Value::Null
            } else if looks_json {
                serde_json::from_str(t).unwrap_or_else(|_| Value::String(cell.to_owned()))
            } else {
                Value::String(cell.to_owned())
            }
        }
        CellKind::Label => match cell.trim().to_ascii_lowercase().as_str() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            "" => Value::Null,
            _ => Value::String(cell.to_owned()),
        },
    }
}

impl RowSource for DelimitedSource {
    fn next_item(&mut self) -> Option<RawItem> {
        if self.finished {
            return None;
        }
        let result = self.reader.read_byte_record(&mut self.record);
        let index = self.index;
        match result {
            Ok(false) => {
                self.finished = true;
                None
            }
            Ok(true) => {
                self.index += 1;
                let line = self.record.position().map(|p| p.line());
                if self.record.len() != self.headers.len() && !self.ragged_warned {
                    // Kept, not skipped: the fields that are there still say something.
                    self.ragged_warned = true;
                    self.warnings.push(format!(
                        "{}:{}: a row has {} fields where the header has {}; such rows are kept (missing columns empty, extra fields as column_N)",
                        self.name,
                        line.unwrap_or(0),
                        self.record.len(),
                        self.headers.len()
                    ));
                }
                let (row, invalid_utf8) = self.build_row();
                Some(RawItem::Row {
                    row,
                    line,
                    index,
                    invalid_utf8,
                })
            }
            Err(e) => {
                self.index += 1;
                let line = e.position().map(|p| p.line());
                if let csv::ErrorKind::Io(io) = e.kind() {
                    self.finished = true;
                    self.warnings.push(format!(
                        "{}: read error after {index} records: {io}",
                        self.name
                    ));
                    return Some(RawItem::Bad {
                        reason: "truncated",
                        detail: format!("the file could not be read past this point: {io}"),
                        line,
                        index,
                    });
                }
                Some(RawItem::Bad {
                    reason: "bad_row",
                    detail: e.to_string(),
                    line,
                    index,
                })
            }
        }
    }

    fn drain_warnings(&mut self, out: &mut Vec<String>) {
        out.append(&mut self.warnings);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(text: &str, delim: u8) -> Vec<RawItem> {
        let input: Box<dyn Read + Send> = Box::new(std::io::Cursor::new(text.as_bytes().to_vec()));
        let mut src = DelimitedSource::new(input, Arc::from("f.csv"), delim, &[]).unwrap();
        std::iter::from_fn(|| src.next_item()).collect()
    }

    #[test]
    fn json_cells_labels_and_bad_rows() {
        let text = "messages,label,note\n\"[{\"\"role\"\": \"\"user\"\", \"\"content\"\": \"\"hi\"\"}]\",True,[x]\nonly,two\n\"[]\",false,\n";
        let items = rows(text, b',');
        assert_eq!(items.len(), 3);
        match &items[0] {
            RawItem::Row {
                row, line, index, ..
            } => {
                assert_eq!((*line, *index), (Some(2), 0));
                assert_eq!(row["messages"][0]["content"], "hi");
                assert_eq!(row["label"], Value::Bool(true));
                assert_eq!(row["note"], "[x]");
            }
            _ => panic!("expected a row"),
        }
        // A short row is kept: the fields it has, under the header's names.
        match &items[1] {
            RawItem::Row { row, line, .. } => {
                assert_eq!(*line, Some(3));
                assert_eq!(row["messages"], "only");
                assert_eq!(row["label"], "two");
                assert!(!row.contains_key("note"));
            }
            _ => panic!("expected a row"),
        }
        let mut src = DelimitedSource::new(
            Box::new(std::io::Cursor::new(b"a,b\n1,2,3\n".to_vec())),
            Arc::from("f.csv"),
            b',',
            &[],
        )
        .unwrap();
        match src.next_item() {
            Some(RawItem::Row { row, .. }) => assert_eq!(row["column_3"], "3"),
            _ => panic!("expected a row"),
        }
        let mut warnings = Vec::new();
        src.drain_warnings(&mut warnings);
        assert!(
            warnings[0].contains("3 fields where the header has 2"),
            "{warnings:?}"
        );
        assert!(
            matches!(&items[2], RawItem::Row { row, .. } if row["label"] == Value::Bool(false))
        );
    }

    #[test]
    fn tsv_keeps_commas_in_cells() {
        let items = rows("instruction\toutput\na, b\tc\n", b'\t');
        assert!(matches!(&items[0], RawItem::Row { row, .. } if row["instruction"] == "a, b"));
    }
}
