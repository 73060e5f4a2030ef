//! Check results as text for people, JSON, JUnit XML, or GitHub Actions workflow commands.

use super::evaluate::{Finding, Kind, Outcome};
use ftqa_reports::escape::{terminal_safe, truncate_chars};
use ftqa_reports::format::format_value;
use ftqa_reports::html_escape;
use ftqa_reports::Status;
use std::fmt::Write;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
    Junit,
    Github,
}

/// Characters of example text shown per line.
const EXAMPLE_CHARS: usize = 120;

fn value_text(f: &Finding) -> String {
    f.value
        .map(|v| format_value(&f.id, v))
        .unwrap_or_else(|| "not measured".into())
}

fn headline(o: &Outcome) -> String {
    let (fail, warn, pass) = (
        o.count(Status::Fail),
        o.count(Status::Warn),
        o.count(Status::Pass),
    );
    format!(
        "ftqa check {}: {} failed, {} warned, {} passed ({} rules from {}{})",
        if o.passed() { "PASSED" } else { "FAILED" },
        fail,
        warn,
        pass,
        o.findings.len(),
        o.config,
        o.baseline
            .as_deref()
            .map(|b| format!(", baseline {b}"))
            .unwrap_or_default()
    )
}

/// `record id (origin)`, or just the origin when it already starts with the id (loaders
/// write origins such as `alpaca:46 (data.json:237)`).
fn where_(x: &crate::check::report_file::ExampleView) -> String {
    if x.origin.starts_with(&x.record_id) {
        x.origin.clone()
    } else {
        format!("{} ({})", x.record_id, x.origin)
    }
}

/// Failures and warnings in full (with the worst examples), passes as one count.
pub fn human(o: &Outcome) -> String {
    let mut t = String::new();
    let _ = writeln!(t, "{}", terminal_safe(&headline(o)));
    let _ = writeln!(t, "dataset: {}", terminal_safe(&o.dataset));
    for status in [Status::Fail, Status::Warn] {
        for f in o.findings.iter().filter(|f| f.status == status) {
            let mark = if status == Status::Fail {
                "FAIL"
            } else {
                "WARN"
            };
            let what = if f.kind == Kind::Baseline {
                " (baseline)"
            } else {
                ""
            };
            let _ = writeln!(
                t,
                "{mark} {}{what} = {}  [{}]",
                terminal_safe(&f.id),
                value_text(f),
                terminal_safe(&f.rule)
            );
            if !f.message.is_empty() {
                let _ = writeln!(t, "     {}", terminal_safe(&f.message));
            }
            if !f.examples.is_empty() {
                let _ = writeln!(t, "     worst examples:");
                for x in &f.examples {
                    let _ = writeln!(
                        t,
                        "       {}: {}",
                        terminal_safe(&where_(x)),
                        truncate_chars(terminal_safe(&x.text).trim(), EXAMPLE_CHARS)
                    );
                }
            }
        }
    }
    let passed = o.count(Status::Pass);
    if passed > 0 {
        let _ = writeln!(
            t,
            "PASS {passed} rule{}",
            if passed == 1 { "" } else { "s" }
        );
    }
    t
}

pub fn json(o: &Outcome) -> String {
    let findings: Vec<serde_json::Value> = o
        .findings
        .iter()
        .map(|f| {
            let mut v = serde_json::to_value(f).unwrap_or_default();
            v["examples"] = serde_json::json!(f
                .examples
                .iter()
                .map(|x| serde_json::json!({"record_id": x.record_id, "origin": x.origin, "text": x.text}))
                .collect::<Vec<_>>());
            v
        })
        .collect();
    let doc = serde_json::json!({
        "passed": o.passed(),
        "exit_code": o.exit_code(),
        "config": o.config,
        "dataset": o.dataset,
        "baseline": o.baseline,
        "counts": {"fail": o.count(Status::Fail), "warn": o.count(Status::Warn), "pass": o.count(Status::Pass)},
        "findings": findings,
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

/// One test case per rule; failures carry the value, the rule and the examples, warnings
/// are `<skipped>` (visible in every JUnit viewer, and not a pass).
pub fn junit(o: &Outcome) -> String {
    let e = html_escape;
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        x,
        "<testsuites name=\"ftqa check\" tests=\"{}\" failures=\"{}\" skipped=\"{}\">",
        o.findings.len(),
        o.count(Status::Fail),
        o.count(Status::Warn)
    );
    let _ = writeln!(
        x,
        "<testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" skipped=\"{}\">",
        e(&format!("ftqa check {}", o.dataset)),
        o.findings.len(),
        o.count(Status::Fail),
        o.count(Status::Warn)
    );
    for f in &o.findings {
        let class = match f.kind {
            Kind::Threshold => "ftqa.thresholds",
            Kind::Baseline => "ftqa.baseline",
        };
        let _ = write!(x, "<testcase classname=\"{class}\" name=\"{}\">", e(&f.id));
        let summary = format!("{} = {} [{}] {}", f.id, value_text(f), f.rule, f.message);
        match f.status {
            Status::Pass => {}
            Status::Warn => {
                let _ = write!(x, "<skipped message=\"{}\"/>", e(summary.trim()));
            }
            Status::Fail => {
                let mut body = summary.trim().to_string();
                for ex in &f.examples {
                    let _ = write!(body, "\n{}: {}", where_(ex), truncate_chars(&ex.text, 300));
                }
                // Control characters are not allowed in XML 1.0 at all, even escaped.
                let body: String = body
                    .chars()
                    .map(|c| {
                        if c.is_control() && c != '\n' && c != '\t' {
                            ' '
                        } else {
                            c
                        }
                    })
                    .collect();
                let _ = write!(
                    x,
                    "<failure message=\"{}\">{}</failure>",
                    e(&terminal_safe(summary.trim())),
                    e(&body)
                );
            }
        }
        x.push_str("</testcase>\n");
    }
    x.push_str("</testsuite>\n</testsuites>\n");
    x
}

/// Escapes a workflow-command message (GitHub's rules: `%`, CR and LF).
fn gh_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow-command property value (also `:` and `,`).
fn gh_prop(s: &str) -> String {
    gh_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// `::error` / `::warning` annotations pointing at the config file, then the summary line.
pub fn github(o: &Outcome) -> String {
    let mut t = String::new();
    for f in o.findings.iter().filter(|f| f.status != Status::Pass) {
        let level = if f.status == Status::Fail {
            "error"
        } else {
            "warning"
        };
        let mut msg = format!("{} = {} [{}]", f.id, value_text(f), f.rule);
        if !f.message.is_empty() {
            let _ = write!(msg, ": {}", f.message);
        }
        for x in &f.examples {
            let _ = write!(
                msg,
                "\n{}: {}",
                where_(x),
                truncate_chars(terminal_safe(&x.text).trim(), EXAMPLE_CHARS)
            );
        }
        let _ = writeln!(
            t,
            "::{level} file={},title={}::{}",
            gh_prop(&o.config),
            gh_prop(&format!("ftqa check: {}", f.id)),
            gh_data(&msg)
        );
    }
    let _ = writeln!(t, "{}", headline(o));
    t
}

/// Markdown for `$GITHUB_STEP_SUMMARY`: the verdict, failing rules with examples.
pub fn step_summary(o: &Outcome) -> String {
    use ftqa_reports::escape::{md_code, md_escape};
    let mut md = format!("### {}\n\n", md_escape(&headline(o)));
    ftqa_reports::scorecard::markdown_summary(&mut md, &o.scorecard());
    for f in o.findings.iter().filter(|f| !f.examples.is_empty()) {
        let _ = writeln!(
            md,
            "<details><summary>Worst examples for {}</summary>\n",
            md_code(&f.id)
        );
        for x in &f.examples {
            let _ = writeln!(
                md,
                "- {}: {}",
                md_escape(&where_(x)),
                md_escape(&truncate_chars(&x.text, EXAMPLE_CHARS))
            );
        }
        md.push_str("\n</details>\n\n");
    }
    md
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::report_file::ExampleView;

    fn outcome() -> Outcome {
        Outcome {
            config: "ci/ftqa.toml".into(),
            dataset: "d.jsonl".into(),
            baseline: None,
            findings: vec![
                Finding {
                    id: "dedup.exact.sample_rate".into(),
                    key: "dedup.exact.sample_rate".into(),
                    kind: Kind::Threshold,
                    value: Some(0.05),
                    checked: Some(0.05),
                    status: Status::Fail,
                    rule: "≤ 2%".into(),
                    message: "5% is above the maximum".into(),
                    examples: vec![ExampleView {
                        record_id: "r<1>".into(),
                        origin: "d.jsonl:3".into(),
                        text: "a\nb & \u{1b}c".into(),
                        note: None,
                    }],
                },
                Finding {
                    id: "contamination.any.rate".into(),
                    key: "contamination.any.rate".into(),
                    kind: Kind::Threshold,
                    value: None,
                    checked: None,
                    status: Status::Warn,
                    rule: "≤ 0%".into(),
                    message: "not measured: no benchmark".into(),
                    examples: vec![],
                },
                Finding {
                    id: "records.skipped_rate".into(),
                    key: "records.skipped_rate".into(),
                    kind: Kind::Threshold,
                    value: Some(0.0),
                    checked: Some(0.0),
                    status: Status::Pass,
                    rule: "≤ 1%".into(),
                    message: String::new(),
                    examples: vec![],
                },
            ],
        }
    }

    #[test]
    fn human_lists_failures_with_examples() {
        let t = human(&outcome());
        assert!(t.starts_with("ftqa check FAILED: 1 failed, 1 warned, 1 passed"));
        assert!(t.contains("FAIL dedup.exact.sample_rate = 5%  [≤ 2%]"));
        assert!(t.contains("r<1> (d.jsonl:3): a b &  c"), "{t}");
        assert!(t.contains("WARN contamination.any.rate = not measured"));
        assert!(t.contains("PASS 1 rule"));
    }

    #[test]
    fn github_escapes_commands() {
        let t = github(&outcome());
        let first = t.lines().next().unwrap();
        // Properties escape `:` and `,`; the message escapes `%`, and newlines become %0A so
        // each annotation stays one line.
        assert!(first.starts_with("::error file=ci/ftqa.toml,title=ftqa check%3A dedup.exact.sample_rate::dedup.exact.sample_rate = 5%25 [≤ 2%25]"), "{first}");
        assert!(first.contains("%0Ar<1> (d.jsonl:3)"));
        assert!(t.lines().nth(1).unwrap().starts_with("::warning "));
        assert!(step_summary(&outcome()).contains("🔴"));
    }

    #[test]
    fn junit_is_well_formed_and_counts() {
        let x = junit(&outcome());
        assert!(
            x.contains("<testsuites name=\"ftqa check\" tests=\"3\" failures=\"1\" skipped=\"1\">")
        );
        assert!(x.contains("<testcase classname=\"ftqa.thresholds\" name=\"dedup.exact.sample_rate\"><failure message="));
        assert!(x.contains("r&lt;1&gt; (d.jsonl:3): a\nb &amp;  c"), "{x}");
        assert!(!x.contains('\u{1b}'));
        assert_eq!(
            x.matches("<testcase").count(),
            x.matches("</testcase>").count()
        );
    }

    #[test]
    fn json_has_verdict_and_examples() {
        let v: serde_json::Value = serde_json::from_str(&json(&outcome())).unwrap();
        assert_eq!(v["passed"], false);
        assert_eq!(v["exit_code"], 1);
        assert_eq!(v["findings"][0]["status"], "fail");
        assert_eq!(v["findings"][0]["examples"][0]["record_id"], "r<1>");
        assert_eq!(v["findings"][1]["value"], serde_json::Value::Null);
    }
}
