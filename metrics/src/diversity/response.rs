//! Response diversity (paper 004, section 4.2 and Table 4): embed the responses, cluster
//! the embeddings with DBSCAN, report the natural log of the number of semantic clusters.
//!
//! What makes the index comparable between datasets (issue 11):
//! - **One size.** It is computed on the run's seeded sample (`--sample-size`, default
//!   10,000 records; `sample::record_key`), as the paper compares datasets sampled to one
//!   scale. DBSCAN cluster counts grow with n, so only equal-size values compare.
//! - **Distinct responses.** Responses are grouped by their normalised text
//!   (`text::normalize_for_dedup`) and each distinct response is one point. Blocks of
//!   identical answers ("Yes.", "No.") therefore cannot become dense clusters on their own,
//!   nor pull the eps rule to zero; their mass is reported as
//!   `diversity.response.duplicate_share`.
//! - **A fixed eps per embedder** (`Embedder::calibrated_eps`, calibrated once on real data,
//!   see `cluster::params`) instead of a radius read off each dataset: the k-distance rule
//!   put maths and code in one cluster and dropped eps to 0.0001 when one-word answers were
//!   added. Embedders without a calibration fall back to the rule, on distinct responses.
//! - **An interval** by half-sample replication (`uncertainty`).
//!
//! `diversity.response.vendi` is a companion that needs no eps at all.

use crate::cluster::params::{choose_eps, DEFAULT_MIN_SAMPLES};
use crate::cluster::partition::cells_for;
use crate::cluster::{dbscan, DbscanParams, Rows, Search, PARTITION_FROM};
use crate::embed::pca::Pca;
use crate::embed::vendi::vendi2;
use crate::embed::{default_embedder, Embedder};
use crate::record::Record;
use crate::registry::{
    merged, AnalysisConfig, Direction, Metric, MetricDoc, MetricSpec, Provenance,
};
use crate::result::{Distribution, Example, ExampleGroup, Outputs, NO_RESPONSES};
use crate::sample::{record_key, BottomK};
use crate::text::{normalize_for_dedup, truncate_chars};
use crate::uncertainty::{
    half_sample_interval, half_samples, interval_from_replicates, HALF_SAMPLE_REPLICATES,
};
use rayon::prelude::*;
use std::collections::HashMap;
use std::sync::Arc;

pub const SPEC: MetricSpec = MetricSpec {
    module: module_path!(),
    family: "diversity.response",
    docs,
    make,
};

/// Every id of the family: all are "not measured" on data without responses.
pub const IDS: [&str; 11] = [
    "diversity.response.clusters",
    "diversity.response.log_clusters",
    "diversity.response.vendi",
    "diversity.response.duplicate_share",
    "diversity.response.distinct",
    "diversity.response.noise_fraction",
    "diversity.response.largest_cluster_share",
    "diversity.response.clusters_per_1k",
    "diversity.response.embedded",
    "diversity.response.eps",
    "diversity.response.min_samples",
];

/// Characters of each sampled response kept for embedding: enough for any embedder's
/// context (MiniLM reads 256 word pieces), and a bound on memory.
const KEPT_CHARS: usize = 4000;
/// Response texts of the sample shown in examples and the 2-D map.
const TEXT_SAMPLE: usize = 2000;
/// Clusters listed with examples.
const EXAMPLE_CLUSTERS: usize = 5;
const EXAMPLES_PER_CLUSTER: usize = 3;
/// Bars in the cluster-size plot.
const SIZE_BARS: usize = 20;
const SEED: u64 = 0xD1_7E_25_17;

fn docs() -> Vec<MetricDoc> {
    let d = |id, definition, direction, provenance| MetricDoc {
        id,
        definition,
        direction,
        provenance,
    };
    vec![
        d("diversity.response.clusters", "Number of DBSCAN clusters of the embeddings of the distinct responses in the seeded sample (cosine distance; eps fixed per embedder, min_samples 5 distinct responses; settings in the methods section).", Direction::HigherIsBetter, Provenance::Paper),
        d("diversity.response.log_clusters", "Natural log of diversity.response.clusters: the paper's response-diversity index (Table 4), on the seeded sample (--sample-size) so that datasets compare at one size, with a 95% half-sample interval. Not measured (with the reason) when DBSCAN finds no cluster, and, like every diversity.response.* id, when no record has a response (\"the data has no responses\": prompt-only data), never a count of 0.", Direction::HigherIsBetter, Provenance::Paper),
        d("diversity.response.vendi", "Order-2 Vendi score of the embeddings of the distinct sampled responses: 1 / ‖K/n‖²_F for the cosine kernel K, the effective number of semantically distinct responses in the Hill-number sense (1 when all say the same, up to the embedding dimension). Needs no eps and does not grow with the sample size; 95% half-sample interval.", Direction::HigherIsBetter, Provenance::Companion),
        d("diversity.response.duplicate_share", "Share of the sampled responses that repeat an earlier sampled response after normalisation (NFKC, lower case, whitespace collapsed). Clustering counts each distinct response once, so this mass is reported here instead.", Direction::LowerIsBetter, Provenance::Companion),
        d("diversity.response.distinct", "Distinct sampled responses after normalisation: the points DBSCAN clusters.", Direction::Neutral, Provenance::Basic),
        d("diversity.response.noise_fraction", "Share of distinct sampled responses DBSCAN labels noise (in no dense region).", Direction::Neutral, Provenance::Companion),
        d("diversity.response.largest_cluster_share", "Share of distinct sampled responses in the largest cluster; near 1 means most responses say nearly the same thing.", Direction::LowerIsBetter, Provenance::Companion),
        d("diversity.response.clusters_per_1k", "Clusters per 1,000 distinct sampled responses.", Direction::Neutral, Provenance::Companion),
        d("diversity.response.embedded", "Sampled responses embedded (non-empty final assistant turns the embedder could represent).", Direction::Neutral, Provenance::Basic),
        d("diversity.response.eps", "DBSCAN eps used (cosine distance): --eps, else the embedder's calibrated eps, else the k-distance rule on the distinct responses.", Direction::Neutral, Provenance::Basic),
        d("diversity.response.min_samples", "DBSCAN min_samples used (distinct responses a core point needs, itself included).", Direction::Neutral, Provenance::Basic),
    ]
}

fn make(config: &AnalysisConfig) -> Box<dyn Metric> {
    let embedder = config.embedder.clone().unwrap_or_else(default_embedder);
    Box::new(ResponseDiversity {
        embedder,
        sample: BottomK::new(config.sample_size),
        seed: config.sample_seed,
        eps: config.dbscan_eps,
        min_samples: config.dbscan_min_samples.unwrap_or(DEFAULT_MIN_SAMPLES),
        search: config.dbscan_search,
        example_chars: config.example_chars,
        with_response: 0,
    })
}

/// A sampled record's response (`None`: the record has none).
#[derive(serde::Serialize, serde::Deserialize)]
struct Sampled {
    record_id: String,
    origin: String,
    text: String,
}

pub struct ResponseDiversity {
    embedder: Arc<dyn Embedder>,
    /// Every analysed record is offered, so the sample is the run's sample; records
    /// without a response hold `None`.
    sample: BottomK<Option<Sampled>>,
    seed: u64,
    eps: Option<f32>,
    min_samples: usize,
    search: Search,
    example_chars: usize,
    /// Analysed records with a response (in the sample or not).
    with_response: u64,
}

/// The distinct responses of a sample: `of[i]` is the distinct id of sampled response i,
/// `first[d]` the sampled response that first had distinct text d.
struct Distinct {
    of: Vec<u32>,
    first: Vec<u32>,
}

fn distinct(texts: &[&str]) -> Distinct {
    let mut ids: HashMap<String, u32> = HashMap::new();
    let mut d = Distinct {
        of: Vec::with_capacity(texts.len()),
        first: Vec::new(),
    };
    for (i, t) in texts.iter().enumerate() {
        let next = ids.len() as u32;
        let id = *ids.entry(normalize_for_dedup(t)).or_insert(next);
        if id == next {
            d.first.push(i as u32);
        }
        d.of.push(id);
    }
    d
}

impl Metric for ResponseDiversity {
    fn observe(&mut self, record: &Record) {
        self.with_response += u64::from(record.response().is_some());
        let key = record_key(record, self.seed);
        if !self.sample.accepts(key) {
            return;
        }
        let item = record
            .response()
            .filter(|t| !t.trim().is_empty())
            .map(|text| Sampled {
                record_id: record.id.clone(),
                origin: record.origin.to_string(),
                text: truncate_chars(text, KEPT_CHARS),
            });
        self.sample.offer(key, item);
    }

    fn merge(&mut self, other: Box<dyn Metric>) {
        // The sample is key-based, and the embedder is fitted at finish on the merged
        // sample's distinct texts (in key order), so no state depends on the split.
        let other: ResponseDiversity = merged(other);
        self.with_response += other.with_response;
        self.sample.merge(other.sample);
    }

    /// The state is the bounded sample and a count; the embedder and settings stay.
    fn save(&self) -> Result<Vec<u8>, String> {
        crate::state::encode(&(&self.sample, self.with_response))
    }

    fn load(&mut self, saved: &[u8]) -> Result<(), String> {
        (self.sample, self.with_response) = crate::state::decode(saved)?;
        Ok(())
    }

    fn finish(mut self: Box<Self>, out: &mut Outputs) {
        const AREA: &str = "response_diversity";
        if self.with_response == 0 {
            out.not_measured_all(IDS, NO_RESPONSES);
            out.methods.insert(
                AREA.into(),
                format!("Response diversity was not measured: {NO_RESPONSES}."),
            );
            return;
        }
        let sampled: Vec<Sampled> = std::mem::replace(&mut self.sample, BottomK::new(0))
            .into_sorted()
            .into_iter()
            .flatten()
            .collect();
        if sampled.is_empty() {
            let why = "the sample has no non-empty response";
            out.not_measured("diversity.response.log_clusters", why);
            out.methods.insert(
                AREA.into(),
                format!("Response diversity was not measured: {why}."),
            );
            return;
        }
        let texts: Vec<&str> = sampled.iter().map(|s| s.text.as_str()).collect();
        let groups = distinct(&texts);
        let distinct_texts: Vec<&str> = groups.first.iter().map(|&i| texts[i as usize]).collect();
        let embedder = self
            .embedder
            .fit(&distinct_texts)
            .unwrap_or(self.embedder.clone());
        let dim = embedder.dim();
        // Batches are embedded in parallel and gathered in order; each text's vector does
        // not depend on its batch, so the rows are the same for any thread count.
        let batches: Vec<Result<Vec<f32>, _>> = distinct_texts
            .par_chunks(embedder.batch_size().max(1))
            .map(|chunk| embedder.embed(chunk))
            .collect();
        let mut vectors = Vec::with_capacity(distinct_texts.len() * dim);
        for batch in batches {
            match batch {
                Ok(v) => vectors.extend(v),
                Err(e) => {
                    let why = format!("the embedder failed: {e}");
                    out.not_measured("diversity.response.log_clusters", why.clone());
                    out.methods.insert(
                        AREA.into(),
                        format!("Response diversity was not measured: {why}."),
                    );
                    return;
                }
            }
        }
        // Distinct responses the embedder cannot represent (no known token) are left out.
        let mut row_of_distinct = vec![u32::MAX; groups.first.len()];
        let mut rows_data = Vec::with_capacity(vectors.len());
        let mut unembeddable = 0usize;
        for (d, v) in vectors.chunks_exact(dim).enumerate() {
            if v.iter().all(|x| *x == 0.0) {
                unembeddable += 1;
            } else {
                row_of_distinct[d] = (rows_data.len() / dim) as u32;
                rows_data.extend_from_slice(v);
            }
        }
        drop(vectors);
        let rows = Rows::new(&rows_data, dim);
        let n = rows.len();
        // Sampled response i -> its row, if embedded.
        let row_of: Vec<u32> = groups
            .of
            .iter()
            .map(|&d| row_of_distinct[d as usize])
            .collect();
        let embedded = row_of.iter().filter(|&&r| r != u32::MAX).count();
        if n == 0 {
            let why = "no sampled response could be embedded";
            out.not_measured("diversity.response.log_clusters", why);
            out.methods.insert(
                AREA.into(),
                format!("Response diversity was not measured: {why}."),
            );
            return;
        }
        let (eps, eps_rule) = match (self.eps, embedder.calibrated_eps()) {
            (Some(e), _) => (e, "set with --eps".to_string()),
            (None, Some(e)) => (
                e,
                format!(
                    "calibrated for the {} embedder (cluster::params::CALIBRATION)",
                    embedder.name()
                ),
            ),
            (None, None) => {
                let c = choose_eps(rows, self.min_samples);
                let how = if c.knee {
                    "at the knee of the curve"
                } else {
                    "the curve has no knee, so at its 25th percentile"
                };
                (c.eps, format!("this embedder has no calibrated eps, so the k-distance rule chose it: distance to the {}-th neighbour of {} sampled distinct responses, {how}; values from this rule do not compare across datasets", c.k, c.sample))
            }
        };
        let params = DbscanParams {
            eps,
            min_samples: self.min_samples,
        };
        let clustering = dbscan(rows, params, self.search);
        let k = clustering.n_clusters;

        // Half-sample replicates: half of the sampled responses, their distinct rows, DBSCAN.
        let mut seen = vec![false; n];
        let mut buf = Vec::new();
        let mut subset_rows = |subset: &[u32]| -> Vec<u32> {
            let mut idx: Vec<u32> = Vec::new();
            for &i in subset {
                let r = row_of[i as usize];
                if r != u32::MAX && !seen[r as usize] {
                    seen[r as usize] = true;
                    idx.push(r);
                }
            }
            for &r in &idx {
                seen[r as usize] = false;
            }
            idx.sort_unstable();
            idx
        };
        // Half-sample replicates (uncertainty::half_samples), one DBSCAN each: the cluster
        // count, noise fraction and largest-cluster share of each.
        // The replicates run in parallel (each DBSCAN is independent) and are gathered in
        // replicate order.
        let search = self.search;
        let subsets: Vec<Vec<u32>> = half_samples(sampled.len(), HALF_SAMPLE_REPLICATES, SEED)
            .iter()
            .map(|subset| subset_rows(subset))
            .collect();
        let reps: Vec<(usize, f64, f64)> = subsets
            .par_iter()
            .filter(|idx| !idx.is_empty())
            .map(|idx| {
                let mut buf = Vec::new();
                rows.gather(idx, &mut buf);
                let c = dbscan(Rows::new(&buf, dim), params, search);
                let m = idx.len() as f64;
                let largest = c.sizes().into_iter().max().unwrap_or(0) as f64 / m;
                (c.n_clusters, c.noise() as f64 / m, largest)
            })
            .collect();
        drop(subsets);
        let m = sampled.len() as u64;
        let rep_interval =
            |point: f64, values: Vec<f64>| interval_from_replicates(point, &values, m);
        let log_reps: Vec<usize> = reps.iter().map(|r| r.0).collect();
        let log_interval = if k > 0 {
            rep_interval(
                (k as f64).ln(),
                reps.iter()
                    .filter(|r| r.0 > 0)
                    .map(|r| (r.0 as f64).ln())
                    .collect(),
            )
        } else {
            None
        };
        // The count's interval is the log interval transformed back: the replicates' spread
        // on the log scale is relative, so it does not shrink with the smaller half-samples.
        let count_interval = log_interval.clone().map(|mut i| {
            (i.low, i.high) = (i.low.max(0.0).exp(), i.high.exp());
            i.method = "half_sample_log".into();
            i
        });
        // Vendi over the distinct responses, like the clusters: duplicate mass is reported
        // apart, and weighting by it let 30% one-word answers cut the score by 60%.
        let vendi = vendi2(&rows_data, dim, None);
        let vendi_interval = vendi.and_then(|v| {
            half_sample_interval(v, sampled.len(), SEED ^ 0x7E4D, |subset| {
                let idx = subset_rows(subset);
                rows.gather(&idx, &mut buf);
                vendi2(&buf, dim, None)
            })
        });

        out.set("diversity.response.embedded", embedded as f64);
        out.set("diversity.response.distinct", groups.first.len() as f64);
        out.set_rate(
            "diversity.response.duplicate_share",
            (sampled.len() - groups.first.len()) as u64,
            sampled.len() as u64,
        );
        out.set_with_interval(
            "diversity.response.clusters",
            k as f64,
            count_interval.map(|i| i.within(0.0, f64::INFINITY)),
        );
        if k > 0 {
            out.set_with_interval(
                "diversity.response.log_clusters",
                (k as f64).ln(),
                log_interval.map(|i| i.within(0.0, f64::INFINITY)),
            );
        } else {
            out.not_measured(
                "diversity.response.log_clusters",
                format!("DBSCAN found no cluster among {n} distinct responses (eps {eps:.3}, min_samples {}): ln 0 is undefined", self.min_samples),
            );
        }
        if let Some(v) = vendi {
            out.set_with_interval(
                "diversity.response.vendi",
                v,
                vendi_interval.map(|i| i.within(1.0, f64::INFINITY)),
            );
        }
        for id in [
            "diversity.response.clusters",
            "diversity.response.log_clusters",
            "diversity.response.vendi",
            "diversity.response.duplicate_share",
            "diversity.response.noise_fraction",
            "diversity.response.largest_cluster_share",
            "diversity.response.clusters_per_1k",
        ] {
            out.mark_sampled(id);
        }
        let noise = clustering.noise() as f64 / n as f64;
        out.set_with_interval(
            "diversity.response.noise_fraction",
            noise,
            rep_interval(noise, reps.iter().map(|r| r.1).collect()).map(|i| i.within(0.0, 1.0)),
        );
        let sizes = clustering.sizes();
        let largest = sizes.iter().copied().max().unwrap_or(0) as f64 / n as f64;
        out.set_with_interval(
            "diversity.response.largest_cluster_share",
            largest,
            rep_interval(largest, reps.iter().map(|r| r.2).collect()).map(|i| i.within(0.0, 1.0)),
        );
        out.set(
            "diversity.response.clusters_per_1k",
            k as f64 * 1000.0 / n as f64,
        );
        // eps is an f32: round to its meaningful digits so 0.35 reads 0.35, not 0.3499999940.
        out.set("diversity.response.eps", (eps as f64 * 1e6).round() / 1e6);
        out.set("diversity.response.min_samples", self.min_samples as f64);

        let mut by_size: Vec<usize> = (0..k).collect();
        by_size.sort_by(|&a, &b| sizes[b].cmp(&sizes[a]).then(a.cmp(&b)));
        size_plot(out, &by_size, &sizes, clustering.noise());

        let label_of = |i: usize| match row_of[i] {
            r if r != u32::MAX => Some(clustering.labels[r as usize]),
            _ => None,
        };
        let shown = sampled.len().min(TEXT_SAMPLE);
        for (rank, &c) in by_size.iter().take(EXAMPLE_CLUSTERS).enumerate() {
            let mut shown_rows = Vec::new();
            let examples: Vec<Example> = (0..shown)
                .filter(|&i| label_of(i) == Some(c as i32))
                .filter(|&i| {
                    // One example per distinct response.
                    let r = row_of[i];
                    !shown_rows.contains(&r) && {
                        shown_rows.push(r);
                        true
                    }
                })
                .take(EXAMPLES_PER_CLUSTER)
                .map(|i| Example {
                    record_id: sampled[i].record_id.clone(),
                    origin: sampled[i].origin.clone(),
                    text: truncate_chars(&sampled[i].text, self.example_chars),
                    note: None,
                })
                .collect();
            if !examples.is_empty() {
                out.examples.push(ExampleGroup {
                    metric: "diversity.response.clusters".into(),
                    title: format!(
                        "Response cluster {} of {k} by size: {} distinct responses ({:.1}%)",
                        rank + 1,
                        sizes[c],
                        100.0 * sizes[c] as f64 / n as f64
                    ),
                    examples,
                });
            }
        }
        let mut map_rows: Vec<u32> = (0..shown)
            .map(|i| row_of[i])
            .filter(|&r| r != u32::MAX)
            .collect();
        map_rows.sort_unstable();
        map_rows.dedup();
        let map = embedding_map(rows, &map_rows, &clustering.labels);
        let map_note = map.as_ref().map_or(String::new(), |m| {
            format!(
                " The first two principal components of {} sampled distinct responses show {:.1}% of their variance.",
                m.x.len(),
                100.0 * m.variance_shown
            )
        });
        if let Some(m) = map {
            // Colour by size rank, so the largest cluster has the first colour in every report.
            let mut rank = vec![0i32; k];
            for (r, &c) in by_size.iter().enumerate() {
                rank[c] = r as i32;
            }
            out.distributions.push(Distribution::Scatter {
                id: "diversity.response.map".into(),
                title: "Responses by semantic cluster (PCA map)".into(),
                x_label: "first principal component".into(),
                y_label: "second principal component".into(),
                x: m.x,
                y: m.y,
                group: m
                    .cluster
                    .iter()
                    .map(|&c| if c < 0 { -1 } else { rank[c as usize] })
                    .collect(),
            });
        }

        let search = match self.search {
            Search::Brute => "brute-force blocked matrix products".to_string(),
            Search::Partitioned { budget: Some(b) } => format!("k-means partition of {} cells, approximate: at most ~{b} candidates per block of 256", cells_for(n)),
            _ if n < PARTITION_FROM => "exact, brute-force blocked matrix products".to_string(),
            _ => format!("exact, k-means partition of {} cells pruned by triangle-inequality bounds", cells_for(n)),
        };
        let reps: Vec<String> = log_reps.iter().map(|c| c.to_string()).collect();
        out.methods.insert(
            AREA.into(),
            format!(
                "Response diversity (paper 004, section 4.2) on the seeded sample: {m} sampled responses, {d} distinct after normalisation (duplicate share {dup:.1}%, reported apart so that blocks of identical answers neither form clusters of their own nor shrink eps). \
                 Each distinct response is embedded once and DBSCAN clusters the vectors with cosine distance, eps = {eps:.4} ({eps_rule}) and min_samples = {ms} distinct responses. The index is ln(clusters) = {log}. \
                 Border points join the cluster of their nearest core point; noise is every point with no core point within eps ({noise} of {n}). \
                 The 95% interval is the value ± 1.96 standard deviations of {r} half-sample replicates (cluster counts on half the sample: {reps}); they read lower than the full sample because cluster counts grow with n, and only their spread is used. \
                 Neighbour search: {search}. Embedder: {desc}{skipped}{map}",
                m = sampled.len(),
                d = groups.first.len(),
                dup = 100.0 * (1.0 - groups.first.len() as f64 / sampled.len() as f64),
                ms = self.min_samples,
                log = if k > 0 { format!("{:.3}", (k as f64).ln()) } else { "undefined (no cluster)".into() },
                noise = clustering.noise(),
                r = reps.len(),
                reps = reps.join(", "),
                desc = embedder.describe(),
                skipped = if unembeddable > 0 { format!("; {unembeddable} distinct responses had no token the embedder knows and were left out") } else { String::new() },
                map = map_note,
            ),
        );
    }
}

fn size_plot(out: &mut Outputs, by_size: &[usize], sizes: &[usize], noise: usize) {
    let mut labels: Vec<String> = by_size
        .iter()
        .take(SIZE_BARS)
        .enumerate()
        .map(|(r, _)| format!("#{}", r + 1))
        .collect();
    let mut counts: Vec<u64> = by_size
        .iter()
        .take(SIZE_BARS)
        .map(|&c| sizes[c] as u64)
        .collect();
    if by_size.len() > SIZE_BARS {
        labels.push(format!("{} others", by_size.len() - SIZE_BARS));
        counts.push(by_size[SIZE_BARS..].iter().map(|&c| sizes[c] as u64).sum());
    }
    labels.push("noise".into());
    counts.push(noise as u64);
    out.distributions.push(Distribution::Categorical {
        id: "diversity.response.cluster_sizes".into(),
        title: "Responses per semantic cluster (largest first)".into(),
        x_label: "cluster".into(),
        labels,
        counts,
    });
}

/// The 2-D map of the embeddings: sampled responses projected on their first two
/// principal components, with their cluster (`-1` noise).
#[derive(Clone, Debug, PartialEq)]
pub struct EmbeddingMap {
    pub x: Vec<f32>,
    pub y: Vec<f32>,
    pub cluster: Vec<i32>,
    /// Share of the sample's variance the two axes show.
    pub variance_shown: f64,
}

/// Projects the rows `sample` of `rows` (labelled by `labels`) to two dimensions.
pub fn embedding_map(rows: Rows, sample: &[u32], labels: &[i32]) -> Option<EmbeddingMap> {
    if sample.len() < 3 {
        return None;
    }
    let mut buf = Vec::new();
    rows.gather(sample, &mut buf);
    let pca = Pca::fit(&buf, rows.dim, 2);
    let n = sample.len() as f64;
    let total: f64 = (0..rows.dim)
        .map(|d| {
            buf.chunks_exact(rows.dim)
                .map(|r| ((r[d] - pca.mean[d]) as f64).powi(2))
                .sum::<f64>()
                / n
        })
        .sum();
    let (mut x, mut y) = (
        Vec::with_capacity(sample.len()),
        Vec::with_capacity(sample.len()),
    );
    let mut p = [0f32; 2];
    for r in buf.chunks_exact(rows.dim) {
        pca.project(r, &mut p);
        x.push(p[0]);
        y.push(p[1]);
    }
    Some(EmbeddingMap {
        x,
        y,
        cluster: sample.iter().map(|&i| labels[i as usize]).collect(),
        variance_shown: pca.variance.iter().sum::<f64>() / total.max(f64::MIN_POSITIVE),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Role;

    use crate::test_records::{assert_merges, record as rec};

    #[test]
    fn prompt_only_data_is_not_measured_never_zero() {
        use Role::*;
        let mut m = make(&AnalysisConfig::default());
        for i in 0..50 {
            let p = format!("Write a story about topic {i}.");
            m.observe(&rec(i, &[(User, &p), (User, "Now shorter.")]));
        }
        let mut out = Outputs::default();
        m.finish(&mut out);
        assert!(!out
            .metrics
            .keys()
            .any(|k| k.starts_with("diversity.response")));
        for id in IDS {
            assert_eq!(out.not_measured[id], NO_RESPONSES, "{id}");
        }
        assert!(out.sampled_ids.is_empty());
        assert!(out.distributions.is_empty());
        assert!(out.methods["response_diversity"].contains(NO_RESPONSES));
        // Every documented id is covered.
        let documented: Vec<&str> = docs().iter().map(|d| d.id).collect();
        assert_eq!(documented, IDS.to_vec());
    }

    #[test]
    fn responses_outside_the_sample_keep_the_sample_reason() {
        use Role::*;
        let config = AnalysisConfig {
            sample_size: 1,
            ..AnalysisConfig::default()
        };
        // One record with a response and many without, a sample of one record: whether or
        // not the sample holds it, the data has a response, so the reason is the sample's
        // (or DBSCAN's), never NO_RESPONSES.
        let mut m = make(&config);
        m.observe(&rec(0, &[(User, "q"), (Assistant, "An answer.")]));
        for i in 1..20 {
            m.observe(&rec(i, &[(User, "q")]));
        }
        let mut out = Outputs::default();
        m.finish(&mut out);
        let why = &out.not_measured["diversity.response.log_clusters"];
        assert_ne!(why, NO_RESPONSES);
        assert!(!out.not_measured.contains_key("diversity.response.vendi"));
    }

    #[test]
    fn map_projects_every_sampled_row_with_its_cluster() {
        // Two tight groups along different axes: the first component separates them.
        let mut data = Vec::new();
        for i in 0..10 {
            let e = 0.01 * i as f32;
            data.extend_from_slice(&[1.0, e, 0.0]);
            data.extend_from_slice(&[0.0, e, 1.0]);
        }
        crate::cluster::matrix::normalize_rows(&mut data, 3);
        let labels: Vec<i32> = (0..20).map(|i| i % 2).collect();
        let sample: Vec<u32> = (0..20).collect();
        let m = embedding_map(Rows::new(&data, 3), &sample, &labels).unwrap();
        assert_eq!((m.x.len(), m.y.len()), (20, 20));
        assert_eq!(m.cluster, labels);
        assert!(m.x[0].signum() != m.x[1].signum(), "{:?}", &m.x[..2]);
        assert!(m.variance_shown > 0.9);
    }

    #[test]
    fn merged_chunks_equal_one_pass() {
        use Role::*;
        let answers = [
            "The capital of France is Paris.",
            "Paris is the capital city of France.",
            "Photosynthesis turns light into chemical energy in plants.",
            "Plants use sunlight to make sugar from carbon dioxide and water.",
            "Use a binary search to find the item in a sorted list.",
            "Sort the list first, then search it with bisection.",
            "Yes.",
        ];
        let recs: Vec<Record> = (0..70u64)
            .map(|i| match i % 9 {
                // Prompt-only records and a blank answer are in no cluster.
                7 => rec(i, &[(User, "q")]),
                8 => rec(i, &[(User, "q"), (Assistant, " ")]),
                _ => {
                    let a = format!(
                        "{} {}",
                        answers[(i * 5 % 7) as usize],
                        ["", "Indeed."][(i % 2) as usize]
                    );
                    rec(i, &[(User, "q"), (Assistant, &a)])
                }
            })
            .collect();
        let config = AnalysisConfig {
            dbscan_min_samples: Some(2),
            ..AnalysisConfig::default()
        };
        assert_merges(|| make(&config), &recs);
        let small = AnalysisConfig {
            sample_size: 25,
            ..config.clone()
        };
        assert_merges(|| make(&small), &recs);
        // The parallel finish gives the same output on any number of threads.
        let on = |threads| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let out = pool.install(|| crate::test_records::outputs(make(&config), &recs));
            serde_json::to_string(&out).unwrap()
        };
        assert_eq!(on(1), on(4));
        // The records exercise clustering, not only the early returns.
        let out = crate::test_records::outputs(make(&config), &recs);
        assert!(
            out.metrics["diversity.response.clusters"] > 0.0,
            "{:?}",
            out.metrics
        );
    }
}
