//! The comparison of several reports: one row per metric with each dataset's value and
//! 95% interval, the change against the first dataset (the reference, A) and a verdict
//! from the metric's documented direction. A change is only called better or worse when
//! the two values' intervals do not overlap (when both have one). Nothing here measures
//! data: it reads finished reports.

use crate::docs::Docs;
use crate::format::{format_count, format_value};
use ftqa_metrics::registry::{Direction, PAPER_INDICES};
use ftqa_metrics::result::{Interval, OverlapMatrix, Report};
use serde::Serialize;

/// Bumped whenever a field of `compare.json` changes meaning or moves.
/// 2: `intervals` and `paper_index` on each metric row, `sample_size` on each dataset,
/// `common_sample`, the `no_clear_difference` verdict, and paper indices first.
pub const COMPARE_LAYOUT_VERSION: u32 = 2;

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
    /// Changed, but both values have a 95% interval and the intervals overlap: the change
    /// may be sampling noise, so neither better nor worse is claimed.
    NoClearDifference,
    /// One of the two datasets lacks the metric.
    Missing,
}

impl Verdict {
    /// As serialised in `compare.json` (also a CSS class in `compare.html`).
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Better => "better",
            Verdict::Worse => "worse",
            Verdict::Same => "same",
            Verdict::Differs => "differs",
            Verdict::NoClearDifference => "no_clear_difference",
            Verdict::Missing => "missing",
        }
    }

    /// For people: `no clear difference`.
    pub fn words(self) -> &'static str {
        match self {
            Verdict::NoClearDifference => "no clear difference",
            v => v.name(),
        }
    }
}

/// The one sample size every dataset of a comparison is analysed at, so size-dependent
/// indices (clusters, task inference, lexical diversity) are read at one size:
/// `compare.json` → `common_sample`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CommonSample {
    /// N: the records in each dataset's sample (`sample.size` of every report).
    pub size: u64,
    /// `--sample-size` as given (0: every record, so N is the smallest dataset's count).
    pub requested: u64,
    /// `--sample-seed`.
    pub seed: u64,
    /// Analysable records per dataset, from the counting pass, in dataset order.
    pub records: Vec<u64>,
    /// One sentence saying N and why, shown in every output.
    pub note: String,
}

impl CommonSample {
    /// N = min(`requested`, the smallest dataset's analysable record count), or the smallest
    /// count when `requested` is 0. Datasets without a single analysable record do not
    /// bound N (they have no sample to draw); if none has any, N is `requested`.
    pub fn choose(requested: u64, seed: u64, records: &[u64]) -> CommonSample {
        let smallest = records
            .iter()
            .enumerate()
            .filter(|(_, n)| **n > 0)
            .min_by_key(|(i, n)| (**n, *i));
        let size = match (smallest, requested) {
            (Some((_, n)), 0) => *n,
            (Some((_, n)), r) => r.min(*n),
            (None, r) => r,
        };
        let mut note = format!(
            "All datasets sampled to {} records (seed {seed}) so size-dependent indices compare at one size",
            format_count(size)
        );
        match smallest {
            Some((i, n)) if requested == 0 || *n < requested => {
                note.push_str(&format!(
                    ": the smallest dataset, {}, has {} analysable records",
                    label(i),
                    format_count(*n)
                ));
                if requested == 0 {
                    note.push_str(" (--sample-size 0 asks for every record)");
                } else {
                    note.push_str(&format!(
                        ", fewer than --sample-size {}",
                        format_count(requested)
                    ));
                }
            }
            _ => note.push_str(&format!(" (--sample-size {})", format_count(requested))),
        }
        note.push('.');
        if smallest.is_some() && records.iter().all(|n| *n == size) {
            note.push_str(
                " Every dataset has exactly that many, so each sample is the whole dataset.",
            );
        }
        let empty: Vec<String> = (0..records.len())
            .filter(|i| records[*i] == 0)
            .map(label)
            .collect();
        if !empty.is_empty() {
            note.push_str(&format!(" No analysable records in {}.", empty.join(", ")));
        }
        CommonSample {
            size,
            requested,
            seed,
            records: records.to_vec(),
            note,
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
    /// Records in the seeded sample its size-dependent indices were computed on.
    pub sample_size: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct MetricRow {
    pub id: String,
    /// The paper's name when the metric is one of its Table 4 indices (those rows come first).
    pub paper_index: Option<String>,
    /// From the metric registry; `None` for undocumented ids.
    pub direction: Option<Direction>,
    /// One per dataset, in dataset order.
    pub values: Vec<Option<f64>>,
    /// Each value's 95% interval, where its report has one.
    pub intervals: Vec<Option<Interval>>,
    /// `values[i] - values[0]`; `None` for the reference itself or a missing side.
    pub deltas: Vec<Option<f64>>,
    /// Dataset i against the reference; the reference's own entry is `Same`.
    pub verdicts: Vec<Verdict>,
    /// One sentence, e.g. `B better than A (1.4% [1.1%–1.7%] → 0.2% [0.1%–0.3%]); C same as A`.
    pub verdict: String,
}

/// Everything `compare.json`, `compare.md` and `compare.html` show.
#[derive(Clone, Debug, Serialize)]
pub struct Comparison {
    pub compare_layout_version: u32,
    pub ftqa_version: String,
    pub datasets: Vec<DatasetSummary>,
    /// The sample size all datasets were analysed at (`ftqa compare` sets it); `None` when
    /// the reports were compared as they came.
    pub common_sample: Option<CommonSample>,
    /// Paper indices first (in the paper's order), then registry order.
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

/// The verdict of `value` against `reference` for a metric with `direction`, without
/// intervals: any change beyond [`SAME_RELATIVE`] counts.
pub fn verdict(
    direction: Option<Direction>,
    reference: Option<f64>,
    value: Option<f64>,
) -> Verdict {
    verdict_with_intervals(direction, reference, value, None, None)
}

/// The verdict of `value` against `reference`: missing, then the same within
/// [`SAME_RELATIVE`], then — when both values have a 95% interval and the intervals
/// overlap — no clear difference; otherwise better, worse or differs by `direction`.
pub fn verdict_with_intervals(
    direction: Option<Direction>,
    reference: Option<f64>,
    value: Option<f64>,
    reference_interval: Option<&Interval>,
    value_interval: Option<&Interval>,
) -> Verdict {
    let (Some(a), Some(b)) = (reference, value) else {
        return Verdict::Missing;
    };
    let d = b - a;
    if d.abs() <= SAME_RELATIVE * a.abs().max(b.abs()) || d.abs() < 1e-12 {
        return Verdict::Same;
    }
    if let (Some(x), Some(y)) = (reference_interval, value_interval) {
        if !x.separated_from(y) {
            return Verdict::NoClearDifference;
        }
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
    /// overlap matrix. Metric rows put the paper's indices first (in the paper's order),
    /// then follow registry order (as in the report), undocumented ids last; every id
    /// present in any report gets a row, and so does a paper index any report lists as not
    /// measured.
    pub fn new(
        reports: Vec<Report>,
        overlap: Option<OverlapMatrix>,
        overlap_note: Option<String>,
    ) -> Comparison {
        let docs = Docs::load();
        let paper = |id: &str| PAPER_INDICES.iter().position(|p| p.id == id);
        let mut ids: Vec<&str> = reports
            .iter()
            .flat_map(|r| {
                r.metrics.keys().map(String::as_str).chain(
                    r.not_measured
                        .keys()
                        .map(String::as_str)
                        .filter(|id| paper(id).is_some()),
                )
            })
            .collect();
        ids.sort();
        ids.dedup();
        ids.sort_by_cached_key(|id| {
            (
                paper(id).unwrap_or(usize::MAX),
                docs.rank(id),
                id.to_string(),
            )
        });
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
                let intervals: Vec<Option<Interval>> = reports
                    .iter()
                    .zip(&values)
                    .map(|(r, v)| v.and(r.intervals.get(*id).cloned()))
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
                            verdict_with_intervals(
                                direction,
                                values[0],
                                *v,
                                intervals[0].as_ref(),
                                intervals[i].as_ref(),
                            )
                        }
                    })
                    .collect();
                let reasons: Vec<Option<&str>> = reports
                    .iter()
                    .map(|r| r.not_measured.get(*id).map(String::as_str))
                    .collect();
                let verdict = verdict_line(id, &values, &intervals, &verdicts, &reasons);
                MetricRow {
                    id: id.to_string(),
                    paper_index: PAPER_INDICES
                        .iter()
                        .find(|p| p.id == *id)
                        .map(|p| p.name.to_string()),
                    direction,
                    values,
                    intervals,
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
                sample_size: r.sample.size,
            })
            .collect();
        Comparison {
            compare_layout_version: COMPARE_LAYOUT_VERSION,
            ftqa_version: reports
                .first()
                .map(|r| r.ftqa_version.clone())
                .unwrap_or_default(),
            datasets,
            common_sample: None,
            metrics,
            overlap,
            overlap_note,
            reports,
        }
    }

    /// States the sample size every dataset was analysed at.
    pub fn with_common_sample(mut self, common: CommonSample) -> Comparison {
        self.common_sample = Some(common);
        self
    }

    /// How many rows have verdict `v` for dataset `i` against the reference.
    pub fn tally(&self, i: usize, v: Verdict) -> usize {
        self.metrics
            .iter()
            .filter(|m| m.verdicts.get(i) == Some(&v))
            .count()
    }

    /// `4 better, 0 worse, 2 no clear difference, 30 same`: dataset `i` against A, with
    /// no-clear-difference counted apart from better and worse.
    pub fn tally_line(&self, i: usize) -> String {
        format!(
            "{} better, {} worse, {} no clear difference, {} same",
            self.tally(i, Verdict::Better),
            self.tally(i, Verdict::Worse),
            self.tally(i, Verdict::NoClearDifference),
            self.tally(i, Verdict::Same)
        )
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

/// ` [1.1%–1.7%]`: a 95% interval in the metric's own format, with a leading space.
pub fn interval_text(id: &str, i: &Interval) -> String {
    format!(
        " [{}–{}]",
        format_value(id, i.low),
        format_value(id, i.high)
    )
}

/// `B better than A (0.014 → 0.002); C same as A`, grouping datasets with the same verdict.
/// Values carry their 95% intervals where the reports have them.
fn verdict_line(
    id: &str,
    values: &[Option<f64>],
    intervals: &[Option<Interval>],
    verdicts: &[Verdict],
    reasons: &[Option<&str>],
) -> String {
    let fmt = |v: Option<f64>| v.map(|v| format_value(id, v)).unwrap_or("—".into());
    let with_interval = |i: usize| {
        let iv = intervals[i]
            .as_ref()
            .map(|iv| interval_text(id, iv))
            .unwrap_or_default();
        format!("{}{iv}", fmt(values[i]))
    };
    let not_measured = |i: usize| match reasons[i] {
        Some(r) => format!("{} not measured: {r}", label(i)),
        None => format!("{} does not have it", label(i)),
    };
    let mut parts = Vec::new();
    for (i, v) in verdicts.iter().enumerate().skip(1) {
        let who = label(i);
        parts.push(match v {
            Verdict::Missing => match (values[0], values[i]) {
                (None, Some(_)) => match reasons[0] {
                    Some(r) => format!("{who} has it, A not measured: {r}"),
                    None => format!("{who} has it, A does not"),
                },
                (None, None) if reasons[0].is_some() && reasons[0] == reasons[i] => {
                    format!("not measured in A or {who}: {}", reasons[0].unwrap_or(""))
                }
                (None, None) => format!("{}; {}", not_measured(0), not_measured(i)),
                _ => not_measured(i),
            },
            Verdict::Same => format!("{who} same as A ({})", fmt(values[i])),
            v => {
                let (a, b) = (fmt(values[0]), fmt(values[i]));
                // Values that round to the same text get the exact change spelled out.
                let change = match (a == b, values[0], values[i]) {
                    (true, Some(x), Some(y)) => format!(
                        "{} → {}, {}",
                        with_interval(0),
                        with_interval(i),
                        super::format_delta(id, x, y)
                    ),
                    _ => format!("{} → {}", with_interval(0), with_interval(i)),
                };
                match v {
                    Verdict::Better => format!("{who} better than A ({change})"),
                    Verdict::Worse => format!("{who} worse than A ({change})"),
                    Verdict::NoClearDifference => {
                        format!(
                            "{who} no clear difference from A ({change}; 95% intervals overlap)"
                        )
                    }
                    _ => format!("{who} differs from A ({change})"),
                }
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

    fn iv(low: f64, high: f64) -> Interval {
        Interval {
            low,
            high,
            level: 0.95,
            method: "wilson".into(),
            n: 100,
        }
    }

    #[test]
    fn overlapping_intervals_are_no_clear_difference() {
        let lo = Some(Direction::LowerIsBetter);
        let hi = Some(Direction::HigherIsBetter);
        let (a, b) = (iv(0.03, 0.08), iv(0.04, 0.09));
        for dir in [lo, hi, Some(Direction::Neutral), None] {
            assert_eq!(
                verdict_with_intervals(dir, Some(0.05), Some(0.06), Some(&a), Some(&b)),
                Verdict::NoClearDifference
            );
        }
        // Touching ends overlap too.
        assert_eq!(
            verdict_with_intervals(
                hi,
                Some(2.0),
                Some(3.0),
                Some(&iv(1.5, 2.5)),
                Some(&iv(2.5, 3.5))
            ),
            Verdict::NoClearDifference
        );
        // The same within 0.5% stays the same; a missing side stays missing.
        assert_eq!(
            verdict_with_intervals(
                hi,
                Some(100.0),
                Some(100.4),
                Some(&iv(90.0, 110.0)),
                Some(&iv(90.0, 110.0))
            ),
            Verdict::Same
        );
        assert_eq!(
            verdict_with_intervals(hi, None, Some(1.0), None, Some(&a)),
            Verdict::Missing
        );
        assert_eq!(Verdict::NoClearDifference.words(), "no clear difference");
        assert_eq!(
            serde_json::to_value(Verdict::NoClearDifference).unwrap(),
            "no_clear_difference"
        );
    }

    #[test]
    fn separated_intervals_decide_by_direction() {
        let lo = Some(Direction::LowerIsBetter);
        let hi = Some(Direction::HigherIsBetter);
        let (small, large) = (iv(0.01, 0.02), iv(0.05, 0.07));
        assert_eq!(
            verdict_with_intervals(lo, Some(0.06), Some(0.015), Some(&large), Some(&small)),
            Verdict::Better
        );
        assert_eq!(
            verdict_with_intervals(lo, Some(0.015), Some(0.06), Some(&small), Some(&large)),
            Verdict::Worse
        );
        assert_eq!(
            verdict_with_intervals(hi, Some(0.015), Some(0.06), Some(&small), Some(&large)),
            Verdict::Better
        );
        assert_eq!(
            verdict_with_intervals(hi, Some(0.06), Some(0.015), Some(&large), Some(&small)),
            Verdict::Worse
        );
        assert_eq!(
            verdict_with_intervals(
                Some(Direction::Neutral),
                Some(0.06),
                Some(0.015),
                Some(&large),
                Some(&small)
            ),
            Verdict::Differs
        );
    }

    #[test]
    fn without_both_intervals_the_old_rule_holds() {
        let lo = Some(Direction::LowerIsBetter);
        let wide = iv(0.0, 1.0);
        // Only one side has an interval: overlap cannot be judged, the value rule decides.
        assert_eq!(
            verdict_with_intervals(lo, Some(0.10), Some(0.05), Some(&wide), None),
            Verdict::Better
        );
        assert_eq!(
            verdict_with_intervals(lo, Some(0.10), Some(0.05), None, Some(&wide)),
            Verdict::Better
        );
        assert_eq!(
            verdict_with_intervals(lo, Some(0.05), Some(0.10), None, None),
            Verdict::Worse
        );
    }

    #[test]
    fn rows_carry_intervals_and_the_tally_counts_no_clear_difference_apart() {
        let mut a = crate::tests::sample_report();
        let mut b = crate::tests::sample_report();
        // Overlapping intervals on a lower-is-better rate that moved the "better" way.
        a.metrics.insert("empty.instruction.rate".into(), 0.03);
        b.metrics.insert("empty.instruction.rate".into(), 0.02);
        a.intervals
            .insert("empty.instruction.rate".into(), iv(0.02, 0.04));
        b.intervals
            .insert("empty.instruction.rate".into(), iv(0.01, 0.03));
        // Separated intervals on a paper index: a clear gain.
        a.metrics
            .insert("diversity.response.log_clusters".into(), 2.0);
        b.metrics
            .insert("diversity.response.log_clusters".into(), 3.0);
        a.intervals
            .insert("diversity.response.log_clusters".into(), iv(1.8, 2.2));
        b.intervals
            .insert("diversity.response.log_clusters".into(), iv(2.7, 3.3));
        // No intervals: the old rule (lower is better).
        b.metrics.insert("dedup.exact.sample_rate".into(), 0.005);
        let c = Comparison::new(vec![a, b], None, None);
        let row = |id: &str| c.metrics.iter().find(|m| m.id == id).unwrap().clone();
        let e = row("empty.instruction.rate");
        assert_eq!(e.verdicts[1], Verdict::NoClearDifference);
        assert_eq!(
            e.verdict,
            "B no clear difference from A (3% [2%–4%] → 2% [1%–3%]; 95% intervals overlap)"
        );
        assert_eq!(e.intervals[1].as_ref().unwrap().low, 0.01);
        let r = row("diversity.response.log_clusters");
        assert_eq!(r.verdicts[1], Verdict::Better);
        assert_eq!(r.paper_index.as_deref(), Some("Response diversity"));
        assert_eq!(row("dedup.exact.sample_rate").verdicts[1], Verdict::Better);
        assert!(row("dedup.exact.sample_rate")
            .intervals
            .iter()
            .all(Option::is_none));
        assert_eq!(c.tally(1, Verdict::NoClearDifference), 1);
        assert_eq!(c.tally(1, Verdict::Better), 2);
        assert!(
            c.tally_line(1)
                .starts_with("2 better, 0 worse, 1 no clear difference, "),
            "{}",
            c.tally_line(1)
        );
        // Paper indices lead, in the paper's order.
        let ids: Vec<&str> = c.metrics.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(
            &ids[..2],
            ["diversity.task.count", "diversity.response.log_clusters"]
        );
    }

    #[test]
    fn common_sample_is_the_smaller_of_request_and_smallest_dataset() {
        let c = CommonSample::choose(10_000, 7, &[95, 69, 500]);
        assert_eq!(c.size, 69);
        assert_eq!(
            c.note,
            "All datasets sampled to 69 records (seed 7) so size-dependent indices compare at one size: the smallest dataset, B, has 69 analysable records, fewer than --sample-size 10,000."
        );
        let c = CommonSample::choose(50, 7, &[95, 69]);
        assert_eq!(c.size, 50);
        assert!(
            c.note.ends_with("at one size (--sample-size 50)."),
            "{}",
            c.note
        );
        let c = CommonSample::choose(0, 7, &[95, 69]);
        assert_eq!(c.size, 69);
        assert!(
            c.note.contains("--sample-size 0 asks for every record"),
            "{}",
            c.note
        );
        // Every dataset already at N: still says which N.
        let c = CommonSample::choose(10_000, 7, &[40, 40]);
        assert_eq!(c.size, 40);
        assert!(c.note.starts_with("All datasets sampled to 40 records"));
        assert!(
            c.note.contains("each sample is the whole dataset"),
            "{}",
            c.note
        );
        // An empty dataset does not bound N.
        let c = CommonSample::choose(10_000, 7, &[0, 30]);
        assert_eq!(c.size, 30);
        assert!(
            c.note.ends_with("No analysable records in A."),
            "{}",
            c.note
        );
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
