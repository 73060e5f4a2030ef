//! `ftqa check`, `ftqa init` and `ftqa report --config` through the real binary, on the
//! generated alpaca fixture whose planted values the manifest records (95 analysed records,
//! 5 exact duplicate samples: dedup.exact.sample_rate = 5/95).

mod common;

use common::{fixtures, ftqa, stderr, stdout};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// One report of the fixture, shared by the tests that only read it.
fn alpaca_report() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        // Under target/tmp (rewritten each run) rather than a temp dir nobody removes.
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("check_cli-alpaca-report");
        common::report(&fixtures().join("alpaca.json"), &dir, &[]);
        dir.join("report.json")
    })
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn check(args: &[&str]) -> (i32, String, String) {
    let mut all = vec!["check"];
    all.extend_from_slice(args);
    let o = ftqa(&all);
    (o.status.code().unwrap_or(-1), stdout(&o), stderr(&o))
}

const PLANTED_DUP_RATE: f64 = 5.0 / 95.0;

#[test]
fn passing_and_failing_thresholds_set_the_exit_code() {
    let t = tempfile::tempdir().unwrap();
    let report = alpaca_report().to_str().unwrap();
    let pass = write(
        t.path(),
        "pass.toml",
        "[thresholds]\n\"dedup.exact.sample_rate\" = { max = 0.06 }\n",
    );
    let (code, out, _) = check(&[report, "--config", pass.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.starts_with("ftqa check PASSED: 0 failed, 0 warned, 1 passed"),
        "{out}"
    );

    let fail = write(
        t.path(),
        "fail.toml",
        "[thresholds]\n\"dedup.exact.sample_rate\" = { max = 0.02 }\n",
    );
    let (code, out, _) = check(&[report, "--config", fail.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    // The value (5/95 = 5.26%), the threshold, and the worst examples with record ids.
    assert!(
        out.contains("FAIL dedup.exact.sample_rate = 5.26%  [≤ 2%]"),
        "{out}"
    );
    assert!(
        out.contains("worst examples:") && out.contains("alpaca:"),
        "{out}"
    );
}

#[test]
fn checking_data_equals_checking_its_report() {
    let t = tempfile::tempdir().unwrap();
    let cfg = write(
        t.path(),
        "c.toml",
        "[thresholds]\n\"dedup.exact.sample_rate\" = { max = 0.02 }\n",
    );
    let out_dir = t.path().join("rep");
    let data = fixtures().join("alpaca.json");
    let (code, out, err) = check(&[
        data.to_str().unwrap(),
        "--config",
        cfg.to_str().unwrap(),
        "--format",
        "json",
        "-o",
        out_dir.to_str().unwrap(),
        "--no-progress",
    ]);
    assert_eq!(code, 1, "{out}{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["passed"], false);
    assert!((v["findings"][0]["value"].as_f64().unwrap() - PLANTED_DUP_RATE).abs() < 1e-12);
    // -o writes the report with its traffic lights.
    let html = std::fs::read_to_string(out_dir.join("report.html")).unwrap();
    assert!(html.contains("class=\"light fail\""));
    assert!(html.contains("0 of 1 thresholds pass"));
}

#[test]
fn unknown_metric_ids_are_usage_errors_with_suggestions() {
    let t = tempfile::tempdir().unwrap();
    let cfg = write(
        t.path(),
        "c.toml",
        "[thresholds]\n\"dedup.exact.sample_rte\" = { max = 0.02 }\n",
    );
    let (code, _, err) = check(&[
        alpaca_report().to_str().unwrap(),
        "--config",
        cfg.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("unknown metric id \"dedup.exact.sample_rte\""),
        "{err}"
    );
    assert!(
        err.contains("closest valid ids: \"dedup.exact.sample_rate\""),
        "{err}"
    );
    // A missing config is a usage error too.
    let (code, _, err) = check(&[
        alpaca_report().to_str().unwrap(),
        "--config",
        "/nonexistent/ftqa.toml",
    ]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn a_threshold_on_an_absent_metric_never_silently_passes() {
    let t = tempfile::tempdir().unwrap();
    let report = alpaca_report().to_str().unwrap();
    // Preference metric on SFT data: fails by default, with the reason...
    let cfg = write(
        t.path(),
        "c.toml",
        "[thresholds]\n\"preference.identical_rate\" = { max = 0 }\n",
    );
    let (code, out, _) = check(&[report, "--config", cfg.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("FAIL preference.identical_rate = not measured"),
        "{out}"
    );
    assert!(out.contains("no preference or feedback pairs"), "{out}");
    // ... and with missing = "warn" passes, but still says so in every format.
    let cfg = write(
        t.path(),
        "w.toml",
        "[check]\nmissing = \"warn\"\n[thresholds]\n\"preference.identical_rate\" = { max = 0 }\n",
    );
    let (code, out, _) = check(&[report, "--config", cfg.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("WARN preference.identical_rate = not measured"),
        "{out}"
    );
    let (_, junit, _) = check(&[
        report,
        "--config",
        cfg.to_str().unwrap(),
        "--format",
        "junit",
    ]);
    assert!(
        junit.contains("skipped=\"1\"") && junit.contains("<skipped message="),
        "{junit}"
    );
}

#[test]
fn github_format_annotates_and_writes_the_step_summary() {
    let t = tempfile::tempdir().unwrap();
    let cfg = write(t.path(), "c.toml", "[thresholds]\n\"dedup.exact.sample_rate\" = { max = 0.02 }\n\"records.skipped_rate\" = { max = 0.5 }\n");
    let summary = t.path().join("summary.md");
    std::fs::write(&summary, "previous step\n").unwrap();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_ftqa"))
        .args([
            "check",
            alpaca_report().to_str().unwrap(),
            "--config",
            cfg.to_str().unwrap(),
            "--format",
            "github",
        ])
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    let first = out.lines().next().unwrap();
    assert!(first.starts_with("::error file="), "{out}");
    assert!(
        first.contains(
            "title=ftqa check%3A dedup.exact.sample_rate::dedup.exact.sample_rate = 5.26%25"
        ),
        "{first}"
    );
    assert_eq!(
        out.lines().filter(|l| l.starts_with("::")).count(),
        1,
        "passes are not annotated"
    );
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(
        md.starts_with("previous step\n"),
        "appended, not overwritten"
    );
    assert!(
        md.contains("ftqa check FAILED") && md.contains("`dedup.exact.sample_rate`"),
        "{md}"
    );
}

#[test]
fn baseline_regressions_fail_beyond_the_tolerance() {
    let t = tempfile::tempdir().unwrap();
    // A baseline whose duplicate rate was half of today's: today regressed by ~100%.
    let mut old: Value =
        serde_json::from_str(&std::fs::read_to_string(alpaca_report()).unwrap()).unwrap();
    old["metrics"]["dedup.exact.sample_rate"] = Value::from(PLANTED_DUP_RATE / 2.0);
    let old_path = write(t.path(), "old.json", &old.to_string());
    let cfg = write(
        t.path(),
        "c.toml",
        "[baseline]\nmetrics = [\"dedup.exact.sample_rate\"]\ntolerance = 0.05\n",
    );
    let report = alpaca_report().to_str().unwrap();
    let (code, out, _) = check(&[
        report,
        "--config",
        cfg.to_str().unwrap(),
        "--baseline",
        old_path.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("FAIL dedup.exact.sample_rate (baseline) = 5.26%"),
        "{out}"
    );
    assert!(out.contains("regressed from 2.63% to 5.26%"), "{out}");
    // A tolerance of 150% lets it through.
    let (code, out, _) = check(&[
        report,
        "--config",
        cfg.to_str().unwrap(),
        "--baseline",
        old_path.to_str().unwrap(),
        "--tolerance",
        "1.5",
    ]);
    assert_eq!(code, 0, "{out}");
    // Against itself, every directional metric holds.
    let all = write(t.path(), "all.toml", "");
    let (code, out, _) = check(&[
        report,
        "--config",
        all.to_str().unwrap(),
        "--baseline",
        report,
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(!out.contains("FAIL"));
}

#[test]
fn init_writes_a_config_that_passes_on_its_own_data() {
    let t = tempfile::tempdir().unwrap();
    let cfg = t.path().join("ftqa.toml");
    let o = ftqa(&[
        "init",
        alpaca_report().to_str().unwrap(),
        "-o",
        cfg.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&cfg).unwrap();
    assert!(
        text.contains("\"dedup.exact.sample_rate\" = { max = 0.0658 }"),
        "{text}"
    );
    assert!(text.starts_with("# ftqa.toml"));
    // Refuses to overwrite without --force.
    let o = ftqa(&[
        "init",
        alpaca_report().to_str().unwrap(),
        "-o",
        cfg.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let (code, out, _) = check(&[
        alpaca_report().to_str().unwrap(),
        "--config",
        cfg.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("0 failed"), "{out}");
}

#[test]
fn report_with_config_shows_traffic_lights_and_exits_zero() {
    let t = tempfile::tempdir().unwrap();
    let cfg = write(t.path(), "c.toml", "[thresholds]\n\"dedup.exact.sample_rate\" = { max = 0.02 }\n\"records.skipped_rate\" = { max = 0.5 }\n");
    let out = t.path().join("rep");
    let o = ftqa(&[
        "report",
        fixtures().join("alpaca.json").to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--config",
        cfg.to_str().unwrap(),
        "--quiet",
        "--no-progress",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("1 of 2 thresholds pass"), "scores overview");
    assert!(html.contains("<tr class=\"fail\">") && html.contains("<tr class=\"pass\">"));
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(md.contains("**Thresholds**") && md.contains("🔴"), "{md}");
}

#[test]
fn bound_low_checks_the_low_end_of_the_interval() {
    let t = tempfile::tempdir().unwrap();
    // A hand-written layout-2 report: response diversity 2.4 with interval 1.9–2.9.
    let report = write(
        t.path(),
        "report.json",
        r#"{
  "report_layout_version": 2,
  "ftqa_version": "0.1.0",
  "dataset": {"path": "data.jsonl"},
  "metrics": {"diversity.response.log_clusters": 2.4, "dedup.exact.sample_rate": 0.01},
  "intervals": {
    "diversity.response.log_clusters": {"low": 1.9, "high": 2.9, "level": 0.95, "method": "half_sample", "n": 1000},
    "dedup.exact.sample_rate": {"low": 0.005, "high": 0.018, "level": 0.95, "method": "wilson", "n": 1000}
  },
  "examples": [],
  "run": {}
}
"#,
    );
    let report = report.to_str().unwrap();
    let cfg = |name: &str, body: &str| write(t.path(), name, body);
    // The value (2.4) clears 2.0; the low end (1.9) does not.
    let on_value = cfg(
        "value.toml",
        "[thresholds]\n\"diversity.response.log_clusters\" = { min = 2.0 }\n",
    );
    let (code, out, _) = check(&[report, "--config", on_value.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    let low_fails = cfg(
        "low.toml",
        "[thresholds]\n\"diversity.response.log_clusters\" = { min = 2.0, bound = \"low\" }\n",
    );
    let (code, out, _) = check(&[report, "--config", low_fails.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("FAIL diversity.response.log_clusters = 2.4  [95% interval low ≥ 2]"),
        "{out}"
    );
    assert!(
        out.contains("its low end 1.9 is below the minimum"),
        "{out}"
    );
    let low_passes = cfg(
        "low-pass.toml",
        "[thresholds]\n\"diversity.response.log_clusters\" = { min = 1.8, bound = \"low\" }\n\
         \"dedup.exact.sample_rate\" = { max = 0.02, bound = \"high\" }\n",
    );
    let (code, out, _) = check(&[
        report,
        "--config",
        low_passes.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{out}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["findings"][0]["value"], 2.4);
    assert_eq!(v["findings"][0]["checked"], 1.9);
    assert_eq!(v["findings"][1]["checked"], 0.018);

    // A layout-1 report has no intervals: a bound threshold fails as missing and says why.
    let old = write(
        t.path(),
        "old.json",
        r#"{"report_layout_version": 1, "metrics": {"diversity.response.log_clusters": 2.4}}"#,
    );
    let (code, out, _) = check(&[
        old.to_str().unwrap(),
        "--config",
        low_passes.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("no interval"), "{out}");
}

/// A gate that checks nothing must not pass: a config without thresholds and without
/// --baseline is exit 2 naming the way out, unless --allow-empty says it is intended.
#[test]
fn an_empty_config_is_an_error_unless_allowed() {
    let t = tempfile::tempdir().unwrap();
    let empty = write(
        t.path(),
        "empty.toml",
        "# nothing yet\n[check]\nmissing = \"warn\"\n",
    );
    let report = alpaca_report().to_str().unwrap();
    let (code, out, err) = check(&[report, "--config", empty.to_str().unwrap()]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("no thresholds")
            && err.contains("--allow-empty")
            && err.contains("ftqa init REPORT_JSON"),
        "{err}"
    );
    let (code, out, err) = check(&[report, "--config", empty.to_str().unwrap(), "--allow-empty"]);
    assert_eq!(code, 0, "{out}{err}");
}

/// The hint for a missing config names `init` as it is called (a positional report).
#[test]
fn missing_config_hint_matches_init() {
    let t = tempfile::tempdir().unwrap();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_ftqa"))
        .args(["check", alpaca_report().to_str().unwrap()])
        .current_dir(t.path())
        .output()
        .unwrap();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("`ftqa init REPORT_JSON`"), "{err}");
    // And that is how init takes it.
    let cfg = t.path().join("ftqa.toml");
    let o = ftqa(&[
        "init",
        alpaca_report().to_str().unwrap(),
        "-o",
        cfg.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
}
