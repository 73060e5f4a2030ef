//! The metric-truth harness (issue 11): checks that the paper's indices order datasets the
//! way their construction says they must, on generated sources (tests/metric_truth.rs, in
//! the normal suite) and on real data (benches/metric_truth.rs over ../shared/data).
//!
//! Three properties, for response diversity:
//! - **ladder**: 1, 2, 4 and 8 unlike sources at equal size give strictly rising values;
//! - **size**: two disjoint samples of one distribution at one sample size agree within
//!   their 95% intervals;
//! - **duplicates**: adding 30% one-word answers never lowers the index, and raises the
//!   cluster count by no more than the clusters that contain one-word answers.

pub mod sources;

use ftqa_metrics::embed::Embedder;
use ftqa_metrics::record::{Origin, Record, Role, Turn};
use ftqa_metrics::registry::{AnalysisConfig, Metric};
use ftqa_metrics::result::{Interval, Outputs};
use ftqa_metrics::sample::mix64;
use std::sync::Arc;

/// Runs one metric family on in-memory responses; record `i` comes from `file` row `i`.
pub fn run_family(
    family: &str,
    pairs: &[(String, String)],
    file: &str,
    config: &AnalysisConfig,
) -> Outputs {
    let spec = ftqa_metrics::registry::registry()
        .into_iter()
        .find(|s| s.family == family)
        .unwrap_or_else(|| panic!("no metric family {family}"));
    let mut m: Box<dyn Metric> = (spec.make)(config);
    let file: Arc<str> = Arc::from(file);
    for (i, (inst, resp)) in pairs.iter().enumerate() {
        let mut r = Record::new(
            format!("{i}"),
            Origin {
                file: file.clone(),
                line: None,
                index: i as u64,
                within: None,
            },
        );
        r.turns.push(Turn::new(Role::User, inst.clone()));
        r.turns.push(Turn::new(Role::Assistant, resp.clone()));
        m.observe(&r);
    }
    let mut out = Outputs::default();
    m.finish(&mut out);
    out
}

/// Response diversity on `responses` (each under the same stand-in instruction).
fn run_responses(
    embedder: &Arc<dyn Embedder>,
    responses: &[String],
    file: &str,
    size: usize,
) -> Outputs {
    let pairs: Vec<(String, String)> = responses
        .iter()
        .map(|r| ("Answer.".to_string(), r.clone()))
        .collect();
    run_family(
        "diversity.response",
        &pairs,
        file,
        &response_config(embedder.clone(), size),
    )
}

/// One measured value with its interval.
#[derive(Clone, Debug)]
pub struct Measured {
    pub value: Option<f64>,
    pub interval: Option<Interval>,
    pub clusters: Option<f64>,
}

impl Measured {
    fn of(out: &Outputs, id: &str) -> Measured {
        Measured {
            value: out.get(id),
            interval: out.intervals.get(id).cloned(),
            clusters: out.get("diversity.response.clusters"),
        }
    }
    pub fn show(&self) -> String {
        match (self.value, &self.interval) {
            (Some(v), Some(i)) => format!("{v:.3} [{:.3}, {:.3}]", i.low, i.high),
            (Some(v), None) => format!("{v:.3}"),
            _ => "not measured".into(),
        }
    }
    /// Whether two values agree: their intervals overlap (or both are exactly equal).
    pub fn agrees(&self, o: &Measured) -> bool {
        match (self.value, o.value, &self.interval, &o.interval) {
            (Some(a), Some(b), _, _) if (a - b).abs() < 1e-12 => true,
            (_, _, Some(x), Some(y)) => !x.separated_from(y),
            _ => false,
        }
    }
}

/// The response-diversity ids the harness checks: the paper's index and the eps-free
/// companion.
pub const CHECKED: &[&str] = &[
    "diversity.response.log_clusters",
    "diversity.response.vendi",
];

fn response_config(embedder: Arc<dyn Embedder>, sample_size: usize) -> AnalysisConfig {
    AnalysisConfig {
        embedder: Some(embedder),
        sample_size,
        // For exploring the settings from the benchmark; the tests use the defaults.
        dbscan_min_samples: std::env::var("FTQA_TRUTH_MIN_SAMPLES")
            .ok()
            .and_then(|s| s.parse().ok()),
        ..AnalysisConfig::default()
    }
}

fn measure(
    embedder: &Arc<dyn Embedder>,
    responses: &[String],
    file: &str,
    size: usize,
) -> Vec<Measured> {
    let out = run_responses(embedder, responses, file, size);
    CHECKED.iter().map(|id| Measured::of(&out, id)).collect()
}

/// Deterministic shuffle.
fn shuffled<T: Clone>(items: &[T], seed: u64) -> Vec<T> {
    let mut idx: Vec<usize> = (0..items.len()).collect();
    idx.sort_by_key(|&i| mix64(i as u64 ^ seed));
    idx.into_iter().map(|i| items[i].clone()).collect()
}

/// `size` responses drawn evenly from the first `k` sources.
pub fn mix(sources: &[Vec<String>], k: usize, size: usize, seed: u64) -> Vec<String> {
    let per = size / k;
    let mut out = Vec::with_capacity(size);
    for (s, texts) in sources.iter().take(k).enumerate() {
        let take = if s + 1 == k {
            size - per * (k - 1)
        } else {
            per
        };
        let picked = shuffled(texts, seed ^ s as u64);
        assert!(
            picked.len() >= take,
            "source {s} has {} responses, {take} needed",
            picked.len()
        );
        out.extend(picked.into_iter().take(take));
    }
    shuffled(&out, seed ^ 0xA11)
}

pub struct LadderRow {
    pub sources: usize,
    pub values: Vec<Measured>,
}

/// The ladder: 1, 2, 4, 8 sources at equal size.
pub fn ladder(
    embedder: &Arc<dyn Embedder>,
    sources: &[Vec<String>],
    size: usize,
) -> Vec<LadderRow> {
    [1usize, 2, 4, 8]
        .iter()
        .filter(|&&k| k <= sources.len())
        .map(|&k| LadderRow {
            sources: k,
            values: measure(
                embedder,
                &mix(sources, k, size, 11),
                &format!("ladder{k}.jsonl"),
                size,
            ),
        })
        .collect()
}

/// Whether every checked id strictly rises along the ladder.
pub fn ladder_rises(rows: &[LadderRow], id: usize) -> bool {
    rows.windows(2)
        .all(|w| match (w[0].values[id].value, w[1].values[id].value) {
            (Some(a), Some(b)) => b > a,
            // ln(1 cluster) = 0 is a value; a missing first rung cannot be ordered.
            _ => false,
        })
}

/// Two disjoint halves of `pool` (one distribution), each sampled to `size`.
pub fn size_pair(
    embedder: &Arc<dyn Embedder>,
    pool: &[String],
    size: usize,
) -> (Vec<Measured>, Vec<Measured>) {
    let all = shuffled(pool, 0x512E);
    let half = all.len() / 2;
    assert!(
        half >= size,
        "the pool has {} responses; two disjoint samples of {size} need {}",
        all.len(),
        2 * size
    );
    (
        measure(embedder, &all[..half], "size_a.jsonl", size),
        measure(embedder, &all[half..], "size_b.jsonl", size),
    )
}

/// The one-word answers added by the duplicate check.
pub const ONE_WORD: &[&str] = &[
    "Yes.", "No.", "Yes", "No", "yes", "no", "Yes!", "No!", "True.", "False.",
];

pub struct DuplicateRow {
    pub before: Vec<Measured>,
    pub after: Vec<Measured>,
    /// Clusters of the run with one-word answers that hold at least one of them, counted
    /// by clustering that run's distinct responses directly with the eps it reported.
    pub added_clusters: usize,
    /// The same run's cluster count from that direct clustering (equals the metric's).
    pub direct_clusters: usize,
}

/// `base` with one-word answers added until they are 30% of the set, all of it sampled.
pub fn duplicates(embedder: &Arc<dyn Embedder>, base: &[String]) -> DuplicateRow {
    let extra = base.len() * 3 / 7;
    let mut with: Vec<String> = base.to_vec();
    with.extend(
        (0..extra).map(|i| ONE_WORD[mix64(i as u64) as usize % ONE_WORD.len()].to_string()),
    );
    let with = shuffled(&with, 0xD0B);
    let n = with.len();
    let before = measure(embedder, base, "dup_base.jsonl", n);
    let out = run_responses(embedder, &with, "dup_with.jsonl", n);
    let after: Vec<Measured> = CHECKED.iter().map(|id| Measured::of(&out, id)).collect();
    let eps = out.get("diversity.response.eps").unwrap_or(0.0) as f32;
    let min_samples = out.get("diversity.response.min_samples").unwrap_or(5.0) as usize;
    let (direct_clusters, added_clusters) =
        clusters_holding(embedder, &with, eps, min_samples, |t| ONE_WORD.contains(&t));
    DuplicateRow {
        before,
        after,
        added_clusters,
        direct_clusters,
    }
}

/// DBSCAN over the distinct texts (as the metric clusters them): the number of clusters,
/// and how many of them hold a text for which `marked` is true.
pub fn clusters_holding(
    embedder: &Arc<dyn Embedder>,
    texts: &[String],
    eps: f32,
    min_samples: usize,
    marked: impl Fn(&str) -> bool,
) -> (usize, usize) {
    use ftqa_metrics::cluster::{dbscan, DbscanParams, Rows, Search};
    let mut seen = std::collections::HashSet::new();
    let distinct: Vec<&str> = texts
        .iter()
        .map(String::as_str)
        .filter(|t| seen.insert(ftqa_metrics::text::normalize_for_dedup(t)))
        .collect();
    let dim = embedder.dim();
    let v = embedder.embed(&distinct).expect("embedding");
    let keep: Vec<usize> = (0..distinct.len())
        .filter(|&i| v[i * dim..(i + 1) * dim].iter().any(|x| *x != 0.0))
        .collect();
    let data: Vec<f32> = keep
        .iter()
        .flat_map(|&i| v[i * dim..(i + 1) * dim].iter().copied())
        .collect();
    let c = dbscan(
        Rows::new(&data, dim),
        DbscanParams { eps, min_samples },
        Search::Auto,
    );
    let mut holding = vec![false; c.n_clusters];
    for (row, &i) in keep.iter().enumerate() {
        if c.labels[row] >= 0 && marked(distinct[i]) {
            holding[c.labels[row] as usize] = true;
        }
    }
    (c.n_clusters, holding.iter().filter(|h| **h).count())
}
