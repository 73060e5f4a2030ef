//! `ftqa report --judge URL` scores correctness (the paper's C index) against a fake
//! OpenAI-compatible judge on 127.0.0.1 that plants verdicts per instruction: exact
//! `correct_rate` and `score_mean`, the majority of three with a dissenting sample,
//! malformed replies counted and never scored, the cache (a rerun asks nothing, an
//! interrupted run resumes), stage selection, the reasons it is not measured, and the
//! lowest-scored examples, escaped in the HTML report.

mod common;
mod judge_server;

use common::{metric, report};
use judge_server::{verdict_reply, FakeServer, Reply};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// Replies per sample (seeds 0, 1, 2) by marker in the instruction.
const PLANTED: &[(&str, [&str; 3])] = &[
    (
        "(right)",
        [
            "Verdict: correct\nScore: 9",
            "verdict: Correct\nscore: 9",
            r#"{"verdict":"correct","score":9}"#,
        ],
    ),
    (
        "(wrong)",
        [
            "Verdict: incorrect\nScore: 2",
            "**Verdict:** Incorrect\n**Score:** 2",
            r#"{"verdict":"incorrect","score":2}"#,
        ],
    ),
    // One dissenting sample: the majority is correct, the median score 8.
    (
        "(split)",
        [
            "Verdict: correct\nScore: 8",
            "Verdict: incorrect\nScore: 3",
            "Verdict: correct\nScore: 10",
        ],
    ),
    // Garbage, a score out of range, an empty reply: no valid sample.
    (
        "(garbage)",
        ["lorem ipsum!!", "Verdict: correct\nScore: 11", ""],
    ),
    // A score but no verdict, three times.
    ("(noverdict)", ["Score: 7", "Score: 7", "Score: 7"]),
];

fn write(dir: &Path, name: &str, rows: &[Value]) -> PathBuf {
    let path = dir.join(name);
    let lines: Vec<String> = rows.iter().map(Value::to_string).collect();
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path
}

fn pair(instruction: &str, output: &str) -> Value {
    serde_json::json!({"instruction": instruction, "input": "", "output": output})
}

/// Seven records: two right, two wrong (one with markup to escape), one split, one with
/// garbage replies, one with verdict-less replies.
fn planted(dir: &Path) -> PathBuf {
    write(
        dir,
        "data.jsonl",
        &[
            pair("What is 2 + 2? (right)", "4"),
            pair("Name the capital of Italy. (wrong)", "Madrid."),
            pair("Spell 'cat' backwards. (split)", "tac"),
            pair("Translate 'hello' to French. (right)", "Bonjour."),
            pair(
                "Render <script>alert(1)</script> safely. (wrong)",
                "Use innerHTML.",
            ),
            pair("Tell me a fact. (garbage)", "Water is wet."),
            pair("Count to three. (noverdict)", "1, 2, 3"),
        ],
    )
}

/// A fake judge answering correctness prompts from [`PLANTED`] and difficulty prompts with
/// `Score: 5`; counts each kind.
fn server() -> (FakeServer, Arc<AtomicUsize>, Arc<AtomicUsize>) {
    let (c, d) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let (c2, d2) = (c.clone(), d.clone());
    let s = FakeServer::start(move |r| {
        if r.is_correctness_prompt() {
            c2.fetch_add(1, Ordering::Relaxed);
            verdict_reply(r, PLANTED)
        } else {
            d2.fetch_add(1, Ordering::Relaxed);
            Reply::ok("Score: 5")
        }
    });
    (s, c, d)
}

fn judge_args<'a>(url: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut a = vec![
        "--judge",
        url,
        "--judge-model",
        "fake-judge",
        "--judge-sample",
        "10",
        "--judge-task-sample",
        "0",
        "--no-progress",
    ];
    a.extend_from_slice(extra);
    a
}

#[test]
fn planted_verdicts_give_the_exact_rate_score_and_examples() {
    let (server, correctness, difficulty) = server();
    let dir = tempfile::tempdir().unwrap();
    let data = planted(dir.path());
    let out = dir.path().join("report");
    let args = judge_args(&server.url, &["--only", "correctness"]);
    let r = report(&data, &out, &args);
    assert_eq!(
        correctness.load(Ordering::Relaxed),
        21,
        "3 samples for 7 records"
    );
    assert_eq!(difficulty.load(Ordering::Relaxed), 0, "--only correctness");
    // Judged: right ×2 (9), wrong ×2 (2), split (correct, median of 3, 8, 10 = 8).
    assert_eq!(metric(&r, "correctness.judge.judged"), Some(5.0));
    assert_eq!(metric(&r, "correctness.judge.failed"), Some(2.0));
    assert_eq!(metric(&r, "correctness.judge.correct_rate"), Some(0.6));
    assert_eq!(metric(&r, "correctness.judge.score_mean"), Some(6.0));
    assert!(r["intervals"]["correctness.judge.correct_rate"].is_object());
    let methods = r["methods"]["correctness.judge"].as_str().unwrap();
    assert!(
        methods.contains("fake-judge")
            && methods.contains("ftqa-correctness-v1")
            && methods.contains("7 of 7 records")
            && methods.contains("21 requests")
            && methods.contains("6 malformed replies")
            && methods.contains("no image"),
        "{methods}"
    );
    let dist = r["distributions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == "correctness.judge.score")
        .unwrap();
    let counts: Vec<u64> = dist["counts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_u64().unwrap())
        .collect();
    assert_eq!(counts, [0, 2, 0, 0, 0, 0, 0, 1, 2, 0]);

    // The lowest-scored samples come first: the two wrong ones, then the split one.
    let group = r["examples"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["metric"] == "correctness.judge.score_mean")
        .unwrap();
    let examples = group["examples"].as_array().unwrap();
    assert_eq!(examples.len(), 5);
    let notes: Vec<&str> = examples
        .iter()
        .map(|e| e["note"].as_str().unwrap())
        .collect();
    assert_eq!(notes[0], "incorrect (3 of 3 valid samples), score 2/10");
    assert_eq!(notes[1], "incorrect (3 of 3 valid samples), score 2/10");
    assert_eq!(notes[2], "correct (2 of 3 valid samples), score 8/10");
    let texts: String = examples[..2]
        .iter()
        .map(|e| e["text"].as_str().unwrap())
        .collect();
    assert!(
        texts.contains("Render <script>alert(1)</script> safely.") && texts.contains("Madrid.")
    );
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("Render &lt;script&gt;alert(1)&lt;/script&gt; safely."));
    assert!(!html.contains("<script>alert(1)"));

    // Again into the same folder: valid samples come from the cache; only the six
    // malformed replies, never cached, are asked again.
    let again = report(&data, &out, &args);
    assert_eq!(correctness.load(Ordering::Relaxed), 27);
    assert_eq!(metric(&again, "correctness.judge.correct_rate"), Some(0.6));
    assert!(again["methods"]["correctness.judge"]
        .as_str()
        .unwrap()
        .contains("15 answered from the cache"));
}

/// Four records the judge always answers validly.
fn clean(dir: &Path) -> PathBuf {
    write(
        dir,
        "clean.jsonl",
        &[
            pair("Add 3 and 4. (right)", "7"),
            pair("Largest ocean? (wrong)", "The Atlantic."),
            pair(
                "Boiling point of water at sea level in Celsius? (right)",
                "100",
            ),
            pair("Reverse 'abc'. (split)", "cba"),
        ],
    )
}

#[test]
fn a_rerun_sends_nothing_and_difficulty_keeps_its_own_cache_keys() {
    let (server, correctness, difficulty) = server();
    let dir = tempfile::tempdir().unwrap();
    let data = clean(dir.path());
    let out = dir.path().join("report");
    let args = judge_args(&server.url, &[]);
    let r = report(&data, &out, &args);
    assert_eq!(correctness.load(Ordering::Relaxed), 12);
    assert_eq!(difficulty.load(Ordering::Relaxed), 12);
    assert_eq!(metric(&r, "correctness.judge.correct_rate"), Some(0.75));
    assert_eq!(metric(&r, "correctness.judge.score_mean"), Some(7.0));
    assert_eq!(
        metric(&r, "complexity.instruction.difficulty_mean"),
        Some(5.0)
    );
    // One cache file, 24 lines, the two indices under different prompt versions.
    let cache = std::fs::read_to_string(out.join("judge-cache.jsonl")).unwrap();
    assert_eq!(cache.lines().count(), 24);
    assert_eq!(cache.matches("ftqa-correctness-v1:").count(), 12);
    assert_eq!(cache.matches("ftqa-difficulty-v1:").count(), 12);
    let before = server.requests();
    let again = report(&data, &out, &args);
    assert_eq!(server.requests(), before, "a rerun sends no request");
    assert_eq!(metric(&again, "correctness.judge.correct_rate"), Some(0.75));
    assert_eq!(metric(&again, "correctness.judge.score_mean"), Some(7.0));
}

#[test]
fn an_interrupted_run_resumes_where_it_stopped() {
    // Answers `limit` requests, then fails every further one (a server going down).
    let limit = Arc::new(AtomicUsize::new(5));
    let served = Arc::new(AtomicUsize::new(0));
    let (l, n) = (limit.clone(), served.clone());
    let server = FakeServer::start(move |r| {
        if n.fetch_add(1, Ordering::Relaxed) >= l.load(Ordering::Relaxed) {
            return Reply::status(503, "overloaded");
        }
        verdict_reply(r, PLANTED)
    });
    let dir = tempfile::tempdir().unwrap();
    let data = clean(dir.path());
    let out = dir.path().join("report");
    let args = judge_args(
        &server.url,
        &[
            "--only",
            "correctness",
            "--judge-retries",
            "0",
            "--judge-concurrency",
            "1",
        ],
    );
    let first = report(&data, &out, &args);
    let cache = std::fs::read_to_string(out.join("judge-cache.jsonl")).unwrap();
    assert_eq!(
        cache.lines().count(),
        5,
        "the five answered samples are kept"
    );
    assert!(metric(&first, "correctness.judge.failed").unwrap() >= 2.0);
    assert!(first["methods"]["correctness.judge"]
        .as_str()
        .unwrap()
        .contains("7 failed"));

    // Back up: the next run asks only for what the cache lacks.
    limit.store(usize::MAX, Ordering::Relaxed);
    let before = server.requests();
    let resumed = report(&data, &out, &args);
    assert_eq!(
        server.requests() - before,
        7,
        "only the seven unanswered samples"
    );
    assert_eq!(metric(&resumed, "correctness.judge.judged"), Some(4.0));
    assert_eq!(
        metric(&resumed, "correctness.judge.correct_rate"),
        Some(0.75)
    );
    assert_eq!(metric(&resumed, "correctness.judge.score_mean"), Some(7.0));
}

#[test]
fn skip_and_only_select_correctness_on_its_own() {
    let (server, correctness, difficulty) = server();
    let dir = tempfile::tempdir().unwrap();
    let data = clean(dir.path());
    let r = report(
        &data,
        &dir.path().join("r"),
        &judge_args(&server.url, &["--skip", "correctness"]),
    );
    assert_eq!(correctness.load(Ordering::Relaxed), 0);
    assert_eq!(difficulty.load(Ordering::Relaxed), 12);
    assert!(metric(&r, "correctness.judge.correct_rate").is_none());
    assert!(r["not_measured"]["correctness.judge.correct_rate"].is_null());
    let r = report(
        &data,
        &dir.path().join("r2"),
        &judge_args(&server.url, &["--skip", "complexity"]),
    );
    assert_eq!(correctness.load(Ordering::Relaxed), 12);
    assert_eq!(difficulty.load(Ordering::Relaxed), 12);
    assert_eq!(metric(&r, "correctness.judge.judged"), Some(4.0));
}

#[test]
fn without_a_judge_or_responses_it_is_not_measured_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let data = clean(dir.path());
    let r = report(&data, &dir.path().join("r"), &["--no-progress"]);
    assert_eq!(
        r["not_measured"]["correctness.judge.correct_rate"],
        "needs an LLM judge (--judge URL)"
    );
    assert!(metric(&r, "correctness.judge.correct_rate").is_none());

    let (server, correctness, _) = server();
    let prompts = write(
        dir.path(),
        "prompts.jsonl",
        &[
            serde_json::json!({"messages": [{"role": "user", "content": "Say hi."}]}),
            serde_json::json!({"messages": [{"role": "user", "content": "Name a colour."}]}),
        ],
    );
    let r = report(
        &prompts,
        &dir.path().join("r2"),
        &judge_args(&server.url, &[]),
    );
    assert_eq!(correctness.load(Ordering::Relaxed), 0);
    assert_eq!(
        r["not_measured"]["correctness.judge.correct_rate"],
        "the data has no responses"
    );
}

#[test]
fn a_refusing_endpoint_is_a_warning_and_not_measured() {
    let server =
        FakeServer::start(|_| Reply::status(401, r#"{"error":{"message":"invalid api key"}}"#));
    let dir = tempfile::tempdir().unwrap();
    let data = clean(dir.path());
    let r = report(
        &data,
        &dir.path().join("r"),
        &judge_args(
            &server.url,
            &["--only", "correctness", "--judge-concurrency", "1"],
        ),
    );
    assert_eq!(server.requests(), 1, "a fatal error stops the phase");
    let why = r["not_measured"]["correctness.judge.correct_rate"]
        .as_str()
        .unwrap();
    assert!(why.contains("401"), "{why}");
    let warnings = r["warnings"].to_string();
    assert!(
        warnings.contains("LLM judge (correctness)") && warnings.contains("401"),
        "{warnings}"
    );
}

#[test]
fn the_correctness_judge_refuses_to_run_on_a_part() {
    let dir = tempfile::tempdir().unwrap();
    let data = clean(dir.path());
    let e = common::ftqa_fails(&[
        "report",
        data.to_str().unwrap(),
        "--partial",
        "-o",
        dir.path().join("p").to_str().unwrap(),
        "--quiet",
        "--only",
        "correctness",
        "--judge",
        "http://127.0.0.1:9/v1",
    ]);
    assert!(e.contains("--judge rates one sample"), "{e}");
}

#[test]
fn difficulty_and_correctness_judge_the_same_sampled_records() {
    type Seen = Arc<std::sync::Mutex<Vec<(bool, String)>>>;
    let seen: Seen = Arc::default();
    let s = seen.clone();
    let server = FakeServer::start(move |r| {
        let correctness = r.is_correctness_prompt();
        s.lock().unwrap().push((correctness, r.instruction()));
        if correctness {
            verdict_reply(r, PLANTED)
        } else {
            Reply::ok("Score: 5")
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let rows: Vec<Value> = (0..40)
        .map(|i| pair(&format!("Question number {i}? (right)"), "Yes."))
        .collect();
    let data = write(dir.path(), "many.jsonl", &rows);
    let mut args = judge_args(&server.url, &[]);
    assert_eq!(args[4], "--judge-sample");
    args[5] = "6";
    let r = report(&data, &dir.path().join("r"), &args);
    assert_eq!(metric(&r, "correctness.judge.judged"), Some(6.0));
    let seen = seen.lock().unwrap();
    let asked = |kind: bool| {
        let mut v: Vec<&str> = seen
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, i)| i.as_str())
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    assert_eq!(asked(true).len(), 6, "6 of 40 records sampled");
    assert_eq!(asked(true), asked(false));
}
