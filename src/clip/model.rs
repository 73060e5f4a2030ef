//! The two CLIP towers on candle, from a Hugging Face-layout folder: config.json
//! (`text_config`, `vision_config`, `projection_dim`), model.safetensors, tokenizer.json
//! and, when present, preprocessor_config.json.
//!
//! The towers are `candle_transformers`' CLIP transformers; the text embedding is pooled
//! at the last token of a sequence encoded on its own (no padding), which is the
//! end-of-text token the tokenizer appends, as Hugging Face pools it. Texts and images
//! are encoded one at a time, so an embedding never depends on its batch-mates and a
//! sample scored in parts scores the same as in one run.

use super::preprocess::Preprocess;
use anyhow::{bail, Context, Result};
use candle_core::{DType, Device, IndexOp, Module, Tensor};
use candle_nn::{Linear, VarBuilder};
use candle_transformers::models::clip::text_model::{
    Activation, ClipTextConfig, ClipTextTransformer,
};
use candle_transformers::models::clip::vision_model::{ClipVisionConfig, ClipVisionTransformer};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use tokenizers::{Tokenizer, TruncationParams};

/// Hugging Face's `CLIPTextConfig`, with its defaults.
#[derive(Deserialize)]
#[serde(default)]
struct TextConfig {
    vocab_size: usize,
    hidden_size: usize,
    intermediate_size: usize,
    num_hidden_layers: usize,
    num_attention_heads: usize,
    max_position_embeddings: usize,
    hidden_act: String,
    layer_norm_eps: f64,
}

impl Default for TextConfig {
    fn default() -> Self {
        TextConfig {
            vocab_size: 49408,
            hidden_size: 512,
            intermediate_size: 2048,
            num_hidden_layers: 12,
            num_attention_heads: 8,
            max_position_embeddings: 77,
            hidden_act: "quick_gelu".into(),
            layer_norm_eps: 1e-5,
        }
    }
}

/// Hugging Face's `CLIPVisionConfig`, with its defaults.
#[derive(Deserialize)]
#[serde(default)]
struct VisionConfig {
    hidden_size: usize,
    intermediate_size: usize,
    num_hidden_layers: usize,
    num_attention_heads: usize,
    num_channels: usize,
    image_size: usize,
    patch_size: usize,
    hidden_act: String,
    layer_norm_eps: f64,
}

impl Default for VisionConfig {
    fn default() -> Self {
        VisionConfig {
            hidden_size: 768,
            intermediate_size: 3072,
            num_hidden_layers: 12,
            num_attention_heads: 12,
            num_channels: 3,
            image_size: 224,
            patch_size: 32,
            hidden_act: "quick_gelu".into(),
            layer_norm_eps: 1e-5,
        }
    }
}

#[derive(Deserialize)]
struct Config {
    #[serde(default)]
    text_config: TextConfig,
    #[serde(default)]
    vision_config: VisionConfig,
    #[serde(default = "default_projection")]
    projection_dim: usize,
}

fn default_projection() -> usize {
    512
}

/// candle's CLIP implements quick_gelu and a layer-norm epsilon of 1e-5 only: other
/// settings are refused rather than run wrongly.
fn check_supported(path: &Path, tower: &str, act: &str, eps: f64) -> Result<()> {
    if act != "quick_gelu" {
        bail!(
            "{}: {tower} hidden_act {act:?} is not supported (only quick_gelu, as OpenAI's CLIP)",
            path.display()
        );
    }
    if (eps - 1e-5).abs() > 1e-12 {
        bail!(
            "{}: {tower} layer_norm_eps {eps} is not supported (only 1e-5)",
            path.display()
        );
    }
    Ok(())
}

pub struct ClipEncoder {
    text: ClipTextTransformer,
    vision: ClipVisionTransformer,
    text_projection: Linear,
    visual_projection: Linear,
    tokenizer: Tokenizer,
    device: Device,
    pub preprocess: Preprocess,
    /// Tokens per text, the end-of-text token included (CLIP's maximum positions).
    pub max_tokens: usize,
    dir: PathBuf,
}

impl ClipEncoder {
    pub fn load(dir: &Path) -> Result<ClipEncoder> {
        let device = crate::embed::transformer::device()?;
        let config_path = dir.join("config.json");
        let text = std::fs::read_to_string(&config_path)
            .with_context(|| format!("reading {}", config_path.display()))?;
        let c: Config = serde_json::from_str(&text)
            .with_context(|| format!("parsing {}", config_path.display()))?;
        let (t, v) = (&c.text_config, &c.vision_config);
        check_supported(&config_path, "text_config", &t.hidden_act, t.layer_norm_eps)?;
        check_supported(
            &config_path,
            "vision_config",
            &v.hidden_act,
            v.layer_norm_eps,
        )?;
        let text_config = ClipTextConfig {
            vocab_size: t.vocab_size,
            embed_dim: t.hidden_size,
            activation: Activation::QuickGelu,
            intermediate_size: t.intermediate_size,
            max_position_embeddings: t.max_position_embeddings,
            pad_with: None,
            num_hidden_layers: t.num_hidden_layers,
            num_attention_heads: t.num_attention_heads,
            projection_dim: c.projection_dim,
        };
        let vision_config = ClipVisionConfig {
            embed_dim: v.hidden_size,
            activation: Activation::QuickGelu,
            intermediate_size: v.intermediate_size,
            num_hidden_layers: v.num_hidden_layers,
            num_attention_heads: v.num_attention_heads,
            projection_dim: c.projection_dim,
            num_channels: v.num_channels,
            image_size: v.image_size,
            patch_size: v.patch_size,
        };
        let weights = dir.join("model.safetensors");
        // SAFETY: the weights file is memory-mapped read-only; ftqa never writes to it.
        let vb = unsafe { VarBuilder::from_mmaped_safetensors(&[&weights], DType::F32, &device) }
            .with_context(|| format!("loading {}", weights.display()))?;
        let build = || -> candle_core::Result<_> {
            // The class embedding must come from the weights: candle would draw a random one.
            vb.pp("vision_model.embeddings")
                .get(v.hidden_size, "class_embedding")?;
            Ok((
                ClipTextTransformer::new(vb.pp("text_model"), &text_config)?,
                ClipVisionTransformer::new(vb.pp("vision_model"), &vision_config)?,
                candle_nn::linear_no_bias(
                    t.hidden_size,
                    c.projection_dim,
                    vb.pp("text_projection"),
                )?,
                candle_nn::linear_no_bias(
                    v.hidden_size,
                    c.projection_dim,
                    vb.pp("visual_projection"),
                )?,
            ))
        };
        let (text, vision, text_projection, visual_projection) =
            build().with_context(|| format!("building CLIP from {}", weights.display()))?;

        let tok_path = dir.join("tokenizer.json");
        let mut tokenizer = Tokenizer::from_file(&tok_path)
            .map_err(|e| anyhow::anyhow!("loading {}: {e}", tok_path.display()))?;
        tokenizer.with_padding(None);
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: t.max_position_embeddings,
                ..Default::default()
            }))
            .map_err(|e| anyhow::anyhow!("setting truncation: {e}"))?;
        let preprocess = Preprocess::from_dir(dir, v.image_size as u32)?;
        Ok(ClipEncoder {
            text,
            vision,
            text_projection,
            visual_projection,
            tokenizer,
            device,
            preprocess,
            max_tokens: t.max_position_embeddings,
            dir: dir.to_path_buf(),
        })
    }

    /// Token ids of a text as CLIP sees it: start and end tokens added, truncated to
    /// [`ClipEncoder::max_tokens`].
    pub fn tokens(&self, text: &str) -> Result<Vec<u32>> {
        let enc = self
            .tokenizer
            .encode(text, true)
            .map_err(|e| anyhow::anyhow!("tokenising: {e}"))?;
        Ok(enc.get_ids().to_vec())
    }

    /// The projected text embedding of a token sequence, pooled at its last token.
    pub fn embed_ids(&self, ids: &[u32]) -> Result<Vec<f32>> {
        if ids.is_empty() || ids.len() > self.max_tokens {
            bail!(
                "a CLIP text takes 1 to {} tokens, got {}",
                self.max_tokens,
                ids.len()
            );
        }
        let input = Tensor::from_slice(ids, (1, ids.len()), &self.device)?;
        let hidden = self.text.forward_with_mask(&input, usize::MAX)?;
        let pooled = hidden.i((.., ids.len() - 1, ..))?;
        let projected = self.text_projection.forward(&pooled)?;
        Ok(projected.flatten_all()?.to_vec1::<f32>()?)
    }

    pub fn embed_text(&self, text: &str) -> Result<Vec<f32>> {
        self.embed_ids(&self.tokens(text)?)
    }

    /// The projected image embedding of preprocessed pixels (3 × size × size).
    pub fn embed_pixels(&self, pixels: &[f32]) -> Result<Vec<f32>> {
        let s = self.preprocess.crop as usize;
        let input = Tensor::from_slice(pixels, (1, 3, s, s), &self.device)?;
        let pooled = self.vision.forward(&input)?;
        let projected = self.visual_projection.forward(&pooled)?;
        Ok(projected.flatten_all()?.to_vec1::<f32>()?)
    }

    pub fn embed_image(&self, img: &image::DynamicImage) -> Result<Vec<f32>> {
        self.embed_pixels(&self.preprocess.pixels(img))
    }

    /// What ran, for the methods note.
    pub fn describe(&self) -> String {
        format!(
            "the CLIP in {} on candle ({})",
            self.dir.display(),
            if self.device.is_cpu() { "CPU" } else { "GPU" }
        )
    }
}
