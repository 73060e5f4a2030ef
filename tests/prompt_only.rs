//! Prompt-only datasets (issue 12) through the real binary: OpenAI messages with user turns
//! only (some with two user turns in a row, as in MT-Bench `turns` lists) and a `category`
//! task column. Every metric that needs a response is "not measured: the data has no
//! responses", instruction-side metrics are measured, and a dataset where half the records
//! have responses computes response metrics over those records.

mod common;

use common::{ftqa, metric, report, stderr};
use ftqa_metrics::result::NO_RESPONSES;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

const N: usize = 120;
const CATEGORIES: [&str; 4] = ["writing", "math", "coding", "roleplay"];

/// Every id that needs a response and is written whatever the data (the family runs by
/// default); all must be not measured on prompt-only data.
const RESPONSE_IDS: &[&str] = &[
    "diversity.response.log_clusters",
    "diversity.response.clusters",
    "diversity.response.vendi",
    "diversity.response.duplicate_share",
    "diversity.response.distinct",
    "diversity.response.noise_fraction",
    "diversity.response.largest_cluster_share",
    "diversity.response.clusters_per_1k",
    "diversity.response.embedded",
    "diversity.response.eps",
    "diversity.response.min_samples",
    "length.response.words.mean",
    "length.response.words.median",
    "length.response.chars.mean",
    "length.response.chars.max",
    "empty.response.count",
    "empty.response.rate",
    "dedup.exact.response_count",
    "dedup.exact.response_rate",
    "dedup.near.response_count",
    "dedup.near.response_rate",
    "dedup.semantic.response_count",
    "dedup.semantic.response_rate",
    "script.mixed_rate",
    "language.undetermined_rate",
    "language.<lang>.share",
    "complexity.structure.cot_rate",
    "complexity.instruction.difficulty_mean",
    "hygiene.truncated.rate",
    "hygiene.echo.rate",
    "hygiene.repetition_loop.rate",
    "hygiene.refusal.rate",
    "hygiene.boilerplate.rate",
    "hygiene.language_mixed.rate",
    "hygiene.language_mixed.same_script_rate",
];

fn prompt(i: usize) -> String {
    let c = CATEGORIES[i % 4];
    let verb = match c {
        "writing" => "Write a short story about",
        "math" => "Compute the total cost of",
        "coding" => "Write a Python function that sorts",
        _ => "Pretend you are a pirate and describe",
    };
    let things = [
        "a dragon",
        "the ocean",
        "seven apples",
        "a lighthouse",
        "the moon",
    ];
    format!(
        "{verb} {} and {} (item {i}).",
        things[i % 5],
        things[(i / 5) % 5]
    )
}

/// Records with two user turns in a row: every third.
fn two_user_turns(i: usize) -> bool {
    i.is_multiple_of(3)
}

/// `with_response(i)` gives record i a final assistant turn.
fn write_data(dir: &Path, name: &str, with_response: impl Fn(usize) -> Option<String>) -> PathBuf {
    let path = dir.join(name);
    let mut body = String::new();
    for i in 0..N {
        let mut messages = vec![json!({"role": "user", "content": prompt(i)})];
        if two_user_turns(i) {
            messages.push(json!({"role": "user", "content": format!("Now make it shorter, please (variant {i}).")}));
        }
        if let Some(r) = with_response(i) {
            messages.push(json!({"role": "assistant", "content": r}));
        }
        body.push_str(&json!({"messages": messages, "category": CATEGORIES[i % 4]}).to_string());
        body.push('\n');
    }
    std::fs::write(&path, body).unwrap();
    path
}

fn not_measured<'a>(r: &'a Value, id: &str) -> Option<&'a str> {
    r["not_measured"][id].as_str()
}

#[test]
fn prompt_only_data_reports_no_response_metrics_and_measures_instructions() {
    let t = tempfile::tempdir().unwrap();
    let data = write_data(t.path(), "prompts.jsonl", |_| None);
    let out = t.path().join("out");
    let r = report(&data, &out, &[]);

    assert_eq!(r["records"]["analyzed"], N as u64);
    assert_eq!(
        r["records"]["skipped"], 0,
        "user-only records are not malformed"
    );
    assert_eq!(metric(&r, "records.analyzed"), Some(N as f64));
    assert_eq!(metric(&r, "records.with_response"), Some(0.0));
    assert_eq!(metric(&r, "records.with_response_rate"), Some(0.0));

    for id in RESPONSE_IDS {
        assert_eq!(not_measured(&r, id), Some(NO_RESPONSES), "{id}");
        assert!(metric(&r, id).is_none(), "{id} has a value");
        assert!(r["intervals"][id].is_null(), "{id} has an interval");
    }
    // Nothing about responses has a value: no 0 lengths, 0 duplicate rates or 0 clusters.
    let metrics = r["metrics"].as_object().unwrap();
    for id in metrics.keys() {
        let response_id = id.contains(".response") || id.starts_with("language.");
        assert!(
            !response_id || id.starts_with("records.with_response"),
            "{id} = {} on prompt-only data",
            metrics[id]
        );
    }
    assert!(!r["sample"]["ids"]
        .as_array()
        .unwrap()
        .iter()
        .any(|id| id.as_str().unwrap().starts_with("diversity.response")));

    // Instruction-side metrics are measured.
    assert_eq!(r["dataset"]["task_source"], "column:category");
    assert_eq!(metric(&r, "diversity.task.count"), Some(4.0));
    assert_eq!(
        metric(&r, "balance.task.variance"),
        Some(0.0),
        "30 records per task"
    );
    assert!(metric(&r, "diversity.instruction.clusters_mean").unwrap() >= 1.0);
    assert!(metric(&r, "diversity.instruction.distinct_1").is_some());
    assert!(metric(&r, "complexity.instruction.elements_mean").unwrap() > 0.0);
    assert!(metric(&r, "complexity.instruction.difficulty_estimate_mean").is_some());
    assert!(metric(&r, "complexity.object.count_mean").is_some());
    assert!(metric(&r, "length.instruction.words.mean").unwrap() > 5.0);
    assert_eq!(metric(&r, "empty.instruction.rate"), Some(0.0));
    assert_eq!(metric(&r, "dedup.exact.instruction_rate"), Some(0.0));
    assert!(metric(&r, "dedup.exact.sample_rate").is_some());
    assert_eq!(metric(&r, "script.latin.share"), Some(1.0));
    // Two user turns in a row are two rounds, not a broken conversation.
    let two = (0..N).filter(|&i| two_user_turns(i)).count() as f64;
    assert_eq!(metric(&r, "turns.max"), Some(2.0));
    assert_eq!(metric(&r, "turns.multi_turn_rate"), Some(two / N as f64));
    assert_eq!(
        metric(&r, "turns.rounds.mean"),
        Some((N as f64 + two) / N as f64)
    );

    // Every report shows the reason.
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(md.contains(&format!(
        "| Response diversity | `diversity.response.log_clusters` | not measured |  | {NO_RESPONSES} |"
    )), "{md}");
    assert!(
        md.contains(&format!("**Also not measured, {NO_RESPONSES}:**")),
        "{md}"
    );
    assert!(md.contains("`empty.response.rate`"));
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains(&format!("Also not measured, {NO_RESPONSES}: ")));
    assert!(html.contains(&format!(
        "<td class=\"num\">not measured</td><td colspan=\"2\">{NO_RESPONSES}</td>"
    )));

    // The terminal summary says so too.
    let o = ftqa(&[
        "report",
        data.to_str().unwrap(),
        "-o",
        t.path().join("again").to_str().unwrap(),
        "--no-progress",
        "--only",
        "records,length,empty,diversity.response",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let term = String::from_utf8_lossy(&o.stdout);
    assert!(
        term.lines()
            .any(|l| l.contains("diversity.response.log_clusters")
                && l.trim_end().ends_with(NO_RESPONSES)),
        "{term}"
    );
    assert!(
        term.contains(&format!("not measured {NO_RESPONSES}: ")),
        "{term}"
    );
}

/// 6-word answers for i % 4 == 0, 10-word answers for i % 4 == 2 except one empty answer
/// (i == 2); odd records have no response.
fn mixed_response(i: usize) -> Option<String> {
    match i % 4 {
        _ if i == 2 => Some(String::new()),
        0 => Some(format!("Answer {i} is short and fine.")),
        2 => Some(format!(
            "Answer {i} is a longer one with several more words."
        )),
        _ => None,
    }
}

#[test]
fn mixed_data_measures_responses_over_the_records_that_have_them() {
    let t = tempfile::tempdir().unwrap();
    let data = write_data(t.path(), "mixed.jsonl", mixed_response);
    let r = report(&data, &t.path().join("out"), &[]);
    let half = (N / 2) as f64;
    assert_eq!(metric(&r, "records.analyzed"), Some(N as f64));
    assert_eq!(metric(&r, "records.with_response"), Some(half));
    assert_eq!(metric(&r, "records.with_response_rate"), Some(0.5));
    // 30 answers of 6 words, 29 of 10 and one empty one: (180 + 290) / 60 words.
    let mean = metric(&r, "length.response.words.mean").unwrap();
    assert!((mean - 470.0 / 60.0).abs() < 1e-9, "{mean}");
    assert_eq!(metric(&r, "length.response.words.max"), Some(10.0));
    assert_eq!(metric(&r, "length.response.words.min"), Some(0.0));
    // The empty answer is an empty response; records without one are not.
    assert_eq!(metric(&r, "empty.response.count"), Some(1.0));
    assert_eq!(metric(&r, "empty.response.rate"), Some(1.0 / half));
    assert_eq!(metric(&r, "dedup.exact.response_rate"), Some(0.0));
    assert_eq!(metric(&r, "diversity.response.embedded"), Some(half - 1.0));
    assert_eq!(metric(&r, "diversity.response.distinct"), Some(half - 1.0));
    assert_eq!(metric(&r, "hygiene.truncated.rate"), Some(0.0));
    assert!(metric(&r, "complexity.structure.cot_rate").is_some());
    let reasons = r["not_measured"].as_object().unwrap();
    assert!(
        reasons.values().all(|why| why != NO_RESPONSES),
        "{reasons:?}"
    );
}

#[test]
fn compare_of_prompt_only_and_normal_data_claims_no_difference_on_unmeasured_ids() {
    let t = tempfile::tempdir().unwrap();
    let prompts = write_data(t.path(), "prompts.jsonl", |_| None);
    let normal = write_data(t.path(), "normal.jsonl", |i| {
        Some(format!(
            "Here is answer {i}: the {} is fine today.",
            ["sea", "sky", "road", "tree", "cat"][i % 5]
        ))
    });
    let out = t.path().join("cmp");
    let o = ftqa(&[
        "compare",
        prompts.to_str().unwrap(),
        normal.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--no-progress",
    ]);
    assert!(o.status.success(), "ftqa compare failed: {}", stderr(&o));
    let c: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("compare.json")).unwrap()).unwrap();
    let rows = c["metrics"].as_array().unwrap();
    let row = |id: &str| {
        rows.iter()
            .find(|m| m["id"] == id)
            .unwrap_or_else(|| panic!("no row {id}"))
    };
    let index = row("diversity.response.log_clusters");
    assert!(index["values"][0].is_null());
    assert_eq!(index["verdicts"][1], "missing");
    assert!(
        index["verdict"]
            .as_str()
            .unwrap()
            .contains(&format!("A not measured: {NO_RESPONSES}")),
        "{index}"
    );
    // No row where A has no value claims better, worse or a difference.
    for m in rows {
        if m["values"][0].is_null() {
            assert_eq!(m["verdicts"][1], "missing", "{m}");
        }
    }
    assert_eq!(row("empty.response.rate")["verdicts"][1], "missing");
    assert_eq!(row("records.with_response_rate")["values"][0], 0.0);
    assert_eq!(row("records.with_response_rate")["values"][1], 1.0);
    // Instruction-side indices compare as usual.
    assert!(row("diversity.task.count")["values"][0].is_number());
}
