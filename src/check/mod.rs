//! `ftqa check DATA --config ftqa.toml`: the CI gate. Exit 0 when every rule passes (warnings
//! allowed), 1 when a threshold fails or a metric regressed against `--baseline`, 2 on a
//! usage or input error (bad config, unknown metric id, unreadable data).
//!
//! The library side: config, evaluation, output and report files. The command is
//! `crate::cmd::check`.

pub mod config;
pub mod evaluate;
pub mod output;
pub mod report_file;
pub mod suggest;

use config::Config;
use evaluate::evaluate_with_intervals;
use ftqa_metrics::result::Report;
use report_file::ReportView;

/// The config used when `--config` is not given.
pub const DEFAULT_CONFIG: &str = "ftqa.toml";

/// The traffic lights of `config` on a fresh report.
pub fn scorecard(config: &Config, report: &Report) -> ftqa_reports::Scorecard {
    evaluate_with_intervals(
        config,
        &ReportView::from_report(report),
        &report.intervals,
        None,
        None,
    )
    .scorecard()
}
