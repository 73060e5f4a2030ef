//! `compare.md` (short enough for a pull-request comment) and the terminal summary.

use super::format_delta;
use super::model::{Comparison, MetricRow, Verdict};
use crate::docs::arrow;
use crate::escape::{md_code, md_escape, terminal_safe};
use crate::format::{format_count, format_percent, format_value};
use std::fmt::Write;

/// Most metric rows in `compare.md`: the changed directional metrics, worse first.
pub const MAX_MD_ROWS: usize = 20;

/// Directional metrics whose verdict is better or worse for some dataset: worse first,
/// then better, in registry order within each.
pub fn changed_rows(c: &Comparison) -> Vec<&MetricRow> {
    let mut rows: Vec<&MetricRow> = c
        .metrics
        .iter()
        .filter(|m| {
            m.verdicts
                .iter()
                .any(|v| matches!(v, Verdict::Better | Verdict::Worse))
        })
        .collect();
    rows.sort_by_key(|m| !m.verdicts.contains(&Verdict::Worse));
    rows
}

/// Off-diagonal overlap cells `B in A 12%`, for one matrix.
fn overlap_cells(grid: &[Vec<f64>]) -> String {
    let mut cells = Vec::new();
    for (i, row) in grid.iter().enumerate() {
        for (j, v) in row.iter().enumerate() {
            if i != j {
                let (li, lj) = (super::model::label(i), super::model::label(j));
                cells.push(format!("{li} in {lj} {}", format_percent(*v)));
            }
        }
    }
    cells.join(", ")
}

pub fn render_compare_markdown(c: &Comparison) -> String {
    let mut md =
        String::from("## ftqa compare\n\n| | Dataset | Schema | Analysed |\n|---|---|---|---:|\n");
    for d in &c.datasets {
        let _ = writeln!(
            md,
            "| **{}** | {} | {} | {} |",
            d.label,
            md_escape(&d.path),
            md_escape(&d.schema),
            format_count(d.analyzed)
        );
    }
    md.push('\n');
    match &c.overlap {
        Some(m) => {
            let _ = writeln!(md, "**Overlap** (share of the first dataset's samples found in the second): exact: {}; near: {}  ", overlap_cells(&m.exact), overlap_cells(&m.near));
            if let Some(s) = &m.semantic {
                let _ = writeln!(md, "semantic: {}  ", overlap_cells(s));
            }
        }
        None => {
            let _ = writeln!(
                md,
                "**Overlap:** {}  ",
                md_escape(c.overlap_note.as_deref().unwrap_or("not computed"))
            );
        }
    }
    for i in 1..c.datasets.len() {
        let _ = writeln!(
            md,
            "**{} against A:** {} better · {} worse · {} same · {} descriptive changes  ",
            c.datasets[i].label,
            c.tally(i, Verdict::Better),
            c.tally(i, Verdict::Worse),
            c.tally(i, Verdict::Same),
            c.tally(i, Verdict::Differs)
        );
    }
    let rows = changed_rows(c);
    if !rows.is_empty() {
        md.push_str("\n| Metric | Better |");
        for d in &c.datasets {
            let _ = write!(md, " {} |", d.label);
        }
        md.push_str(" Verdict |\n|---|:---:|");
        for _ in &c.datasets {
            md.push_str("---:|");
        }
        md.push_str("---|\n");
        for m in rows.iter().take(MAX_MD_ROWS) {
            let _ = write!(
                md,
                "| {} | {} |",
                md_code(&m.id),
                m.direction.map(arrow).unwrap_or("")
            );
            for (i, v) in m.values.iter().enumerate() {
                let cell = match (v, m.values[0]) {
                    (Some(v), Some(a)) if i > 0 => format!(
                        "{} ({})",
                        format_value(&m.id, *v),
                        format_delta(&m.id, a, *v)
                    ),
                    (Some(v), _) => format_value(&m.id, *v),
                    (None, _) => "—".into(),
                };
                let _ = write!(md, " {} |", md_escape(&cell));
            }
            let _ = writeln!(md, " {} |", md_escape(&m.verdict));
        }
        if rows.len() > MAX_MD_ROWS {
            let _ = writeln!(
                md,
                "\n… and {} more changed metrics in `compare.html`.",
                rows.len() - MAX_MD_ROWS
            );
        }
    }
    let _ = writeln!(
        md,
        "\n{} metrics compared; see `compare.html` for all of them with overlaid plots. (ftqa {})",
        c.metrics.len(),
        md_escape(&c.ftqa_version)
    );
    md
}

/// Rows printed on the terminal.
const MAX_TERMINAL_ROWS: usize = 12;

pub fn render_compare_terminal(c: &Comparison) -> String {
    let mut t = String::from("ftqa compare\n");
    for d in &c.datasets {
        let _ = writeln!(
            t,
            "  {}  {} ({}, {} analysed)",
            d.label,
            terminal_safe(&d.path),
            terminal_safe(&d.schema),
            format_count(d.analyzed)
        );
    }
    for i in 1..c.datasets.len() {
        let _ = writeln!(
            t,
            "  {} vs A: {} better, {} worse, {} same",
            c.datasets[i].label,
            c.tally(i, Verdict::Better),
            c.tally(i, Verdict::Worse),
            c.tally(i, Verdict::Same)
        );
    }
    for m in changed_rows(c).iter().take(MAX_TERMINAL_ROWS) {
        let _ = writeln!(
            t,
            "  {} {:<44} {}",
            m.direction.map(arrow).unwrap_or(" "),
            terminal_safe(&m.id),
            terminal_safe(&m.verdict)
        );
    }
    t
}
