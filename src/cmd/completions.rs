//! `ftqa completions SHELL`: print a completion script for the command line as it is
//! (generated from the clap definition, so it never lags behind a new flag).

use anyhow::{Context, Result};
use clap::{Args, CommandFactory};
use clap_complete::Shell;
use std::io::Write;

#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// The shell to write the script for.
    #[arg(value_enum)]
    pub shell: Shell,
}

pub fn run(args: CompletionsArgs) -> Result<i32> {
    let mut cli = visible(super::Cli::command());
    // Generated into memory first: clap_complete panics on a failed write, and a closed
    // pipe (`ftqa completions bash | head`) should be an error, not a panic.
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut cli, "ftqa", &mut script);
    let mut out = std::io::stdout().lock();
    out.write_all(&script)
        .and_then(|()| out.flush())
        .context("writing the completion script to stdout")?;
    Ok(0)
}

/// The command line without its hidden subcommands (`fixtures`, `bench-data`: for the
/// project, not its users), which clap_complete would otherwise offer.
fn visible(full: clap::Command) -> clap::Command {
    clap::Command::new("ftqa")
        .version(env!("CARGO_PKG_VERSION"))
        .subcommand_required(true)
        .args(full.get_arguments().cloned())
        .subcommands(full.get_subcommands().filter(|s| !s.is_hide_set()).cloned())
}
