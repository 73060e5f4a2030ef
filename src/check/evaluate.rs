//! Threshold and baseline evaluation: every threshold yields at least one finding, so a
//! check can never pass by ignoring a rule.

use super::config::{Bound, Config, Missing, Threshold};
use super::report_file::{ExampleView, Intervals, ReportView};
use ftqa_metrics::registry::{all_docs, find_doc, id_matches, Direction, MetricDoc};
use ftqa_reports::format::format_value;
use ftqa_reports::{ScoreItem, Scorecard, Status};
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A `[thresholds]` entry.
    Threshold,
    /// A regression against `--baseline`.
    Baseline,
}

#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    /// The concrete metric id (the config key when nothing matched it).
    pub id: String,
    /// The config key it came from (a pattern may cover several ids).
    pub key: String,
    pub kind: Kind,
    pub value: Option<f64>,
    /// The number the rule was applied to: the value, or with `bound = "low"` / `"high"`
    /// that end of the value's 95% interval.
    pub checked: Option<f64>,
    pub status: Status,
    pub rule: String,
    pub message: String,
    /// The worst examples the report holds for this metric (failures only).
    #[serde(skip)]
    pub examples: Vec<ExampleView>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Outcome {
    pub config: String,
    pub dataset: String,
    pub baseline: Option<String>,
    pub findings: Vec<Finding>,
}

impl Outcome {
    pub fn count(&self, s: Status) -> usize {
        self.findings.iter().filter(|f| f.status == s).count()
    }
    pub fn passed(&self) -> bool {
        self.count(Status::Fail) == 0
    }
    /// 0 when every rule passed (warnings allowed), 1 when any failed.
    pub fn exit_code(&self) -> i32 {
        if self.passed() {
            0
        } else {
            1
        }
    }
    pub fn scorecard(&self) -> Scorecard {
        Scorecard {
            source: self.config.clone(),
            items: self
                .findings
                .iter()
                .map(|f| ScoreItem {
                    id: f.id.clone(),
                    value: f.value,
                    status: f.status,
                    rule: f.rule.clone(),
                    message: f.message.clone(),
                })
                .collect(),
        }
    }
}

/// `≤ 2%`, `≥ 2`, `between 1 and 3`, formatted like the metric itself; with a bound,
/// `95% interval low ≥ 2`.
pub fn rule_text(id: &str, t: &Threshold) -> String {
    let f = |v: f64| format_value(id, v);
    let rule = match (t.min, t.max) {
        (Some(a), Some(b)) => format!("between {} and {}", f(a), f(b)),
        (Some(a), None) => format!("≥ {}", f(a)),
        (None, Some(b)) => format!("≤ {}", f(b)),
        (None, None) => "no bound".into(),
    };
    match t.bound {
        Bound::Value => rule,
        b => format!("95% interval {} {rule}", b.name()),
    }
}

/// Why a metric may be absent, so the user knows what to change: the report's own reason
/// when it marked the id (or a pattern covering it, or an id the key's pattern covers) not
/// measured, e.g. "the data has no responses" on prompt-only data; else a guess by family.
fn missing_reason(report: &ReportView, key: &str) -> String {
    let marked = report.not_measured.get(key).or_else(|| {
        report
            .not_measured
            .iter()
            .find(|(id, _)| id_matches(id, key) || id_matches(key, id))
            .map(|(_, why)| why)
    });
    if let Some(why) = marked {
        return format!("not measured: {why}");
    }
    let why = match key.split('.').next().unwrap_or("") {
        "contamination" => "no benchmark was scanned: name benchmark files under [contamination] benchmarks in the config (or pass --benchmark)",
        "preference" | "feedback" => "the data has no preference or feedback pairs",
        "images" | "videos" => "the data references no images or videos",
        "tasks" | "balance" => "the data has no task labels (or too few tasks)",
        _ => "this run did not compute it for this data",
    };
    format!("not measured: {why}")
}

/// Examples for a failing metric: its own group first, then groups of the same two-segment
/// prefix (`dedup.near.*`), then of the same family; at most `n`, in the order the metric
/// attached them (metrics attach their worst cases first).
pub fn worst_examples(report: &ReportView, id: &str, n: usize) -> Vec<ExampleView> {
    let prefix = |k: usize| id.split('.').take(k).collect::<Vec<_>>().join(".") + ".";
    let (two, one) = (prefix(2), prefix(1));
    let in_tier = |tier: usize, m: &str| match tier {
        0 => m == id,
        1 => m.starts_with(&two),
        _ => m.starts_with(&one),
    };
    for tier in 0..3 {
        let found: Vec<ExampleView> = report
            .examples
            .iter()
            .filter(|g| in_tier(tier, &g.metric))
            .flat_map(|g| g.examples.iter().cloned())
            .take(n)
            .collect();
        if !found.is_empty() {
            return found;
        }
    }
    Vec::new()
}

fn threshold_findings(
    config: &Config,
    report: &ReportView,
    intervals: &Intervals,
    key: &str,
    t: &Threshold,
) -> Vec<Finding> {
    let ids: Vec<&String> = if key.contains('<') {
        report
            .metrics
            .keys()
            .filter(|id| id_matches(key, id))
            .collect()
    } else {
        report
            .metrics
            .keys()
            .filter(|id| id.as_str() == key)
            .collect()
    };
    let missing_status = match config.missing_for(t) {
        Missing::Fail => Status::Fail,
        Missing::Warn => Status::Warn,
    };
    if ids.is_empty() {
        return vec![Finding {
            id: key.to_string(),
            key: key.to_string(),
            kind: Kind::Threshold,
            value: None,
            checked: None,
            status: missing_status,
            rule: rule_text(key, t),
            message: missing_reason(report, key),
            examples: Vec::new(),
        }];
    }
    ids.into_iter()
        .map(|id| {
            let v = report.metrics[id];
            let interval = intervals.get(id);
            let (checked, what) = match (t.bound, interval) {
                (Bound::Value, _) => (v, String::new()),
                (Bound::Low, Some(i)) => (
                    i.low,
                    format!(
                        "95% interval {}–{}: its low end ",
                        format_value(id, i.low),
                        format_value(id, i.high)
                    ),
                ),
                (Bound::High, Some(i)) => (
                    i.high,
                    format!(
                        "95% interval {}–{}: its high end ",
                        format_value(id, i.low),
                        format_value(id, i.high)
                    ),
                ),
                (b, None) => {
                    // A bound cannot be checked without the interval: never a silent pass.
                    return Finding {
                        id: id.clone(),
                        key: key.to_string(),
                        kind: Kind::Threshold,
                        value: Some(v),
                        checked: None,
                        status: missing_status,
                        rule: rule_text(id, t),
                        message: format!(
                            "no interval: the report has no 95% interval for this metric, so bound = \"{}\" cannot be checked (reports before layout 2 have none)",
                            b.name()
                        ),
                        examples: Vec::new(),
                    };
                }
            };
            let low = t.min.is_some_and(|m| checked < m);
            let high = t.max.is_some_and(|m| checked > m);
            let status = if low || high {
                Status::Fail
            } else {
                Status::Pass
            };
            let message = if low {
                format!("{what}{} is below the minimum", format_value(id, checked))
            } else if high {
                format!("{what}{} is above the maximum", format_value(id, checked))
            } else {
                String::new()
            };
            let examples = if status == Status::Fail {
                worst_examples(report, id, config.check.examples)
            } else {
                Vec::new()
            };
            Finding {
                id: id.clone(),
                key: key.to_string(),
                kind: Kind::Threshold,
                value: Some(v),
                checked: Some(checked),
                status,
                rule: rule_text(id, t),
                message,
                examples,
            }
        })
        .collect()
}

/// The ids a baseline comparison covers (see `[baseline] metrics` in the config docs).
fn baseline_ids<'a>(
    config: &Config,
    docs: &[MetricDoc],
    current: &'a ReportView,
    baseline: &'a ReportView,
) -> Vec<&'a str> {
    let selected = |id: &str| -> bool {
        if !config.baseline.metrics.is_empty() {
            return config
                .baseline
                .metrics
                .iter()
                .any(|k| k == id || (k.contains('<') && id_matches(k, id)));
        }
        let directional =
            find_doc(docs, id).is_some_and(|(_, d)| d.direction != Direction::Neutral);
        // Counts grow with the data; a bigger dataset is not a regression.
        directional && !id.ends_with("count")
    };
    let mut ids: Vec<&str> = baseline
        .metrics
        .keys()
        .chain(current.metrics.keys())
        .map(String::as_str)
        .filter(|id| selected(id))
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

fn baseline_findings(
    config: &Config,
    current: &ReportView,
    baseline: &ReportView,
    tolerance: Option<f64>,
) -> Vec<Finding> {
    let docs = all_docs();
    let mut out = Vec::new();
    for id in baseline_ids(config, &docs, current, baseline) {
        let direction = find_doc(&docs, id)
            .map(|(_, d)| d.direction)
            .unwrap_or(Direction::Neutral);
        let rel = config
            .baseline
            .tolerances
            .get(id)
            .copied()
            .or(tolerance)
            .unwrap_or(config.baseline.tolerance);
        let (old, new) = (
            baseline.metrics.get(id).copied(),
            current.metrics.get(id).copied(),
        );
        let mut f = Finding {
            id: id.to_string(),
            key: "baseline".into(),
            kind: Kind::Baseline,
            value: new,
            checked: new,
            status: Status::Pass,
            rule: String::new(),
            message: String::new(),
            examples: Vec::new(),
        };
        match (old, new) {
            (Some(old), Some(new)) => {
                let allowed = (rel * old.abs()).max(config.baseline.abs_tolerance);
                f.rule = format!(
                    "no worse than baseline {} by more than {}",
                    format_value(id, old),
                    tolerance_text(rel, config.baseline.abs_tolerance)
                );
                // How far the value moved in the bad direction (negative = improved).
                let worse_by = match direction {
                    Direction::HigherIsBetter => old - new,
                    Direction::LowerIsBetter => new - old,
                    // Selected explicitly in [baseline] metrics: any move counts.
                    Direction::Neutral => (new - old).abs(),
                };
                if worse_by > allowed + 1e-12 {
                    f.status = Status::Fail;
                    f.message = format!(
                        "regressed from {} to {}",
                        format_value(id, old),
                        format_value(id, new)
                    );
                    f.examples = worst_examples(current, id, config.check.examples);
                }
            }
            (Some(old), None) => {
                // Possibly a flag change (no --benchmark this time): say so, but a metric
                // disappearing is not by itself a quality regression.
                f.status = Status::Warn;
                f.rule = format!("baseline {}", format_value(id, old));
                f.message = "in the baseline but not in this report".into();
            }
            (None, _) => continue,
        }
        out.push(f);
    }
    out
}

fn tolerance_text(rel: f64, abs: f64) -> String {
    let rel_text = format!("{}%", ftqa_reports::format::format_number(rel * 100.0));
    if abs > 0.0 {
        format!("{rel_text} or {}", ftqa_reports::format::format_number(abs))
    } else {
        rel_text
    }
}

/// [`evaluate_with_intervals`] on a report without intervals: thresholds with a `bound`
/// then fail (or warn) as missing.
pub fn evaluate(
    config: &Config,
    report: &ReportView,
    baseline: Option<(&str, &ReportView)>,
    tolerance: Option<f64>,
) -> Outcome {
    evaluate_with_intervals(config, report, &Intervals::new(), baseline, tolerance)
}

/// Evaluates every threshold of `config` on `report` (a `bound` threshold on the report's
/// `intervals`), then (with a baseline) every selected metric against the baseline.
/// `tolerance` (the `--tolerance` flag) overrides the config's.
pub fn evaluate_with_intervals(
    config: &Config,
    report: &ReportView,
    intervals: &Intervals,
    baseline: Option<(&str, &ReportView)>,
    tolerance: Option<f64>,
) -> Outcome {
    let mut findings: Vec<Finding> = config
        .thresholds
        .iter()
        .flat_map(|(k, t)| threshold_findings(config, report, intervals, k, t))
        .collect();
    if let Some((_, b)) = baseline {
        findings.extend(baseline_findings(config, report, b, tolerance));
    }
    Outcome {
        config: config.path.display().to_string(),
        dataset: report.dataset.path.clone(),
        baseline: baseline.map(|(p, _)| p.to_string()),
        findings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::report_file::{DatasetView, ExampleGroupView};
    use std::path::Path;

    fn report(pairs: &[(&str, f64)]) -> ReportView {
        ReportView {
            report_layout_version: 1,
            ftqa_version: "0".into(),
            dataset: DatasetView {
                path: "d.jsonl".into(),
            },
            metrics: pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
            examples: vec![ExampleGroupView {
                metric: "dedup.exact.sample_rate".into(),
                title: "dups".into(),
                examples: vec![ExampleView {
                    record_id: "r7".into(),
                    origin: "d.jsonl:7".into(),
                    text: "hello".into(),
                    note: None,
                }],
            }],
            run: Default::default(),
            not_measured: Default::default(),
        }
    }

    fn config(s: &str) -> Config {
        Config::parse(s, Path::new("ftqa.toml")).unwrap()
    }

    #[test]
    fn thresholds_pass_fail_and_missing() {
        let c = config(
            "[thresholds]\n\"dedup.exact.sample_rate\" = { max = 0.02 }\n\"records.skipped_rate\" = { max = 0.5 }\n\
             \"contamination.any.rate\" = { max = 0 }\n\"preference.identical_rate\" = { max = 0, missing = \"warn\" }\n",
        );
        let r = report(&[
            ("dedup.exact.sample_rate", 0.05),
            ("records.skipped_rate", 0.0),
        ]);
        let o = evaluate(&c, &r, None, None);
        let by = |id: &str| o.findings.iter().find(|f| f.id == id).unwrap();
        assert_eq!(by("dedup.exact.sample_rate").status, Status::Fail);
        assert_eq!(by("dedup.exact.sample_rate").rule, "≤ 2%");
        assert_eq!(by("dedup.exact.sample_rate").examples[0].record_id, "r7");
        assert_eq!(by("records.skipped_rate").status, Status::Pass);
        // Absent metric, default policy: fails, and says why.
        let cont = by("contamination.any.rate");
        assert_eq!(cont.status, Status::Fail);
        assert!(cont.message.contains("no benchmark was scanned"));
        assert_eq!(by("preference.identical_rate").status, Status::Warn);
        assert_eq!(o.exit_code(), 1);
        assert_eq!(o.scorecard().items.len(), 4);
    }

    #[test]
    fn not_measured_ids_fail_or_warn_with_the_reports_reason() {
        use ftqa_metrics::result::NO_RESPONSES;
        let c = config(
            "[thresholds]\n\"empty.response.rate\" = { max = 0.01 }\n\"language.eng.share\" = { min = 0.9, missing = \"warn\" }\n\"length.response.words.mean\" = { min = 1 }\n\"length.instruction.words.mean\" = { min = 1 }\n",
        );
        let mut r = report(&[("length.instruction.words.mean", 12.0)]);
        for id in [
            "empty.response.rate",
            "language.<lang>.share",
            "length.response.words.mean",
        ] {
            r.not_measured.insert(id.into(), NO_RESPONSES.into());
        }
        let o = evaluate(&c, &r, None, None);
        let by = |id: &str| o.findings.iter().find(|f| f.id == id).unwrap();
        let want = format!("not measured: {NO_RESPONSES}");
        // As for any not-measured id: a failure by default, a warning when asked.
        assert_eq!(by("empty.response.rate").status, Status::Fail);
        assert_eq!(by("empty.response.rate").message, want);
        assert_eq!(by("empty.response.rate").value, None);
        assert_eq!(by("language.eng.share").status, Status::Warn);
        assert_eq!(by("language.eng.share").message, want);
        assert_eq!(by("length.response.words.mean").message, want);
        assert_eq!(by("length.instruction.words.mean").status, Status::Pass);
        assert_eq!(o.exit_code(), 1);
    }

    #[test]
    fn boundaries_are_inclusive_and_patterns_expand() {
        let c = config("[thresholds]\n\"contamination.<benchmark>.rate\" = { max = 0 }\n\"records.skipped_rate\" = { min = 0.1, max = 0.1 }\n");
        let r = report(&[
            ("contamination.gsm8k.rate", 0.0),
            ("contamination.humaneval.rate", 0.01),
            ("records.skipped_rate", 0.1),
        ]);
        let o = evaluate(&c, &r, None, None);
        let st: Vec<(&str, Status)> = o
            .findings
            .iter()
            .map(|f| (f.id.as_str(), f.status))
            .collect();
        assert_eq!(
            st,
            [
                ("contamination.gsm8k.rate", Status::Pass),
                ("contamination.humaneval.rate", Status::Fail),
                ("records.skipped_rate", Status::Pass)
            ]
        );
    }

    #[test]
    fn baseline_regressions_respect_direction_and_tolerance() {
        let c = config("[baseline]\ntolerance = 0.10\n");
        let old = report(&[
            ("dedup.exact.sample_rate", 0.10),
            ("empty.response.rate", 0.10),
            ("diversity.task.count", 10.0),
            ("turns.mean", 2.0),
            ("empty.response.count", 5.0),
        ]);
        // +5% relative: within 10%. Empty responses +50%: a regression. Counts and neutral metrics: not compared.
        let new = report(&[
            ("dedup.exact.sample_rate", 0.105),
            ("empty.response.rate", 0.15),
            ("diversity.task.count", 1.0),
            ("turns.mean", 9.0),
            ("empty.response.count", 500.0),
        ]);
        let o = evaluate(&c, &new, Some(("old.json", &old)), None);
        let st: Vec<(&str, Status)> = o
            .findings
            .iter()
            .map(|f| (f.id.as_str(), f.status))
            .collect();
        assert_eq!(
            st,
            [
                ("dedup.exact.sample_rate", Status::Pass),
                ("empty.response.rate", Status::Fail)
            ]
        );
        assert!(o.findings[1].message.contains("regressed from 10% to 15%"));
        // A tighter --tolerance flag overrides the config.
        let o = evaluate(&c, &new, Some(("old.json", &old)), Some(0.01));
        assert_eq!(o.count(Status::Fail), 2);
        // Improvements never fail.
        let o = evaluate(&c, &old, Some(("new.json", &new)), Some(0.0));
        assert_eq!(o.count(Status::Fail), 0);
    }

    #[test]
    fn bounds_check_an_end_of_the_interval() {
        use ftqa_metrics::result::Interval;
        let c = config(
            "[thresholds]\n\"diversity.response.log_clusters\" = { min = 2.0, bound = \"low\" }\n\
             \"dedup.exact.sample_rate\" = { max = 0.06, bound = \"high\" }\n\
             \"records.skipped_rate\" = { max = 0.01, bound = \"high\", missing = \"warn\" }\n\
             \"empty.response.rate\" = { max = 0.01, bound = \"low\" }\n",
        );
        let r = report(&[
            ("diversity.response.log_clusters", 2.3),
            ("dedup.exact.sample_rate", 0.05),
            ("records.skipped_rate", 0.0),
            ("empty.response.rate", 0.0),
        ]);
        let iv = |low: f64, high: f64| Interval {
            low,
            high,
            level: 0.95,
            method: "wilson".into(),
            n: 95,
        };
        let mut intervals = Intervals::new();
        // The value passes min 2.0 but the low end does not.
        intervals.insert("diversity.response.log_clusters".into(), iv(1.9, 2.7));
        intervals.insert("dedup.exact.sample_rate".into(), iv(0.02, 0.118));
        intervals.insert("empty.response.rate".into(), iv(0.0, 0.039));
        let o = evaluate_with_intervals(&c, &r, &intervals, None, None);
        let by = |id: &str| o.findings.iter().find(|f| f.id == id).unwrap();
        let d = by("diversity.response.log_clusters");
        assert_eq!(d.status, Status::Fail);
        assert_eq!(d.value, Some(2.3));
        assert_eq!(d.checked, Some(1.9));
        assert_eq!(d.rule, "95% interval low ≥ 2");
        assert!(
            d.message.contains("its low end 1.9 is below the minimum"),
            "{}",
            d.message
        );
        let dup = by("dedup.exact.sample_rate");
        assert_eq!(
            dup.status,
            Status::Fail,
            "value 5% passes, high end 11.8% does not"
        );
        assert!(dup.message.contains("above the maximum"), "{}", dup.message);
        assert_eq!(by("empty.response.rate").status, Status::Pass);
        // No interval for a bound threshold: missing, by the threshold's policy, with why.
        let s = by("records.skipped_rate");
        assert_eq!(s.status, Status::Warn);
        assert!(s.message.starts_with("no interval"), "{}", s.message);
        // Without intervals at all, every bound threshold fails as missing.
        let o = evaluate(&c, &r, None, None);
        let d = o
            .findings
            .iter()
            .find(|f| f.id == "diversity.response.log_clusters")
            .unwrap();
        assert_eq!(d.status, Status::Fail);
        assert!(d.message.contains("no interval"), "{}", d.message);
        // Raising the low end above the minimum passes.
        intervals.insert("diversity.response.log_clusters".into(), iv(2.05, 2.6));
        let o = evaluate_with_intervals(&c, &r, &intervals, None, None);
        assert_eq!(o.findings[0].status, Status::Pass, "{:?}", o.findings[0]);
    }

    #[test]
    fn metric_gone_from_current_is_a_warning() {
        let c = config("");
        let old = report(&[("empty.response.rate", 0.1)]);
        let o = evaluate(&c, &report(&[]), Some(("old.json", &old)), None);
        assert_eq!(o.findings[0].status, Status::Warn);
        assert!(o.passed());
    }
}
