//! The command line, kept at its old path: the commands live in [`crate::cmd`].

pub use crate::cmd::{run, Cli, Command};
