//! The `dedup.semantic` metric: samples whose embeddings have cosine similarity at least
//! the threshold are duplicates; clusters are the connected components of that graph.
//!
//! The pairs come from [`super::search`]: all pairs below 5,000 texts, seeded
//! random-hyperplane LSH with every candidate verified by its exact cosine above (recall
//! at least 0.99 of all pairs, measured there). Embeddings cost `dim × 4` bytes per text and
//! part (512 bytes with the built-in 128-dim static embedder, so up to 1.5 KB per record
//! for instruction, response and sample); every record is embedded unless
//! `AnalysisConfig::dedup.semantic_max_records` is lowered (documented in the methods
//! note), and rates are over the embedded records.

use super::clusters::Clusters;
use super::parts::{response_chars, Part, PARTS};
use super::report::{write_part, PartReport};
use super::search::{search, Components, PairSearch};
use super::snippets::Snippets;
use super::union_find::UnionFind;
use crate::cluster::Rows;
use crate::embed::{default_embedder, Embedder};
use crate::record::Record;
use crate::registry::{AnalysisConfig, Metric};
use crate::result::{Outputs, NO_RESPONSES};
use std::sync::Arc;

pub struct Vectors {
    embedder: Arc<dyn Embedder>,
    fitted: bool,
    dim: usize,
    pending: Vec<(u32, String)>,
    pub data: Vec<f32>,
    /// Record sequence number of each stored row.
    pub seq_of_row: Vec<u32>,
    pub error: Option<String>,
}

impl Vectors {
    pub fn new(embedder: Arc<dyn Embedder>) -> Self {
        let dim = embedder.dim();
        Vectors {
            embedder,
            fitted: false,
            dim,
            pending: Vec::new(),
            data: Vec::new(),
            seq_of_row: Vec::new(),
            error: None,
        }
    }

    pub fn dim(&self) -> usize {
        self.dim
    }

    pub fn push(&mut self, seq: u32, text: String) {
        self.pending.push((seq, text));
        if self.pending.len() >= self.embedder.batch_size() {
            self.flush();
        }
    }

    pub fn flush(&mut self) {
        if self.pending.is_empty() || self.error.is_some() {
            self.pending.clear();
            return;
        }
        let texts: Vec<&str> = self.pending.iter().map(|p| p.1.as_str()).collect();
        if !self.fitted {
            // Corpus-fitted embedders (the lexical IDF) are fitted on the first batch.
            if let Some(f) = self.embedder.fit(&texts) {
                self.embedder = f;
            }
            self.fitted = true;
        }
        match self.embedder.embed(&texts) {
            Ok(v) => {
                for ((seq, _), row) in self.pending.iter().zip(v.chunks_exact(self.dim)) {
                    // All-zero rows (nothing the embedder could represent) are left out.
                    if row.iter().any(|x| *x != 0.0) {
                        self.data.extend_from_slice(row);
                        self.seq_of_row.push(*seq);
                    }
                }
            }
            Err(e) => self.error = Some(e.to_string()),
        }
        self.pending.clear();
    }

    /// Connected components of `cos >= threshold` over `n` records.
    pub fn clusters(&self, n: usize, threshold: f32, resp_len: &[u32]) -> Clusters {
        // Components over stored rows, then mapped to record sequence numbers.
        let mut row_uf = UnionFind::new(self.seq_of_row.len());
        search(
            Rows::new(&self.data, self.dim),
            threshold,
            PairSearch::Auto,
            &mut Components {
                uf: &mut row_uf,
                pairs: 0,
            },
        );
        let mut uf = UnionFind::new(n);
        for row in 0..self.seq_of_row.len() {
            let root = row_uf.find(row as u32) as usize;
            if root != row {
                uf.union(self.seq_of_row[root], self.seq_of_row[row]);
            }
        }
        let mut row_of = vec![u32::MAX; n];
        for (row, &seq) in self.seq_of_row.iter().enumerate() {
            row_of[seq as usize] = row as u32;
        }
        let cos = |i: u32, j: u32| -> f32 {
            let (a, b) = (row_of[i as usize] as usize, row_of[j as usize] as usize);
            let (ra, rb) = (
                &self.data[a * self.dim..(a + 1) * self.dim],
                &self.data[b * self.dim..(b + 1) * self.dim],
            );
            ra.iter().zip(rb).map(|(x, y)| x * y).sum()
        };
        Clusters::build(&mut uf, |i| u64::from(resp_len[i as usize]), cos)
    }
}

pub struct SemanticDup {
    parts: Vec<Vectors>,
    resp_len: Vec<u32>,
    snippets: Snippets,
    threshold: f32,
    max_records: usize,
    max_examples: usize,
    n: u64,
    seen: u64,
    /// Embedded records with a response: the denominator of the response rate.
    with_response: u64,
    /// Records with a response among all seen.
    seen_with_response: u64,
}

pub fn make(c: &AnalysisConfig) -> Box<dyn Metric> {
    let embedder = c.embedder.clone().unwrap_or_else(default_embedder);
    Box::new(SemanticDup {
        parts: PARTS
            .iter()
            .map(|_| Vectors::new(embedder.clone()))
            .collect(),
        resp_len: Vec::new(),
        snippets: Snippets::new(c.example_chars),
        threshold: c.dedup.semantic_threshold,
        max_records: c.dedup.semantic_max_records,
        max_examples: c.max_examples,
        n: 0,
        seen: 0,
        with_response: 0,
        seen_with_response: 0,
    })
}

impl Metric for SemanticDup {
    fn observe(&mut self, r: &Record) {
        self.seen += 1;
        let has_response = r.response().is_some();
        self.seen_with_response += u64::from(has_response);
        if self.n as usize >= self.max_records {
            return;
        }
        let seq = self.n as u32;
        self.n += 1;
        self.with_response += u64::from(has_response);
        self.resp_len.push(response_chars(r));
        self.snippets.offer(
            seq,
            r,
            r.instruction().or(r.response()).unwrap_or_default(),
            None,
            1,
        );
        for (v, part) in self.parts.iter_mut().zip(PARTS) {
            if let Some(t) = part.text(r) {
                v.push(seq, t.into_owned());
            }
        }
    }

    fn finish(mut self: Box<Self>, out: &mut Outputs) {
        if self.max_records == 0 {
            return;
        }
        let n = self.n as usize;
        let mut name = String::new();
        for (v, part) in self.parts.iter_mut().zip(PARTS) {
            v.flush();
            if let Some(e) = &v.error {
                out.methods.insert(
                    "dedup.semantic".into(),
                    format!("not computed: the embedder failed ({e})"),
                );
                return;
            }
            name = v.embedder.name().to_string();
            let records = match part {
                Part::Response if self.with_response == 0 => {
                    let why = if self.seen_with_response == 0 {
                        NO_RESPONSES.to_string()
                    } else {
                        format!(
                            "none of the {} records embedded has a response (raise --semantic-max-records)",
                            self.n
                        )
                    };
                    out.not_measured_all(
                        [
                            "dedup.semantic.response_count",
                            "dedup.semantic.response_rate",
                        ],
                        &why,
                    );
                    continue;
                }
                Part::Response => self.with_response,
                _ => self.n,
            };
            let clusters = v.clusters(n, self.threshold, &self.resp_len);
            let snippets = (part == Part::Sample).then_some(&self.snippets);
            write_part(
                out,
                PartReport {
                    family: "dedup.semantic",
                    kind: "Semantic",
                    part,
                    clusters: &clusters,
                    records,
                    snippets,
                    max_examples: self.max_examples,
                },
            );
        }
        out.set("dedup.semantic.records", self.n as f64);
        let scope = if self.seen > self.n {
            format!(
                "the first {} of {} records (raise --semantic-max-records to cover more)",
                self.n, self.seen
            )
        } else {
            format!("all {} records", self.n)
        };
        out.methods.insert(
            "dedup.semantic".into(),
            format!(
                "Embedder `{name}`; two texts are duplicates when their cosine similarity is at least {}; clusters are connected components \
                 (candidate pairs from seeded random-hyperplane LSH above 5,000 texts, all pairs below, each verified by its exact cosine); \
                 computed over {scope}.",
                self.threshold
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Role;

    use crate::test_records::{outputs, record as rec};

    fn run(records: &[Record], max_records: usize) -> Outputs {
        let mut c = AnalysisConfig::default();
        c.dedup.semantic_max_records = max_records;
        outputs(make(&c), records)
    }

    #[test]
    fn prompt_only_data_has_no_response_semantic_duplicates() {
        use Role::*;
        let out = run(
            &[
                rec(0, &[(User, "Write a poem about the sea.")]),
                rec(
                    1,
                    &[(User, "Explain how a compiler works."), (User, "Shorter.")],
                ),
            ],
            100,
        );
        assert_eq!(out.get("dedup.semantic.records"), Some(2.0));
        assert!(out.get("dedup.semantic.instruction_rate").is_some());
        for id in [
            "dedup.semantic.response_count",
            "dedup.semantic.response_rate",
        ] {
            assert!(out.get(id).is_none(), "{id}");
            assert_eq!(out.not_measured[id], NO_RESPONSES);
        }
    }

    #[test]
    fn response_rate_is_over_embedded_records_with_a_response() {
        use Role::*;
        let answer = "The sea is wide and blue and full of fish.";
        let records = [
            rec(0, &[(User, "a"), (Assistant, answer)]),
            rec(1, &[(User, "b"), (Assistant, answer)]),
            rec(2, &[(User, "Explain how a compiler works.")]),
            rec(3, &[(User, "Name three rivers in Europe.")]),
        ];
        let out = run(&records, 100);
        assert_eq!(out.get("dedup.semantic.response_count"), Some(1.0));
        assert_eq!(out.get("dedup.semantic.response_rate"), Some(0.5));
        // Responses exist, but not among the embedded records: a different reason.
        let out = run(
            &records[2..]
                .iter()
                .chain(&records[..2])
                .cloned()
                .collect::<Vec<_>>(),
            2,
        );
        assert!(out.not_measured["dedup.semantic.response_rate"].contains("none of the 2 records"));
    }
}
