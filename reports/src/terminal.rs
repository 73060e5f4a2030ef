//! A short summary printed on the terminal after a run.

use crate::docs::{arrow, Docs};
use crate::escape::{terminal_safe, truncate_chars};
use crate::format::{format_count, format_value, format_value_interval};
use crate::headline::terminal_headline;
use crate::indices::{index_rows, other_not_measured, sample_line};
use crate::per_task::{partition, TaskTable};
use crate::summary::{counts_line, dataset_facts, mapping_line, skip_reasons};
use ftqa_metrics::result::Report;
use std::fmt::Write;

const BOLD: &str = "\x1b[1m";
const DIM: &str = "\x1b[2m";
const YELLOW: &str = "\x1b[33m";
const RED: &str = "\x1b[31m";
const RESET: &str = "\x1b[0m";

/// Ids named per not-measured reason on the terminal; report.md lists them all.
const SHOWN_NOT_MEASURED: usize = 4;

/// Warnings quoted in full (cut to one line); the count is always shown.
const SHOWN_WARNINGS: usize = 3;

/// ANSI painter that does nothing when colour is off.
struct Paint(bool);

impl Paint {
    fn p(&self, code: &str, s: &str) -> String {
        if self.0 {
            format!("{code}{s}{RESET}")
        } else {
            s.to_string()
        }
    }
}

/// The summary; dataset-derived text has control characters removed so it cannot inject
/// terminal escape sequences. ANSI colours only when `color` is true.
pub fn render_terminal(report: &Report, color: bool) -> String {
    let c = Paint(color);
    let docs = Docs::load();
    let mut t = String::new();
    let _ = writeln!(
        t,
        "{} {}",
        c.p(BOLD, "ftqa report"),
        terminal_safe(&report.dataset.path)
    );
    let label = |s: &str| c.p(DIM, &format!("{s:<9}"));
    let facts = dataset_facts(report);
    if !facts.is_empty() {
        let _ = writeln!(
            t,
            "  {}{}",
            label("dataset"),
            terminal_safe(&facts.join(" · "))
        );
    }
    if let Some(m) = mapping_line(report) {
        let _ = writeln!(t, "  {}{}", label("fields"), terminal_safe(&m));
        // An inferred mapping says how it was chosen, so a wrong guess is easy to spot.
        for note in &report.dataset.mapping_notes {
            let _ = writeln!(t, "  {}{}", label(""), c.p(DIM, &terminal_safe(note)));
        }
    }
    let _ = writeln!(t, "  {}{}", label("records"), counts_line(report));
    let reasons = skip_reasons(report);
    if !reasons.is_empty() {
        let list: Vec<String> = reasons
            .iter()
            .map(|(r, n)| format!("{} {}", terminal_safe(r), format_count(*n)))
            .collect();
        let _ = writeln!(t, "  {}{}", label("skipped"), c.p(RED, &list.join(" · ")));
    }
    indices(&mut t, report, &c);
    if !report.warnings.is_empty() {
        t.push('\n');
        let _ = writeln!(
            t,
            "  {}{}",
            label("warnings"),
            c.p(YELLOW, &format_count(report.warnings.len() as u64))
        );
        for w in report.warnings.iter().take(SHOWN_WARNINGS) {
            let _ = writeln!(t, "    - {}", truncate_chars(&terminal_safe(w), 100));
        }
        if report.warnings.len() > SHOWN_WARNINGS {
            let _ = writeln!(t, "    … see the report for the rest");
        }
    }
    let rows: Vec<(String, String, &str)> = terminal_headline(&report.metrics)
        .into_iter()
        .map(|(id, v)| {
            let dir = docs.get(id).map(|d| arrow(d.direction)).unwrap_or(" ");
            let val = format_value_interval(id, v, report.intervals.get(id));
            (terminal_safe(id), val, dir)
        })
        .collect();
    let metrics: Vec<(&str, f64)> = report
        .metrics
        .iter()
        .map(|(k, v)| (k.as_str(), *v))
        .collect();
    let (_, tables) = partition(&docs, &metrics);
    if !rows.is_empty() || !tables.is_empty() {
        t.push('\n');
    }
    if !rows.is_empty() {
        let w_id = rows.iter().map(|r| r.0.chars().count()).max().unwrap_or(0);
        let w_val = rows.iter().map(|r| r.1.chars().count()).max().unwrap_or(0);
        for (id, val, dir) in rows {
            let _ = writeln!(t, "  {id:<w_id$}  {val:>w_val$}  {}", c.p(DIM, dir));
        }
    }
    for table in tables {
        let _ = writeln!(
            t,
            "  {}  {}",
            terminal_safe(&table.key),
            c.p(DIM, &task_spread(&table))
        );
    }
    let others = other_not_measured(report);
    if !others.is_empty() {
        t.push('\n');
    }
    for (why, ids) in others {
        let mut shown: Vec<String> = ids
            .iter()
            .take(SHOWN_NOT_MEASURED)
            .map(|id| terminal_safe(id))
            .collect();
        if ids.len() > SHOWN_NOT_MEASURED {
            shown.push(format!(
                "… {} more in report.md",
                ids.len() - SHOWN_NOT_MEASURED
            ));
        }
        let _ = writeln!(
            t,
            "  {} {}: {}",
            c.p(YELLOW, "not measured"),
            terminal_safe(why),
            c.p(DIM, &shown.join(", "))
        );
    }
    t
}

/// Table 4's indices, one line each in the paper's order: name, value and interval (or
/// "not measured"), metric id, and what it was measured on (or why it was not).
fn indices(t: &mut String, report: &Report, c: &Paint) {
    t.push('\n');
    let _ = writeln!(t, "  {}", c.p(BOLD, "Table 4 indices (VLIT review)"));
    if let Some(s) = sample_line(report) {
        let _ = writeln!(t, "  {}", c.p(DIM, &format!("sample: {s}")));
    }
    struct Row {
        name: &'static str,
        value: String,
        interval: String,
        id: &'static str,
        note: String,
        measured: bool,
    }
    let rows: Vec<Row> = index_rows(report)
        .into_iter()
        .map(|r| Row {
            name: r.index.name,
            value: r.value_text().unwrap_or_else(|| "not measured".into()),
            interval: r.interval_text().unwrap_or_default(),
            id: r.index.id,
            note: match r.reason {
                Some(why) => terminal_safe(why),
                None => r.measured_on.clone(),
            },
            measured: r.value.is_some(),
        })
        .collect();
    let width = |f: fn(&Row) -> usize| rows.iter().map(f).max().unwrap_or(0);
    let w_name = width(|r| r.name.chars().count());
    let w_val = width(|r| r.value.chars().count());
    let w_int = width(|r| r.interval.chars().count());
    let w_id = width(|r| r.id.chars().count());
    for r in &rows {
        let val = format!("{:>w_val$}", r.value);
        let val = if r.measured { val } else { c.p(YELLOW, &val) };
        let _ = writeln!(
            t,
            "  {:<w_name$}  {val} {:<w_int$}  {:<w_id$}  {}",
            r.name,
            r.interval,
            r.id,
            c.p(DIM, &r.note)
        );
    }
}

/// `61 tasks · min 1 · median 3 · max 12 (table in report.html)`.
fn task_spread(table: &TaskTable) -> String {
    let values: Vec<f64> = table
        .by_value_desc()
        .iter()
        .rev()
        .map(|r| r.value)
        .collect();
    let n = values.len();
    let id = table.rows.first().map_or("", |r| r.id);
    let median = if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    };
    format!(
        "{} tasks · min {} · median {} · max {} (table in report.html)",
        format_count(n as u64),
        format_value(id, values[0]),
        format_value(id, median),
        format_value(id, values[n - 1])
    )
}
