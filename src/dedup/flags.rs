//! Flags shared by `ftqa report` and `ftqa dedup`: MinHash/LSH, semantic and benchmark settings.

use crate::cmd::values::Shingle;
use anyhow::{bail, Result};
use clap::Args;
use ftqa_metrics::contamination::{BenchmarkIndex, ContaminationConfig};
use ftqa_metrics::dedup::shingle::Shingling;
use ftqa_metrics::dedup::{DedupConfig, NearConfig};
use ftqa_metrics::embed::Embedder;
use std::sync::Arc;

#[derive(Args, Clone, Debug)]
pub struct DedupFlags {
    /// MinHash permutations per signature (stored as one byte each).
    #[arg(long, default_value_t = 128, help_heading = "Near-duplicates")]
    pub num_perm: usize,
    /// LSH bands; rows per band = permutations / bands.
    #[arg(long, default_value_t = 32, help_heading = "Near-duplicates")]
    pub bands: usize,
    /// Shingle unit: char or word.
    #[arg(long, value_enum, default_value_t = Shingle::Char, help_heading = "Near-duplicates")]
    pub shingle: Shingle,
    /// Characters or words per shingle.
    #[arg(long, default_value_t = 5, help_heading = "Near-duplicates")]
    pub shingle_size: usize,
    /// Estimated Jaccard similarity at which two texts are near-duplicates.
    #[arg(long, default_value_t = 0.7, help_heading = "Near-duplicates")]
    pub near_threshold: f32,
    /// Embedding cosine similarity at which two texts are semantic duplicates.
    #[arg(long, default_value_t = ftqa_metrics::dedup::DEFAULT_SEMANTIC_THRESHOLD, help_heading = "Near-duplicates")]
    pub semantic_threshold: f32,
    /// Records embedded for semantic dedup in reports [default: all] (0 turns it off).
    #[arg(long, value_name = "N", help_heading = "Near-duplicates")]
    pub semantic_max_records: Option<usize>,
}

impl DedupFlags {
    pub fn near(&self) -> Result<NearConfig> {
        let kind = self.shingle.kind();
        let c = NearConfig {
            num_perm: self.num_perm,
            bands: self.bands,
            shingling: Shingling {
                kind,
                size: self.shingle_size,
            },
            threshold: self.near_threshold,
        };
        c.validate().map_err(anyhow::Error::msg)?;
        Ok(c)
    }

    pub fn config(&self) -> Result<DedupConfig> {
        if !(self.semantic_threshold > 0.0 && self.semantic_threshold <= 1.0) {
            bail!(
                "--semantic-threshold must be a cosine similarity in (0, 1], got {}",
                self.semantic_threshold
            );
        }
        Ok(DedupConfig {
            near: self.near()?,
            semantic_threshold: self.semantic_threshold,
            semantic_max_records: self
                .semantic_max_records
                .unwrap_or(ftqa_metrics::dedup::DEFAULT_SEMANTIC_MAX_RECORDS),
        })
    }
}

#[derive(Args, Clone, Debug, Default)]
pub struct BenchmarkFlags {
    /// A benchmark file (any supported format) to check the data against; repeatable.
    /// Question and answer fields are picked automatically.
    #[arg(
        long = "benchmark",
        value_name = "PATH",
        help_heading = "Contamination"
    )]
    pub benchmarks: Vec<String>,
    /// Strengths to run, comma-separated: ngram, near, paraphrase.
    #[arg(
        long,
        default_value = "ngram,near,paraphrase",
        help_heading = "Contamination"
    )]
    pub contamination_strengths: String,
    /// Share of a benchmark text that must be inside one turn for a near match.
    #[arg(long, default_value_t = 0.7, help_heading = "Contamination")]
    pub contamination_near_threshold: f32,
    /// Cosine similarity of a user turn to a benchmark question that flags a paraphrase candidate.
    #[arg(long, default_value_t = 0.9, help_heading = "Contamination")]
    pub paraphrase_threshold: f32,
}

impl BenchmarkFlags {
    pub fn config(&self) -> Result<ContaminationConfig> {
        let mut c = ContaminationConfig {
            ngram: false,
            near: false,
            paraphrase: false,
            ..Default::default()
        };
        for s in self
            .contamination_strengths
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            match s {
                "ngram" => c.ngram = true,
                "near" => c.near = true,
                "paraphrase" => c.paraphrase = true,
                other => bail!("unknown --contamination-strengths entry {other:?}: use ngram, near, paraphrase"),
            }
        }
        for (name, v) in [
            (
                "--contamination-near-threshold",
                self.contamination_near_threshold,
            ),
            ("--paraphrase-threshold", self.paraphrase_threshold),
        ] {
            if !(v > 0.0 && v <= 1.0) {
                bail!("{name} must be in (0, 1], got {v}");
            }
        }
        c.near_threshold = self.contamination_near_threshold;
        c.paraphrase_threshold = self.paraphrase_threshold;
        Ok(c)
    }

    /// The index over every `--benchmark`, or `None` without any.
    pub fn index(
        &self,
        embedder: Option<Arc<dyn Embedder>>,
    ) -> Result<Option<Arc<BenchmarkIndex>>> {
        if self.benchmarks.is_empty() {
            return Ok(None);
        }
        let embedder = embedder.unwrap_or_else(ftqa_metrics::embed::default_embedder);
        crate::benchmarks::index(&self.benchmarks, self.config()?, Some(embedder)).map(Some)
    }
}
