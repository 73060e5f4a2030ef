//! `ftqa fixtures` (hidden): write the generated fixtures with planted, known properties.

use anyhow::Result;
use clap::Args;
use std::path::PathBuf;

#[derive(Args)]
pub struct FixturesArgs {
    /// Folder to write the fixture files into.
    #[arg(long, default_value = "fixtures/generated")]
    pub out: PathBuf,
}

pub fn run(args: FixturesArgs) -> Result<i32> {
    let manifest = crate::fixtures::write_all(&args.out)?;
    eprintln!(
        "wrote {} fixture files to {}",
        manifest.len(),
        args.out.display()
    );
    Ok(0)
}
