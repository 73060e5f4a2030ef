//! The VLIT review's Table 4 indices, which every summary leads with: one row per index in
//! the paper's order ([`PAPER_INDICES`]), with its value, 95% interval and what it was
//! measured on, or why it was not measured. Also the line that states the seeded sample.

use crate::format::{format_count, format_interval, format_value};
use ftqa_metrics::registry::{PaperIndex, PAPER_INDICES};
use ftqa_metrics::result::{Interval, Report};

/// Reason shown when an index has no value and nothing says why.
pub const NOT_COMPUTED: &str = "not computed in this run (family not selected or no data)";

/// One of Table 4's indices as this report has it.
#[derive(Clone, Debug)]
pub struct IndexRow<'a> {
    pub index: &'static PaperIndex,
    /// `None` when not measured.
    pub value: Option<f64>,
    pub interval: Option<&'a Interval>,
    /// Why it was not measured (only when `value` is `None`).
    pub reason: Option<&'a str>,
    /// What the value was measured on, e.g. `n = 12 · on the seeded sample of 1,000 of
    /// 1,200 records`; empty when not measured.
    pub measured_on: String,
}

impl IndexRow<'_> {
    /// The value as shown: `2.89`.
    pub fn value_text(&self) -> Option<String> {
        self.value.map(|v| format_value(self.index.id, v))
    }
    /// The interval as shown: `[2.61, 3.12]`.
    pub fn interval_text(&self) -> Option<String> {
        self.interval.map(|i| format_interval(self.index.id, i))
    }
}

/// Table 4's indices, in the paper's order.
pub fn index_rows(report: &Report) -> Vec<IndexRow<'_>> {
    PAPER_INDICES
        .iter()
        .map(|index| {
            let id = index.id;
            let value = if report.not_measured.contains_key(id) {
                None
            } else {
                report.metrics.get(id).copied()
            };
            match value {
                Some(v) => {
                    let interval = report.intervals.get(id);
                    IndexRow {
                        index,
                        value: Some(v),
                        interval,
                        reason: None,
                        measured_on: measured_on(report, id, interval),
                    }
                }
                None => IndexRow {
                    index,
                    value: None,
                    interval: None,
                    reason: Some(
                        report
                            .not_measured
                            .get(id)
                            .map(String::as_str)
                            .or(index.unavailable)
                            .unwrap_or(NOT_COMPUTED),
                    ),
                    measured_on: String::new(),
                },
            }
        })
        .collect()
}

/// Whether the report says anything about its sample (reports from before layout 2 do not).
fn has_sample(report: &Report) -> bool {
    report.sample.population > 0 || report.sample.requested > 0
}

/// Whether the sample is smaller than the records it was drawn from.
fn sample_is_partial(report: &Report) -> bool {
    report.sample.size < report.sample.population
}

/// What a measured value was computed on: the interval's `n`, and the seeded sample when
/// the id was computed on it; all analysed records otherwise.
pub fn measured_on(report: &Report, id: &str, interval: Option<&Interval>) -> String {
    let s = &report.sample;
    let sampled = has_sample(report) && s.ids.iter().any(|x| x == id);
    let mut parts = Vec::new();
    if sampled && sample_is_partial(report) {
        if let Some(i) = interval.filter(|i| i.n != s.size) {
            parts.push(format!("n = {}", format_count(i.n)));
        }
        parts.push(format!(
            "on the seeded sample of {} of {} records",
            format_count(s.size),
            format_count(s.population)
        ));
    } else {
        let all = if sampled {
            s.population
        } else {
            report.records.analyzed
        };
        match interval {
            Some(i) if i.n != all => parts.push(format!("n = {}", format_count(i.n))),
            _ => parts.push(format!("all {} records", format_count(all))),
        }
    }
    parts.join(" · ")
}

/// `1,000 of 1,200 records (seed 7); size-dependent indices are computed on it`, or that
/// every record was used; `None` for a report without sample facts.
pub fn sample_line(report: &Report) -> Option<String> {
    if !has_sample(report) {
        return None;
    }
    let s = &report.sample;
    Some(if sample_is_partial(report) {
        format!(
            "{} of {} records (seed {}); size-dependent indices are computed on it",
            format_count(s.size),
            format_count(s.population),
            s.seed
        )
    } else {
        format!(
            "all {} records (--sample-size {} covers them; seed {}); size-dependent indices are computed on every record",
            format_count(s.population),
            format_count(s.requested),
            s.seed
        )
    })
}

/// Ids other than Table 4's that the report marks not measured, grouped by reason: each
/// reason once (in the order of its first id), with its ids in id order. Prompt-only data
/// gives one long group, "the data has no responses" (`result::NO_RESPONSES`).
pub fn other_not_measured(report: &Report) -> Vec<(&str, Vec<&str>)> {
    let mut groups: Vec<(&str, Vec<&str>)> = Vec::new();
    for (id, why) in report
        .not_measured
        .iter()
        .filter(|(id, _)| !PAPER_INDICES.iter().any(|p| p.id == id.as_str()))
    {
        match groups.iter_mut().find(|(w, _)| *w == why.as_str()) {
            Some((_, ids)) => ids.push(id.as_str()),
            None => groups.push((why.as_str(), vec![id.as_str()])),
        }
    }
    groups
}
