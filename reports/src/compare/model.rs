//! The comparison of several reports: one row per metric with each dataset's value, the
//! change against the first dataset (the reference, A) and a verdict from the metric's
//! documented direction. Nothing here measures data: it reads finished reports.

use crate::docs::Docs;
use ftqa_metrics::registry::Direction;
use ftqa_metrics::result::{OverlapMatrix, Report};
use serde::Serialize;

/// Bumped whenever a field of `compare.json` changes meaning or moves.
pub const COMPARE_LAYOUT_VERSION: u32 = 1;

/// Changes smaller than this share of the larger magnitude count as "same": the last
/// digits of a rate or an index move with sampling noise, and a verdict on them would be
/// noise too.
pub const SAME_RELATIVE: f64 = 0.005;

/// How one dataset's value of a metric relates to the reference dataset's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Better,
    Worse,
    /// Within [`SAME_RELATIVE`].
    Same,
    /// Changed, but the metric is descriptive (no direction is better).
    Differs,
    /// One of the two datasets lacks the metric.
    Missing,
}

impl Verdict {
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Better => "better",
            Verdict::Worse => "worse",
            Verdict::Same => "same",
            Verdict::Differs => "differs",
            Verdict::Missing => "missing",
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct DatasetSummary {
    /// `A`, `B`, `C`, ...
    pub label: String,
    pub path: String,
    pub schema: String,
    pub analyzed: u64,
    pub skipped: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct MetricRow {
    pub id: String,
    /// From the metric registry; `None` for undocumented ids.
    pub direction: Option<Direction>,
    /// One per dataset, in dataset order.
    pub values: Vec<Option<f64>>,
    /// `values[i] - values[0]`; `None` for the reference itself or a missing side.
    pub deltas: Vec<Option<f64>>,
    /// Dataset i against the reference; the reference's own entry is `Same`.
    pub verdicts: Vec<Verdict>,
    /// One sentence, e.g. `B better than A (1.4% → 0.2%); C same as A`.
    pub verdict: String,
}

/// Everything `compare.json`, `compare.md` and `compare.html` show.
#[derive(Clone, Debug, Serialize)]
pub struct Comparison {
    pub compare_layout_version: u32,
    pub ftqa_version: String,
    pub datasets: Vec<DatasetSummary>,
    pub metrics: Vec<MetricRow>,
    /// Cross-dataset overlap (exact, near, semantic); `None` with `overlap_note` saying why.
    pub overlap: Option<OverlapMatrix>,
    pub overlap_note: Option<String>,
    /// Full reports, for overlaid distributions and per-dataset methods; each is also
    /// written beside the comparison, so compare.json does not repeat them.
    #[serde(skip)]
    pub reports: Vec<Report>,
}

/// Dataset labels: A..Z, then A27, A28, ... (more than 26 inputs is unusual but legal).
pub fn label(i: usize) -> String {
    if i < 26 {
        ((b'A' + i as u8) as char).to_string()
    } else {
        format!("A{}", i + 1)
    }
}

/// The verdict of `value` against `reference` for a metric with `direction`.
pub fn verdict(
    direction: Option<Direction>,
    reference: Option<f64>,
    value: Option<f64>,
) -> Verdict {
    let (Some(a), Some(b)) = (reference, value) else {
        return Verdict::Missing;
    };
    let d = b - a;
    if d.abs() <= SAME_RELATIVE * a.abs().max(b.abs()) || d.abs() < 1e-12 {
        return Verdict::Same;
    }
    match direction {
        Some(Direction::HigherIsBetter) if d > 0.0 => Verdict::Better,
        Some(Direction::HigherIsBetter) => Verdict::Worse,
        Some(Direction::LowerIsBetter) if d < 0.0 => Verdict::Better,
        Some(Direction::LowerIsBetter) => Verdict::Worse,
        _ => Verdict::Differs,
    }
}

impl Comparison {
    /// Builds the comparison of `reports` (the first is the reference) with an optional
    /// overlap matrix. Metric rows are in registry order (as in the report), undocumented
    /// ids last; every id present in any report gets a row.
    pub fn new(
        reports: Vec<Report>,
        overlap: Option<OverlapMatrix>,
        overlap_note: Option<String>,
    ) -> Comparison {
        let docs = Docs::load();
        let mut ids: Vec<&str> = reports
            .iter()
            .flat_map(|r| r.metrics.keys().map(String::as_str))
            .collect();
        ids.sort();
        ids.dedup();
        ids.sort_by_cached_key(|id| (docs.rank(id), id.to_string()));
        let metrics = ids
            .iter()
            .map(|id| {
                // A count beside its rate grows with the dataset: compare the rate, and
                // read the count as descriptive.
                let direction = if has_rate_sibling(id, &reports) {
                    Some(Direction::Neutral)
                } else {
                    docs.get(id).map(|d| d.direction)
                };
                let values: Vec<Option<f64>> = reports
                    .iter()
                    .map(|r| r.metrics.get(*id).copied())
                    .collect();
                let deltas = values
                    .iter()
                    .enumerate()
                    .map(|(i, v)| match (i, values[0], v) {
                        (0, _, _) => None,
                        (_, Some(a), Some(b)) => Some(b - a),
                        _ => None,
                    })
                    .collect();
                let verdicts: Vec<Verdict> = values
                    .iter()
                    .enumerate()
                    .map(|(i, v)| {
                        if i == 0 {
                            Verdict::Same
                        } else {
                            verdict(direction, values[0], *v)
                        }
                    })
                    .collect();
                let verdict = verdict_line(id, &values, &verdicts);
                MetricRow {
                    id: id.to_string(),
                    direction,
                    values,
                    deltas,
                    verdicts,
                    verdict,
                }
            })
            .collect();
        let datasets = reports
            .iter()
            .enumerate()
            .map(|(i, r)| DatasetSummary {
                label: label(i),
                path: r.dataset.path.clone(),
                schema: r.dataset.schema.clone(),
                analyzed: r.records.analyzed,
                skipped: r.records.skipped,
            })
            .collect();
        Comparison {
            compare_layout_version: COMPARE_LAYOUT_VERSION,
            ftqa_version: reports
                .first()
                .map(|r| r.ftqa_version.clone())
                .unwrap_or_default(),
            datasets,
            metrics,
            overlap,
            overlap_note,
            reports,
        }
    }

    /// How many rows are better / worse for dataset `i` against the reference.
    pub fn tally(&self, i: usize, v: Verdict) -> usize {
        self.metrics
            .iter()
            .filter(|m| m.verdicts.get(i) == Some(&v))
            .count()
    }
}

/// Whether a count has a rate beside it (`x_count` / `x_rate`, `x.count` / `x.rate`,
/// `records.skipped` / `records.skipped_rate`) in any of the reports.
fn has_rate_sibling(id: &str, reports: &[Report]) -> bool {
    let sibling = if let Some(stem) = id.strip_suffix("_count") {
        format!("{stem}_rate")
    } else if let Some(stem) = id.strip_suffix(".count") {
        format!("{stem}.rate")
    } else {
        format!("{id}_rate")
    };
    reports.iter().any(|r| r.metrics.contains_key(&sibling))
}

/// `B better than A (0.014 → 0.002); C same as A`, grouping datasets with the same verdict.
fn verdict_line(id: &str, values: &[Option<f64>], verdicts: &[Verdict]) -> String {
    let fmt = |v: Option<f64>| {
        v.map(|v| crate::format::format_value(id, v))
            .unwrap_or("—".into())
    };
    let mut parts = Vec::new();
    for (i, v) in verdicts.iter().enumerate().skip(1) {
        let who = label(i);
        parts.push(match v {
            Verdict::Missing => match (values[0], values[i]) {
                (None, _) => format!("{who} has it, A does not"),
                _ => format!("{who} does not have it"),
            },
            Verdict::Same => format!("{who} same as A ({})", fmt(values[i])),
            v => {
                let (a, b) = (fmt(values[0]), fmt(values[i]));
                // Values that round to the same text get the exact change spelled out.
                let change = match (a == b, values[0], values[i]) {
                    (true, Some(x), Some(y)) => {
                        format!("{a} → {b}, {}", super::format_delta(id, x, y))
                    }
                    _ => format!("{a} → {b}"),
                };
                let word = match v {
                    Verdict::Better => "better than",
                    Verdict::Worse => "worse than",
                    _ => "differs from",
                };
                format!("{who} {word} A ({change})")
            }
        });
    }
    if parts.is_empty() {
        "only one dataset".into()
    } else {
        parts.join("; ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_follow_direction() {
        let lo = Some(Direction::LowerIsBetter);
        let hi = Some(Direction::HigherIsBetter);
        assert_eq!(verdict(lo, Some(0.10), Some(0.05)), Verdict::Better);
        assert_eq!(verdict(lo, Some(0.05), Some(0.10)), Verdict::Worse);
        assert_eq!(verdict(hi, Some(2.0), Some(3.0)), Verdict::Better);
        assert_eq!(verdict(hi, Some(3.0), Some(2.0)), Verdict::Worse);
        assert_eq!(
            verdict(Some(Direction::Neutral), Some(1.0), Some(2.0)),
            Verdict::Differs
        );
        assert_eq!(verdict(None, Some(1.0), Some(2.0)), Verdict::Differs);
        // Within 0.5% of the larger magnitude: the same.
        assert_eq!(verdict(hi, Some(100.0), Some(100.4)), Verdict::Same);
        assert_eq!(verdict(hi, Some(0.0), Some(0.0)), Verdict::Same);
        assert_eq!(verdict(hi, None, Some(1.0)), Verdict::Missing);
    }

    #[test]
    fn labels() {
        assert_eq!(label(0), "A");
        assert_eq!(label(25), "Z");
        assert_eq!(label(26), "A27");
    }

    #[test]
    fn counts_beside_rates_are_descriptive_and_close_values_show_the_change() {
        let mut a = crate::tests::sample_report();
        let mut b = crate::tests::sample_report();
        a.metrics.insert("dedup.exact.sample_count".into(), 10.0);
        b.metrics.insert("dedup.exact.sample_count".into(), 20.0);
        a.metrics.insert("diversity.instruction.mtld".into(), 1.064);
        b.metrics.insert("diversity.instruction.mtld".into(), 1.058);
        let c = Comparison::new(vec![a, b], None, None);
        let row = |id: &str| c.metrics.iter().find(|m| m.id == id).unwrap().clone();
        assert_eq!(
            row("dedup.exact.sample_count").verdicts[1],
            Verdict::Differs
        );
        let m = row("diversity.instruction.mtld");
        assert_eq!(m.verdicts[1], Verdict::Worse);
        assert_eq!(m.verdict, "B worse than A (1.06 → 1.06, −0.006)");
    }
}
