//! `ftqa.toml`: thresholds by metric id, benchmarks to scan, and the baseline tolerance.
//!
//! ```toml
//! [thresholds]
//! "dedup.near.sample_rate" = { max = 0.02 }
//! "diversity.response.log_clusters" = { min = 2.0 }
//! "contamination.any.rate" = { max = 0 }
//! # Gate on an end of the value's 95% interval (report.json `intervals`) instead of the
//! # value: bound = "value" (default) | "low" | "high". A metric with no interval fails as
//! # missing ("no interval").
//! "diversity.instruction.clusters_mean" = { min = 3.0, bound = "low" }
//!
//! [check]
//! missing = "fail"       # a threshold on a metric the report lacks: "fail" (default) or "warn"
//! examples = 3           # worst examples listed per failure
//!
//! [contamination]
//! benchmarks = ["benchmarks/gsm8k_test.jsonl"]
//!
//! [baseline]
//! tolerance = 0.05       # a metric may worsen by 5% of its baseline value
//! abs_tolerance = 0.0    # ... or by this much, whichever is larger
//! metrics = []           # compared ids or patterns (default: every directional non-count)
//! ```
//!
//! Every table and key is checked: a typo is an error (exit 2), never a silently ignored
//! setting, and so is an unknown metric id (with the closest valid ids suggested).

use super::suggest::closest_ids;
use anyhow::{bail, Context, Result};
use ftqa_metrics::registry::{all_docs, find_doc, MetricDoc};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What to do with a threshold on a metric the report does not have.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Missing {
    /// The check fails (exit 1): a gate that cannot be evaluated is not a pass.
    #[default]
    Fail,
    /// Reported in every output format, but the check can still pass.
    Warn,
}

/// Which number a threshold is checked against.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Bound {
    /// The metric's value.
    #[default]
    Value,
    /// The low end of its 95% interval: `min` then holds only when the value is clearly
    /// above it, not merely by sampling luck.
    Low,
    /// The high end of its 95% interval.
    High,
}

impl Bound {
    /// As written in the config.
    pub fn name(self) -> &'static str {
        match self {
            Bound::Value => "value",
            Bound::Low => "low",
            Bound::High => "high",
        }
    }
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Threshold {
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// Overrides `[check] missing` for this metric.
    pub missing: Option<Missing>,
    /// The value (default) or an end of its 95% interval.
    #[serde(default)]
    pub bound: Bound,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CheckSection {
    pub missing: Missing,
    pub examples: usize,
}

impl Default for CheckSection {
    fn default() -> Self {
        CheckSection {
            missing: Missing::Fail,
            examples: 3,
        }
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ContaminationSection {
    /// Benchmark files, relative to the config file's folder.
    pub benchmarks: Vec<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BaselineSection {
    /// Allowed worsening as a share of the baseline value.
    pub tolerance: f64,
    /// Allowed worsening in the metric's own units (the larger allowance wins).
    pub abs_tolerance: f64,
    /// Metric ids or documented patterns to compare; empty = every directional metric
    /// present in both reports except counts (they grow with the data).
    pub metrics: Vec<String>,
    /// Per-metric relative tolerance, overriding `tolerance`.
    pub tolerances: BTreeMap<String, f64>,
}

impl Default for BaselineSection {
    fn default() -> Self {
        BaselineSection {
            tolerance: 0.05,
            abs_tolerance: 0.0,
            metrics: Vec::new(),
            tolerances: BTreeMap::new(),
        }
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    thresholds: toml::Table,
    #[serde(default)]
    check: CheckSection,
    #[serde(default)]
    contamination: ContaminationSection,
    #[serde(default)]
    baseline: BaselineSection,
}

/// A parsed and validated `ftqa.toml`.
#[derive(Clone, Debug)]
pub struct Config {
    pub path: PathBuf,
    /// In file order.
    pub thresholds: Vec<(String, Threshold)>,
    pub check: CheckSection,
    /// Benchmark paths resolved against the config's folder.
    pub benchmarks: Vec<String>,
    pub baseline: BaselineSection,
}

impl Config {
    pub fn load(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading config {}", path.display()))?;
        Config::parse(&text, path)
    }

    pub fn parse(text: &str, path: &Path) -> Result<Config> {
        let raw: RawConfig = toml::from_str(text)
            .map_err(|e| anyhow::anyhow!("{}: {}", path.display(), e.to_string().trim_end()))?;
        let docs = all_docs();
        let mut thresholds = Vec::new();
        for (key, value) in raw.thresholds {
            let t: Threshold = value.try_into().map_err(|e: toml::de::Error| {
                anyhow::anyhow!(
                    "{}: threshold \"{key}\": {} (write it as {{ min = X }}, {{ max = Y }} or both, optionally with missing = \"warn\" and bound = \"value\", \"low\" or \"high\")",
                    path.display(),
                    e.message()
                )
            })?;
            validate_id(&key, &docs)
                .with_context(|| format!("{}: [thresholds]", path.display()))?;
            match (t.min, t.max) {
                (None, None) => bail!(
                    "{}: threshold \"{key}\" has neither min nor max",
                    path.display()
                ),
                (Some(a), Some(b)) if a > b => bail!(
                    "{}: threshold \"{key}\" has min {a} > max {b}",
                    path.display()
                ),
                _ => {}
            }
            thresholds.push((key, t));
        }
        for key in raw
            .baseline
            .metrics
            .iter()
            .chain(raw.baseline.tolerances.keys())
        {
            validate_id(key, &docs).with_context(|| format!("{}: [baseline]", path.display()))?;
        }
        let tolerances = std::iter::once(raw.baseline.tolerance)
            .chain(raw.baseline.tolerances.values().copied());
        for t in tolerances.chain([raw.baseline.abs_tolerance]) {
            if !(t.is_finite() && t >= 0.0) {
                bail!(
                    "{}: [baseline] tolerances must be finite and >= 0, got {t}",
                    path.display()
                );
            }
        }
        let dir = path.parent().unwrap_or(Path::new(""));
        let benchmarks = raw
            .contamination
            .benchmarks
            .iter()
            .map(|b| {
                if Path::new(b).is_absolute() {
                    b.clone()
                } else {
                    dir.join(b).display().to_string()
                }
            })
            .collect();
        Ok(Config {
            path: path.to_path_buf(),
            thresholds,
            check: raw.check,
            benchmarks,
            baseline: raw.baseline,
        })
    }

    /// The missing-metric policy of one threshold.
    pub fn missing_for(&self, t: &Threshold) -> Missing {
        t.missing.unwrap_or(self.check.missing)
    }
}

/// A config key is valid when it is a documented pattern itself (`contamination.<benchmark>.rate`)
/// or a concrete id that a documented entry describes (`contamination.gsm8k.rate`).
pub fn validate_id(key: &str, docs: &[MetricDoc]) -> Result<()> {
    let known = if key.contains('<') {
        docs.iter().any(|d| d.id == key)
    } else {
        find_doc(docs, key).is_some()
    };
    if known {
        return Ok(());
    }
    let near = closest_ids(key, docs.iter().map(|d| d.id), 3);
    let hint = if near.is_empty() {
        String::new()
    } else {
        format!(
            "; closest valid ids: {}",
            near.iter()
                .map(|s| format!("\"{s}\""))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    bail!("unknown metric id \"{key}\"{hint} (`ftqa metrics` lists every id)")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Config> {
        Config::parse(s, Path::new("cfg/ftqa.toml"))
    }

    #[test]
    fn parses_thresholds_in_order_and_defaults() {
        let c = parse(
            "[thresholds]\n\"records.skipped_rate\" = { max = 0.01 }\n\"dedup.exact.sample_rate\" = { min = 0, max = 0.02, missing = \"warn\" }\n\
             [contamination]\nbenchmarks = [\"b/gsm8k.jsonl\"]\n",
        )
        .unwrap();
        assert_eq!(c.thresholds[0].0, "records.skipped_rate");
        assert_eq!(
            c.thresholds[1].1,
            Threshold {
                min: Some(0.0),
                max: Some(0.02),
                missing: Some(Missing::Warn),
                bound: Bound::Value,
            }
        );
        assert_eq!(c.check.missing, Missing::Fail);
        assert_eq!(c.check.examples, 3);
        assert_eq!(c.baseline.tolerance, 0.05);
        assert_eq!(c.benchmarks, ["cfg/b/gsm8k.jsonl"]);
        assert_eq!(c.missing_for(&c.thresholds[0].1), Missing::Fail);
        assert_eq!(c.missing_for(&c.thresholds[1].1), Missing::Warn);
    }

    #[test]
    fn bounds_parse_and_default_to_the_value() {
        let c = parse(
            "[thresholds]\n\"diversity.response.log_clusters\" = { min = 2.0, bound = \"low\" }\n\
             \"dedup.exact.sample_rate\" = { max = 0.02, bound = \"high\" }\n\"records.skipped_rate\" = { max = 0.01 }\n",
        )
        .unwrap();
        let bounds: Vec<Bound> = c.thresholds.iter().map(|(_, t)| t.bound).collect();
        assert_eq!(bounds, [Bound::Low, Bound::High, Bound::Value]);
        let e =
            parse("[thresholds]\n\"records.skipped_rate\" = { max = 0.01, bound = \"upper\" }\n")
                .unwrap_err();
        assert!(format!("{e:#}").contains("bound"), "{e:#}");
    }

    #[test]
    fn patterns_and_concrete_ids_of_patterns_are_valid() {
        let docs = all_docs();
        validate_id("script.<script>.share", &docs).unwrap();
        validate_id("script.latin.share", &docs).unwrap();
        assert!(validate_id("script.<x>.share", &docs).is_err());
    }

    #[test]
    fn unknown_ids_suggest_close_ones() {
        let e = parse("[thresholds]\n\"records.skiped_rate\" = { max = 0.01 }\n").unwrap_err();
        let msg = format!("{e:#}");
        assert!(
            msg.contains("unknown metric id \"records.skiped_rate\""),
            "{msg}"
        );
        assert!(msg.contains("\"records.skipped_rate\""), "{msg}");
    }

    #[test]
    fn typos_in_keys_and_shapes_are_errors() {
        assert!(parse("[thresholds]\n\"records.skipped_rate\" = { maximum = 0.01 }\n").is_err());
        assert!(parse("[thresholds]\n\"records.skipped_rate\" = 0.01\n").is_err());
        assert!(parse("[thresholds]\n\"records.skipped_rate\" = {}\n").is_err());
        assert!(parse("[thresholds]\n\"records.skipped_rate\" = { min = 2, max = 1 }\n").is_err());
        assert!(parse("[treshholds]\n").is_err());
        assert!(parse("[check]\nmissing = \"ignore\"\n").is_err());
        assert!(parse("[baseline]\ntolerance = -1\n").is_err());
    }
}
