//! Streaming reader for JSON arrays and for files of top-level JSON objects.
//!
//! A byte scanner finds where each value ends (tracking depth, strings and escapes), so
//! only one record is buffered at a time and serde_json parses just that slice. Because
//! boundaries come from the scanner, a malformed record costs only itself, and a file cut
//! off mid-record still yields every record before the cut.

use serde_json::Value;
use std::io::{self, BufRead};
use std::sync::Arc;

use super::source::{json_error_message, RawItem, Row, RowSource};

pub(crate) struct JsonStreamSource {
    reader: Box<dyn BufRead + Send>,
    name: Arc<str>,
    /// `[ ... ]` rather than a sequence of top-level values.
    array: bool,
    opened: bool,
    closed: bool,
    finished: bool,
    /// 1-based line of the next unread byte.
    line: u64,
    elem: Vec<u8>,
    index: u64,
    complete: u64,
    /// Records of a `{"data": [...]}` wrapper, which is loaded whole.
    unwrapped: std::vec::IntoIter<Value>,
    warnings: Vec<String>,
}

impl JsonStreamSource {
    pub(crate) fn new(reader: Box<dyn BufRead + Send>, name: Arc<str>, array: bool) -> Self {
        JsonStreamSource {
            reader,
            name,
            array,
            opened: false,
            closed: false,
            finished: false,
            line: 1,
            elem: Vec::with_capacity(16 << 10),
            index: 0,
            complete: 0,
            unwrapped: Vec::new().into_iter(),
            warnings: Vec::new(),
        }
    }

    /// Moves past whitespace, commas and brackets to the first byte of the next value,
    /// which is left unconsumed. `None` at end of input or at the array's closing bracket.
    fn skip_to_value(&mut self) -> io::Result<Option<u8>> {
        loop {
            let buf = self.reader.fill_buf()?;
            if buf.is_empty() {
                return Ok(None);
            }
            let mut i = 0;
            let mut found = None;
            while i < buf.len() {
                match buf[i] {
                    b'\n' => self.line += 1,
                    // The byte-order mark can only precede the first value.
                    b' ' | b'\t' | b'\r' | 0xEF | 0xBB | 0xBF => {}
                    b',' if self.array => {}
                    b'[' if self.array && !self.opened => self.opened = true,
                    b']' if self.array && self.opened && !self.closed => {
                        self.closed = true;
                        i += 1;
                        found = Some(None);
                        break;
                    }
                    b => {
                        found = Some(Some(b));
                        break;
                    }
                }
                i += 1;
            }
            self.reader.consume(i);
            if let Some(f) = found {
                return Ok(f);
            }
        }
    }

    /// Copies the next value's bytes into `elem`. `false` when input ends inside it.
    fn collect_value(&mut self) -> io::Result<bool> {
        self.elem.clear();
        let mut depth: u32 = 0;
        let mut in_str = false;
        let mut esc = false;
        loop {
            let buf = self.reader.fill_buf()?;
            if buf.is_empty() {
                // A bare scalar may legitimately end at end of input.
                return Ok(depth == 0 && !in_str && !self.elem.is_empty());
            }
            let mut end = None;
            let mut i = 0;
            while i < buf.len() {
                let b = buf[i];
                if in_str {
                    if esc {
                        esc = false;
                    } else if b == b'\\' {
                        esc = true;
                    } else if b == b'"' {
                        in_str = false;
                        if depth == 0 {
                            end = Some(i + 1);
                            break;
                        }
                    } else if b == b'\n' {
                        self.line += 1;
                    }
                } else {
                    match b {
                        b'"' => in_str = true,
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            if depth == 0 {
                                end = Some(i);
                                break;
                            }
                            depth -= 1;
                            if depth == 0 {
                                end = Some(i + 1);
                                break;
                            }
                        }
                        b',' | b' ' | b'\t' | b'\r' | b'\n' if depth == 0 => {
                            end = Some(i);
                            break;
                        }
                        b'\n' => self.line += 1,
                        _ => {}
                    }
                }
                i += 1;
            }
            match end {
                Some(mut e) => {
                    // A stray closing bracket where a value should start: take it as the
                    // (malformed) value so the scan always moves forward.
                    if e == 0 && self.elem.is_empty() {
                        e = 1;
                    }
                    self.elem.extend_from_slice(&buf[..e]);
                    self.reader.consume(e);
                    return Ok(true);
                }
                None => {
                    let n = buf.len();
                    self.elem.extend_from_slice(buf);
                    self.reader.consume(n);
                }
            }
        }
    }

    fn read_failure(&mut self, e: io::Error, line: u64) -> RawItem {
        self.finished = true;
        self.warnings.push(format!(
            "{}: read error after {} complete records: {e}",
            self.name, self.complete
        ));
        let index = self.index;
        self.index += 1;
        RawItem::Bad {
            reason: "truncated",
            detail: format!("the file could not be read past this point: {e}"),
            line: Some(line),
            index,
        }
    }

    fn at_end(&mut self) {
        self.finished = true;
        if !self.array {
            return;
        }
        if !self.closed {
            self.warnings.push(format!(
                "{}: JSON array is not closed with `]`; the file may be truncated after {} complete records",
                self.name, self.complete
            ));
            return;
        }
        // Anything but whitespace after the closing bracket is ignored, but worth a word.
        self.array = false;
        if let Ok(Some(_)) = self.skip_to_value() {
            self.warnings.push(format!(
                "{}:{}: ignoring data after the end of the JSON array",
                self.name, self.line
            ));
        }
    }

    /// A single top-level object that is not itself a record but wraps the record list.
    fn try_unwrap(&mut self, value: Value, line: u64) -> Option<RawItem> {
        let Value::Object(mut obj) = value else {
            return Some(RawItem::from_value(value, Some(line), 0));
        };
        match take_wrapped_records(&mut obj) {
            Some(records) => {
                self.index = 0;
                self.unwrapped = records.into_iter();
                self.next_unwrapped()
            }
            None => Some(RawItem::Row {
                row: obj,
                line: Some(line),
                index: 0,
                invalid_utf8: false,
            }),
        }
    }

    fn next_unwrapped(&mut self) -> Option<RawItem> {
        let v = self.unwrapped.next()?;
        let index = self.index;
        self.index += 1;
        Some(RawItem::from_value(v, None, index))
    }
}

impl RowSource for JsonStreamSource {
    fn next_item(&mut self) -> Option<RawItem> {
        if let Some(item) = self.next_unwrapped() {
            return Some(item);
        }
        if self.finished {
            return None;
        }
        match self.skip_to_value() {
            Err(e) => return Some(self.read_failure(e, self.line)),
            Ok(None) => {
                self.at_end();
                return None;
            }
            Ok(Some(_)) => {}
        }
        let start = self.line;
        match self.collect_value() {
            Err(e) => return Some(self.read_failure(e, start)),
            Ok(false) => {
                self.finished = true;
                let what = if self.array { "JSON array" } else { "JSON" };
                self.warnings.push(format!(
                    "{}: truncated {what} after {} complete records (cut inside record starting at line {start})",
                    self.name, self.complete
                ));
                let index = self.index;
                self.index += 1;
                return Some(RawItem::Bad {
                    reason: "truncated",
                    detail: format!(
                        "the file ends inside this record ({} bytes read of it)",
                        self.elem.len()
                    ),
                    line: Some(start),
                    index,
                });
            }
            Ok(true) => {}
        }
        self.complete += 1;
        let index = self.index;
        self.index += 1;
        let value = match serde_json::from_slice::<Value>(&self.elem) {
            Ok(v) => v,
            Err(e) => {
                return Some(RawItem::Bad {
                    reason: "malformed_json",
                    detail: format!("invalid JSON: {}", json_error_message(&e)),
                    line: Some(start),
                    index,
                })
            }
        };
        if !self.array && index == 0 {
            // Only a lone top-level object can be a wrapper; look past it to find out.
            match self.skip_to_value() {
                Ok(None) => {
                    self.finished = true;
                    return self.try_unwrap(value, start);
                }
                Ok(Some(_)) => {}
                Err(e) => {
                    self.warnings
                        .push(format!("{}: read error: {e}", self.name));
                    self.finished = true;
                }
            }
        }
        Some(RawItem::from_value(value, Some(start), index))
    }

    fn drain_warnings(&mut self, out: &mut Vec<String>) {
        out.append(&mut self.warnings);
    }
}

/// Keys under which wrappers usually keep their records, best first.
const WRAPPER_KEYS: &[&str] = &[
    "data", "train", "rows", "examples", "records", "items", "samples", "dataset",
];

/// The record list inside `{"data": [...]}`-style wrappers. An object that already looks
/// like a record (e.g. ShareGPT, whose `conversations` is also a list of objects) is not one.
pub(crate) fn take_wrapped_records(obj: &mut Row) -> Option<Vec<Value>> {
    if super::detect::classify(obj).is_some() {
        return None;
    }
    let lists: Vec<&String> = obj
        .iter()
        .filter(|(_, v)| match v {
            Value::Array(items) => !items.is_empty() && items.iter().all(Value::is_object),
            _ => false,
        })
        .map(|(k, _)| k)
        .collect();
    let key = match lists.len() {
        0 => return None,
        1 => lists[0].clone(),
        _ => WRAPPER_KEYS
            .iter()
            .find_map(|w| lists.iter().find(|k| k.eq_ignore_ascii_case(w)))
            .copied()
            .or_else(|| {
                lists
                    .iter()
                    .max_by_key(|k| obj[k.as_str()].as_array().map_or(0, Vec::len))
                    .copied()
            })?
            .clone(),
    };
    match obj.get_mut(&key).map(Value::take) {
        Some(Value::Array(items)) => Some(items),
        _ => None,
    }
}

/// For sniffing: how far the object starting at `buf[0]` reaches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Extent {
    /// It ends on its first line, before this offset (JSON Lines, or a compact document).
    Closes(usize),
    /// A newline comes first: pretty-printed JSON.
    Newline,
    /// `buf` ends before either.
    Open,
}

pub(crate) fn first_object_extent(buf: &[u8]) -> Extent {
    let mut depth = 0u32;
    let mut in_str = false;
    let mut esc = false;
    for (i, &b) in buf.iter().enumerate() {
        if in_str {
            if esc {
                esc = false;
            } else if b == b'\\' {
                esc = true;
            } else if b == b'"' {
                in_str = false;
            } else if b == b'\n' {
                return Extent::Newline;
            }
            continue;
        }
        match b {
            b'"' => in_str = true,
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Extent::Closes(i + 1);
                }
            }
            b'\n' => return Extent::Newline,
            _ => {}
        }
    }
    Extent::Open
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(text: &str, array: bool) -> (Vec<RawItem>, Vec<String>) {
        let reader: Box<dyn BufRead + Send> = Box::new(io::Cursor::new(text.as_bytes().to_vec()));
        let mut src = JsonStreamSource::new(reader, Arc::from("f.json"), array);
        let mut out = Vec::new();
        while let Some(item) = src.next_item() {
            out.push(item);
        }
        let mut warnings = Vec::new();
        src.drain_warnings(&mut warnings);
        (out, warnings)
    }

    fn summary(items: &[RawItem]) -> Vec<String> {
        items
            .iter()
            .map(|i| match i {
                RawItem::Row {
                    row, line, index, ..
                } => {
                    format!("row {index} line {line:?} {}", Value::Object(row.clone()))
                }
                RawItem::Bad {
                    reason,
                    line,
                    index,
                    ..
                } => format!("bad {reason} {index} line {line:?}"),
            })
            .collect()
    }

    #[test]
    fn array_elements_stream_with_lines() {
        let (items, warnings) = items(
            "[\n  {\"a\": \"x]\\\"{\"},\n  {\"a\": [1, {\"b\": 2}]}\n]\n",
            true,
        );
        assert_eq!(
            summary(&items),
            vec![
                r#"row 0 line Some(2) {"a":"x]\"{"}"#,
                r#"row 1 line Some(3) {"a":[1,{"b":2}]}"#,
            ]
        );
        assert!(warnings.is_empty(), "{warnings:?}");
    }

    #[test]
    fn malformed_element_is_skipped_and_reading_continues() {
        let (items, _) = items("[{\"a\": 1},\n{\"a\": 1,, },\n{\"a\": 3}]", true);
        assert_eq!(
            summary(&items),
            vec![
                r#"row 0 line Some(1) {"a":1}"#,
                "bad malformed_json 1 line Some(2)",
                r#"row 2 line Some(3) {"a":3}"#,
            ]
        );
    }

    #[test]
    fn truncated_array_yields_complete_records_then_one_skip() {
        let text = "[\n {\"a\": \"1\"},\n {\"a\": \"2\"},\n {\"a\": \"3\"},\n {\"a\": \"cut her";
        let (items, warnings) = items(text, true);
        assert_eq!(
            summary(&items),
            vec![
                r#"row 0 line Some(2) {"a":"1"}"#,
                r#"row 1 line Some(3) {"a":"2"}"#,
                r#"row 2 line Some(4) {"a":"3"}"#,
                "bad truncated 3 line Some(5)",
            ]
        );
        assert_eq!(
            warnings,
            vec!["f.json: truncated JSON array after 3 complete records (cut inside record starting at line 5)"]
        );
    }

    #[test]
    fn unclosed_array_warns_without_skipping() {
        let (items, warnings) = items("[{\"a\": 1}, {\"a\": 2}", true);
        assert_eq!(items.len(), 2);
        assert!(warnings[0].contains("not closed"), "{warnings:?}");
    }

    #[test]
    fn scalar_elements_are_wrong_type_and_strings_are_text() {
        let (items, _) = items("[1, \"s\", {\"a\": 1}, [\"q1\", \"q2\"], [2]]", true);
        assert_eq!(
            summary(&items),
            vec![
                "bad wrong_type 0 line Some(1)",
                r#"row 1 line Some(1) {"text":"s"}"#,
                r#"row 2 line Some(1) {"a":1}"#,
                r#"row 3 line Some(1) {"turns":["q1","q2"]}"#,
                "bad wrong_type 4 line Some(1)",
            ]
        );
    }

    #[test]
    fn wrapper_object_is_unwrapped() {
        let (items, _) = items(
            "{\n \"version\": 1,\n \"data\": [{\"instruction\": \"a\", \"output\": \"b\"}, {\"instruction\": \"c\", \"output\": \"d\"}]\n}",
            false,
        );
        assert_eq!(
            summary(&items),
            vec![
                r#"row 0 line None {"instruction":"a","output":"b"}"#,
                r#"row 1 line None {"instruction":"c","output":"d"}"#,
            ]
        );
    }

    #[test]
    fn lone_record_object_is_not_unwrapped() {
        let (items, _) = items(
            "{\n \"conversations\": [{\"from\": \"human\", \"value\": \"hi\"}]\n}\n",
            false,
        );
        assert_eq!(items.len(), 1);
        assert!(matches!(&items[0], RawItem::Row { row, .. } if row.contains_key("conversations")));
    }

    #[test]
    fn concatenated_pretty_objects_each_become_records() {
        let (items, _) = items("{\n \"a\": 1\n}\n{\n \"a\": 2\n}\n", false);
        assert_eq!(
            summary(&items),
            vec![
                r#"row 0 line Some(1) {"a":1}"#,
                r#"row 1 line Some(4) {"a":2}"#
            ]
        );
    }

    #[test]
    fn first_line_sniffing() {
        assert_eq!(
            first_object_extent(b"{\"a\": \"{\\\"\"}\n{}"),
            Extent::Closes(12)
        );
        assert_eq!(first_object_extent(b"{\n"), Extent::Newline);
        assert_eq!(first_object_extent(b"{\"a\": \"b"), Extent::Open);
    }
}
