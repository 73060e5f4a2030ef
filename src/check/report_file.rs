//! The parts of a report that a check reads, from a fresh [`Report`] or a `report.json`
//! (the baseline, `ftqa init`, or `ftqa check report.json`): the values, examples and run
//! facts ([`ReportView`]) and the 95% intervals ([`Intervals`], empty for layout-1 files).

use anyhow::{bail, Context, Result};
use ftqa_metrics::result::{Interval, Report};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Clone, Debug, Deserialize)]
pub struct ExampleView {
    pub record_id: String,
    pub origin: String,
    pub text: String,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct ExampleGroupView {
    pub metric: String,
    #[serde(default)]
    pub title: String,
    pub examples: Vec<ExampleView>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct DatasetView {
    #[serde(default)]
    pub path: String,
}

/// 95% intervals by metric id: `report.json` → `intervals` (layout 2 and later).
pub type Intervals = BTreeMap<String, Interval>;

/// The `intervals` of a report.json, read on their own so that a layout-1 file (which has
/// none) reads as empty.
#[derive(Deserialize)]
struct IntervalsView {
    #[serde(default)]
    intervals: Intervals,
}

#[derive(Clone, Debug, Deserialize)]
pub struct ReportView {
    pub report_layout_version: u32,
    #[serde(default)]
    pub ftqa_version: String,
    #[serde(default)]
    pub dataset: DatasetView,
    pub metrics: BTreeMap<String, f64>,
    #[serde(default)]
    pub examples: Vec<ExampleGroupView>,
    /// Command line and run facts (`command` holds the flags, e.g. `--benchmark`).
    #[serde(default)]
    pub run: BTreeMap<String, String>,
    /// Ids the run marked not measured, with the reason (layout 2 and later); an id may be
    /// a pattern such as `language.<lang>.share`.
    #[serde(default)]
    pub not_measured: BTreeMap<String, String>,
}

impl ReportView {
    pub fn from_report(r: &Report) -> ReportView {
        ReportView {
            report_layout_version: r.report_layout_version,
            ftqa_version: r.ftqa_version.clone(),
            dataset: DatasetView {
                path: r.dataset.path.clone(),
            },
            metrics: r.metrics.clone(),
            examples: r
                .examples
                .iter()
                .map(|g| ExampleGroupView {
                    metric: g.metric.clone(),
                    title: g.title.clone(),
                    examples: g
                        .examples
                        .iter()
                        .map(|x| ExampleView {
                            record_id: x.record_id.clone(),
                            origin: x.origin.clone(),
                            text: x.text.clone(),
                            note: x.note.clone(),
                        })
                        .collect(),
                })
                .collect(),
            run: r.run.clone(),
            not_measured: r.not_measured.clone(),
        }
    }

    pub fn load(path: &Path) -> Result<ReportView> {
        Ok(Self::load_with_intervals(path)?.0)
    }

    /// Reads a report.json with its 95% intervals (empty when the file has none).
    pub fn load_with_intervals(path: &Path) -> Result<(ReportView, Intervals)> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let v: ReportView = serde_json::from_str(&text)
            .with_context(|| format!("{} is not an ftqa report.json", path.display()))?;
        if v.report_layout_version > ftqa_metrics::result::REPORT_LAYOUT_VERSION {
            bail!(
                "{} has report layout v{}, newer than this ftqa understands (v{}); upgrade ftqa",
                path.display(),
                v.report_layout_version,
                ftqa_metrics::result::REPORT_LAYOUT_VERSION
            );
        }
        let IntervalsView { intervals } = serde_json::from_str(&text)
            .with_context(|| format!("{}: unreadable `intervals`", path.display()))?;
        Ok((v, intervals))
    }
}

/// Whether `path` is an ftqa `report.json` rather than a dataset: a `.json` file whose
/// first key is `report_layout_version`, as ftqa writes it. A JSON dataset (an array, or
/// objects of records) never starts that way.
pub fn is_report_json(path: &Path) -> bool {
    if path.extension().and_then(|e| e.to_str()) != Some("json") || !path.is_file() {
        return false;
    }
    let mut head = [0u8; 256];
    let n = std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read(&mut f, &mut head))
        .unwrap_or(0);
    let head = String::from_utf8_lossy(&head[..n]);
    let t = head.trim_start();
    t.starts_with('{') && t[1..].trim_start().starts_with("\"report_layout_version\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_are_read_and_default_to_empty() {
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join("old.json");
        std::fs::write(
            &old,
            r#"{"report_layout_version": 1, "metrics": {"records.total": 3}}"#,
        )
        .unwrap();
        let (v, iv) = ReportView::load_with_intervals(&old).unwrap();
        assert_eq!(v.metrics["records.total"], 3.0);
        assert!(iv.is_empty());
        let new = dir.path().join("new.json");
        std::fs::write(
            &new,
            r#"{"report_layout_version": 2, "metrics": {"diversity.response.log_clusters": 2.5},
                "intervals": {"diversity.response.log_clusters":
                    {"low": 2.1, "high": 2.9, "level": 0.95, "method": "half_sample", "n": 400}}}"#,
        )
        .unwrap();
        let (_, iv) = ReportView::load_with_intervals(&new).unwrap();
        assert_eq!(iv["diversity.response.log_clusters"].low, 2.1);
        assert_eq!(iv["diversity.response.log_clusters"].n, 400);
    }
}
