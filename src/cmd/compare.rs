//! `ftqa compare A B [C ...]`: analyses each dataset with the same flags as `ftqa report`,
//! measures how much of each appears in the others, and writes a comparison folder:
//! `compare.json`, `compare.md`, `compare.html`, overlaid `plots/`, and each dataset's own
//! report under `reports/<label>/`.
//!
//! Size-dependent indices (cluster counts, task inference, lexical diversity) grow with the
//! number of records, so every dataset is analysed on a seeded sample of one common size N:
//! the smaller of `--sample-size` and the smallest dataset's analysable record count (the
//! smallest count when `--sample-size 0`). A counting pass over each dataset finds it, and
//! every output states it.

use super::common::AnalysisArgs;
use crate::dedup::{overlap, OverlapConfig};
use crate::load::{LoadEvent, Loader};
use anyhow::{bail, Context, Result};
use clap::Args;
use ftqa_metrics::registry::AnalysisConfig;
use ftqa_metrics::result::OverlapMatrix;
use ftqa_reports::compare::model::{label, CommonSample};
use ftqa_reports::compare::{render_compare_terminal, write_compare_dir, Comparison};
use std::path::PathBuf;

/// Folder used when `-o` is not given.
pub const DEFAULT_OUT: &str = "ftqa-compare";

#[derive(Args)]
// mut_arg re-registers the argument last, so the positions are pinned: A first, then the others.
#[command(mut_arg("path", |a| a.index(1).value_name("A").help("The reference dataset: every change is read against it")))]
#[command(mut_arg("out", |a| a.help("Comparison folder [default: ftqa-compare]")))]
pub struct CompareArgs {
    #[command(flatten)]
    pub report: AnalysisArgs,
    /// B, C, ...: the datasets compared with A.
    #[arg(index = 2, required = true, num_args = 1.., value_name = "OTHER")]
    pub others: Vec<String>,
    /// Skip the overlap matrix (it reads every dataset once more).
    #[arg(long)]
    pub no_overlap: bool,
}

pub fn run(mut args: CompareArgs) -> Result<i32> {
    let out = args
        .report
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from(DEFAULT_OUT));
    args.report.prepare_config()?;
    let paths: Vec<String> = std::iter::once(args.report.path.clone())
        .chain(args.others.iter().cloned())
        .collect();
    if paths.len() > 26 * 4 {
        bail!("{} datasets: compare at most 104 at once", paths.len());
    }
    let common = common_sample(&args.report, &paths)?;
    args.report.sample_size = usize::try_from(common.size).unwrap_or(usize::MAX);
    let mut reports = Vec::with_capacity(paths.len());
    for (i, p) in paths.iter().enumerate() {
        args.report.path = p.clone();
        let dir = out.join("reports").join(label(i));
        let report = args
            .report
            .analyze(&dir)
            .with_context(|| format!("analysing {} ({p})", label(i)))?;
        ftqa_reports::write_report_dir(&report, &dir)
            .with_context(|| format!("writing {}", dir.display()))?;
        reports.push(report);
    }
    args.report.path = paths[0].clone();
    let (matrix, note) = if args.no_overlap {
        (None, Some("Skipped (--no-overlap).".to_string()))
    } else {
        (Some(overlap_matrix(&args, &paths)?), None)
    };
    let comparison = Comparison::new(reports, matrix, note).with_common_sample(common);
    write_compare_dir(&comparison, &out)
        .with_context(|| format!("writing the comparison to {}", out.display()))?;
    if !args.report.quiet {
        print!("{}", render_compare_terminal(&comparison));
        println!("compare: {}", out.join("compare.html").display());
    }
    Ok(0)
}

/// Counts each dataset's analysable records (a load pass, no analysis) and picks the common
/// sample size from them and `--sample-size`.
fn common_sample(args: &AnalysisArgs, paths: &[String]) -> Result<CommonSample> {
    let mut counts = Vec::with_capacity(paths.len());
    for (i, p) in paths.iter().enumerate() {
        let loader = Loader::open(&args.input.load_options(p))
            .with_context(|| format!("counting the records of {} ({p})", label(i)))?;
        let n = loader.filter(|e| matches!(e, LoadEvent::Record(_))).count();
        counts.push(n as u64);
    }
    Ok(CommonSample::choose(
        args.sample_size as u64,
        args.sample_seed,
        &counts,
    ))
}

/// Exact, near and (with an embedder) semantic overlap, with the same MinHash and semantic
/// settings as the report's dedup metrics.
fn overlap_matrix(args: &CompareArgs, paths: &[String]) -> Result<OverlapMatrix> {
    let inputs: Vec<_> = paths
        .iter()
        .map(|p| args.report.input.load_options(p))
        .collect();
    let mut analysis = AnalysisConfig::default();
    args.report.embed.apply(&mut analysis)?;
    let dedup = args.report.dedup.config()?;
    let embedder = (dedup.semantic_max_records > 0).then(|| {
        analysis
            .embedder
            .clone()
            .unwrap_or_else(ftqa_metrics::embed::default_embedder)
    });
    let config = OverlapConfig {
        near: dedup.near,
        embedder,
        semantic_threshold: dedup.semantic_threshold,
        semantic_max_records: dedup.semantic_max_records,
        ..OverlapConfig::default()
    };
    overlap(&inputs, &config).context("measuring overlap between the datasets")
}
