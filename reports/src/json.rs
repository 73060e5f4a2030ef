//! `report.json`: the [`Report`] serialised as is.

use ftqa_metrics::result::Report;

/// The report as pretty JSON, keys in struct order, metric ids sorted (a `BTreeMap`).
pub fn render_json(report: &Report) -> String {
    // `Report` holds only strings, numbers, vectors and string-keyed maps: serialising it
    // cannot fail (non-finite floats, which metrics never store, would become `null`).
    serde_json::to_string_pretty(report).expect("Report always serialises to JSON")
}
