//! `--only`/`--skip` select the pipeline's stages (task labeller, image checker, LLM
//! judge) like metric families: a stage runs only when an id it feeds is wanted. A
//! deselected judge sends no request (counted on a fake server), a deselected image
//! checker reports no image ids, a skipped task labeller infers no tasks.

mod common;
mod judge_server;

use common::report;
use judge_server::{FakeServer, Reply};
use serde_json::Value;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

const TEMPLATES: &[&str] = &[
    "Translate the following sentence into French:",
    "Write a short poem about",
    "Summarize this paragraph in one sentence:",
    "Write a Python function that sorts",
    "Solve this math word problem step by step:",
];
const FILLER: &[&str] = &[
    "river", "market", "engine", "garden", "signal", "theory", "harbor", "village", "crystal",
    "museum", "forest", "bridge", "library", "island", "orchard", "machine",
];

/// 200 unlabelled instructions from five templates: enough for task inference and for
/// LLM task labels.
fn unlabelled(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("unlabelled.jsonl");
    let mut x = 11u64;
    let lines: Vec<String> = (0..200)
        .map(|i| {
            let words: Vec<&str> = (0..5)
                .map(|_| {
                    x = x
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    FILLER[(x >> 33) as usize % FILLER.len()]
                })
                .collect();
            serde_json::json!({
                "instruction": format!("{} the {} {i}.", TEMPLATES[i % TEMPLATES.len()], words.join(" ")),
                "input": "",
                "output": "Done.",
            })
            .to_string()
        })
        .collect();
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path
}

/// A fake judge answering all three prompts; returns (server, difficulty requests, task
/// requests). Correctness requests are answered but not counted (tests/judge_correctness.rs
/// checks their selection).
fn judge() -> (FakeServer, Arc<AtomicUsize>, Arc<AtomicUsize>) {
    let (scores, tags) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let (s, t) = (scores.clone(), tags.clone());
    let server = FakeServer::start(move |r| {
        if r.is_task_prompt() {
            t.fetch_add(1, Ordering::Relaxed);
            Reply::ok("Task: writing")
        } else if r.is_correctness_prompt() {
            Reply::ok("Verdict: correct\nScore: 8")
        } else {
            s.fetch_add(1, Ordering::Relaxed);
            Reply::ok("Score: 5")
        }
    });
    (server, scores, tags)
}

/// Ids under `prefix` among the report's metrics and not-measured entries.
fn ids(r: &Value, prefix: &str) -> Vec<String> {
    let mut out: Vec<String> = ["metrics", "not_measured"]
        .iter()
        .filter_map(|k| r[*k].as_object())
        .flat_map(|m| m.keys().cloned())
        .filter(|k| k.starts_with(prefix))
        .collect();
    if let Some(d) = r["distributions"].as_array() {
        out.extend(
            d.iter()
                .filter_map(|d| d["id"].as_str())
                .filter(|id| id.starts_with(prefix))
                .map(str::to_string),
        );
    }
    out
}

fn judged(data: &std::path::Path, out: &std::path::Path, url: &str, sel: &[&str]) -> Value {
    let mut args = vec![
        "--judge",
        url,
        "--judge-model",
        "fake",
        "--judge-sample",
        "4",
        "--judge-task-sample",
        "30",
        "--no-progress",
    ];
    args.extend_from_slice(sel);
    report(data, out, &args)
}

#[test]
fn only_length_sends_no_judge_request() {
    let (server, _, _) = judge();
    let dir = tempfile::tempdir().unwrap();
    let data = unlabelled(dir.path());
    let r = judged(
        &data,
        &dir.path().join("r"),
        &server.url,
        &["--only", "length"],
    );
    assert_eq!(server.requests(), 0, "neither difficulty nor task labels");
    assert!(ids(&r, "complexity.instruction.difficulty").is_empty());
    assert!(ids(&r, "tasks.").is_empty());
    assert!(ids(&r, "length.").len() > 1);
}

#[test]
fn skip_complexity_sends_no_difficulty_request() {
    let (server, scores, tags) = judge();
    let dir = tempfile::tempdir().unwrap();
    let data = unlabelled(dir.path());
    let r = judged(
        &data,
        &dir.path().join("r"),
        &server.url,
        &["--skip", "complexity"],
    );
    assert_eq!(scores.load(Ordering::Relaxed), 0);
    assert!(
        ids(&r, "complexity.").is_empty(),
        "{:?}",
        ids(&r, "complexity.")
    );
    // Tasks are still selected: the judge still labels them.
    assert_eq!(tags.load(Ordering::Relaxed), 30);
    assert!(!ids(&r, "tasks.judge.").is_empty());
}

#[test]
fn only_complexity_still_judges_difficulty() {
    let (server, scores, tags) = judge();
    let dir = tempfile::tempdir().unwrap();
    let data = unlabelled(dir.path());
    let r = judged(
        &data,
        &dir.path().join("r"),
        &server.url,
        &["--only", "complexity"],
    );
    assert_eq!(
        scores.load(Ordering::Relaxed),
        12,
        "3 samples for 4 records"
    );
    assert_eq!(tags.load(Ordering::Relaxed), 0, "tasks are not selected");
    assert_eq!(
        common::metric(&r, "complexity.instruction.difficulty_judged"),
        Some(4.0)
    );
    assert!(ids(&r, "tasks.").is_empty());
}

#[test]
fn a_selected_judge_stage_without_judge_keeps_its_reason() {
    let dir = tempfile::tempdir().unwrap();
    let data = unlabelled(dir.path());
    let r = report(
        &data,
        &dir.path().join("r"),
        &["--only", "complexity", "--no-progress"],
    );
    assert!(r["not_measured"]["complexity.instruction.difficulty_mean"]
        .as_str()
        .unwrap()
        .contains("--judge"));
    let r = report(
        &data,
        &dir.path().join("r2"),
        &["--only", "length", "--no-progress"],
    );
    assert!(ids(&r, "complexity.").is_empty());
}

#[test]
fn skip_tasks_does_not_infer_tasks() {
    let dir = tempfile::tempdir().unwrap();
    let data = unlabelled(dir.path());
    let r = report(&data, &dir.path().join("r"), &["--no-progress"]);
    assert!(
        !ids(&r, "tasks.inferred.").is_empty(),
        "inference runs by default on unlabelled data"
    );
    let r = report(
        &data,
        &dir.path().join("r2"),
        &["--skip", "tasks", "--no-progress"],
    );
    assert!(ids(&r, "tasks.").is_empty(), "{:?}", ids(&r, "tasks."));
    assert!(r["methods"]["tasks"].is_null());
    assert!(!r["dataset"]["task_source"]
        .as_str()
        .unwrap_or("")
        .contains("inferred"));
}

#[test]
fn only_length_does_not_check_images() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("media");
    std::fs::create_dir_all(&root).unwrap();
    // Not an image: decoding it would count a corrupt file.
    std::fs::write(root.join("a.png"), b"not a png").unwrap();
    let data = dir.path().join("vlit.jsonl");
    let row = serde_json::json!({"images": ["a.png"], "messages": [{"role": "user", "content": "<image>What?"}, {"role": "assistant", "content": "Nothing."}]});
    std::fs::write(&data, format!("{row}\n{row}\n")).unwrap();
    let run = |out: &str, sel: &[&str]| {
        let mut args = vec!["--image-root", root.to_str().unwrap(), "--no-progress"];
        args.extend_from_slice(sel);
        report(&data, &dir.path().join(out), &args)
    };
    let all = run("all", &[]);
    assert_eq!(common::metric(&all, "images.files.corrupt"), Some(1.0));
    assert_eq!(
        common::metric(&all, "hygiene.image_corrupt.count"),
        Some(2.0)
    );
    for (out, sel) in [
        ("only", &["--only", "length"][..]),
        ("skip", &["--skip", "images"][..]),
    ] {
        let r = run(out, sel);
        assert!(ids(&r, "images.files").is_empty(), "{sel:?}");
        assert!(ids(&r, "images.resolution").is_empty(), "{sel:?}");
        assert!(ids(&r, "hygiene.image_").is_empty(), "{sel:?}");
        assert!(!r["examples"].to_string().contains("hygiene.image_"));
    }
    // The hygiene ids alone select the checker.
    let r = run("hyg", &["--only", "hygiene"]);
    assert_eq!(common::metric(&r, "hygiene.image_corrupt.count"), Some(2.0));
}
