//! Comparison rendering over two hand-built reports with known differences.

use super::*;
use crate::tests::sample_report;
use ftqa_metrics::result::OverlapMatrix;

fn pair() -> Comparison {
    let a = sample_report();
    let mut b = sample_report();
    b.dataset.path = "other/<b>.jsonl".into();
    // Lower is better: 1.42% -> 0.5% is better; empty.instruction.rate 0.25% -> 1% is worse.
    b.metrics.insert("dedup.exact.sample_rate".into(), 0.005);
    b.metrics.insert("empty.instruction.rate".into(), 0.01);
    b.metrics.remove("turns.median");
    Comparison::new(
        vec![a, b],
        Some(OverlapMatrix {
            datasets: vec!["A".into(), "B".into()],
            exact: vec![vec![0.01, 0.2], vec![0.4, 0.0]],
            near: vec![vec![0.02, 0.25], vec![0.5, 0.0]],
            semantic: None,
        }),
        None,
    )
}

fn row<'a>(c: &'a Comparison, id: &str) -> &'a MetricRow {
    c.metrics.iter().find(|m| m.id == id).unwrap()
}

#[test]
fn rows_carry_deltas_and_verdicts() {
    let c = pair();
    let r = row(&c, "dedup.exact.sample_rate");
    assert_eq!(r.verdicts, [Verdict::Same, Verdict::Better]);
    assert!((r.deltas[1].unwrap() - (0.005 - 17.0 / 1200.0)).abs() < 1e-12);
    assert!(
        r.verdict.starts_with("B better than A (1.42% → 0.5%)"),
        "{}",
        r.verdict
    );
    assert_eq!(
        row(&c, "empty.instruction.rate").verdicts[1],
        Verdict::Worse
    );
    assert_eq!(row(&c, "turns.median").verdicts[1], Verdict::Missing);
    assert_eq!(row(&c, "records.total").verdicts[1], Verdict::Same);
    assert_eq!(c.tally(1, Verdict::Worse), 1);
    assert_eq!(format_delta("x.rate", 0.0025, 0.01), "+0.75 pp");
    assert_eq!(format_delta("x.count", 10.0, 7.0), "−3");
}

#[test]
fn outputs_are_escaped_and_complete() {
    let c = pair();
    let html = render_compare_html(&c);
    assert!(!html.to_ascii_lowercase().contains("<script"));
    assert!(html.contains("other/&lt;b&gt;.jsonl"));
    assert!(html.contains("id=\"overlap\"") && html.contains("40%"));
    // One overlaid plot per distribution id that overlays, in the section of its family
    // (point maps and treemaps are per-dataset pictures and are left out).
    let ids: std::collections::BTreeSet<_> = c.reports[0]
        .distributions
        .iter()
        .filter(|d| super::overlayable(d))
        .map(|d| d.id())
        .collect();
    assert!(ids.len() < c.reports[0].distributions.len());
    assert_eq!(html.matches("<svg").count(), ids.len());
    let md = render_compare_markdown(&c);
    assert!(md.lines().count() < 60, "compare.md too long");
    assert!(md.contains("B in A 40%"));
    assert!(md.contains("`empty.instruction.rate`"));
    let json: serde_json::Value =
        serde_json::from_str(&serde_json::to_string(&c).unwrap()).unwrap();
    assert_eq!(json["compare_layout_version"], 2);
    assert_eq!(json["datasets"][1]["label"], "B");
    let dir = std::env::temp_dir().join(format!("ftqa-compare-test-{}", std::process::id()));
    let w = write_compare_dir(&c, &dir).unwrap();
    assert!(w.files.iter().any(|f| f.ends_with("compare.html")));
    assert!(w
        .files
        .iter()
        .any(|f| f.extension().is_some_and(|e| e == "png")));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn intervals_common_sample_and_paper_indices_show_in_every_output() {
    use super::model::CommonSample;
    use ftqa_metrics::result::Interval;
    let iv = |low: f64, high: f64| Interval {
        low,
        high,
        level: 0.95,
        method: "wilson".into(),
        n: 1200,
    };
    let mut a = sample_report();
    let mut b = sample_report();
    // Overlapping: no clear difference. Separated: worse (lower is better).
    b.metrics.insert("dedup.exact.sample_rate".into(), 0.012);
    a.intervals
        .insert("dedup.exact.sample_rate".into(), iv(0.009, 0.022));
    b.intervals
        .insert("dedup.exact.sample_rate".into(), iv(0.007, 0.02));
    b.metrics.insert("empty.instruction.rate".into(), 0.05);
    a.intervals
        .insert("empty.instruction.rate".into(), iv(0.001, 0.006));
    b.intervals
        .insert("empty.instruction.rate".into(), iv(0.04, 0.062));
    b.metrics.insert("diversity.task.count".into(), 13.0);
    let c = Comparison::new(vec![a, b], None, Some("Skipped (--no-overlap).".into()))
        .with_common_sample(CommonSample::choose(10_000, 7, &[1200, 1200]));
    let ncd =
        "B no clear difference from A (1.42% [0.9%–2.2%] → 1.2% [0.7%–2%]; 95% intervals overlap)";
    assert_eq!(row(&c, "dedup.exact.sample_rate").verdict, ncd);
    assert_eq!(
        row(&c, "empty.instruction.rate").verdicts[1],
        Verdict::Worse
    );
    let said = "All datasets sampled to 1,200 records (seed 7) so size-dependent indices compare at one size";
    let md = render_compare_markdown(&c);
    assert!(md.contains(said), "{md}");
    assert!(md.contains("1 no clear difference"), "{md}");
    assert!(md.contains("1.2% \\[0.7%–2%\\] (−0.217 pp)"), "{md}");
    // The paper's index leads the table, named.
    let table = md.split("| Metric |").nth(1).unwrap();
    let first = table.lines().nth(2).unwrap();
    assert!(
        first.starts_with("| `diversity.task.count` (Task diversity)"),
        "{first}"
    );
    let t = render_compare_terminal(&c);
    assert!(t.contains(said), "{t}");
    assert!(
        t.contains("B vs A: 1 better, 1 worse, 1 no clear difference, "),
        "{t}"
    );
    assert!(
        t.contains("A 1.42% [0.9%–2.2%] · B 1.2% [0.7%–2%] → B no clear difference"),
        "{t}"
    );
    let html = render_compare_html(&c);
    assert!(html.contains(said));
    assert!(html.contains("<section id=\"paper\">"));
    assert!(
        html.contains(
            "<span class=\"def\" title=\"95% interval (wilson, n = 1200)\">[0.7%–2%]</span>"
        ),
        "intervals under values"
    );
    assert!(html.contains("No clear difference</th>"));
    // A paper row's anchor is in the paper table only.
    assert_eq!(
        html.matches(&format!(
            "id=\"{}\"",
            crate::html::metric_anchor("diversity.task.count")
        ))
        .count(),
        1
    );
    let json: serde_json::Value =
        serde_json::from_str(&serde_json::to_string(&c).unwrap()).unwrap();
    assert_eq!(json["common_sample"]["size"], 1200);
    assert_eq!(json["metrics"][0]["paper_index"], "Task diversity");
    let dup = json["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == "dedup.exact.sample_rate")
        .unwrap();
    assert_eq!(dup["verdicts"][1], "no_clear_difference");
    assert_eq!(dup["intervals"][1]["high"], 0.02);
}
