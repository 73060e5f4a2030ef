//! Near-duplicate (MinHash + LSH) and semantic (embedding cosine) deduplication of
//! instruction, response and whole sample. Exact duplicates live in [`crate::dedup::exact`].
//!
//! - [`shingle`]: near normalisation and hashed word/character shingles;
//! - [`minhash`]: signatures (8-bit minwise hashes) and Jaccard estimates;
//! - [`lsh`]: the streaming signature store, banding and candidate verification;
//! - [`clusters`] + [`union_find`]: clusters and the representative rule;
//! - [`search`]: the sub-quadratic, exactly verified cosine pair search of semantic dedup;
//! - [`near`], [`semantic`]: the two metrics; [`report`]: their outputs.
//!
//! Everything is sequential over records in input order with fixed seeds, so clusters,
//! representatives and cluster ids are identical across runs and thread counts.

pub mod clusters;
pub mod exact;
pub mod lsh;
pub mod minhash;
pub mod near;
pub mod parts;
mod report;
pub mod search;
pub mod semantic;
pub mod shingle;
pub mod snippets;
pub mod union_find;

use crate::registry::{Direction, MetricDoc, MetricSpec, Provenance};

pub use lsh::NearConfig;

/// Dedup settings read by the metrics; the CLI fills them from flags.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DedupConfig {
    pub near: NearConfig,
    /// Cosine similarity at which two embeddings are duplicates.
    pub semantic_threshold: f32,
    /// Records embedded for semantic dedup (0 turns it off; the default is all).
    pub semantic_max_records: usize,
}

/// 0.95 cosine: near-verbatim restatements with the built-in static embedder; looser
/// values start to join texts that merely share a topic.
pub const DEFAULT_SEMANTIC_THRESHOLD: f32 = 0.95;
/// Every record: the pair search is sub-quadratic ([`search`]), and the embeddings take
/// `dim × 4` bytes per text and part (512 B with the static embedder).
pub const DEFAULT_SEMANTIC_MAX_RECORDS: usize = usize::MAX;

impl Default for DedupConfig {
    fn default() -> Self {
        DedupConfig {
            near: NearConfig::default(),
            semantic_threshold: DEFAULT_SEMANTIC_THRESHOLD,
            semantic_max_records: DEFAULT_SEMANTIC_MAX_RECORDS,
        }
    }
}

pub const NEAR_SPEC: MetricSpec = MetricSpec {
    module: module_path!(),
    family: "dedup.near",
    docs: near_docs,
    make: near::make,
};
pub const SEMANTIC_SPEC: MetricSpec = MetricSpec {
    module: module_path!(),
    family: "dedup.semantic",
    docs: semantic_docs,
    make: semantic::make,
};

fn d(id: &'static str, definition: &'static str, direction: Direction) -> MetricDoc {
    MetricDoc {
        id,
        definition,
        direction,
        provenance: Provenance::Basic,
    }
}

fn near_docs() -> Vec<MetricDoc> {
    use Direction::*;
    vec![
        d("dedup.near.<part>_count", "Samples a near-dedup would remove: members of near-duplicate clusters other than each cluster's representative. Part: instruction (first user turn), response (final assistant turn) or sample (system prompt and every turn). Near-duplicates: MinHash (default 128 permutations over character 5-grams of the text after NFKC, lower-casing and folding punctuation and spacing) with LSH banding (default 32 bands of 4 rows), candidates verified by estimated Jaccard >= 0.7 (--near-threshold); clusters are connected components. Exact duplicates are near-duplicates too.", LowerIsBetter),
        d("dedup.near.instruction_rate", "dedup.near.instruction_count / records.analyzed.", LowerIsBetter),
        d("dedup.near.response_rate", "dedup.near.response_count / records.with_response (records without a response, such as prompt-only ones, are left out). dedup.near.response_count and this rate are not measured when no record has a response (\"the data has no responses\").", LowerIsBetter),
        d("dedup.near.sample_rate", "dedup.near.sample_count / records.analyzed: the share of records `ftqa dedup` removes at the default --level near.", LowerIsBetter),
        d("dedup.near.clusters", "Near-duplicate clusters (two or more whole samples). Each keeps one representative: the member with the longest response, ties to the first seen.", Neutral),
        d("dedup.near.largest_cluster", "Samples in the largest near-duplicate cluster.", LowerIsBetter),
    ]
}

fn semantic_docs() -> Vec<MetricDoc> {
    use Direction::*;
    vec![
        d("dedup.semantic.<part>_count", "Samples a semantic dedup would remove: members of clusters of texts whose sentence embeddings (the --embedder) have cosine similarity >= 0.95 (--semantic-threshold), other than each cluster's representative (longest response, then first seen). Part: instruction, response or sample. Candidate pairs come from seeded random-hyperplane LSH on mean-centred embeddings (32 tables of round(log2 n) - 2 bits; all pairs below 5,000 records), each verified by its exact cosine: no false pairs, recall >= 0.99 of the all-pairs search (measured). Over every record unless --semantic-max-records caps it; memory: the embeddings, dim x 4 bytes per text and part (512 B with the 128-dim static embedder, up to 1.5 KB per record), plus 8 bytes per record for the hash table.", LowerIsBetter),
        d("dedup.semantic.instruction_rate", "dedup.semantic.instruction_count / dedup.semantic.records.", LowerIsBetter),
        d("dedup.semantic.response_rate", "dedup.semantic.response_count / the embedded records that have a response. dedup.semantic.response_count and this rate are not measured when no record has a response (\"the data has no responses\").", LowerIsBetter),
        d("dedup.semantic.sample_rate", "dedup.semantic.sample_count / dedup.semantic.records.", LowerIsBetter),
        d("dedup.semantic.clusters", "Semantic duplicate clusters of whole samples.", Neutral),
        d("dedup.semantic.largest_cluster", "Samples in the largest semantic duplicate cluster.", LowerIsBetter),
        d("dedup.semantic.records", "Records embedded for semantic dedup: all of them, or the first --semantic-max-records.", Neutral),
    ]
}
