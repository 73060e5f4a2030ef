//! `ftqa init REPORT_JSON`: writes a commented starter `ftqa.toml` whose thresholds are drawn
//! from a report, so `ftqa check` passes on that data and fails when it gets worse.
//!
//! The library side; the command is `crate::cmd::init`.

use crate::check::report_file::ReportView;
use ftqa_metrics::registry::{all_docs, find_doc, Direction, MetricDoc};
use ftqa_reports::format::{value_kind, ValueKind};
use ftqa_reports::sections::{family, section_key, KNOWN};
use std::fmt::Write;
use std::path::Path;

/// Room left above a lower-is-better value: +25%, and for rates at least half a point.
const MAX_HEADROOM: f64 = 0.25;
const RATE_SLACK: f64 = 0.005;
/// Room left below a higher-is-better value: -20%.
const MIN_HEADROOM: f64 = 0.20;

/// Rounds to three significant digits, up or down, so thresholds read cleanly and still
/// bound the value on the right side.
pub fn round_sig(v: f64, up: bool) -> f64 {
    if v == 0.0 || !v.is_finite() {
        return v;
    }
    let scale = 10f64.powi(2 - v.abs().log10().floor() as i32);
    // The epsilon keeps float noise (0.04 + 0.01 = 0.05000000000000001) from adding a step.
    let r = if up {
        (v * scale - 1e-9).ceil() / scale
    } else {
        (v * scale + 1e-9).floor() / scale
    };
    // Printing then parsing drops binary noise such as 0.30000000000000004.
    format!("{r:.12}").parse().unwrap_or(r)
}

/// The starter threshold for one metric, as a TOML inline table; `None` for metrics that
/// make no sense as gates (descriptive, counts that grow with the data, per-instance ids).
pub fn threshold_for(id: &str, v: f64, doc: &MetricDoc) -> Option<String> {
    // records.skipped and friends are counts too, whatever their names.
    let size_dependent =
        id.ends_with("count") || (family(id) == "records" && !id.ends_with("rate"));
    if doc.direction == Direction::Neutral || size_dependent || doc.id.contains('<') {
        return None;
    }
    if family(id) == "contamination" {
        // Leaked benchmark items are never acceptable, whatever the data holds today.
        return Some("{ max = 0 }".into());
    }
    let rate = value_kind(id, v) == ValueKind::Rate;
    Some(match doc.direction {
        Direction::LowerIsBetter => {
            let room = (v.abs() * MAX_HEADROOM).max(if rate { RATE_SLACK } else { 0.0 });
            let mut max = round_sig(v + room, true);
            if rate {
                max = max.min(1.0);
            }
            format!("{{ max = {} }}", toml_number(max))
        }
        _ => format!(
            "{{ min = {} }}",
            toml_number(round_sig(v - v.abs() * MIN_HEADROOM, false))
        ),
    })
}

fn toml_number(v: f64) -> String {
    // TOML floats need a digit after the point only when written with one; integers are fine
    // and deserialize as floats in our schema.
    let s = format!("{v}");
    if s.contains(['.', 'e', 'E']) || s.contains("inf") || s.contains("nan") {
        s
    } else {
        format!("{s}.0")
    }
}

/// The first sentence of a definition, cut to one comment line.
fn short_definition(d: &str) -> String {
    let first = d.split(". ").next().unwrap_or(d).trim_end_matches('.');
    ftqa_reports::escape::truncate_chars(&ftqa_reports::escape::terminal_safe(first), 100)
}

/// `--benchmark PATH` arguments of the run that made the report.
fn benchmarks_of(report: &ReportView) -> Vec<String> {
    let cmd = report.run.get("command").map(String::as_str).unwrap_or("");
    let words: Vec<&str> = cmd.split_whitespace().collect();
    let mut out = Vec::new();
    for (i, w) in words.iter().enumerate() {
        if let Some(p) = w.strip_prefix("--benchmark=") {
            out.push(p.to_string());
        } else if *w == "--benchmark" {
            if let Some(p) = words.get(i + 1) {
                out.push(p.to_string());
            }
        }
    }
    out
}

/// A benchmark path as the config should hold it: relative paths were relative to where the
/// report ran (taken as the current directory); the config resolves them against its own folder.
fn benchmark_for_config(p: &str, config: &Path) -> String {
    let dir = config.parent().filter(|d| !d.as_os_str().is_empty());
    match dir {
        Some(_) if Path::new(p).is_relative() => std::fs::canonicalize(p)
            .map(|a| a.display().to_string())
            .unwrap_or_else(|_| p.to_string()),
        _ => p.to_string(),
    }
}

fn quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

pub fn starter_config(report: &ReportView, report_path: &Path, config_path: &Path) -> String {
    let docs = all_docs();
    let mut t = String::new();
    let _ = writeln!(
        t,
        "# ftqa.toml: quality gates for `ftqa check` (see docs/CI.md)."
    );
    let _ = writeln!(
        t,
        "# Drawn by `ftqa init` from {} ({}, ftqa {}).",
        ftqa_reports::escape::terminal_safe(&report_path.display().to_string()),
        ftqa_reports::escape::terminal_safe(&report.dataset.path),
        ftqa_reports::escape::terminal_safe(&report.ftqa_version)
    );
    t.push_str(
        "# Each threshold leaves room around the value measured then: maxima at +25% (rates at\n\
         # least +0.5 percentage points), minima at -20%. Contamination is held at zero.\n\
         # Keys are metric ids (`ftqa metrics` lists them, patterns such as\n\
         # \"contamination.<benchmark>.rate\" included); values are { min = X }, { max = Y } or\n\
         # both, optionally with missing = \"warn\".\n\n",
    );
    t.push_str(
        "[check]\n# A threshold on a metric this run did not produce (say a preference metric on SFT\n\
         # data) fails the check; \"warn\" reports it without failing. Never silently ignored.\n\
         missing = \"fail\"\n# Worst examples listed under each failure.\nexamples = 3\n\n",
    );
    let benches = benchmarks_of(report);
    t.push_str("[contamination]\n# Benchmark files scanned for leaked items (any format ftqa reads; paths relative to\n# this file). Required for the contamination.* thresholds below to be measured.\n");
    if benches.is_empty() {
        t.push_str("# benchmarks = [\"benchmarks/gsm8k_test.jsonl\", \"benchmarks/humaneval_test.jsonl.gz\"]\nbenchmarks = []\n\n");
    } else {
        let list: Vec<String> = benches
            .iter()
            .map(|b| quote(&benchmark_for_config(b, config_path)))
            .collect();
        let _ = writeln!(t, "benchmarks = [{}]\n", list.join(", "));
    }
    t.push_str(
        "[baseline]\n# With `ftqa check DATA --baseline old/report.json`: fail when a metric worsens by more\n\
         # than this share of its old value (or abs_tolerance, whichever is larger). Only metrics\n\
         # with a better direction are compared, counts excluded; list ids in `metrics` to narrow it.\n\
         tolerance = 0.05\nabs_tolerance = 0.0\n# metrics = [\"dedup.exact.sample_rate\"]\n\n[thresholds]\n",
    );
    // Group by the report's areas, in registry order inside each.
    let mut rows: Vec<(usize, usize, &str, f64, &MetricDoc)> = report
        .metrics
        .iter()
        .filter_map(|(id, v)| {
            let (rank, doc) = find_doc(&docs, id)?;
            let area = section_key(family(id));
            let area_rank = KNOWN
                .iter()
                .position(|k| k.0 == area)
                .unwrap_or(KNOWN.len());
            Some((area_rank, rank, id.as_str(), *v, doc))
        })
        .collect();
    rows.sort_by(|a, b| (a.0, a.1, a.2).cmp(&(b.0, b.1, b.2)));
    let mut current_area = usize::MAX;
    let mut wrote_contamination = false;
    for (area, _, id, v, doc) in rows {
        let Some(rule) = threshold_for(id, v, doc) else {
            continue;
        };
        if area != current_area {
            current_area = area;
            let title = KNOWN.get(area).map(|k| k.1).unwrap_or("Other");
            let _ = writeln!(t, "\n# --- {title} ---");
        }
        wrote_contamination |= id == "contamination.any.rate";
        let _ = writeln!(
            t,
            "# {}\n# measured: {}\n{} = {rule}",
            short_definition(doc.definition),
            ftqa_reports::format::format_value(id, v),
            quote(id)
        );
    }
    if !wrote_contamination {
        t.push_str(
            "\n# --- Contamination ---\n# Not measured in this report (no --benchmark). Name benchmarks under\n\
             # [contamination] above, then uncomment:\n# \"contamination.any.rate\" = { max = 0 }\n",
        );
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::config::Config;
    use crate::check::evaluate::evaluate;
    use crate::check::report_file::DatasetView;

    fn report(pairs: &[(&str, f64)], command: &str) -> ReportView {
        ReportView {
            report_layout_version: 1,
            ftqa_version: "0.1.0".into(),
            dataset: DatasetView {
                path: "data.jsonl".into(),
            },
            metrics: pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
            examples: vec![],
            run: [("command".to_string(), command.to_string())]
                .into_iter()
                .collect(),
            not_measured: Default::default(),
        }
    }

    #[test]
    fn rounding_bounds_the_right_side() {
        assert_eq!(round_sig(0.012345, true), 0.0124);
        assert_eq!(round_sig(0.012345, false), 0.0123);
        assert_eq!(round_sig(1234.5, true), 1240.0);
        assert_eq!(round_sig(0.0, true), 0.0);
    }

    #[test]
    fn thresholds_follow_direction() {
        let docs = all_docs();
        let doc = |id: &str| find_doc(&docs, id).unwrap().1.clone();
        // Lower is better: +25% or at least +0.5 pp for rates.
        assert_eq!(
            threshold_for(
                "dedup.exact.sample_rate",
                0.04,
                &doc("dedup.exact.sample_rate")
            )
            .unwrap(),
            "{ max = 0.05 }"
        );
        assert_eq!(
            threshold_for("empty.response.rate", 0.0, &doc("empty.response.rate")).unwrap(),
            "{ max = 0.005 }"
        );
        // Higher is better: -20%.
        assert_eq!(
            threshold_for("diversity.task.count", 10.0, &doc("diversity.task.count")),
            None,
            "counts grow with data"
        );
        assert_eq!(
            threshold_for(
                "diversity.instruction.mtld",
                50.0,
                &doc("diversity.instruction.mtld")
            )
            .unwrap(),
            "{ min = 40.0 }"
        );
        assert_eq!(
            threshold_for("turns.mean", 2.0, &doc("turns.mean")),
            None,
            "descriptive"
        );
    }

    #[test]
    fn starter_parses_and_passes_on_its_own_report() {
        let r = report(
            &[
                ("dedup.exact.sample_rate", 0.04),
                ("empty.response.rate", 0.0),
                ("diversity.instruction.mtld", 50.0),
                ("turns.mean", 2.0),
                ("records.skipped_rate", 0.001),
            ],
            "ftqa report data.jsonl --benchmark b/gsm8k.jsonl --benchmark=h.jsonl -o out",
        );
        let text = starter_config(&r, Path::new("out/report.json"), Path::new("ftqa.toml"));
        let c = Config::parse(&text, Path::new("ftqa.toml")).unwrap();
        let ids: Vec<&str> = c.thresholds.iter().map(|t| t.0.as_str()).collect();
        assert!(
            ids.contains(&"dedup.exact.sample_rate") && ids.contains(&"diversity.instruction.mtld")
        );
        assert!(!ids.contains(&"turns.mean"));
        assert_eq!(c.benchmarks, ["b/gsm8k.jsonl", "h.jsonl"]);
        assert!(
            text.contains("# \"contamination.any.rate\" = { max = 0 }"),
            "contamination hint when not measured"
        );
        let o = evaluate(&c, &r, None, None);
        assert!(o.passed(), "{:?}", o.findings);
        // And it fails once the data gets worse.
        let worse = report(
            &[
                ("dedup.exact.sample_rate", 0.2),
                ("empty.response.rate", 0.0),
                ("diversity.instruction.mtld", 50.0),
                ("records.skipped_rate", 0.001),
            ],
            "",
        );
        assert!(!evaluate(&c, &worse, None, None).passed());
    }
}
