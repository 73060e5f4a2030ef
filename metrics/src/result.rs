//! Results: what metrics produce and what every renderer reads. Plain data, serialisable.

use serde::Serialize;
use std::collections::BTreeMap;

/// Bumped whenever a field of `report.json` changes meaning or moves.
/// 2: `intervals`, `not_measured` and `sample` added; size-dependent indices are computed on
/// the seeded sample of `sample.size` records (issue 11).
pub const REPORT_LAYOUT_VERSION: u32 = 2;

/// The one reason every metric that needs a response gives on data where no analysed
/// record has one (prompt-only sets: RL prompts, evaluation prompts). "Has a response" is
/// [`crate::record::Record::response`] being `Some`: a final assistant turn (the chosen
/// side's for preference data), even an empty one. `report.json` → `not_measured`.
pub const NO_RESPONSES: &str = "the data has no responses";

/// A 95% interval around a metric's value: `report.json` → `intervals.<metric id>`.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct Interval {
    pub low: f64,
    pub high: f64,
    /// Coverage the method aims at (0.95).
    pub level: f64,
    /// How it was computed: `half_sample`, `wilson`, `normal_mean`.
    pub method: String,
    /// Items the value and its interval were measured on (records, responses, tasks).
    pub n: u64,
}

impl Interval {
    /// Keeps the interval inside the values the metric can take (a log of a count is never
    /// negative, a Vendi score never below 1).
    pub fn within(mut self, lowest: f64, highest: f64) -> Interval {
        self.low = self.low.clamp(lowest, highest);
        self.high = self.high.clamp(lowest, highest);
        self
    }

    /// Whether two intervals do not overlap: the only case `compare` calls a difference.
    pub fn separated_from(&self, other: &Interval) -> bool {
        self.high < other.low || other.high < self.low
    }
}

/// The seeded uniform sample that size-dependent indices are computed on:
/// `report.json` → `sample`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct SampleInfo {
    /// `--sample-size`: the records the sample aims at.
    pub requested: u64,
    /// Records in the sample: `min(requested, population)`.
    pub size: u64,
    /// Records analysed, the population the sample is drawn from.
    pub population: u64,
    /// `--sample-seed`.
    pub seed: u64,
    /// Metric ids computed on the sample rather than on every record.
    pub ids: Vec<String>,
}

/// A plotted distribution. Renderers draw these; they never compute them.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Distribution {
    /// Counts in contiguous bins `[edges[i], edges[i+1])`.
    Histogram {
        id: String,
        title: String,
        x_label: String,
        edges: Vec<f64>,
        counts: Vec<u64>,
        /// Whether the bin edges grow geometrically (plot on a log x axis).
        log_x: bool,
    },
    /// Counts per named category, in display order.
    Categorical {
        id: String,
        title: String,
        x_label: String,
        labels: Vec<String>,
        counts: Vec<u64>,
    },
    /// Points on a plane, each in a group (`-1`: in none, e.g. DBSCAN noise). Used for the
    /// 2-D map of response embeddings.
    Scatter {
        id: String,
        title: String,
        x_label: String,
        y_label: String,
        x: Vec<f32>,
        y: Vec<f32>,
        group: Vec<i32>,
    },
    /// Parts of a whole by size, each with a short note (e.g. a task's top keywords), drawn
    /// as a treemap. Parts in display order, largest first.
    Treemap {
        id: String,
        title: String,
        labels: Vec<String>,
        counts: Vec<u64>,
        notes: Vec<String>,
    },
}

impl Distribution {
    pub fn id(&self) -> &str {
        match self {
            Distribution::Histogram { id, .. }
            | Distribution::Categorical { id, .. }
            | Distribution::Scatter { id, .. }
            | Distribution::Treemap { id, .. } => id,
        }
    }
    pub fn title(&self) -> &str {
        match self {
            Distribution::Histogram { title, .. }
            | Distribution::Categorical { title, .. }
            | Distribution::Scatter { title, .. }
            | Distribution::Treemap { title, .. } => title,
        }
    }
}

/// One record shown as evidence for a metric.
#[derive(Clone, Debug, Serialize, serde::Deserialize)]
pub struct Example {
    pub record_id: String,
    /// `file:line` or `file row N`.
    pub origin: String,
    /// Dataset text, truncated for display. Renderers must escape it.
    pub text: String,
    pub note: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ExampleGroup {
    /// The metric id these examples illustrate.
    pub metric: String,
    pub title: String,
    pub examples: Vec<Example>,
}

/// Everything the metrics produce.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Outputs {
    /// Dotted metric id -> value. Non-finite values are never stored.
    pub metrics: BTreeMap<String, f64>,
    pub distributions: Vec<Distribution>,
    pub examples: Vec<ExampleGroup>,
    /// Method notes (settings used, how something was measured), keyed by area.
    pub methods: BTreeMap<String, String>,
    /// 95% intervals by metric id (a subset of `metrics`).
    pub intervals: BTreeMap<String, Interval>,
    /// Metric ids that could not be measured honestly, with the reason.
    pub not_measured: BTreeMap<String, String>,
    /// Ids computed on the seeded sample (the pipeline adds the sample's size).
    pub sampled_ids: Vec<String>,
}

impl Outputs {
    /// Sets a value with its interval.
    pub fn set_with_interval(
        &mut self,
        id: impl Into<String>,
        value: f64,
        interval: Option<Interval>,
    ) {
        let id = id.into();
        if !value.is_finite() {
            return;
        }
        if let Some(i) = interval.filter(|i| i.low.is_finite() && i.high.is_finite()) {
            self.intervals.insert(id.clone(), i);
        }
        self.metrics.insert(id, value);
    }
    /// Sets a rate `k / n` with its 95% Wilson interval (nothing when `n` is 0).
    pub fn set_rate(&mut self, id: impl Into<String>, k: u64, n: u64) {
        if n > 0 {
            self.set_with_interval(id, k as f64 / n as f64, crate::uncertainty::wilson(k, n));
        }
    }
    /// Records that `id` was computed on the seeded sample.
    pub fn mark_sampled(&mut self, id: &str) {
        if !self.sampled_ids.iter().any(|s| s == id) {
            self.sampled_ids.push(id.to_string());
        }
    }
    /// Records that `id` was not measured, and why (shown instead of a value).
    pub fn not_measured(&mut self, id: impl Into<String>, why: impl Into<String>) {
        let id = id.into();
        self.metrics.remove(&id);
        self.intervals.remove(&id);
        self.not_measured.insert(id, why.into());
    }
    /// Marks every id in `ids` not measured for the same reason.
    pub fn not_measured_all<I, S>(&mut self, ids: I, why: &str)
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        for id in ids {
            self.not_measured(id, why);
        }
    }
    pub fn set(&mut self, id: impl Into<String>, value: f64) {
        if value.is_finite() {
            self.metrics.insert(id.into(), value);
        }
    }
    pub fn get(&self, id: &str) -> Option<f64> {
        self.metrics.get(id).copied()
    }
    /// Keeps only the ids `keep` accepts: values, intervals, not-measured marks, sampled
    /// ids, distributions and example groups (which are keyed by metric id).
    pub fn retain_ids(&mut self, keep: impl Fn(&str) -> bool) {
        self.metrics.retain(|id, _| keep(id));
        self.intervals.retain(|id, _| keep(id));
        self.not_measured.retain(|id, _| keep(id));
        self.sampled_ids.retain(|id| keep(id));
        self.distributions.retain(|d| keep(d.id()));
        self.examples.retain(|g| keep(&g.metric));
    }
    /// Adds what a later writer wrote, as if it had written into `self` directly: its
    /// "not measured" marks remove earlier values of those ids, its values overwrite.
    /// Lets metrics finish into their own outputs in parallel and be gathered in order.
    pub fn append(&mut self, later: Outputs) {
        for (id, why) in later.not_measured {
            self.metrics.remove(&id);
            self.intervals.remove(&id);
            self.not_measured.insert(id, why);
        }
        self.metrics.extend(later.metrics);
        self.intervals.extend(later.intervals);
        self.distributions.extend(later.distributions);
        self.examples.extend(later.examples);
        self.methods.extend(later.methods);
        for id in later.sampled_ids {
            self.mark_sampled(&id);
        }
    }
}

#[derive(Clone, Debug, Default, Serialize, serde::Deserialize)]
pub struct DatasetInfo {
    /// The path the user gave.
    pub path: String,
    /// e.g. `jsonl`, `json`, `parquet`, `csv`, `tsv`, `arrow`; `mixed` across shards.
    pub format: String,
    /// e.g. `alpaca`, `sharegpt`, `openai`, `llava`, `preference`, `hh_rlhf`, `dpo`, `kto`, ...
    pub schema: String,
    /// How each canonical field was found: canonical field -> source column/key.
    pub mapping: BTreeMap<String, String>,
    /// Whether the schema came from auto-detection (`auto`; schema `inferred` when no
    /// named schema fitted and columns were given roles) or explicit flags (`flags`).
    pub schema_source: String,
    /// How sure the loader is of `mapping`: `high`, `medium` or `low`, or `given` when
    /// flags named the schema or columns.
    pub mapping_confidence: String,
    /// How an inferred mapping was chosen, one decision per line.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mapping_notes: Vec<String>,
    pub files: Vec<String>,
    pub compression: Option<String>,
    /// Where task labels came from, if anywhere (`column:category`, `shard file names`).
    pub task_source: Option<String>,
}

#[derive(Clone, Debug, Serialize, serde::Deserialize)]
pub struct SkippedRecord {
    /// `file:line` or `file row N`.
    pub location: String,
    pub reason: String,
}

#[derive(Clone, Debug, Default, Serialize, serde::Deserialize)]
pub struct RecordCounts {
    pub total: u64,
    pub analyzed: u64,
    pub skipped: u64,
    /// Reason category -> count.
    pub skipped_by_reason: BTreeMap<String, u64>,
    /// The first skipped records, with location and reason (capped).
    pub skipped_examples: Vec<SkippedRecord>,
}

/// The whole result of one `ftqa report` run: the contract behind `report.json`.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub report_layout_version: u32,
    pub ftqa_version: String,
    pub dataset: DatasetInfo,
    pub records: RecordCounts,
    pub warnings: Vec<String>,
    pub metrics: BTreeMap<String, f64>,
    pub distributions: Vec<Distribution>,
    pub examples: Vec<ExampleGroup>,
    pub methods: BTreeMap<String, String>,
    /// 95% intervals of the paper's indices and the main rates, by metric id.
    pub intervals: BTreeMap<String, Interval>,
    /// Metric ids that were not measured, with the reason.
    pub not_measured: BTreeMap<String, String>,
    /// The seeded sample size-dependent indices were computed on.
    pub sample: SampleInfo,
    /// Command-line flags and run facts (not part of the metric contract).
    pub run: BTreeMap<String, String>,
}

/// How much of each dataset already appears in the others, by strength of match.
/// `exact[b][a]` is the share of dataset b's samples that also occur in dataset a
/// (the diagonal is each dataset's internal duplicate rate).
#[derive(Clone, Debug, Default, Serialize)]
pub struct OverlapMatrix {
    pub datasets: Vec<String>,
    pub exact: Vec<Vec<f64>>,
    pub near: Vec<Vec<f64>>,
    /// Present when an embedder was used.
    pub semantic: Option<Vec<Vec<f64>>>,
}
