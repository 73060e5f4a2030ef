//! `compare.md` (short enough for a pull-request comment) and the terminal summary.

use super::format_delta;
use super::model::{interval_text, Comparison, MetricRow, Verdict};
use crate::docs::arrow;
use crate::escape::{md_code, md_escape, terminal_safe};
use crate::format::{format_count, format_percent, format_value};
use std::fmt::Write;

/// Most metric rows in `compare.md`: the paper's indices, then the changed directional
/// metrics, worse first.
pub const MAX_MD_ROWS: usize = 20;

/// Metrics whose verdict is better, worse or no clear difference for some dataset: worse
/// first, then better, then no clear difference, in comparison order (paper indices, then
/// registry order) within each.
pub fn changed_rows(c: &Comparison) -> Vec<&MetricRow> {
    let rank = |m: &MetricRow| {
        [Verdict::Worse, Verdict::Better, Verdict::NoClearDifference]
            .iter()
            .position(|v| m.verdicts.contains(v))
    };
    let mut rows: Vec<&MetricRow> = c.metrics.iter().filter(|m| rank(m).is_some()).collect();
    rows.sort_by_key(|m| rank(m));
    rows
}

/// The rows the short outputs list: every paper index the comparison has, whatever its
/// verdict, then the other changed rows.
pub fn headline_rows(c: &Comparison) -> Vec<&MetricRow> {
    let mut rows: Vec<&MetricRow> = c
        .metrics
        .iter()
        .filter(|m| m.paper_index.is_some())
        .collect();
    rows.extend(
        changed_rows(c)
            .into_iter()
            .filter(|m| m.paper_index.is_none()),
    );
    rows
}

/// Whether any value of the comparison carries an interval.
fn has_intervals(c: &Comparison) -> bool {
    c.metrics
        .iter()
        .any(|m| m.intervals.iter().any(Option::is_some))
}

/// `5.8% [4.1%–7.9%]`: a value with its interval when it has one.
pub(crate) fn value_cell(m: &MetricRow, i: usize) -> Option<String> {
    let v = m.values[i]?;
    let iv = m.intervals[i]
        .as_ref()
        .map(|iv| interval_text(&m.id, iv))
        .unwrap_or_default();
    Some(format!("{}{iv}", format_value(&m.id, v)))
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
    let mut md = String::from(
        "## ftqa compare\n\n| | Dataset | Schema | Analysed | Sample |\n|---|---|---|---:|---:|\n",
    );
    for d in &c.datasets {
        let _ = writeln!(
            md,
            "| **{}** | {} | {} | {} | {} |",
            d.label,
            md_escape(&d.path),
            md_escape(&d.schema),
            format_count(d.analyzed),
            format_count(d.sample_size)
        );
    }
    md.push('\n');
    if let Some(s) = &c.common_sample {
        let _ = writeln!(md, "{}  ", md_escape(&s.note));
    }
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
            "**{} against A:** {} better · {} worse · {} no clear difference · {} same · {} descriptive changes  ",
            c.datasets[i].label,
            c.tally(i, Verdict::Better),
            c.tally(i, Verdict::Worse),
            c.tally(i, Verdict::NoClearDifference),
            c.tally(i, Verdict::Same),
            c.tally(i, Verdict::Differs)
        );
    }
    if has_intervals(c) {
        md.push_str("[low–high]: 95% interval; a change is better or worse only when the two intervals do not overlap.  \n");
    }
    let rows = headline_rows(c);
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
            let name = match &m.paper_index {
                Some(p) => format!("{} ({})", md_code(&m.id), md_escape(p)),
                None => md_code(&m.id),
            };
            let _ = write!(md, "| {name} | {} |", m.direction.map(arrow).unwrap_or(""));
            for (i, v) in m.values.iter().enumerate() {
                let cell = match (value_cell(m, i), v, m.values[0]) {
                    (Some(text), Some(v), Some(a)) if i > 0 => {
                        format!("{text} ({})", format_delta(&m.id, a, *v))
                    }
                    (Some(text), _, _) => text,
                    (None, _, _) => "—".into(),
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
const MAX_TERMINAL_ROWS: usize = 16;

pub fn render_compare_terminal(c: &Comparison) -> String {
    let mut t = String::from("ftqa compare\n");
    for d in &c.datasets {
        let _ = writeln!(
            t,
            "  {}  {} ({}, {} analysed, sample {})",
            d.label,
            terminal_safe(&d.path),
            terminal_safe(&d.schema),
            format_count(d.analyzed),
            format_count(d.sample_size)
        );
    }
    if let Some(s) = &c.common_sample {
        let _ = writeln!(t, "  {}", terminal_safe(&s.note));
    }
    for i in 1..c.datasets.len() {
        let _ = writeln!(t, "  {} vs A: {}", c.datasets[i].label, c.tally_line(i));
    }
    if has_intervals(c) {
        t.push_str(
            "  [low–high]: 95% interval; better or worse only when the intervals do not overlap\n",
        );
    }
    for m in headline_rows(c).iter().take(MAX_TERMINAL_ROWS) {
        let values: Vec<String> = (0..m.values.len())
            .map(|i| {
                let v = value_cell(m, i).unwrap_or_else(|| "—".into());
                format!("{} {v}", super::model::label(i))
            })
            .collect();
        let verdicts: Vec<String> = m
            .verdicts
            .iter()
            .enumerate()
            .skip(1)
            .map(|(i, v)| format!("{} {}", super::model::label(i), v.words()))
            .collect();
        let _ = writeln!(
            t,
            "  {} {:<44} {} → {}",
            m.direction.map(arrow).unwrap_or(" "),
            terminal_safe(&m.id),
            terminal_safe(&values.join(" · ")),
            verdicts.join(", ")
        );
    }
    t
}
