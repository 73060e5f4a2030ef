//! The report folder and report.json contract, exact small-case numbers, escaping,
//! determinism and error handling.

mod common;
use common::*;
use std::io::Write;

fn write(dir: &std::path::Path, name: &str, body: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::File::create(&p)
        .unwrap()
        .write_all(body.as_bytes())
        .unwrap();
    p
}

#[test]
fn report_folder_has_every_output_and_the_stable_layout() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let r = report(&fixtures().join("dolly.tsv"), &out, &[]);
    for f in ["report.json", "report.md", "report.html"] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    let plots: Vec<_> = std::fs::read_dir(out.join("plots"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(
        plots.iter().any(|p| p == "length.response.words.svg"),
        "{plots:?}"
    );
    assert!(
        plots.iter().any(|p| p == "length.response.words.png"),
        "{plots:?}"
    );
    assert_eq!(r["report_layout_version"], 2);
    assert_eq!(r["ftqa_version"], env!("CARGO_PKG_VERSION"));
    assert!(r["dataset"]["path"]
        .as_str()
        .unwrap()
        .ends_with("dolly.tsv"));
    assert_eq!(r["dataset"]["format"], "tsv");
    assert_eq!(r["dataset"]["schema"], "dolly");
    assert_eq!(r["dataset"]["task_source"], "column:category");
    assert!(r["records"]["total"].as_u64().unwrap() > 0);
    assert!(r["metrics"]["length.response.words.mean"].as_f64().unwrap() > 0.0);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("<svg"), "no inline plot in the HTML");
}

#[test]
fn small_dataset_gives_exact_numbers() {
    let tmp = tempfile::tempdir().unwrap();
    let data = write(
        tmp.path(),
        "tiny.jsonl",
        concat!(
            r#"{"instruction": "Say hello", "input": "", "output": "Hello there, friend."}"#,
            "\n",
            r#"{"instruction": "用中文问好", "input": "", "output": "你好，朋友！"}"#,
            "\n",
            r#"{"instruction": "  say   HELLO ", "input": "", "output": "Hi."}"#,
            "\n",
            r#"{"instruction": "Describe Paris", "input": "", "output": "   "}"#,
            "\n",
        ),
    );
    let r = report(&data, &tmp.path().join("out"), &[]);
    assert_eq!(r["dataset"]["schema"], "alpaca");
    assert_eq!(metric(&r, "records.analyzed"), Some(4.0));
    // Responses: 3 words, 4 CJK characters (punctuation is not a word), 1 word, 0 words.
    assert_eq!(metric(&r, "length.response.words.mean"), Some(2.0));
    assert_eq!(metric(&r, "length.response.words.max"), Some(4.0));
    assert_eq!(metric(&r, "length.response.words.median"), Some(2.0));
    assert_eq!(metric(&r, "length.instruction.chars.max"), Some(14.0));
    assert_eq!(metric(&r, "dedup.exact.instruction_count"), Some(1.0));
    assert_eq!(metric(&r, "dedup.exact.instruction_rate"), Some(0.25));
    assert_eq!(metric(&r, "dedup.exact.sample_count"), Some(0.0));
    assert_eq!(metric(&r, "empty.response.count"), Some(1.0));
    assert_eq!(metric(&r, "script.latin.share"), Some(0.75));
    assert_eq!(metric(&r, "script.han.share"), Some(0.25));
    assert_eq!(metric(&r, "turns.mean"), Some(2.0));
    assert_eq!(metric(&r, "system.usage_rate"), Some(0.0));
}

#[test]
fn dataset_html_and_scripts_are_escaped_everywhere() {
    let tmp = tempfile::tempdir().unwrap();
    let payloads = [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "\"><svg onload=alert(1)>",
        "<a href=\"javascript:alert(1)\">x</a>",
    ];
    let mut body = String::new();
    for p in payloads {
        // Each twice, so it appears among the duplicate examples too.
        for _ in 0..2 {
            body.push_str(
                &serde_json::json!({"instruction": p, "input": "", "output": p, "category": p})
                    .to_string(),
            );
            body.push('\n');
        }
    }
    let data = write(tmp.path(), "xss<script>.jsonl", &body);
    let out = tmp.path().join("out");
    report(&data, &out, &[]);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let lower = html.to_lowercase();
    assert!(!lower.contains("<script"), "raw <script> in report.html");
    assert!(!lower.contains("<img"), "raw <img> in report.html");
    assert!(
        !lower.contains("<svg onload"),
        "raw svg onload in report.html"
    );
    assert!(
        !lower.contains("<a href=\"javascript"),
        "raw javascript: link in report.html"
    );
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "payload not shown escaped"
    );
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        !md.to_lowercase().contains("<script"),
        "raw <script> in report.md"
    );
}

#[test]
fn same_input_gives_the_same_report() {
    let tmp = tempfile::tempdir().unwrap();
    let strip = |mut v: serde_json::Value| {
        v["run"] = serde_json::Value::Null;
        v
    };
    let a = strip(report(
        &fixtures().join("sharegpt.jsonl"),
        &tmp.path().join("a"),
        &[],
    ));
    let b = strip(report(
        &fixtures().join("sharegpt.jsonl"),
        &tmp.path().join("b"),
        &[],
    ));
    assert_eq!(a, b);
}

#[test]
fn missing_file_is_a_clear_error_with_exit_code_2() {
    let o = ftqa(&[
        "report",
        "no/such/file.jsonl",
        "-o",
        "/tmp/ftqa-never-written",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no/such/file.jsonl"), "{}", stderr(&o));
}

#[test]
fn unrecognised_schema_names_the_keys_and_the_flags() {
    let tmp = tempfile::tempdir().unwrap();
    let data = write(
        tmp.path(),
        "odd.jsonl",
        "{\"foo\": 1, \"bar\": \"x\"}\n{\"foo\": 2, \"bar\": \"y\"}\n",
    );
    let o = ftqa(&[
        "report",
        data.to_str().unwrap(),
        "-o",
        tmp.path().join("o").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("foo") && err.contains("bar"), "{err}");
    assert!(
        err.contains("--instruction-col") || err.contains("--messages-col"),
        "{err}"
    );
}

#[test]
fn explicit_column_flags_override_detection() {
    let tmp = tempfile::tempdir().unwrap();
    let data = write(
        tmp.path(),
        "custom.jsonl",
        "{\"q\": \"What is 2+2?\", \"a\": \"Four.\", \"kind\": \"math\"}\n{\"q\": \"Name a colour.\", \"a\": \"Blue is a colour.\", \"kind\": \"trivia\"}\n",
    );
    let r = report(
        &data,
        &tmp.path().join("o"),
        &[
            "--instruction-col",
            "q",
            "--response-col",
            "a",
            "--task-col",
            "kind",
        ],
    );
    assert_eq!(r["dataset"]["schema_source"], "flags");
    assert_eq!(metric(&r, "records.analyzed"), Some(2.0));
    assert_eq!(metric(&r, "length.response.words.mean"), Some(2.5));
    assert_eq!(metric(&r, "diversity.task.count"), Some(2.0));
}

#[test]
fn metric_reference_is_in_sync_with_the_registry() {
    let o = ftqa(&["metrics", "--markdown"]);
    assert!(o.status.success());
    let committed = std::fs::read_to_string(root().join("docs/METRICS.md")).unwrap();
    assert_eq!(
        stdout(&o),
        committed,
        "docs/METRICS.md is stale: run `ftqa metrics --markdown > docs/METRICS.md`"
    );
}

/// A run in which most records are skipped (here every record, under a mapping that reads
/// a list where a string is needed) stops with exit code 2 naming the reasons, instead of
/// writing a report of what little was read; `--allow-skips` reports anyway.
#[test]
fn a_run_that_skips_most_records_stops_unless_allowed() {
    let tmp = tempfile::tempdir().unwrap();
    let rows: Vec<String> = (0..6)
        .map(|i| {
            serde_json::json!({"definition": format!("Task {i}"), "target": {"score": i}})
                .to_string()
        })
        .collect();
    let data = write(tmp.path(), "multi.jsonl", &(rows.join("\n") + "\n"));
    let d = data.to_str().unwrap();
    let out = tmp.path().join("out");
    let mapping = [
        "--instruction-col",
        "definition",
        "--response-col",
        "target",
    ];
    let mut args = vec!["report", d, "-o", out.to_str().unwrap(), "--no-progress"];
    args.extend(mapping);
    let o = ftqa(&args);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("6 of 6 records were skipped"), "{err}");
    assert!(
        err.contains("multi.jsonl") && err.contains("--allow-skips"),
        "{err}"
    );
    assert!(!out.join("report.json").exists(), "no report is written");

    // Mostly good records (1 of 4 malformed) still report.
    let mixed = write(
        tmp.path(),
        "mixed.jsonl",
        "{\"instruction\": \"a\", \"output\": \"b\"}\n{\"instruction\": \"c\", \"output\": \"d\"}\n{\"instruction\": \"e\", \"output\": \"f\"}\n{not json\n",
    );
    let r = report(&mixed, &tmp.path().join("mixed"), &[]);
    assert_eq!(r["records"]["skipped"], 1);

    args.push("--allow-skips");
    let o = ftqa(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(r["records"]["skipped"], 6);
}

/// A JSON line with bytes that are not UTF-8 is kept, decoded lossily, and counted under
/// hygiene.invalid_utf8, not dropped as malformed JSON.
#[test]
fn invalid_utf8_lines_are_kept_and_counted() {
    let tmp = tempfile::tempdir().unwrap();
    let mut bytes = b"{\"instruction\": \"Name a caf".to_vec();
    bytes.push(0xE9);
    bytes.extend(b"\", \"output\": \"Le Procope.\"}\n");
    bytes.extend(b"{\"instruction\": \"Say hi.\", \"output\": \"Hi.\"}\n");
    let path = tmp.path().join("latin1.jsonl");
    std::fs::write(&path, bytes).unwrap();
    let r = report(&path, &tmp.path().join("out"), &[]);
    assert_eq!(r["records"]["analyzed"], 2, "{}", r["records"]);
    assert_eq!(r["records"]["skipped"], 0);
    assert_eq!(metric(&r, "hygiene.invalid_utf8.count"), Some(1.0));
    assert_eq!(metric(&r, "hygiene.invalid_utf8.rate"), Some(0.5));
    assert_eq!(metric(&r, "hygiene.replacement_char.count"), Some(1.0));
}
