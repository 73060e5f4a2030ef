//! Property tests of the loader (issue 12): arbitrary bytes never panic it, and a file cut
//! off at any byte keeps every complete record before the cut and invents none.

use ftqa::load::fuzzing;
use ftqa::load::{LoadEvent, LoadOptions, Loader};
use ftqa_metrics::record::Record;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use std::path::Path;

/// Everything the loader yields for one file, or its open error.
fn load(path: &Path) -> Result<Vec<LoadEvent>, String> {
    let opts = LoadOptions {
        path: path.to_string_lossy().into_owned(),
        ..Default::default()
    };
    let loader = Loader::open(&opts).map_err(|e| format!("{e:#}"))?;
    Ok(loader.collect())
}

fn load_bytes(bytes: &[u8], name: &str) -> Result<Vec<LoadEvent>, String> {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).expect("write input");
    load(&path)
}

/// Bytes that look a little like JSON or CSV, so inputs get past the first byte.
fn json_ish() -> impl Strategy<Value = Vec<u8>> {
    vec(
        select(b"[]{}\":,\\ \n\t\ra0-e.tuxnl\xc3\xa9\xff".to_vec()),
        0..300,
    )
}

fn any_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![vec(any::<u8>(), 0..300), json_ish()]
}

/// Byte patches and a cut applied to a valid small Parquet file.
fn damaged_parquet() -> impl Strategy<Value = Vec<u8>> {
    let base = fuzzing::small_parquet().expect("small parquet");
    let len = base.len();
    (vec((0..len, any::<u8>()), 0..6), 0..len).prop_map(move |(patches, cut)| {
        let mut b = base.clone();
        for (at, v) in patches {
            b[at] = v;
        }
        b.truncate(len - cut / 4);
        b
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 192, ..ProptestConfig::default() })]

    /// Any bytes under any data extension: a clean error or records and skips, no panic.
    #[test]
    fn arbitrary_bytes_load_or_fail_cleanly(
        bytes in any_bytes(),
        ext in select(vec!["jsonl", "json", "csv", "tsv", "parquet"]),
    ) {
        let _ = load_bytes(&bytes, &format!("data.{ext}"));
    }

    /// A damaged Parquet file: a clean error or records and skips, no panic.
    #[test]
    fn damaged_parquet_loads_or_fails_cleanly(bytes in damaged_parquet()) {
        let _ = load_bytes(&bytes, "data.parquet");
    }

    /// The same bytes through each reader and the detection path directly.
    #[test]
    fn arbitrary_bytes_through_each_reader(bytes in any_bytes()) {
        let lines = fuzzing::jsonl(&bytes);
        let newlines = bytes.iter().filter(|&&b| b == b'\n').count() as u64;
        prop_assert!(lines.rows + lines.skips <= newlines + 1);
        fuzzing::json_stream(&bytes, true);
        fuzzing::json_stream(&bytes, false);
        let _ = fuzzing::delimited(&bytes, b',');
        let _ = fuzzing::delimited(&bytes, b'\t');
        let _ = fuzzing::detect_map(&bytes);
        let _ = fuzzing::sniff(&bytes);
    }
}

/// One Alpaca record as the test writes it.
#[derive(Clone, Debug)]
struct Original {
    id: String,
    instruction: String,
    output: String,
}

impl Original {
    fn json(&self, pretty: bool) -> String {
        let v = serde_json::json!({
            "id": self.id,
            "instruction": self.instruction,
            "input": "",
            "output": self.output,
        });
        if pretty {
            serde_json::to_string_pretty(&v).expect("serialise")
        } else {
            serde_json::to_string(&v).expect("serialise")
        }
    }
}

/// Text with the characters a byte scanner can trip over: quotes, escapes, brackets,
/// commas, newlines and multi-byte UTF-8.
fn tricky_text() -> impl Strategy<Value = String> {
    vec(
        select(vec![
            'a', 'b', 'z', ' ', '"', '\\', '{', '}', '[', ']', ',', ':', '\n', '\t', 'é', '😀', '/',
        ]),
        1..24,
    )
    .prop_map(|chars| {
        let s: String = chars.into_iter().collect();
        // Keep some visible text in every field, so no record is legitimately empty.
        format!("x{s}")
    })
}

fn originals() -> impl Strategy<Value = Vec<Original>> {
    vec((tricky_text(), tricky_text()), 1..10).prop_map(|pairs| {
        pairs
            .into_iter()
            .enumerate()
            .map(|(i, (instruction, output))| Original {
                id: format!("rec-{i}"),
                instruction,
                output,
            })
            .collect()
    })
}

/// The file text and the byte offset at which each record is complete.
fn jsonl_text(recs: &[Original]) -> (String, Vec<usize>) {
    let mut text = String::new();
    let mut ends = Vec::new();
    for r in recs {
        text.push_str(&r.json(false));
        ends.push(text.len());
        text.push('\n');
    }
    (text, ends)
}

fn json_array_text(recs: &[Original]) -> (String, Vec<usize>) {
    let mut text = String::from("[\n");
    let mut ends = Vec::new();
    for (i, r) in recs.iter().enumerate() {
        if i > 0 {
            text.push_str(",\n");
        }
        text.push_str(&r.json(true));
        ends.push(text.len());
    }
    text.push_str("\n]\n");
    (text, ends)
}

/// Checks what the loader made of `text[..cut]` against the originals.
fn check_truncated(
    recs: &[Original],
    text: &str,
    ends: &[usize],
    cut: usize,
    name: &str,
) -> Result<(), TestCaseError> {
    let complete = ends.iter().filter(|&&e| e <= cut).count();
    let events = match load_bytes(&text.as_bytes()[..cut], name) {
        Ok(events) => events,
        Err(e) => {
            prop_assert_eq!(
                complete,
                0,
                "open failed with {} complete records: {}",
                complete,
                e
            );
            return Ok(());
        }
    };
    let records: Vec<&Record> = events
        .iter()
        .filter_map(|e| match e {
            LoadEvent::Record(r) => Some(r),
            LoadEvent::Skip(_) => None,
        })
        .collect();
    let skips: Vec<String> = events
        .iter()
        .filter_map(|e| match e {
            LoadEvent::Skip(s) => Some(format!("{}: {}", s.reason, s.detail)),
            LoadEvent::Record(_) => None,
        })
        .collect();
    prop_assert_eq!(
        records.len(),
        complete,
        "cut at {} of {}: {} records for {} complete; skips {:?}",
        cut,
        text.len(),
        records.len(),
        complete,
        skips
    );
    // At most the one record the cut went through is skipped.
    prop_assert!(skips.len() <= 1, "skips {:?}", skips);
    for (got, want) in records.iter().zip(recs) {
        prop_assert_eq!(&got.id, &want.id);
        let texts: Vec<&str> = got.turns.iter().map(|t| t.text.as_str()).collect();
        prop_assert_eq!(
            texts,
            vec![want.instruction.as_str(), want.output.as_str()],
            "record {}",
            want.id.as_str()
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// A JSON Lines file cut at any byte keeps every complete record before the cut.
    #[test]
    fn truncated_jsonl_keeps_complete_records(recs in originals(), frac in 0.0..=1.0f64) {
        let (text, ends) = jsonl_text(&recs);
        let cut = ((text.len() as f64) * frac) as usize;
        check_truncated(&recs, &text, &ends, cut.min(text.len()), "cut.jsonl")?;
    }

    /// A JSON array file cut at any byte keeps every complete record before the cut.
    #[test]
    fn truncated_json_array_keeps_complete_records(recs in originals(), frac in 0.0..=1.0f64) {
        let (text, ends) = json_array_text(&recs);
        let cut = ((text.len() as f64) * frac) as usize;
        check_truncated(&recs, &text, &ends, cut.min(text.len()), "cut.json")?;
    }

    /// Cuts just before, at and after each record's end: the boundary cases exactly.
    #[test]
    fn cuts_at_record_boundaries(recs in originals(), which in 0usize..10, delta in 0usize..3) {
        for (text, ends, name) in [
            { let (t, e) = jsonl_text(&recs); (t, e, "cut.jsonl") },
            { let (t, e) = json_array_text(&recs); (t, e, "cut.json") },
        ] {
            let end = ends[which % ends.len()];
            let cut = (end + delta).saturating_sub(1).min(text.len());
            check_truncated(&recs, &text, &ends, cut, name)?;
        }
    }
}
