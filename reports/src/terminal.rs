//! A short summary printed on the terminal after a run.

use crate::docs::{arrow, Docs};
use crate::escape::{terminal_safe, truncate_chars};
use crate::format::{format_count, format_value};
use crate::headline::terminal_headline;
use crate::summary::{counts_line, dataset_facts, skip_reasons};
use ftqa_metrics::result::Report;
use std::fmt::Write;

const BOLD: &str = "\x1b[1m";
const DIM: &str = "\x1b[2m";
const YELLOW: &str = "\x1b[33m";
const RED: &str = "\x1b[31m";
const RESET: &str = "\x1b[0m";

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
    let _ = writeln!(t, "  {}{}", label("records"), counts_line(report));
    let reasons = skip_reasons(report);
    if !reasons.is_empty() {
        let list: Vec<String> = reasons
            .iter()
            .map(|(r, n)| format!("{} {}", terminal_safe(r), format_count(*n)))
            .collect();
        let _ = writeln!(t, "  {}{}", label("skipped"), c.p(RED, &list.join(" · ")));
    }
    if !report.warnings.is_empty() {
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
            (terminal_safe(id), format_value(id, v), dir)
        })
        .collect();
    if !rows.is_empty() {
        t.push('\n');
        let w_id = rows.iter().map(|r| r.0.chars().count()).max().unwrap_or(0);
        let w_val = rows.iter().map(|r| r.1.chars().count()).max().unwrap_or(0);
        for (id, val, dir) in rows {
            let _ = writeln!(t, "  {id:<w_id$}  {val:>w_val$}  {}", c.p(DIM, dir));
        }
    }
    t
}
