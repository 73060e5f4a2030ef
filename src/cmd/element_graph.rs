//! `ftqa element-graph DATA -o DIR`: export each task's instruction element graph.

use super::common::InputArgs;
use anyhow::Result;
use clap::Args;
use std::path::PathBuf;

#[derive(Args)]
pub struct ElementGraphArgs {
    /// The dataset: a file, a folder of shards, or a glob.
    pub path: String,
    /// Output folder: one <task>.tsv per task.
    #[arg(short, long)]
    pub out: PathBuf,
    #[command(flatten)]
    pub input: InputArgs,
}

pub fn run(args: ElementGraphArgs) -> Result<i32> {
    let n = crate::element_graph::export(&args.input.load_options(&args.path), &args.out)?;
    eprintln!("wrote {n} task graphs to {}", args.out.display());
    Ok(0)
}
