//! `ftqa bench-data` (hidden): write a large synthetic dataset for benchmarks.

use anyhow::Result;
use clap::Args;
use std::path::PathBuf;

#[derive(Args)]
pub struct BenchDataArgs {
    /// Records to generate.
    #[arg(long, default_value_t = 1_000_000)]
    pub records: u64,
    /// JSONL file to write.
    #[arg(long)]
    pub jsonl: PathBuf,
    /// Also write the records as this Parquet file.
    #[arg(long)]
    pub parquet: Option<PathBuf>,
}

pub fn run(args: BenchDataArgs) -> Result<i32> {
    crate::fixtures::bench::write(args.records, &args.jsonl, args.parquet.as_deref())?;
    Ok(0)
}
