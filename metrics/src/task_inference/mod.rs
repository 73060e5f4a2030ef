//! Task labels inferred when the data has none (paper 004 used an LLM tagger; this runs
//! offline): instructions are embedded with the configured embedder, clustered by
//! spherical k-means with k chosen by the best mean silhouette, and each cluster is named
//! by its class-based TF-IDF keywords and its most common opening verb-object pair.

pub mod kmeans;
pub mod naming;

use crate::cluster::ari::adjusted_rand_index;
use crate::cluster::matrix::dots;
use crate::embed::{EmbedError, Embedder};
use crate::result::Outputs;
use kmeans::{silhouette, KMeans};
use naming::{name_clusters, TaskName};
use std::collections::HashMap;
use std::sync::Arc;

/// Instructions sampled (uniformly, deterministically) to fit the clustering.
pub const FIT_SAMPLE: usize = 4_000;
/// Points on which the silhouette of each candidate k is measured (it is quadratic).
const SILHOUETTE_SAMPLE: usize = 1_500;
/// Candidate task counts, capped by the sample size.
const CANDIDATE_K: &[usize] = &[
    2, 3, 4, 5, 6, 7, 8, 10, 12, 15, 20, 25, 30, 40, 50, 60, 80, 100, 125, 150, 200, 250, 300,
];
const SEED: u64 = 0x7A5C_0FF1_CE00_0004;

pub struct TaskModel {
    embedder: Arc<dyn Embedder>,
    kmeans: KMeans,
    pub names: Vec<TaskName>,
    pub silhouette: f64,
    /// (k, silhouette) for every candidate tried, for the methods section.
    pub tried: Vec<(usize, f64)>,
}

impl TaskModel {
    /// Fits on a sample of instruction texts. Needs at least 20 texts.
    pub fn fit(
        texts: &[&str],
        embedder: Arc<dyn Embedder>,
    ) -> Result<Option<TaskModel>, EmbedError> {
        if texts.len() < 20 {
            return Ok(None);
        }
        let heads: Vec<&str> = texts.iter().map(|t| task_text(t)).collect();
        let embedder = embedder.fit(&heads).unwrap_or(embedder);
        let dim = embedder.dim();
        let rows = embed_all(embedder.as_ref(), &heads)?;
        let m = SILHOUETTE_SAMPLE.min(texts.len());
        // The sample is already in random order, so its head is a uniform sub-sample.
        let sil_rows = &rows[..m * dim];
        let mut sims = Vec::new();
        dots(sil_rows, sil_rows, dim, &mut sims);
        let mut best: Option<(f64, KMeans)> = None;
        let mut tried = Vec::new();
        for &k in CANDIDATE_K.iter().filter(|k| **k * 10 <= texts.len()) {
            let km = KMeans::fit(&rows, dim, k, SEED ^ k as u64);
            let labels = km.assign(sil_rows);
            let Some(s) = silhouette(sil_rows, dim, &labels, k, &sims) else {
                continue;
            };
            tried.push((k, s));
            // Strictly better only, so ties keep the smaller k.
            if best.as_ref().is_none_or(|(b, _)| s > *b) {
                best = Some((s, km));
            }
        }
        let Some((silhouette, kmeans)) = best else {
            return Ok(None);
        };
        let labels = kmeans.assign(&rows);
        let names = name_clusters(texts, &labels, kmeans.k);
        Ok(Some(TaskModel {
            embedder,
            kmeans,
            names,
            silhouette,
            tried,
        }))
    }

    pub fn k(&self) -> usize {
        self.kmeans.k
    }

    /// The task index of each text.
    pub fn assign(&self, texts: &[&str]) -> Result<Vec<usize>, EmbedError> {
        let heads: Vec<&str> = texts.iter().map(|t| task_text(t)).collect();
        let rows = embed_all(self.embedder.as_ref(), &heads)?;
        Ok(self.kmeans.assign(&rows))
    }

    pub fn describe(&self, sample: usize) -> String {
        let tried: Vec<String> = self
            .tried
            .iter()
            .map(|(k, s)| format!("{k}: {s:.3}"))
            .collect();
        format!(
            "Inferred, not from the data: the head of each instruction (up to the first blank line, at most {TASK_TEXT_WORDS} words) embedded with {}, clustered by spherical k-means (k-means++ seeded) on a uniform sample of {sample}; k = {} chosen by the best mean silhouette (cosine) on {} points among candidates [{}]. Tasks are named by their most common opening verb-object pair and their top class-based TF-IDF keywords.",
            self.embedder.describe(),
            self.k(),
            SILHOUETTE_SAMPLE.min(sample),
            tried.join(", ")
        )
    }
}

/// Words of an instruction's head that define its task.
pub const TASK_TEXT_WORDS: usize = 40;

/// The part of an instruction that says what is asked: up to the first blank line (where
/// Alpaca input and pasted documents begin), at most its first 40 words. Embedding the
/// whole text lets the material the task is about drown out the task itself.
pub fn task_text(instruction: &str) -> &str {
    let head = instruction.trim_start();
    let head = head.split("\n\n").next().unwrap_or(head);
    let mut words = 0;
    let mut in_word = false;
    for (i, c) in head.char_indices() {
        if c.is_whitespace() {
            if in_word {
                words += 1;
                if words == TASK_TEXT_WORDS {
                    return &head[..i];
                }
            }
            in_word = false;
        } else {
            in_word = true;
        }
    }
    head
}

fn embed_all(e: &dyn Embedder, texts: &[&str]) -> Result<Vec<f32>, EmbedError> {
    let mut rows = Vec::with_capacity(texts.len() * e.dim());
    for chunk in texts.chunks(e.batch_size().max(1)) {
        rows.extend(e.embed(chunk)?);
    }
    Ok(rows)
}

/// Normalised mutual information with arithmetic-mean normalisation (scikit-learn's
/// default for `normalized_mutual_info_score`).
pub fn normalized_mutual_info(a: &[usize], b: &[usize]) -> f64 {
    let n = a.len() as f64;
    let mut joint: HashMap<(usize, usize), f64> = HashMap::new();
    let mut pa: HashMap<usize, f64> = HashMap::new();
    let mut pb: HashMap<usize, f64> = HashMap::new();
    for (&x, &y) in a.iter().zip(b) {
        *joint.entry((x, y)).or_default() += 1.0;
        *pa.entry(x).or_default() += 1.0;
        *pb.entry(y).or_default() += 1.0;
    }
    let h = |m: &HashMap<usize, f64>| -m.values().map(|c| c / n * (c / n).ln()).sum::<f64>();
    let (ha, hb) = (h(&pa), h(&pb));
    let mi: f64 = joint
        .iter()
        .map(|((x, y), c)| c / n * ((c * n) / (pa[x] * pb[y])).ln())
        .sum();
    if ha == 0.0 && hb == 0.0 {
        return 1.0;
    }
    let denom = (ha + hb) / 2.0;
    if denom == 0.0 {
        0.0
    } else {
        (mi / denom).clamp(0.0, 1.0)
    }
}

/// Agreement of inferred tasks with labels the data carries, when both exist.
pub fn write_agreement(truth: &[String], inferred: &[usize], out: &mut Outputs) {
    let mut ids: HashMap<&str, usize> = HashMap::new();
    let t: Vec<usize> = truth
        .iter()
        .map(|s| {
            let n = ids.len();
            *ids.entry(s.as_str()).or_insert(n)
        })
        .collect();
    let ti: Vec<i32> = t.iter().map(|x| *x as i32).collect();
    let ii: Vec<i32> = inferred.iter().map(|x| *x as i32).collect();
    out.set("tasks.inferred.ari", adjusted_rand_index(&ti, &ii));
    out.set("tasks.inferred.nmi", normalized_mutual_info(&t, inferred));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_text_is_the_request_not_the_material() {
        assert_eq!(
            task_text("Summarize this.\n\nLong pasted text here."),
            "Summarize this."
        );
        let long = "w ".repeat(100);
        assert_eq!(task_text(&long).split_whitespace().count(), TASK_TEXT_WORDS);
    }

    #[test]
    fn nmi_matches_known_values() {
        assert!((normalized_mutual_info(&[0, 0, 1, 1], &[1, 1, 0, 0]) - 1.0).abs() < 1e-12);
        assert!(normalized_mutual_info(&[0, 1, 0, 1], &[0, 0, 1, 1]).abs() < 1e-12);
        // scikit-learn: normalized_mutual_info_score([0,0,0,1,1,1],[0,0,1,1,2,2]) = 0.5158037429793889
        assert!(
            (normalized_mutual_info(&[0, 0, 0, 1, 1, 1], &[0, 0, 1, 1, 2, 2]) - 0.5158037429793889)
                .abs()
                < 1e-9
        );
    }

    #[test]
    fn kmeans_separates_clear_groups_and_silhouette_picks_their_number() {
        // Three tight groups around orthogonal axes in 4-d.
        let mut rows = Vec::new();
        for i in 0..90 {
            let axis = i % 3;
            let mut v = [0.05f32 * ((i * 7 % 5) as f32 - 2.0); 4];
            v[axis] = 1.0;
            let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
            rows.extend(v.iter().map(|x| x / n));
        }
        let mut sims = Vec::new();
        dots(&rows, &rows, 4, &mut sims);
        let scores: Vec<(usize, f64)> = [2, 3, 4, 5]
            .iter()
            .map(|&k| {
                let km = KMeans::fit(&rows, 4, k, 1);
                (
                    k,
                    silhouette(&rows, 4, &km.assign(&rows), k, &sims).unwrap(),
                )
            })
            .collect();
        let best = scores.iter().max_by(|a, b| a.1.total_cmp(&b.1)).unwrap();
        assert_eq!(best.0, 3, "{scores:?}");
        let km = KMeans::fit(&rows, 4, 3, 1);
        let labels = km.assign(&rows);
        let truth: Vec<usize> = (0..90).map(|i| i % 3).collect();
        assert!((normalized_mutual_info(&truth, &labels) - 1.0).abs() < 1e-9);
    }
}
