//! `report.md`: a short summary to paste into a pull-request comment.

use crate::docs::{arrow, Docs};
use crate::escape::{md_code, md_escape};
use crate::format::{format_count, format_value};
use crate::headline::headline;
use crate::scorecard::Scorecard;
use crate::summary::{counts_line, dataset_facts, skip_reasons};
use ftqa_metrics::result::Report;
use std::fmt::Write;

/// Warnings listed before the rest are summarised as a count.
const MAX_WARNINGS: usize = 10;

pub fn render_markdown(report: &Report) -> String {
    render_markdown_with(report, None)
}

/// [`render_markdown`] with a threshold verdict line and the failing thresholds on top.
pub fn render_markdown_with(report: &Report, scorecard: Option<&Scorecard>) -> String {
    let docs = Docs::load();
    let mut md = String::new();
    let _ = writeln!(md, "## ftqa report: {}", md_escape(&report.dataset.path));
    md.push('\n');
    if let Some(c) = scorecard {
        crate::scorecard::markdown_summary(&mut md, c);
    }
    let facts = dataset_facts(report);
    if !facts.is_empty() {
        let _ = writeln!(md, "**Dataset:** {}  ", md_escape(&facts.join(" · ")));
    }
    let _ = writeln!(md, "**Records:** {}  ", counts_line(report));
    let reasons = skip_reasons(report);
    if !reasons.is_empty() {
        let list: Vec<String> = reasons
            .iter()
            .map(|(r, c)| format!("{} {}", md_escape(r), format_count(*c)))
            .collect();
        let _ = writeln!(md, "**Skipped:** {}  ", list.join(" · "));
    }
    if !report.warnings.is_empty() {
        md.push('\n');
        let _ = writeln!(md, "**Warnings ({}):**", report.warnings.len());
        md.push('\n');
        for w in report.warnings.iter().take(MAX_WARNINGS) {
            let _ = writeln!(md, "- {}", md_escape(w));
        }
        if report.warnings.len() > MAX_WARNINGS {
            let _ = writeln!(md, "- … and {} more", report.warnings.len() - MAX_WARNINGS);
        }
    }
    let rows = headline(&report.metrics);
    if !rows.is_empty() {
        md.push('\n');
        md.push_str("| Metric | Value | Better |\n|---|---:|:---:|\n");
        for (id, v) in rows {
            let dir = docs.get(id).map(|d| arrow(d.direction)).unwrap_or("");
            let _ = writeln!(
                md,
                "| {} | {} | {} |",
                md_code(id),
                format_value(id, v),
                dir
            );
        }
    }
    md.push('\n');
    let _ = writeln!(
        md,
        "{} metrics in all; see `report.html` for every metric with its definition, the plots and example records. (ftqa {})",
        format_count(report.metrics.len() as u64),
        md_escape(&report.ftqa_version)
    );
    md
}
