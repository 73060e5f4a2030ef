//! Converts Arrow columns into JSON values, so columnar files reach the schema mappers
//! in the same shape as JSON files. Conversion is column at a time (one downcast per
//! column per batch), then rows are assembled by moving values, never cloning them.

use arrow_array::cast::AsArray;
use arrow_array::temporal_conversions::{as_date, as_datetime, as_time};
use arrow_array::types::*;
use arrow_array::{Array, ArrowPrimitiveType, GenericListArray, OffsetSizeTrait, RecordBatch};
use arrow_schema::{DataType, Field, TimeUnit};
use serde_json::{Map as JsonMap, Value};

use super::source::Row;

/// The unsupported type inside `dt`, if any.
pub(crate) fn unsupported_type(dt: &DataType) -> Option<&DataType> {
    use DataType::*;
    match dt {
        Null
        | Boolean
        | Int8
        | Int16
        | Int32
        | Int64
        | UInt8
        | UInt16
        | UInt32
        | UInt64
        | Float16
        | Float32
        | Float64
        | Utf8
        | LargeUtf8
        | Utf8View
        | Binary
        | LargeBinary
        | BinaryView
        | FixedSizeBinary(_)
        | Date32
        | Date64
        | Timestamp(_, _)
        | Time32(_)
        | Time64(_)
        | Duration(_)
        | Decimal32(_, _)
        | Decimal64(_, _)
        | Decimal128(_, _)
        | Decimal256(_, _) => None,
        List(f) | LargeList(f) | FixedSizeList(f, _) | Map(f, _) => unsupported_type(f.data_type()),
        Struct(fields) => fields.iter().find_map(|f| unsupported_type(f.data_type())),
        Dictionary(_, values) => unsupported_type(values),
        _ => Some(dt),
    }
}

/// A clear error for the first column whose type we cannot turn into JSON.
pub(crate) fn check_fields<'a>(fields: impl IntoIterator<Item = &'a Field>) -> Result<(), String> {
    for f in fields {
        if let Some(bad) = unsupported_type(f.data_type()) {
            return Err(format!(
                "column `{}` has Arrow type {} ({bad} is not supported)",
                f.name(),
                f.data_type()
            ));
        }
    }
    Ok(())
}

/// Every row of a batch as a JSON object keyed by column name.
pub(crate) fn batch_to_rows(batch: &RecordBatch, out: &mut Vec<Row>) -> Result<(), String> {
    let schema = batch.schema();
    let mut columns = Vec::with_capacity(batch.num_columns());
    for (field, col) in schema.fields().iter().zip(batch.columns()) {
        let values =
            array_to_values(col.as_ref()).map_err(|e| format!("column `{}`: {e}", field.name()))?;
        columns.push(values.into_iter());
    }
    for _ in 0..batch.num_rows() {
        let mut row = JsonMap::with_capacity(columns.len());
        for (field, values) in schema.fields().iter().zip(columns.iter_mut()) {
            row.insert(field.name().clone(), values.next().unwrap_or(Value::Null));
        }
        out.push(row);
    }
    Ok(())
}

fn primitive<T: ArrowPrimitiveType>(arr: &dyn Array, f: impl Fn(T::Native) -> Value) -> Vec<Value> {
    arr.as_primitive::<T>()
        .iter()
        .map(|v| v.map_or(Value::Null, &f))
        .collect()
}

fn text<'a>(it: impl Iterator<Item = Option<&'a str>>) -> Vec<Value> {
    it.map(|v| v.map_or(Value::Null, |s| Value::String(s.to_owned())))
        .collect()
}

/// Binary cells are almost always embedded media; their bytes are useless as text.
fn binary<'a>(it: impl Iterator<Item = Option<&'a [u8]>>) -> Vec<Value> {
    it.map(|v| {
        v.map_or(Value::Null, |b| {
            Value::String(format!("<embedded image: {} bytes>", b.len()))
        })
    })
    .collect()
}

fn stringy(v: Option<impl ToString>) -> Value {
    v.map_or(Value::Null, |d| Value::String(d.to_string()))
}

fn timestamp<T: ArrowPrimitiveType<Native = i64>>(arr: &dyn Array) -> Vec<Value> {
    primitive::<T>(arr, |v| stringy(as_datetime::<T>(v)))
}

pub(crate) fn array_to_values(arr: &dyn Array) -> Result<Vec<Value>, String> {
    use DataType::*;
    let n = arr.len();
    Ok(match arr.data_type() {
        Null => vec![Value::Null; n],
        Boolean => arr
            .as_boolean()
            .iter()
            .map(|v| v.map_or(Value::Null, Value::Bool))
            .collect(),
        Int8 => primitive::<Int8Type>(arr, Value::from),
        Int16 => primitive::<Int16Type>(arr, Value::from),
        Int32 => primitive::<Int32Type>(arr, Value::from),
        Int64 => primitive::<Int64Type>(arr, Value::from),
        UInt8 => primitive::<UInt8Type>(arr, Value::from),
        UInt16 => primitive::<UInt16Type>(arr, Value::from),
        UInt32 => primitive::<UInt32Type>(arr, Value::from),
        UInt64 => primitive::<UInt64Type>(arr, Value::from),
        Float16 => primitive::<Float16Type>(arr, |v| Value::from(v.to_f64())),
        Float32 => primitive::<Float32Type>(arr, |v| Value::from(v as f64)),
        Float64 => primitive::<Float64Type>(arr, Value::from),
        Utf8 => text(arr.as_string::<i32>().iter()),
        LargeUtf8 => text(arr.as_string::<i64>().iter()),
        Utf8View => text(arr.as_string_view().iter()),
        Binary => binary(arr.as_binary::<i32>().iter()),
        LargeBinary => binary(arr.as_binary::<i64>().iter()),
        BinaryView => binary(arr.as_binary_view().iter()),
        FixedSizeBinary(_) => binary(arr.as_fixed_size_binary().iter()),
        Date32 => primitive::<Date32Type>(arr, |v| stringy(as_date::<Date32Type>(v as i64))),
        Date64 => primitive::<Date64Type>(arr, |v| stringy(as_date::<Date64Type>(v))),
        Timestamp(TimeUnit::Second, _) => timestamp::<TimestampSecondType>(arr),
        Timestamp(TimeUnit::Millisecond, _) => timestamp::<TimestampMillisecondType>(arr),
        Timestamp(TimeUnit::Microsecond, _) => timestamp::<TimestampMicrosecondType>(arr),
        Timestamp(TimeUnit::Nanosecond, _) => timestamp::<TimestampNanosecondType>(arr),
        Time32(TimeUnit::Second) => {
            primitive::<Time32SecondType>(arr, |v| stringy(as_time::<Time32SecondType>(v as i64)))
        }
        Time32(_) => primitive::<Time32MillisecondType>(arr, |v| {
            stringy(as_time::<Time32MillisecondType>(v as i64))
        }),
        Time64(TimeUnit::Microsecond) => primitive::<Time64MicrosecondType>(arr, |v| {
            stringy(as_time::<Time64MicrosecondType>(v))
        }),
        Time64(_) => {
            primitive::<Time64NanosecondType>(arr, |v| stringy(as_time::<Time64NanosecondType>(v)))
        }
        // Durations stay numbers in their own unit; nobody reads them as text.
        Duration(TimeUnit::Second) => primitive::<DurationSecondType>(arr, Value::from),
        Duration(TimeUnit::Millisecond) => primitive::<DurationMillisecondType>(arr, Value::from),
        Duration(TimeUnit::Microsecond) => primitive::<DurationMicrosecondType>(arr, Value::from),
        Duration(TimeUnit::Nanosecond) => primitive::<DurationNanosecondType>(arr, Value::from),
        Decimal32(p, s) => primitive::<Decimal32Type>(arr, |v| {
            Value::String(Decimal32Type::format_decimal(v, *p, *s))
        }),
        Decimal64(p, s) => primitive::<Decimal64Type>(arr, |v| {
            Value::String(Decimal64Type::format_decimal(v, *p, *s))
        }),
        Decimal128(p, s) => primitive::<Decimal128Type>(arr, |v| {
            Value::String(Decimal128Type::format_decimal(v, *p, *s))
        }),
        Decimal256(p, s) => primitive::<Decimal256Type>(arr, |v| {
            Value::String(Decimal256Type::format_decimal(v, *p, *s))
        }),
        List(_) => list(arr.as_list::<i32>())?,
        LargeList(_) => list(arr.as_list::<i64>())?,
        FixedSizeList(_, size) => {
            let a = arr.as_fixed_size_list();
            let size = (*size).max(0) as usize;
            let start = if n == 0 { 0 } else { a.value_offset_at(0) };
            let child = a.values().slice(start, n * size);
            let mut items = array_to_values(child.as_ref())?.into_iter();
            (0..n)
                .map(|i| {
                    let row: Vec<Value> = items.by_ref().take(size).collect();
                    if a.is_null(i) {
                        Value::Null
                    } else {
                        Value::Array(row)
                    }
                })
                .collect()
        }
        Struct(_) => {
            let s = arr.as_struct();
            let names = s.column_names();
            let mut cols = Vec::with_capacity(names.len());
            for (name, col) in names.iter().zip(s.columns()) {
                let values =
                    array_to_values(col.as_ref()).map_err(|e| format!("field `{name}`: {e}"))?;
                cols.push(values.into_iter());
            }
            (0..n)
                .map(|i| {
                    let mut obj = JsonMap::with_capacity(cols.len());
                    for (name, col) in names.iter().zip(cols.iter_mut()) {
                        obj.insert((*name).to_string(), col.next().unwrap_or(Value::Null));
                    }
                    if s.is_null(i) {
                        Value::Null
                    } else {
                        Value::Object(obj)
                    }
                })
                .collect()
        }
        Map(_, _) => {
            let m = arr.as_map();
            let offsets = m.value_offsets();
            let (first, last) = (offsets[0] as usize, offsets[n] as usize);
            let entries = m.entries().slice(first, last - first);
            let mut keys = array_to_values(entries.column(0).as_ref())?.into_iter();
            let mut values = array_to_values(entries.column(1).as_ref())?.into_iter();
            (0..n)
                .map(|i| {
                    let len = (offsets[i + 1] - offsets[i]) as usize;
                    let mut obj = JsonMap::with_capacity(len);
                    for _ in 0..len {
                        let key = match keys.next() {
                            Some(Value::String(s)) => s,
                            Some(other) => other.to_string(),
                            None => String::new(),
                        };
                        obj.insert(key, values.next().unwrap_or(Value::Null));
                    }
                    if m.is_null(i) {
                        Value::Null
                    } else {
                        Value::Object(obj)
                    }
                })
                .collect()
        }
        Dictionary(_, _) => {
            let d = arr.as_any_dictionary();
            let values = array_to_values(d.values().as_ref())?;
            if values.is_empty() {
                vec![Value::Null; n]
            } else {
                let keys = d.normalized_keys();
                (0..n)
                    .map(|i| {
                        if arr.is_null(i) {
                            Value::Null
                        } else {
                            values.get(keys[i]).cloned().unwrap_or(Value::Null)
                        }
                    })
                    .collect()
            }
        }
        other => return Err(format!("Arrow type {other} is not supported")),
    })
}

fn list<O: OffsetSizeTrait>(a: &GenericListArray<O>) -> Result<Vec<Value>, String> {
    let n = a.len();
    let offsets = a.value_offsets();
    let (first, last) = (offsets[0].as_usize(), offsets[n].as_usize());
    let child = a.values().slice(first, last - first);
    let mut items = array_to_values(child.as_ref())?.into_iter();
    Ok((0..n)
        .map(|i| {
            let len = (offsets[i + 1] - offsets[i]).as_usize();
            let row: Vec<Value> = items.by_ref().take(len).collect();
            if a.is_null(i) {
                Value::Null
            } else {
                Value::Array(row)
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::builder::{ListBuilder, StringBuilder, StructBuilder};
    use arrow_array::{
        ArrayRef, BinaryArray, BooleanArray, DictionaryArray, Float64Array, Int64Array,
        TimestampMillisecondArray,
    };
    use arrow_schema::Fields;
    use serde_json::json;
    use std::sync::Arc;

    #[test]
    fn scalars_and_nulls() {
        let a: ArrayRef = Arc::new(Int64Array::from(vec![Some(1), None]));
        assert_eq!(array_to_values(&a).unwrap(), vec![json!(1), Value::Null]);
        let a: ArrayRef = Arc::new(Float64Array::from(vec![1.5, f64::NAN]));
        assert_eq!(array_to_values(&a).unwrap(), vec![json!(1.5), Value::Null]);
        let a: ArrayRef = Arc::new(BooleanArray::from(vec![Some(true), None]));
        assert_eq!(array_to_values(&a).unwrap(), vec![json!(true), Value::Null]);
        let a: ArrayRef = Arc::new(BinaryArray::from(vec![&b"abc"[..]]));
        assert_eq!(
            array_to_values(&a).unwrap(),
            vec![json!("<embedded image: 3 bytes>")]
        );
        let a: ArrayRef = Arc::new(TimestampMillisecondArray::from(vec![0]));
        assert_eq!(
            array_to_values(&a).unwrap(),
            vec![json!("1970-01-01 00:00:00")]
        );
        let a: ArrayRef = Arc::new(
            vec![Some("x"), None, Some("x")]
                .into_iter()
                .collect::<DictionaryArray<Int32Type>>(),
        );
        assert_eq!(
            array_to_values(&a).unwrap(),
            vec![json!("x"), Value::Null, json!("x")]
        );
    }

    #[test]
    fn nested_lists_of_structs_and_slices() {
        let fields = Fields::from(vec![
            Field::new("from", DataType::Utf8, true),
            Field::new("value", DataType::Utf8, true),
        ]);
        let mut b = ListBuilder::new(StructBuilder::from_fields(fields, 0));
        for conv in [
            vec![("human", "hi"), ("gpt", "yo")],
            vec![],
            vec![("human", "z")],
        ] {
            for (f, v) in conv {
                let s = b.values();
                s.field_builder::<StringBuilder>(0).unwrap().append_value(f);
                s.field_builder::<StringBuilder>(1).unwrap().append_value(v);
                s.append(true);
            }
            b.append(true);
        }
        let list: ArrayRef = Arc::new(b.finish());
        assert_eq!(
            array_to_values(&list).unwrap(),
            vec![
                json!([{"from": "human", "value": "hi"}, {"from": "gpt", "value": "yo"}]),
                json!([]),
                json!([{"from": "human", "value": "z"}]),
            ]
        );
        let sliced = list.slice(2, 1);
        assert_eq!(
            array_to_values(&sliced).unwrap(),
            vec![json!([{"from": "human", "value": "z"}])]
        );
    }

    #[test]
    fn unsupported_types_name_the_column() {
        let field = Field::new(
            "weird",
            DataType::RunEndEncoded(
                Arc::new(Field::new("run_ends", DataType::Int32, false)),
                Arc::new(Field::new("values", DataType::Utf8, true)),
            ),
            true,
        );
        let ok = Field::new("s", DataType::Utf8, true);
        let err = check_fields([&ok, &field]).unwrap_err();
        assert!(
            err.contains("`weird`") && err.contains("RunEndEncoded"),
            "{err}"
        );
    }
}
