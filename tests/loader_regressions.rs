//! Inputs the loader fuzz targets (fuzz/, issue 12) once crashed on, replayed through the
//! same entry points (`ftqa::load::fuzzing`) and, where it applies, the public loader.
//! Each must now give a clean error or records and skips.

use ftqa::load::fuzzing;
use ftqa::load::{LoadEvent, LoadOptions, Loader};

/// parquet_mutate, crash-4f30dacb1d5f32f0550b60a26b25ab5adbe0f455: one patched byte makes a
/// dictionary page declare zero values, and parquet 60.1 divides by zero decoding it
/// (parquet-60.1.0/src/arrow/array_reader/byte_array.rs:391). Fixed by
/// `columnar::guarded`: the file stops with a `truncated` skip instead of a panic.
///
/// The fuzzer's own input (`PARQUET_DICT_ZERO_VALUES_FUZZED`) got there by breaking the type
/// of a page header field (the crate decodes field 5 as a struct whatever its declared
/// type); `parquet_guard` now rejects that when the file opens, so the panic is reached
/// here by setting the dictionary page's `num_values` (byte 0x9f, column 2) to zero.
const PARQUET_DICT_ZERO_VALUES: &[u8] = &[0x00, 0x9f, 0x00];
const PARQUET_DICT_ZERO_VALUES_FUZZED: &[u8] = &[0x00, 0x0c, 0x00, 0x73, 0x69, 0xbf];

#[test]
fn parquet_dictionary_page_without_values_is_a_skip_not_a_panic() {
    let counts = fuzzing::parquet_patched(PARQUET_DICT_ZERO_VALUES).expect("the file opens");
    assert_eq!(counts.skips, 1, "{counts:?}");
    assert_eq!(counts.warnings, 1, "{counts:?}");
}

/// The fuzzer's input: rejected when it opens, naming the mistyped page header field.
#[test]
fn parquet_page_header_with_a_mistyped_field_is_rejected() {
    let err = fuzzing::parquet_patched(PARQUET_DICT_ZERO_VALUES_FUZZED).expect_err("rejected");
    assert_eq!(
        format!("{err:#}"),
        "fuzz.parquet: malformed Parquet page header in column 2 at byte 160: field 5 is a \
         i32, expected struct"
    );
}

/// The same damaged file through `Loader::open` and iteration, as the CLI reads it.
#[test]
fn parquet_dictionary_page_without_values_through_the_loader() {
    let mut bytes = fuzzing::small_parquet().unwrap();
    bytes[0x9f] = 0x00;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("damaged.parquet");
    std::fs::write(&path, &bytes).unwrap();
    let opts = LoadOptions {
        path: path.to_string_lossy().into_owned(),
        schema: Some("openai".to_string()),
        ..Default::default()
    };
    let mut loader = Loader::open(&opts).expect("opens");
    let events: Vec<LoadEvent> = loader.by_ref().collect();
    let skip = events
        .iter()
        .find_map(|e| match e {
            LoadEvent::Skip(s) => Some(s),
            LoadEvent::Record(_) => None,
        })
        .expect("a skip");
    assert_eq!(skip.reason, "truncated");
    assert!(skip.detail.contains("malformed data"), "{}", skip.detail);
    let warnings = loader.take_warnings();
    assert!(
        warnings.iter().any(|w| w.contains("stopped after")),
        "{warnings:?}"
    );
}

/// parquet, timeout-ebe736bb504c2185e2c4eaef24de3159ef675928 (1,324 bytes): a page header
/// holds an unknown field of type `list<bool>` with a huge element count; parquet 60.1's
/// Thrift skipper (parquet-60.1.0/src/parquet_thrift.rs:508 and :532) treats booleans as
/// taking no bytes, so it spins up to 2^31 empty iterations per such header instead of
/// failing (in compact Thrift a list's booleans take a byte each), for minutes, without a
/// panic. Fixed by `parquet_guard`, which walks every page header before the crate does and
/// rejects the file when it opens.
#[test]
fn parquet_page_header_with_huge_bool_list_is_rejected() {
    let bytes = include_bytes!("loader_regressions/parquet_thrift_bool_list_hang.parquet");
    let err = fuzzing::parquet(bytes).expect_err("the file is rejected when it opens");
    let msg = format!("{err:#}");
    // The crate reads field 1 (the page type) as an integer whatever its declared type, so
    // it and a plain Thrift walk part ways at this field; the list<bool> comes after.
    assert_eq!(
        msg,
        "fuzz.parquet: malformed Parquet page header in column 0 at byte 33: field 1 is a \
         list, expected integer"
    );
}

/// The same file as a later shard of a dataset (past the rows sampled when the dataset
/// opens): an `unreadable_file` skip and a warning; the shards before it still load.
#[test]
fn parquet_page_header_with_huge_bool_list_as_a_later_shard() {
    let dir = tempfile::tempdir().unwrap();
    let good = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/generated/sharegpt_nested.parquet"
    );
    for part in ["part-0.parquet", "part-1.parquet"] {
        std::fs::copy(good, dir.path().join(part)).unwrap();
    }
    std::fs::write(
        dir.path().join("part-2.parquet"),
        include_bytes!("loader_regressions/parquet_thrift_bool_list_hang.parquet"),
    )
    .unwrap();
    let opts = LoadOptions {
        path: dir.path().to_string_lossy().into_owned(),
        schema: Some("sharegpt".to_string()),
        ..Default::default()
    };
    let mut loader = Loader::open(&opts).expect("the first shard opens");
    let events: Vec<LoadEvent> = loader.by_ref().collect();
    assert!(events.iter().any(|e| matches!(e, LoadEvent::Record(_))));
    let skip = events
        .iter()
        .find_map(|e| match e {
            LoadEvent::Skip(s) => Some(s),
            LoadEvent::Record(_) => None,
        })
        .expect("a skip");
    assert_eq!(skip.reason, "unreadable_file");
    assert!(
        skip.detail.contains("malformed Parquet page header"),
        "{}",
        skip.detail
    );
    let warnings = loader.take_warnings();
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("part-2.parquet: malformed Parquet page header")),
        "{warnings:?}"
    );
}
