//! Matching degree with CLIP (paper 004, section 4.2, formula (2)): the `matching.clip`
//! pipeline stage. It samples records with images during the pass, reads their images
//! under `--image-root`, runs a Hugging Face-layout CLIP folder on candle (CPU, or the GPU
//! under the `cuda` feature) and hands the scores to `ftqa_metrics::matching::clip`, which
//! aggregates them.
//!
//! - [`locate`]: where the weights are (`--clip-model-dir`, `FTQA_CLIP_MODEL_DIR`, the
//!   Hugging Face cache, ftqa's cache);
//! - [`preprocess`]: an image as CLIP's image processor prepares it;
//! - [`model`]: the two towers (needs the `transformer` feature);
//! - [`stage`]: the stage.

pub mod locate;
pub mod preprocess;
pub mod stage;

#[cfg(feature = "transformer")]
pub mod model;

use clap::Args;
use std::path::PathBuf;

#[derive(Args, Clone, Debug)]
pub struct ClipArgs {
    /// Folder of a Hugging Face-layout CLIP model (config.json, model.safetensors,
    /// tokenizer.json, preprocessor_config.json) for the matching degree
    /// (matching.clip.*, needs --image-root) [default: FTQA_CLIP_MODEL_DIR, then the Hugging
    /// Face cache (openai/clip-vit-*), then <ftqa cache>/models/clip].
    #[arg(long, value_name = "DIR", help_heading = "Matching degree (CLIP)")]
    pub clip_model_dir: Option<PathBuf>,
    /// Records with images that CLIP scores, drawn uniformly and deterministically
    /// (seeded by --sample-seed); 0 scores every record with images (memory then grows
    /// with them: each keeps up to 4,096 characters of text until it is scored).
    #[arg(long, default_value_t = ftqa_metrics::matching::clip::DEFAULT_SAMPLE, value_name = "N", help_heading = "Matching degree (CLIP)")]
    pub clip_sample: usize,
    /// matching.clip.below_threshold_rate counts records scoring below this (100 × cosine)
    /// [default: 28, LAION-5B's CLIP ViT-B/32 cut of 0.28].
    #[arg(long, default_value_t = ftqa_metrics::matching::clip::DEFAULT_THRESHOLD, value_name = "SCORE", help_heading = "Matching degree (CLIP)")]
    pub clip_threshold: f64,
}

/// The CLIP settings of a run.
#[derive(Clone, Debug)]
pub struct ClipConfig {
    pub model_dir: Option<PathBuf>,
    /// Records to score; `usize::MAX` for all.
    pub sample: usize,
    pub threshold: f64,
}

impl ClipArgs {
    pub fn config(&self) -> anyhow::Result<ClipConfig> {
        if !self.clip_threshold.is_finite() || self.clip_threshold.abs() > 100.0 {
            anyhow::bail!(
                "--clip-threshold must be a score between -100 and 100 (100 × cosine), got {}",
                self.clip_threshold
            );
        }
        Ok(ClipConfig {
            model_dir: self.clip_model_dir.clone(),
            sample: if self.clip_sample == 0 {
                usize::MAX
            } else {
                self.clip_sample
            },
            threshold: self.clip_threshold,
        })
    }
}

impl Default for ClipConfig {
    fn default() -> Self {
        ClipConfig {
            model_dir: None,
            sample: ftqa_metrics::matching::clip::DEFAULT_SAMPLE,
            threshold: ftqa_metrics::matching::clip::DEFAULT_THRESHOLD,
        }
    }
}
