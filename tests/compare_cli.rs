//! `ftqa compare` through the real binary, on generated fixtures with known planted values:
//! alpaca.json (95 analysed, 5 exact duplicate samples) and sharegpt.jsonl (69 analysed, 4).

mod common;

use common::{fixtures, ftqa, stderr, stdout};
use serde_json::Value;
use std::path::Path;

fn compare(paths: &[&Path], out: &Path, extra: &[&str]) -> Value {
    let mut args = vec!["compare".to_string()];
    args.extend(paths.iter().map(|p| p.display().to_string()));
    args.extend([
        "-o".to_string(),
        out.display().to_string(),
        "--no-progress".to_string(),
    ]);
    args.extend(extra.iter().map(|s| s.to_string()));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = ftqa(&refs);
    assert!(o.status.success(), "ftqa compare failed: {}", stderr(&o));
    assert!(stdout(&o).contains("compare: "), "terminal summary");
    serde_json::from_str(&std::fs::read_to_string(out.join("compare.json")).unwrap()).unwrap()
}

fn row<'a>(c: &'a Value, id: &str) -> &'a Value {
    c["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == id)
        .unwrap_or_else(|| panic!("no row {id}"))
}

#[test]
fn two_datasets_side_by_side_with_verdicts_and_overlap() {
    let t = tempfile::tempdir().unwrap();
    let a = fixtures().join("alpaca.json");
    let b = fixtures().join("sharegpt.jsonl");
    let out = t.path().join("cmp");
    let c = compare(&[&a, &b], &out, &[]);
    assert_eq!(c["compare_layout_version"], 1);
    assert_eq!(c["datasets"][0]["label"], "A");
    assert_eq!(c["datasets"][0]["analyzed"], 95);
    assert_eq!(c["datasets"][1]["analyzed"], 69);
    // Lower is better: 5/95 = 5.26% against 4/69 = 5.80% is worse.
    let dup = row(&c, "dedup.exact.sample_rate");
    assert_eq!(dup["direction"], "lower_is_better");
    assert!((dup["values"][0].as_f64().unwrap() - 5.0 / 95.0).abs() < 1e-12);
    assert!((dup["deltas"][1].as_f64().unwrap() - (4.0 / 69.0 - 5.0 / 95.0)).abs() < 1e-12);
    assert_eq!(dup["verdicts"][1], "worse");
    assert_eq!(dup["verdict"], "B worse than A (5.26% → 5.8%)");
    // Descriptive metrics change without a better or worse.
    assert_eq!(row(&c, "records.total")["verdicts"][1], "differs");
    // Overlap: the diagonal is each dataset's own duplicate rate; the two share no samples.
    let m = &c["overlap"];
    assert!(
        (m["exact"][0][0].as_f64().unwrap() - 5.0 / 95.0).abs() < 1e-9,
        "{m}"
    );
    assert!(
        (m["exact"][1][1].as_f64().unwrap() - 4.0 / 69.0).abs() < 1e-9,
        "{m}"
    );
    assert_eq!(m["exact"][0][1].as_f64().unwrap(), 0.0);
    // Every output format, and overlaid plots as SVG and PNG.
    let html = std::fs::read_to_string(out.join("compare.html")).unwrap();
    assert!(html.contains("<section id=\"overlap\">") && html.contains("<section id=\"dedup\">"));
    assert!(html.contains("B worse than A (5.26% → 5.8%)"));
    let md = std::fs::read_to_string(out.join("compare.md")).unwrap();
    assert!(md.lines().count() < 60, "compare.md is a PR comment");
    assert!(md.contains("`dedup.exact.sample_rate`"));
    let plots: Vec<_> = std::fs::read_dir(out.join("plots"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(
        plots
            .iter()
            .any(|p| p.starts_with("length.") && p.ends_with(".png")),
        "{plots:?}"
    );
    assert!(plots
        .iter()
        .any(|p| p.starts_with("length.") && p.ends_with(".svg")));
    // Each dataset's own report is kept beside the comparison.
    assert!(
        out.join("reports/A/report.html").is_file() && out.join("reports/B/report.json").is_file()
    );
}

#[test]
fn a_dataset_against_itself_overlaps_fully_and_nothing_changes() {
    let t = tempfile::tempdir().unwrap();
    let a = fixtures().join("alpaca.json");
    let copy = t.path().join("copy.json");
    std::fs::copy(&a, &copy).unwrap();
    let c = compare(&[&a, &copy], &t.path().join("cmp"), &[]);
    let m = &c["overlap"];
    assert_eq!(m["exact"][1][0].as_f64().unwrap(), 1.0, "{m}");
    assert_eq!(m["exact"][0][1].as_f64().unwrap(), 1.0, "{m}");
    for r in c["metrics"].as_array().unwrap() {
        // Only run facts could differ; every metric is equal.
        assert_eq!(r["verdicts"][1], "same", "{r}");
    }
}

#[test]
fn three_datasets_and_no_overlap_flag() {
    let t = tempfile::tempdir().unwrap();
    let c = compare(
        &[
            &fixtures().join("alpaca.json"),
            &fixtures().join("sharegpt.jsonl"),
            &fixtures().join("dolly.tsv"),
        ],
        &t.path().join("cmp"),
        &["--no-overlap"],
    );
    assert_eq!(c["datasets"][2]["label"], "C");
    assert!(c["overlap"].is_null());
    assert_eq!(c["overlap_note"], "Skipped (--no-overlap).");
    let dup = row(&c, "dedup.exact.sample_rate");
    assert_eq!(dup["values"].as_array().unwrap().len(), 3);
    // dolly.tsv: 2 duplicates in 52, better than alpaca's 5 in 95.
    assert_eq!(dup["verdicts"][2], "better");
}

#[test]
fn compare_needs_two_datasets() {
    let o = ftqa(&["compare", fixtures().join("alpaca.json").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
}
