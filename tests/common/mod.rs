#![allow(dead_code)]

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixtures() -> PathBuf {
    root().join("fixtures/generated")
}

pub fn ftqa(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ftqa"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("run ftqa")
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Runs `ftqa report` on `input` into `out` and returns the parsed report.json.
pub fn report(input: &Path, out: &Path, extra: &[&str]) -> Value {
    let mut args = vec![
        "report",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--quiet",
    ];
    args.extend_from_slice(extra);
    let o = ftqa(&args);
    assert!(
        o.status.success(),
        "ftqa report {} failed: {}",
        input.display(),
        stderr(&o)
    );
    serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap()
}

pub fn metric(report: &Value, id: &str) -> Option<f64> {
    report["metrics"][id].as_f64()
}

/// The committed DBSCAN reference (tests/reference/make_reference.py): vectors, their
/// dimension, and the cases with scikit-learn's labels.
pub fn dbscan_reference() -> (Vec<f32>, usize, Vec<Value>) {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/reference/dbscan_reference.json"
    );
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let dim = v["dim"].as_u64().unwrap() as usize;
    let data = v["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap() as f32)
        })
        .collect();
    (data, dim, v["cases"].as_array().unwrap().clone())
}

/// Runs ftqa and requires success.
pub fn ftqa_ok(args: &[&str]) -> Output {
    let o = ftqa(args);
    assert!(
        o.status.success(),
        "ftqa {}: {}",
        args.join(" "),
        stderr(&o)
    );
    o
}

/// Runs ftqa and requires exit 2 (a usage or input error); returns its stderr.
pub fn ftqa_fails(args: &[&str]) -> String {
    let o = ftqa(args);
    assert_eq!(
        o.status.code(),
        Some(2),
        "ftqa {} should fail with exit 2: {}",
        args.join(" "),
        stderr(&o)
    );
    stderr(&o)
}

/// The lines of `ftqa bench-data --records n` (the benchmark generator's JSONL, task column
/// `category`), written under `dir`.
pub fn bench_lines(dir: &Path, n: usize) -> Vec<String> {
    let all = dir.join("bench-data.jsonl");
    ftqa_ok(&[
        "bench-data",
        "--records",
        &n.to_string(),
        "--jsonl",
        all.to_str().unwrap(),
    ]);
    std::fs::read_to_string(&all)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}
