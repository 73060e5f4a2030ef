//! JSON Lines: one record per line, so a bad line costs only itself. Lines are read in
//! blocks and a block's lines are parsed in parallel (issue 13).

use serde_json::Value;
use std::collections::VecDeque;
use std::io::BufRead;
use std::sync::Arc;

use super::source::{json_error_message, RawItem, RowSource};

pub(crate) struct JsonlSource {
    reader: Box<dyn BufRead + Send>,
    name: Arc<str>,
    line: u64,
    index: u64,
    finished: bool,
    warnings: Vec<String>,
    /// Items parsed ahead, in file order.
    ready: VecDeque<RawItem>,
}

/// One non-blank line read but not yet parsed.
struct Line {
    bytes: Vec<u8>,
    line: u64,
    index: u64,
    /// Whether it ended with a newline (an unterminated last line may be cut off).
    ended: bool,
}

/// Lines read ahead and parsed together: reading is sequential, parsing a block runs on
/// the rayon pool (`--threads`), and items come out in file order either way.
const BLOCK_LINES: usize = 4096;
/// Bytes read ahead at most, so a file of huge lines does not fill memory.
const BLOCK_BYTES: usize = 16 << 20;
/// Below this many lines a block is parsed on the calling thread.
const PARALLEL_MIN: usize = 64;

impl JsonlSource {
    pub(crate) fn new(reader: Box<dyn BufRead + Send>, name: Arc<str>) -> Self {
        JsonlSource {
            reader,
            name,
            line: 0,
            index: 0,
            finished: false,
            warnings: Vec::new(),
            ready: VecDeque::new(),
        }
    }

    /// Reads the next block of lines and parses it into `ready`.
    fn fill(&mut self) {
        let mut lines: Vec<Line> = Vec::new();
        let mut bytes_read = 0usize;
        let mut failed: Option<RawItem> = None;
        while !self.finished && lines.len() < BLOCK_LINES && bytes_read < BLOCK_BYTES {
            let mut buf = Vec::new();
            match self.reader.read_until(b'\n', &mut buf) {
                Ok(0) => {
                    self.finished = true;
                    break;
                }
                Ok(n) => bytes_read += n,
                Err(e) => {
                    self.finished = true;
                    self.warnings.push(format!(
                        "{}: read error after line {} ({} records): {e}",
                        self.name, self.line, self.index
                    ));
                    failed = Some(RawItem::Bad {
                        reason: "truncated",
                        detail: format!("the file could not be read past this point: {e}"),
                        line: Some(self.line + 1),
                        index: self.index,
                    });
                    self.index += 1;
                    break;
                }
            }
            self.line += 1;
            let ended = buf.last() == Some(&b'\n');
            if self.line == 1 && buf.starts_with(b"\xef\xbb\xbf") {
                buf.drain(..3);
            }
            if buf.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            lines.push(Line {
                bytes: buf,
                line: self.line,
                index: self.index,
                ended,
            });
            self.index += 1;
        }
        let name = &*self.name;
        let parsed: Vec<(RawItem, Option<String>)> = if lines.len() >= PARALLEL_MIN {
            use rayon::prelude::*;
            lines.par_iter().map(|l| parse(name, l)).collect()
        } else {
            lines.iter().map(|l| parse(name, l)).collect()
        };
        for (item, warning) in parsed {
            self.warnings.extend(warning);
            self.ready.push_back(item);
        }
        self.ready.extend(failed);
    }
}

/// One line's item, and the warning it raises (a cut-off last line).
fn parse(name: &str, l: &Line) -> (RawItem, Option<String>) {
    let (line, index) = (Some(l.line), l.index);
    match serde_json::from_slice::<Value>(&l.bytes) {
        Ok(v) => (RawItem::from_value(v, line, index), None),
        // An unterminated last line that stops mid-value is a cut-off file.
        Err(e) if !l.ended && e.is_eof() => (
            RawItem::Bad {
                reason: "truncated",
                detail: "the file ends inside this record".to_string(),
                line,
                index,
            },
            Some(format!(
                "{name}: truncated JSON Lines file after {index} complete records (last line {} is cut off)",
                l.line
            )),
        ),
        Err(e) => (
            match lossy(&l.bytes) {
                // Bytes that are not UTF-8 inside otherwise valid JSON: keep the record,
                // decoded lossily (U+FFFD per bad sequence), flagged for
                // hygiene.invalid_utf8, rather than dropping it as malformed.
                Some(v) => match RawItem::from_value(v, line, index) {
                    RawItem::Row {
                        row, line, index, ..
                    } => RawItem::Row {
                        row,
                        line,
                        index,
                        invalid_utf8: true,
                    },
                    bad => bad,
                },
                None => RawItem::Bad {
                    reason: "malformed_json",
                    detail: format!("invalid JSON: {}", json_error_message(&e)),
                    line,
                    index,
                },
            },
            None,
        ),
    }
}

impl RowSource for JsonlSource {
    fn next_item(&mut self) -> Option<RawItem> {
        if self.ready.is_empty() && !self.finished {
            self.fill();
        }
        self.ready.pop_front()
    }

    fn drain_warnings(&mut self, out: &mut Vec<String>) {
        out.append(&mut self.warnings);
    }
}

/// The JSON value of a line that is not valid UTF-8 but parses once decoded lossily.
fn lossy(bytes: &[u8]) -> Option<Value> {
    if std::str::from_utf8(bytes).is_ok() {
        return None;
    }
    serde_json::from_str(&String::from_utf8_lossy(bytes)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str) -> (Vec<RawItem>, Vec<String>) {
        let reader: Box<dyn BufRead + Send> =
            Box::new(std::io::Cursor::new(text.as_bytes().to_vec()));
        let mut src = JsonlSource::new(reader, Arc::from("f.jsonl"));
        let mut items = Vec::new();
        while let Some(i) = src.next_item() {
            items.push(i);
        }
        let mut w = Vec::new();
        src.drain_warnings(&mut w);
        (items, w)
    }

    #[test]
    fn invalid_utf8_is_decoded_lossily_and_kept() {
        let mut bytes = b"{\"a\":\"caf".to_vec();
        bytes.extend([0xE9, b'"', b'}', b'\n']);
        bytes.extend(b"{\"a\":\"ok\"}\n{bad\xff\n");
        let reader: Box<dyn BufRead + Send> = Box::new(std::io::Cursor::new(bytes));
        let mut src = JsonlSource::new(reader, Arc::from("f.jsonl"));
        let items: Vec<RawItem> = std::iter::from_fn(|| src.next_item()).collect();
        assert_eq!(items.len(), 3);
        match &items[0] {
            RawItem::Row {
                row, invalid_utf8, ..
            } => {
                assert!(*invalid_utf8);
                assert_eq!(row["a"], "caf\u{FFFD}");
            }
            _ => panic!("the first line is not a row"),
        }
        assert!(matches!(
            items[1],
            RawItem::Row {
                invalid_utf8: false,
                ..
            }
        ));
        // Not JSON even when decoded: still malformed.
        assert!(matches!(
            items[2],
            RawItem::Bad {
                reason: "malformed_json",
                ..
            }
        ));
    }

    #[test]
    fn malformed_line_in_the_middle_is_located() {
        let (items, w) = run("{\"a\":1}\n\n{\"a\":2,}\n{\"a\":3}\n");
        assert!(w.is_empty());
        assert_eq!(items.len(), 3);
        assert!(matches!(
            items[0],
            RawItem::Row {
                line: Some(1),
                index: 0,
                ..
            }
        ));
        match &items[1] {
            RawItem::Bad {
                reason,
                line,
                index,
                detail,
            } => {
                assert_eq!((*reason, *line, *index), ("malformed_json", Some(3), 1));
                assert!(detail.contains("column"), "{detail}");
            }
            _ => panic!("expected a skip"),
        }
        assert!(matches!(
            items[2],
            RawItem::Row {
                line: Some(4),
                index: 2,
                ..
            }
        ));
    }

    #[test]
    fn cut_off_last_line_is_truncated() {
        let (items, w) = run("\u{feff}{\"a\":1}\r\n{\"a\":\"x");
        assert!(matches!(items[0], RawItem::Row { .. }));
        assert!(matches!(
            items[1],
            RawItem::Bad {
                reason: "truncated",
                line: Some(2),
                ..
            }
        ));
        assert_eq!(w.len(), 1);
        assert!(w[0].contains("after 1 complete records"), "{w:?}");
    }
}
