//! `ftqa metrics`: list every metric id with its definition.

use anyhow::Result;
use clap::Args;

#[derive(Args)]
pub struct MetricsArgs {
    /// Print the Markdown reference (docs/METRICS.md) instead of a plain list.
    #[arg(long)]
    pub markdown: bool,
}

pub fn run(args: MetricsArgs) -> Result<i32> {
    print!("{}", crate::metric_docs::render(args.markdown));
    Ok(0)
}
