//! The raw row stream that every file format produces before schema mapping.

use serde_json::{Map, Value};

/// One record as its format delivered it: column or key name -> value.
pub(crate) type Row = Map<String, Value>;

pub(crate) enum RawItem {
    Row {
        row: Row,
        line: Option<u64>,
        index: u64,
        /// Decoded lossily from bytes that were not valid UTF-8.
        invalid_utf8: bool,
    },
    /// Something that occupied a record slot but could not be read as an object.
    Bad {
        reason: &'static str,
        detail: String,
        line: Option<u64>,
        index: u64,
    },
}

impl RawItem {
    /// A record that is not an object but still holds text is kept under a column name
    /// that says what it is: a list of messages as `messages`, a list of strings as
    /// `turns` (consecutive user turns), a string as `text`. Numbers, booleans, null and
    /// other lists say nothing to analyse and are skipped.
    pub(crate) fn from_value(value: Value, line: Option<u64>, index: u64) -> RawItem {
        let wrapped = |key: &str, v: Value| {
            let mut row = Row::new();
            row.insert(key.to_string(), v);
            RawItem::Row {
                row,
                line,
                index,
                invalid_utf8: false,
            }
        };
        match value {
            Value::Object(row) => RawItem::Row {
                row,
                line,
                index,
                invalid_utf8: false,
            },
            Value::String(s) => wrapped("text", Value::String(s)),
            Value::Array(items)
                if !items.is_empty()
                    && items.iter().all(|m| {
                        m.as_object().is_some_and(|m| {
                            super::turns::ROLE_KEYS.iter().any(|k| m.contains_key(*k))
                        })
                    }) =>
            {
                wrapped("messages", Value::Array(items))
            }
            Value::Array(items) if !items.is_empty() && items.iter().all(Value::is_string) => {
                wrapped("turns", Value::Array(items))
            }
            other => RawItem::Bad {
                reason: "wrong_type",
                detail: format!("record is {}, expected an object", describe(&other)),
                line,
                index,
            },
        }
    }
}

/// A reader for one file. Readers never fail as a whole once open: damage inside the
/// file becomes `RawItem::Bad` items plus warnings, so the rest of the data still loads.
pub(crate) trait RowSource: Send {
    fn next_item(&mut self) -> Option<RawItem>;
    fn drain_warnings(&mut self, _out: &mut Vec<String>) {}
}

/// "a number", "a list", ... for messages about values of the wrong type.
pub(crate) fn describe(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// serde_json's message without its " at line 1 column 7" suffix, which is relative to
/// the slice we parsed rather than the file.
pub(crate) fn json_error_message(e: &serde_json::Error) -> String {
    let full = e.to_string();
    match full.rfind(" at line ") {
        Some(pos) => format!("{} (column {})", &full[..pos], e.column()),
        None => full,
    }
}
