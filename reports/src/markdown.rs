//! `report.md`: a short summary to paste into a pull-request comment.

use crate::docs::{arrow, Docs};
use crate::escape::{md_code, md_escape};
use crate::format::{format_count, format_value_interval};
use crate::headline::headline;
use crate::indices::{index_rows, other_not_measured, sample_line};
use crate::per_task::{partition, TaskTable, TASK_PLACEHOLDER};
use crate::scorecard::Scorecard;
use crate::summary::{counts_line, dataset_facts, mapping_line, skip_reasons};
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
    if let Some(m) = mapping_line(report) {
        let _ = writeln!(md, "**Fields:** {}  ", md_escape(&m));
        for note in &report.dataset.mapping_notes {
            let _ = writeln!(md, "- {}", md_escape(note));
        }
        if !report.dataset.mapping_notes.is_empty() {
            md.push('\n');
        }
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
    indices(&mut md, report);
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
                format_value_interval(id, v, report.intervals.get(id)),
                dir
            );
        }
    }
    let metrics: Vec<(&str, f64)> = report
        .metrics
        .iter()
        .map(|(k, v)| (k.as_str(), *v))
        .collect();
    for table in partition(&docs, &metrics).1 {
        task_table(&mut md, report, &table);
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

/// Table 4's indices in the paper's order, with the sample they were measured on.
fn indices(md: &mut String, report: &Report) {
    md.push_str("\n### Table 4 indices (VLIT review)\n\n");
    if let Some(s) = sample_line(report) {
        let _ = writeln!(md, "**Sample:** {}\n", md_escape(&s));
    }
    md.push_str(
        "| Index | Metric | Value | 95% interval | Measured on |\n|---|---|---:|---|---|\n",
    );
    for r in index_rows(report) {
        let (value, note) = match r.reason {
            Some(why) => ("not measured".to_string(), why.to_string()),
            None => (r.value_text().unwrap_or_default(), r.measured_on.clone()),
        };
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} |",
            md_escape(r.index.name),
            md_code(r.index.id),
            value,
            r.interval_text().unwrap_or_default(),
            md_escape(&note)
        );
    }
    let others = other_not_measured(report);
    if !others.is_empty() {
        md.push('\n');
    }
    for (why, ids) in others {
        let list: Vec<String> = ids.iter().map(|id| md_code(id)).collect();
        let _ = writeln!(
            md,
            "**Also not measured, {}:** {}  ",
            md_escape(why),
            list.join(" · ")
        );
    }
}

/// One per-task pattern as a table of task and value, largest value first.
fn task_table(md: &mut String, report: &Report, table: &TaskTable) {
    let _ = writeln!(
        md,
        "\n#### {} by task ({} tasks)\n\n| Task | Value |\n|---|---:|",
        pattern_code(&table.key),
        format_count(table.rows.len() as u64)
    );
    for r in table.by_value_desc() {
        let _ = writeln!(
            md,
            "| {} | {} |",
            md_escape(&r.task),
            format_value_interval(r.id, r.value, report.intervals.get(r.id))
        );
    }
}

/// A per-task pattern as a code span (`diversity.instruction.clusters.<task>`), escaped text
/// when anything besides the placeholder would not be plain in one.
fn pattern_code(key: &str) -> String {
    let plain = key.replace(TASK_PLACEHOLDER, "task");
    if md_code(&plain).starts_with('`') {
        format!("`{key}`")
    } else {
        md_escape(key)
    }
}
