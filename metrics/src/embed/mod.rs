//! Sentence embedders: one trait, three implementations.
//!
//! - [`static_model::StaticEmbedder`]: the default. A token-vector table distilled from
//!   all-MiniLM-L6-v2 (model2vec-style), compiled into the binary. Semantic, no download.
//! - [`lexical::LexicalEmbedder`]: character n-gram TF-IDF with a seeded sparse random
//!   projection. Not semantic; a documented fallback and a cheap embedder for tests.
//! - The transformer itself (candle, in the `ftqa` crate, because it reads model files).

pub mod agreement;
pub mod lexical;
pub mod pca;
pub mod static_model;
pub mod vendi;
pub mod wordpiece;

use std::fmt;
use std::sync::Arc;

#[derive(Debug, Clone)]
pub struct EmbedError(pub String);

impl fmt::Display for EmbedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for EmbedError {}

/// Turns texts into unit-norm vectors whose dot products are cosine similarities.
pub trait Embedder: Send + Sync + fmt::Debug {
    /// Short name used in flags and reports: `static`, `lexical`, `minilm`.
    fn name(&self) -> &str;
    fn dim(&self) -> usize;
    /// Row-major `texts.len() × dim()` unit vectors. A text with nothing the embedder can
    /// represent gets an all-zero row; callers must treat those rows apart.
    fn embed(&self, texts: &[&str]) -> Result<Vec<f32>, EmbedError>;
    /// Texts per call that keep the embedder efficient (and memory bounded).
    fn batch_size(&self) -> usize {
        512
    }
    /// Whether a text's vector is bit-for-bit the same whatever else shares its batch. A
    /// transformer pads a batch to its longest text, and padded matrix products round
    /// differently, so its vectors move in the last bits with the batch: callers that need
    /// split-independent results (`dedup.semantic` under `--threads`) then embed in batches
    /// fixed by record position.
    fn batch_invariant(&self) -> bool {
        true
    }
    /// For the methods section: what the model is and how well it agrees with its reference.
    fn describe(&self) -> String;
    /// Embedders whose weights depend on the corpus (the lexical IDF) return a copy fitted on
    /// `sample`; the others return `None` and are used as they are.
    fn fit(&self, _sample: &[&str]) -> Option<Arc<dyn Embedder>> {
        None
    }
    /// The DBSCAN eps (cosine distance) calibrated for this embedder, if it has one: see
    /// `cluster::params` for the rule. A fixed eps per embedder keeps the response-diversity
    /// index a property of the data, not of a heuristic read off each dataset.
    fn calibrated_eps(&self) -> Option<f32> {
        None
    }
}

/// The built-in default: the compiled-in static model.
pub fn default_embedder() -> Arc<dyn Embedder> {
    Arc::new(static_model::StaticEmbedder::builtin())
}

/// Scales `v` to unit length in place; leaves an all-zero vector as it is.
pub fn normalize(v: &mut [f32]) {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        v.iter_mut().for_each(|x| *x /= norm);
    }
}
