//! Embedders that need files: the candle transformer, model lookup, `ftqa model pull` and
//! `ftqa model distill` (the command is `crate::cmd::model`). The pure embedders live in
//! `ftqa_metrics::embed`.

pub mod locate;
pub mod pull;
pub mod tokenlearn;

#[cfg(feature = "transformer")]
pub mod distill;
#[cfg(feature = "transformer")]
pub mod transformer;

use anyhow::{bail, Result};
use ftqa_metrics::embed::lexical::LexicalEmbedder;
use ftqa_metrics::embed::static_model::StaticEmbedder;
use ftqa_metrics::embed::Embedder;
use std::path::Path;
use std::sync::Arc;

/// The embedder `--embedder NAME` asks for.
pub fn make_embedder(name: &str, model_dir: Option<&Path>) -> Result<Arc<dyn Embedder>> {
    match name {
        "static" => Ok(Arc::new(StaticEmbedder::builtin())),
        "lexical" => Ok(Arc::new(LexicalEmbedder::default())),
        "minilm" | "transformer" => load_transformer(model_dir),
        other => bail!("unknown embedder {other:?}: use static, lexical or minilm"),
    }
}

#[cfg(feature = "transformer")]
fn load_transformer(model_dir: Option<&Path>) -> Result<Arc<dyn Embedder>> {
    let dir = locate::find_model(model_dir)?;
    Ok(Arc::new(transformer::TransformerEmbedder::load(&dir)?))
}

#[cfg(not(feature = "transformer"))]
fn load_transformer(_model_dir: Option<&Path>) -> Result<Arc<dyn Embedder>> {
    bail!("this ftqa was built without the `transformer` feature; rebuild with default features for --embedder minilm")
}
