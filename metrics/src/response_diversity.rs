//! Response diversity (paper 004, section 4.2 and Table 4): embed every response, cluster
//! the embeddings with DBSCAN, report the natural log of the number of semantic clusters.
//!
//! Responses are embedded in batches as they stream past, so memory holds one vector per
//! response (`n × dim × 4` bytes: 512 MB for a million responses with the 128-d static model,
//! 1.5 GB with MiniLM's 384) plus a fixed sample of texts for the examples and the map.

use crate::cluster::params::{choose_eps, DEFAULT_MIN_SAMPLES};
use crate::cluster::partition::cells_for;
use crate::cluster::{dbscan, DbscanParams, Rows, Search, PARTITION_FROM};
use crate::embed::pca::Pca;
use crate::embed::{default_embedder, Embedder};
use crate::record::Record;
use crate::registry::{AnalysisConfig, Direction, Metric, MetricDoc, MetricSpec, Provenance};
use crate::result::{Distribution, Example, ExampleGroup, Outputs};
use crate::sample::{mix64, BottomK};
use crate::text::truncate_chars;
use std::sync::Arc;
use std::time::Instant;

pub const SPEC: MetricSpec = MetricSpec {
    family: "diversity.response",
    docs,
    make,
};

/// Responses buffered before the first batch: embedders fitted on the corpus (the lexical
/// IDF) are fitted on these.
const FIT_SAMPLE: usize = 4096;
/// Response texts kept for examples and the 2-D map.
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
        d("diversity.response.clusters", "Number of DBSCAN clusters of the response embeddings (cosine distance; eps and min_samples in the methods section).", Direction::HigherIsBetter, Provenance::Paper),
        d("diversity.response.log_clusters", "Natural log of diversity.response.clusters: the paper's response-diversity index (Table 4). Absent when there is no cluster.", Direction::HigherIsBetter, Provenance::Paper),
        d("diversity.response.noise_fraction", "Share of embedded responses DBSCAN labels noise (in no dense region). High values with few clusters mean eps is small for this data.", Direction::Neutral, Provenance::Companion),
        d("diversity.response.largest_cluster_share", "Share of embedded responses in the largest cluster; near 1 means most responses say nearly the same thing.", Direction::LowerIsBetter, Provenance::Companion),
        d("diversity.response.clusters_per_1k", "Clusters per 1,000 embedded responses: the cluster count made comparable across dataset sizes.", Direction::HigherIsBetter, Provenance::Companion),
        d("diversity.response.embedded", "Responses embedded and clustered (non-empty final assistant turns the embedder could represent).", Direction::Neutral, Provenance::Basic),
        d("diversity.response.eps", "DBSCAN eps used (cosine distance): the --eps flag, else the k-distance rule (knee of the curve, or its 25th percentile when it has none).", Direction::Neutral, Provenance::Basic),
        d("diversity.response.min_samples", "DBSCAN min_samples used (neighbours a core point needs, itself included).", Direction::Neutral, Provenance::Basic),
    ]
}

fn make(config: &AnalysisConfig) -> Box<dyn Metric> {
    let embedder = config.embedder.clone().unwrap_or_else(default_embedder);
    Box::new(ResponseDiversity {
        embedder,
        fitted: false,
        pending: Vec::new(),
        vectors: Vec::new(),
        row_of: Vec::new(),
        unembeddable: 0,
        texts: BottomK::new(TEXT_SAMPLE),
        eps: config.dbscan_eps,
        min_samples: config.dbscan_min_samples.unwrap_or(DEFAULT_MIN_SAMPLES),
        search: config.dbscan_search,
        example_chars: config.example_chars,
        error: None,
        embed_seconds: 0.0,
    })
}

struct Sampled {
    ordinal: u32,
    record_id: String,
    origin: String,
    text: String,
}

pub struct ResponseDiversity {
    embedder: Arc<dyn Embedder>,
    fitted: bool,
    pending: Vec<String>,
    vectors: Vec<f32>,
    /// Row in `vectors` of each response ordinal, `u32::MAX` for unembeddable ones.
    row_of: Vec<u32>,
    unembeddable: u64,
    texts: BottomK<Sampled>,
    eps: Option<f32>,
    min_samples: usize,
    search: Search,
    example_chars: usize,
    error: Option<String>,
    embed_seconds: f64,
}

impl ResponseDiversity {
    fn flush(&mut self) {
        if self.pending.is_empty() || self.error.is_some() {
            self.pending.clear();
            return;
        }
        let started = Instant::now();
        let refs: Vec<&str> = self.pending.iter().map(String::as_str).collect();
        if !self.fitted {
            if let Some(fitted) = self.embedder.fit(&refs) {
                self.embedder = fitted;
            }
            self.fitted = true;
        }
        match self.embedder.embed(&refs) {
            Ok(v) => {
                let dim = self.embedder.dim();
                for row in v.chunks_exact(dim) {
                    if row.iter().all(|x| *x == 0.0) {
                        self.unembeddable += 1;
                        self.row_of.push(u32::MAX);
                    } else {
                        self.row_of.push((self.vectors.len() / dim) as u32);
                        self.vectors.extend_from_slice(row);
                    }
                }
            }
            Err(e) => self.error = Some(e.to_string()),
        }
        self.pending.clear();
        self.embed_seconds += started.elapsed().as_secs_f64();
    }
}

impl Metric for ResponseDiversity {
    fn observe(&mut self, record: &Record) {
        let Some(text) = record.response().filter(|t| !t.trim().is_empty()) else {
            return;
        };
        let ordinal = (self.row_of.len() + self.pending.len()) as u32;
        let key = mix64(ordinal as u64 ^ SEED);
        if self.texts.accepts(key) {
            let sampled = Sampled {
                ordinal,
                record_id: record.id.clone(),
                origin: record.origin.to_string(),
                text: truncate_chars(text, self.example_chars),
            };
            self.texts.offer(key, sampled);
        }
        self.pending.push(text.to_string());
        let threshold = if self.fitted {
            self.embedder.batch_size()
        } else {
            FIT_SAMPLE.max(self.embedder.batch_size())
        };
        if self.pending.len() >= threshold {
            self.flush();
        }
    }

    fn finish(mut self: Box<Self>, out: &mut Outputs) {
        self.flush();
        if let Some(e) = &self.error {
            out.methods.insert(
                "response_diversity".into(),
                format!("Response diversity was not computed: the embedder failed: {e}"),
            );
            return;
        }
        let dim = self.embedder.dim();
        let n = self.vectors.len() / dim;
        if n == 0 {
            out.methods.insert(
                "response_diversity".into(),
                "Response diversity was not computed: no response could be embedded.".into(),
            );
            return;
        }
        let rows = Rows::new(&self.vectors, dim);
        let started = Instant::now();
        let (eps, eps_rule) = match self.eps {
            Some(e) => (e, "set with --eps".to_string()),
            None => {
                let c = choose_eps(rows, self.min_samples);
                let how = if c.knee {
                    "at the knee of the curve"
                } else {
                    "the curve has no knee, so at its 25th percentile"
                };
                (c.eps, format!("chosen by the k-distance rule: distance to the {}-th neighbour of {} sampled responses, searched against all, {how}", c.k, c.sample))
            }
        };
        let params = DbscanParams {
            eps,
            min_samples: self.min_samples,
        };
        let clustering = dbscan(rows, params, self.search);
        let cluster_seconds = started.elapsed().as_secs_f64();

        let k = clustering.n_clusters;
        out.set("diversity.response.embedded", n as f64);
        out.set("diversity.response.clusters", k as f64);
        if k > 0 {
            out.set("diversity.response.log_clusters", (k as f64).ln());
        }
        out.set(
            "diversity.response.noise_fraction",
            clustering.noise() as f64 / n as f64,
        );
        let sizes = clustering.sizes();
        out.set(
            "diversity.response.largest_cluster_share",
            sizes.iter().copied().max().unwrap_or(0) as f64 / n as f64,
        );
        out.set(
            "diversity.response.clusters_per_1k",
            k as f64 * 1000.0 / n as f64,
        );
        out.set("diversity.response.eps", eps as f64);
        out.set("diversity.response.min_samples", self.min_samples as f64);

        let mut by_size: Vec<usize> = (0..k).collect();
        by_size.sort_by(|&a, &b| sizes[b].cmp(&sizes[a]).then(a.cmp(&b)));
        size_plot(out, &by_size, &sizes, clustering.noise());

        let sampled = std::mem::replace(&mut self.texts, BottomK::new(0)).into_sorted();
        let label_of = |s: &Sampled| match self.row_of.get(s.ordinal as usize) {
            Some(&r) if r != u32::MAX => Some(clustering.labels[r as usize]),
            _ => None,
        };
        for (rank, &c) in by_size.iter().take(EXAMPLE_CLUSTERS).enumerate() {
            let examples: Vec<Example> = sampled
                .iter()
                .filter(|s| label_of(s) == Some(c as i32))
                .take(EXAMPLES_PER_CLUSTER)
                .map(|s| Example {
                    record_id: s.record_id.clone(),
                    origin: s.origin.clone(),
                    text: s.text.clone(),
                    note: None,
                })
                .collect();
            if !examples.is_empty() {
                out.examples.push(ExampleGroup {
                    metric: "diversity.response.clusters".into(),
                    title: format!(
                        "Response cluster {} of {k} by size: {} responses ({:.1}%)",
                        rank + 1,
                        sizes[c],
                        100.0 * sizes[c] as f64 / n as f64
                    ),
                    examples,
                });
            }
        }
        let map_rows: Vec<u32> = sampled
            .iter()
            .filter_map(|s| {
                self.row_of
                    .get(s.ordinal as usize)
                    .copied()
                    .filter(|&r| r != u32::MAX)
            })
            .collect();
        let map = embedding_map(rows, &map_rows, &clustering.labels);
        let map_note = map.as_ref().map_or(String::new(), |m| {
            format!(
                " The first two principal components of {} sampled responses show {:.1}% of their variance.",
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
        out.methods.insert(
            "response_diversity".into(),
            format!(
                "Response diversity (paper 004, section 4.2): each non-empty final assistant turn is embedded, and DBSCAN clusters the vectors with \
                 cosine distance, eps = {eps:.4} ({eps_rule}) and min_samples = {ms}. The index is ln(clusters) = {log}. \
                 Border points join the cluster of their nearest core point; noise is every point with no core point within eps ({noise} of {n}). \
                 Neighbour search: {search}. Embedder: {desc} Embedding took {es:.1} s, eps choice and clustering {cs:.1} s{skipped}.{map}",
                ms = self.min_samples,
                log = if k > 0 { format!("{:.3}", (k as f64).ln()) } else { "undefined (no cluster)".into() },
                noise = clustering.noise(),
                desc = self.embedder.describe(),
                es = self.embed_seconds,
                cs = cluster_seconds,
                skipped = if self.unembeddable > 0 { format!("; {} responses had no token the embedder knows and were left out", self.unembeddable) } else { String::new() },
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
}
