//! `ftqa report --judge URL` end to end against a fake OpenAI-compatible server on
//! 127.0.0.1: the paper's difficulty score lands in report.json under its own id, the
//! cache makes a second run free, and without a judge the offline estimate is labelled.

mod common;
mod judge_server;

use common::{metric, report};
use judge_server::{FakeServer, Reply};

fn dataset(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("data.jsonl");
    let rows = [
        ("Say hi.", "Hi!"),
        (
            "Prove that there are infinitely many primes, step by step (hard).",
            "Suppose finitely many… so there are infinitely many.",
        ),
        ("Name a colour.", "Red."),
        (
            "Design a lock-free queue and argue its correctness (hard).",
            "Use a Michael-Scott queue …",
        ),
    ];
    let lines: Vec<String> = rows
        .iter()
        .map(|(i, o)| serde_json::json!({"instruction": i, "input": "", "output": o}).to_string())
        .collect();
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path
}

#[test]
fn judged_difficulty_and_a_resumed_run() {
    let server = FakeServer::start(|r| {
        Reply::ok(if r.instruction().contains("(hard)") {
            "Score: 9"
        } else {
            "Score: 3"
        })
    });
    let dir = tempfile::tempdir().unwrap();
    let data = dataset(dir.path());
    let out = dir.path().join("report");
    let args = [
        "--judge",
        server.url.as_str(),
        "--judge-model",
        "fake-judge",
        "--judge-sample",
        "10",
        "--no-progress",
    ];
    let r = report(&data, &out, &args);
    assert_eq!(
        metric(&r, "complexity.instruction.difficulty_mean"),
        Some(6.0)
    );
    assert_eq!(
        metric(&r, "complexity.instruction.difficulty_judged"),
        Some(4.0)
    );
    assert_eq!(
        metric(&r, "complexity.instruction.difficulty_failed"),
        Some(0.0)
    );
    assert!(metric(&r, "complexity.instruction.difficulty_estimate_mean").is_some());
    let methods = r["methods"]["complexity.difficulty"].as_str().unwrap();
    assert!(
        methods.contains("fake-judge")
            && methods.contains("majority of 3")
            && methods.contains("4 of 4 records"),
        "{methods}"
    );
    assert_eq!(server.requests(), 12, "3 samples for each of 4 records");
    let cache = std::fs::read_to_string(out.join("judge-cache.jsonl")).unwrap();
    assert_eq!(cache.lines().count(), 12);
    assert!(r["distributions"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["id"] == "complexity.instruction.difficulty"));

    // The same report folder again: every score comes from the cache.
    let again = report(&data, &out, &args);
    assert_eq!(server.requests(), 12);
    assert_eq!(
        metric(&again, "complexity.instruction.difficulty_mean"),
        Some(6.0)
    );
    assert!(again["methods"]["complexity.difficulty"]
        .as_str()
        .unwrap()
        .contains("12 answered from the cache"));
}

#[test]
fn without_a_judge_the_offline_estimate_is_used_and_said() {
    let dir = tempfile::tempdir().unwrap();
    let data = dataset(dir.path());
    let r = report(&data, &dir.path().join("report"), &["--no-progress"]);
    assert!(metric(&r, "complexity.instruction.difficulty_mean").is_none());
    let est = metric(&r, "complexity.instruction.difficulty_estimate_mean").unwrap();
    assert!((1.0..=10.0).contains(&est));
    assert!(r["methods"]["complexity.difficulty"]
        .as_str()
        .unwrap()
        .starts_with("No --judge given"));
}

#[test]
fn a_refusing_endpoint_is_a_warning_not_a_failure() {
    let server =
        FakeServer::start(|_| Reply::status(401, r#"{"error":{"message":"invalid api key"}}"#));
    let dir = tempfile::tempdir().unwrap();
    let data = dataset(dir.path());
    let r = report(
        &data,
        &dir.path().join("report"),
        &[
            "--judge",
            server.url.as_str(),
            "--judge-model",
            "m",
            "--judge-concurrency",
            "1",
            "--no-progress",
        ],
    );
    assert_eq!(server.requests(), 1);
    assert_eq!(
        metric(&r, "complexity.instruction.difficulty_failed"),
        Some(4.0)
    );
    assert!(metric(&r, "complexity.instruction.difficulty_mean").is_none());
    let warnings = r["warnings"].to_string();
    assert!(
        warnings.contains("LLM judge") && warnings.contains("401"),
        "{warnings}"
    );
}

#[test]
fn a_bad_judge_url_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let data = dataset(dir.path());
    let o = common::ftqa(&[
        "report",
        data.to_str().unwrap(),
        "-o",
        dir.path().join("r").to_str().unwrap(),
        "--quiet",
        "--judge",
        "localhost:8000",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(common::stderr(&o).contains("--judge must be an http"));
}
