//! `ftqa report --judge URL` end to end against a fake OpenAI-compatible server on
//! 127.0.0.1: the paper's difficulty score lands in report.json under its own id, the
//! cache makes a second run free, and without a judge the offline estimate is labelled.
//! On data without task labels the judge also tags tasks (the paper's TagGPT route): the
//! tags merge to the planted tasks and agree with known labels.

mod common;
mod judge_server;

use common::{metric, report};
use judge_server::{task_label_reply, FakeServer, Reply};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

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
        // The correctness judge (tests/judge_correctness.rs) would add its own requests.
        "--skip",
        "correctness",
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
            "--skip",
            "correctness",
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

/// Five planted tasks: the label, the request template (its keyword is what the fake judge
/// recognises), and the judge's replies, spelled several ways that must merge into one.
const TASKS: &[(&str, &str, &str, &[&str])] = &[
    (
        "summarization",
        "Summarize the following news story in two sentences:",
        "Summarize",
        &[
            "Task: Summarization",
            "Task: summarizations.",
            "summarization",
        ],
    ),
    (
        "code",
        "Write a Python function that validates",
        "Python function",
        &[
            "Task: Code generation",
            "Task: code-generation",
            "Task: generation of code",
        ],
    ),
    (
        "translation",
        "Translate this sentence into German:",
        "Translate",
        &["Task: Translation", "**Task:** translations"],
    ),
    (
        "sentiment",
        "Classify the sentiment of this product review as positive or negative:",
        "sentiment",
        &[
            "Task: Sentiment classification",
            "Task: classification of sentiment",
        ],
    ),
    (
        "math",
        "Solve this math word problem step by step:",
        "word problem",
        &["Task: Math word problem", "Task: math word problems"],
    ),
];

const FILLER: &[&str] = &[
    "river", "market", "engine", "garden", "signal", "theory", "harbor", "village", "crystal",
    "museum", "forest", "bridge", "library", "island", "orchard", "machine", "journey", "archive",
];

/// 300 instructions, 60 per planted task, in mixed order; with `labelled`, each carries
/// its task in a `category` column.
fn tasks_dataset(dir: &std::path::Path, labelled: bool) -> std::path::PathBuf {
    let path = dir.join(if labelled {
        "labelled.jsonl"
    } else {
        "tasks.jsonl"
    });
    let mut x = 7u64;
    let mut lines = Vec::new();
    for i in 0..300 {
        let (label, template, _, _) = TASKS[(i * 7 + i / 5) % TASKS.len()];
        let words: Vec<&str> = (0..6)
            .map(|_| {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                FILLER[(x >> 33) as usize % FILLER.len()]
            })
            .collect();
        let mut row = serde_json::json!({
            "instruction": format!("{template} the {} {i}.", words.join(" ")),
            "input": "",
            "output": "Done.",
        });
        if labelled {
            row["category"] = label.into();
        }
        lines.push(row.to_string());
    }
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path
}

/// A fake judge that tags tasks by keyword and scores difficulty 5; counts task requests.
fn tagging_server() -> (FakeServer, Arc<AtomicUsize>) {
    let tags = Arc::new(AtomicUsize::new(0));
    let t = tags.clone();
    let table: Vec<(&'static str, &'static [&'static str])> =
        TASKS.iter().map(|(_, _, k, r)| (*k, *r)).collect();
    let server = FakeServer::start(move |r| {
        if r.is_task_prompt() {
            t.fetch_add(1, Ordering::Relaxed);
            task_label_reply(r, &table)
        } else {
            Reply::ok("Score: 5")
        }
    });
    (server, tags)
}

#[test]
fn judge_task_labels_merge_to_the_planted_tasks_and_are_cached() {
    let (server, tags) = tagging_server();
    let dir = tempfile::tempdir().unwrap();
    let data = tasks_dataset(dir.path(), false);
    let out = dir.path().join("report");
    let args = [
        "--judge",
        server.url.as_str(),
        "--judge-model",
        "fake-judge",
        "--judge-sample",
        "2",
        "--no-progress",
    ];
    let r = report(&data, &out, &args);
    assert_eq!(tags.load(Ordering::Relaxed), 200, "the default task sample");
    assert_eq!(metric(&r, "tasks.judge.labelled"), Some(200.0));
    assert_eq!(metric(&r, "tasks.judge.labels"), Some(5.0));
    assert_eq!(metric(&r, "diversity.task.count"), Some(5.0));
    assert!(metric(&r, "balance.task.variance").is_some());
    // The LLM route takes precedence: no k-means.
    assert_eq!(metric(&r, "tasks.inferred.count"), None);
    let source = r["dataset"]["task_source"].as_str().unwrap();
    assert!(source.starts_with("inferred (LLM task labels"), "{source}");
    let methods = r["methods"]["tasks"].as_str().unwrap();
    assert!(
        methods.contains("TagGPT")
            && methods.contains("fake-judge")
            && methods.contains("leaving 5 labels"),
        "{methods}"
    );
    let sizes = r["distributions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == "tasks.sizes")
        .unwrap();
    let mut labels: Vec<&str> = sizes["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    labels.sort_unstable();
    assert_eq!(
        labels,
        [
            "code generation",
            "math word problem",
            "sentiment classification",
            "summarization",
            "translation"
        ]
    );
    assert_eq!(sizes["counts"].as_array().unwrap().len(), 5);
    for c in sizes["counts"].as_array().unwrap() {
        assert_eq!(c.as_u64(), Some(60), "{sizes}");
    }

    // Again into the same folder: every tag comes from the cache.
    let again = report(&data, &out, &args);
    assert_eq!(tags.load(Ordering::Relaxed), 200);
    assert_eq!(metric(&again, "tasks.judge.labels"), Some(5.0));
    assert!(again["methods"]["tasks"]
        .as_str()
        .unwrap()
        .contains("200 answered from the cache"));
}

#[test]
fn judge_task_labels_agree_with_known_labels() {
    let (server, _) = tagging_server();
    let dir = tempfile::tempdir().unwrap();
    let data = tasks_dataset(dir.path(), true);
    let r = report(
        &data,
        &dir.path().join("report"),
        &[
            "--judge",
            server.url.as_str(),
            "--judge-model",
            "fake-judge",
            "--judge-sample",
            "0",
            "--judge-task-sample",
            "100",
            "--infer-tasks",
            "always",
            "--no-progress",
        ],
    );
    assert_eq!(metric(&r, "tasks.judge.labelled"), Some(100.0));
    assert_eq!(metric(&r, "tasks.judge.labels"), Some(5.0));
    let (ari, nmi) = (
        metric(&r, "tasks.judge.ari").unwrap(),
        metric(&r, "tasks.judge.nmi").unwrap(),
    );
    assert!(ari >= 0.9 && nmi >= 0.9, "ARI {ari}, NMI {nmi}");
    assert!(r["dataset"]["task_source"]
        .as_str()
        .unwrap()
        .contains("column:category"));
}

#[test]
fn a_judge_that_refuses_task_labels_falls_back_to_k_means_with_a_warning() {
    let server = FakeServer::start(|r| {
        if r.is_task_prompt() {
            Reply::status(403, r#"{"error":{"message":"forbidden"}}"#)
        } else {
            Reply::ok("Score: 5")
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let data = tasks_dataset(dir.path(), false);
    let r = report(
        &data,
        &dir.path().join("report"),
        &[
            "--judge",
            server.url.as_str(),
            "--judge-model",
            "fake-judge",
            "--judge-sample",
            "0",
            "--judge-concurrency",
            "1",
            "--no-progress",
        ],
    );
    let warnings = r["warnings"].to_string();
    assert!(
        warnings.contains("LLM task labels") && warnings.contains("403"),
        "{warnings}"
    );
    assert_eq!(metric(&r, "tasks.judge.labels"), None);
    assert!(metric(&r, "tasks.inferred.count").is_some());
}
