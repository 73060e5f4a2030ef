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
    pub(crate) fn from_value(value: Value, line: Option<u64>, index: u64) -> RawItem {
        match value {
            Value::Object(row) => RawItem::Row {
                row,
                line,
                index,
                invalid_utf8: false,
            },
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
