//! Near-duplicate (MinHash + LSH) and semantic (embedding cosine) deduplication of
//! instruction, response and whole sample. Exact duplicates live in [`crate::dedup::exact`].
//!
//! - [`shingle`]: near normalisation and hashed word/character shingles;
//! - [`minhash`]: signatures (8-bit minwise hashes) and Jaccard estimates;
//! - [`lsh`]: the streaming signature store, banding and candidate verification;
//! - [`clusters`] + [`union_find`]: clusters and the representative rule;
//! - [`search`]: the sub-quadratic, exactly verified cosine pair search of semantic dedup;
//! - [`near`], [`semantic`]: the two metrics; [`report`]: their outputs;
//! - [`images`]: when two samples' images match. Every level compares texts only between
//!   samples whose images match: near and semantic search within groups of one image key.
//!
//! States merge by appending what each chunk collected (signatures, embeddings) with each
//! record's position; at finish everything is put in position order
//! ([`crate::record::Origin::order_key`]) and the heavy steps run on the rayon pool with
//! fixed seeds and results gathered in index order, so clusters, representatives and
//! cluster ids are identical across runs, splits and thread counts.

pub mod clusters;
pub mod exact;
pub mod images;
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

use crate::registry::{Direction, MetricDoc, Provenance};

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
/// `dim × 2` bytes per text and part (256 B with the static embedder, 16-bit fixed point).
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

/// One documented id of the near or semantic family.
fn d(id: &'static str, definition: &'static str, direction: Direction) -> MetricDoc {
    MetricDoc {
        id,
        definition,
        direction,
        provenance: Provenance::Basic,
    }
}
