//! The rendering model of a threshold check (`ftqa check`, `ftqa report --config`): one row
//! per threshold with its status. The evaluation itself lives in the CLI crate
//! (`src/check/`); renderers only colour what it decided.

use serde::Serialize;

/// Outcome of one threshold, shown as a traffic light.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Within the threshold (green).
    Pass,
    /// Outside it (red): the check fails.
    Fail,
    /// The metric is absent and the config says `missing = "warn"` (amber): reported, not failed.
    Warn,
}

impl Status {
    /// `pass`, `fail` or `warn`: CSS class and machine-readable name.
    pub fn name(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Warn => "warn",
        }
    }
    /// A coloured-dot glyph for plain text outputs.
    pub fn light(self) -> &'static str {
        match self {
            Status::Pass => "🟢",
            Status::Fail => "🔴",
            Status::Warn => "🟡",
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct ScoreItem {
    /// The concrete metric id (or the config key, when nothing matched it).
    pub id: String,
    /// `None` when the report does not have the metric.
    pub value: Option<f64>,
    pub status: Status,
    /// The rule as written for people, e.g. `≤ 0.02` or `within 5% of baseline 0.013`.
    pub rule: String,
    /// Why it failed or warned; empty on pass.
    pub message: String,
}

/// Every evaluated threshold, in config order.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Scorecard {
    /// Where the thresholds came from (the config path).
    pub source: String,
    pub items: Vec<ScoreItem>,
}

impl Scorecard {
    pub fn count(&self, status: Status) -> usize {
        self.items.iter().filter(|i| i.status == status).count()
    }
    pub fn passed(&self) -> bool {
        self.count(Status::Fail) == 0
    }
}

/// Most threshold rows listed in Markdown; the rest are counted. Keeps a PR comment short.
const MAX_MD_ROWS: usize = 15;

/// A verdict line and a table of the failing and warning thresholds (passes are counted).
pub fn markdown_summary(md: &mut String, c: &Scorecard) {
    use crate::escape::{md_code, md_escape};
    use std::fmt::Write;
    let _ = writeln!(
        md,
        "**Thresholds** ({}): {} {} pass · {} fail · {} warn  ",
        md_escape(&c.source),
        if c.passed() {
            Status::Pass.light()
        } else {
            Status::Fail.light()
        },
        c.count(Status::Pass),
        c.count(Status::Fail),
        c.count(Status::Warn)
    );
    let shown: Vec<&ScoreItem> = c
        .items
        .iter()
        .filter(|i| i.status != Status::Pass)
        .collect();
    if !shown.is_empty() {
        md.push_str("\n| | Metric | Value | Threshold | Note |\n|---|---|---:|---|---|\n");
        for i in shown.iter().take(MAX_MD_ROWS) {
            let value = i
                .value
                .map(|v| crate::format::format_value(&i.id, v))
                .unwrap_or_else(|| "not measured".into());
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | {} |",
                i.status.light(),
                md_code(&i.id),
                md_escape(&value),
                md_escape(&i.rule),
                md_escape(&i.message)
            );
        }
        if shown.len() > MAX_MD_ROWS {
            let _ = writeln!(md, "\n… and {} more", shown.len() - MAX_MD_ROWS);
        }
    }
    md.push('\n');
}
