//! `--threads` (issue 13): the report is the same for 1, 2 and 8 threads. report.json is
//! compared byte for byte with only its run facts (time taken, thread count, command line)
//! removed, and report.md byte for byte.

mod common;

use std::path::Path;

fn run(input: &Path, threads: usize, extra: &[&str]) -> (String, String) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r");
    let t = threads.to_string();
    let mut args = vec![
        "report",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--quiet",
        "--threads",
        &t,
    ];
    args.extend_from_slice(extra);
    let o = common::ftqa(&args);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(json["run"]["threads"], t.as_str(), "threads recorded");
    json.as_object_mut().unwrap().remove("run");
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    (serde_json::to_string_pretty(&json).unwrap(), md)
}

fn same_for_any_thread_count(input: &Path, extra: &[&str]) {
    let one = run(input, 1, extra);
    for threads in [2, 8] {
        let other = run(input, threads, extra);
        assert!(
            other.0 == one.0,
            "{}: report.json differs between 1 and {threads} threads",
            input.display()
        );
        assert!(
            other.1 == one.1,
            "{}: report.md differs between 1 and {threads} threads",
            input.display()
        );
    }
}

#[test]
fn planted_dedup_corpus_reports_the_same_on_1_2_and_8_threads() {
    // 600 records with planted exact, near and semantic duplicates: every dedup family has
    // work, and a batch is spread over many chunks.
    same_for_any_thread_count(&common::fixtures().join("dedup/planted.jsonl"), &[]);
}

#[test]
fn task_shards_report_the_same_on_1_2_and_8_threads() {
    same_for_any_thread_count(&common::fixtures().join("shards"), &["--sample-size", "50"]);
}

#[test]
fn preference_data_reports_the_same_on_1_2_and_8_threads() {
    same_for_any_thread_count(&common::fixtures().join("preference.jsonl"), &[]);
}

#[test]
fn zero_threads_means_every_core() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r");
    let input = common::fixtures().join("sharegpt.jsonl");
    let o = common::ftqa(&[
        "report",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--quiet",
        "--only",
        "length",
    ]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    assert_eq!(json["run"]["threads"], cores.to_string().as_str());
}
