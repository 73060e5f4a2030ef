//! The settings a partial result was made with: every analysis flag of `ftqa report` (or
//! of `ftqa dedup` for dedup signatures),
//! written out canonically (each flag, its value or default, in definition order), and a
//! hash over them and the contents of the files they name. Parts merge only when their
//! hashes agree, and `ftqa merge` rebuilds the analysis from the flags.
//!
//! The flags are read from clap's own definition of `report`, so a flag added later is a
//! setting without anyone listing it; only the flags below say how to run, not what to
//! compute.

use anyhow::{anyhow, bail, Context, Result};
use clap::{ArgAction, ArgMatches, Command};
use sha2::{Digest, Sha256};
use std::ffi::OsString;
use std::path::Path;

/// Flags that do not change a result: where the data and the output are, how the run
/// looks, how many threads it takes, and which step of a split run this is.
pub const NOT_SETTINGS: &[&str] = &[
    "path",
    "paths",
    "out",
    "partial",
    "merge",
    "apply",
    "dry_run",
    "quiet",
    "no_progress",
    "threads",
    "help",
    "version",
];

/// Flags whose values are files that the analysis reads: their contents are hashed, so
/// two parts made against different benchmark files never merge.
const FILE_FLAGS: &[&str] = &["benchmarks", "config"];

/// A subcommand (`report`, `dedup`) as clap defines it.
fn subcommand(name: &str) -> Command {
    use clap::CommandFactory;
    crate::cmd::Cli::command()
        .find_subcommand(name)
        .cloned()
        .unwrap_or_else(|| panic!("no {name} subcommand"))
}

/// The canonical settings of an `ftqa <sub>` command line (`argv` as the process got it).
pub fn from_argv(argv: impl IntoIterator<Item = OsString>, sub: &str) -> Result<Vec<String>> {
    use clap::CommandFactory;
    let matches = crate::cmd::Cli::command()
        .try_get_matches_from(argv)
        .map_err(|e| anyhow!("reading the command line for the part's settings: {e}"))?;
    let found = matches
        .subcommand_matches(sub)
        .ok_or_else(|| anyhow!("these settings are written by `ftqa {sub} --partial`"))?;
    canonical(&subcommand(sub), found)
}

/// The settings flags given on an `ftqa <sub>` command line (not defaults), as `--flag`.
pub fn given(argv: impl IntoIterator<Item = OsString>, sub: &str) -> Result<Vec<String>> {
    use clap::CommandFactory;
    let matches = crate::cmd::Cli::command()
        .try_get_matches_from(argv)
        .map_err(|e| anyhow!("reading the command line: {e}"))?;
    let Some(found) = matches.subcommand_matches(sub) else {
        return Ok(Vec::new());
    };
    Ok(subcommand(sub)
        .get_arguments()
        .filter(|a| !NOT_SETTINGS.contains(&a.get_id().as_str()))
        .filter(|a| {
            found.value_source(a.get_id().as_str()) == Some(clap::parser::ValueSource::CommandLine)
        })
        .map(|a| format!("--{}", a.get_long().unwrap_or(a.get_id().as_str())))
        .collect())
}

fn canonical(cmd: &Command, matches: &ArgMatches) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for arg in cmd.get_arguments() {
        let id = arg.get_id().as_str();
        if NOT_SETTINGS.contains(&id) {
            continue;
        }
        let long = arg
            .get_long()
            .ok_or_else(|| anyhow!("argument `{id}` has no long flag to record"))?;
        match arg.get_action() {
            ArgAction::SetTrue => {
                if matches.get_flag(id) {
                    out.push(format!("--{long}"));
                }
            }
            ArgAction::Set | ArgAction::Append => {
                for v in matches.get_raw(id).into_iter().flatten() {
                    let v = v
                        .to_str()
                        .ok_or_else(|| anyhow!("--{long} has a value that is not UTF-8"))?;
                    out.push(format!("--{long}={v}"));
                }
            }
            other => bail!("argument `{id}` has an action ({other:?}) settings cannot record"),
        }
    }
    Ok(out)
}

/// The `ftqa <sub>` arguments the settings stand for, over a placeholder path.
pub fn to_argv(settings: &[String], sub: &str) -> Vec<OsString> {
    let mut argv: Vec<OsString> = vec!["ftqa".into(), sub.into(), "<parts>".into()];
    argv.extend(settings.iter().map(OsString::from));
    argv
}

/// `sha256:` + the hash of the settings of `ftqa <sub>` and of the contents of the files
/// they name.
pub fn hash(settings: &[String], sub: &str) -> Result<String> {
    let mut h = Sha256::new();
    for s in settings {
        h.update(s.as_bytes());
        h.update([0]);
    }
    let cmd = subcommand(sub);
    for arg in cmd.get_arguments() {
        let id = arg.get_id().as_str();
        if !FILE_FLAGS.contains(&id) {
            continue;
        }
        let prefix = format!("--{}=", arg.get_long().unwrap_or(id));
        for path in settings.iter().filter_map(|s| s.strip_prefix(&prefix)) {
            hash_path(&mut h, Path::new(path))
                .with_context(|| format!("hashing {path} ({prefix}...) for the settings"))?;
        }
    }
    Ok(format!("sha256:{:x}", h.finalize()))
}

/// Hashes a file's bytes, or a folder's files in name order (names and bytes).
fn hash_path(h: &mut Sha256, path: &Path) -> Result<()> {
    if path.is_dir() {
        let mut entries: Vec<_> = std::fs::read_dir(path)?
            .collect::<std::io::Result<Vec<_>>>()?
            .into_iter()
            .map(|e| e.path())
            .collect();
        entries.sort();
        for e in entries {
            h.update(e.file_name().map(|n| n.as_encoded_bytes()).unwrap_or(b""));
            h.update([0]);
            hash_path(h, &e)?;
        }
    } else if path.exists() {
        use std::io::Read;
        let mut f = std::fs::File::open(path)?;
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let n = f.read(&mut buf)?;
            if n == 0 {
                break;
            }
            h.update(&buf[..n]);
        }
    }
    // A name that is not a file (a built-in benchmark name) is hashed as text above.
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(args: &[&str]) -> Vec<String> {
        let mut argv = vec!["ftqa", "report", "data.jsonl"];
        argv.extend(args);
        from_argv(argv.into_iter().map(OsString::from), "report").unwrap()
    }

    #[test]
    fn run_flags_are_not_settings_and_defaults_are_written_out() {
        let a = settings(&[]);
        let b = settings(&["-o", "x.ftqa", "--threads", "3", "--quiet", "--no-progress"]);
        assert_eq!(a, b);
        assert!(a.contains(&"--sample-size=10000".to_string()), "{a:?}");
        assert!(!a.iter().any(|s| s.starts_with("--threads")));
        assert_eq!(hash(&a, "report").unwrap(), hash(&b, "report").unwrap());
    }

    #[test]
    fn analysis_flags_change_the_settings_and_round_trip() {
        let a = settings(&["--sample-size", "500", "--only", "length,dedup", "--strict"]);
        assert_ne!(a, settings(&[]));
        assert_ne!(
            hash(&a, "report").unwrap(),
            hash(&settings(&[]), "report").unwrap()
        );
        assert!(a.contains(&"--only=length".to_string()) && a.contains(&"--strict".to_string()));
        // The canonical form parses back to itself.
        let again = from_argv(to_argv(&a, "report"), "report").unwrap();
        assert_eq!(again, a);
    }

    #[test]
    fn benchmark_contents_are_hashed() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("bench.jsonl");
        std::fs::write(&f, "{\"question\": \"a\"}\n").unwrap();
        let s = settings(&["--benchmark", f.to_str().unwrap()]);
        let before = hash(&s, "report").unwrap();
        std::fs::write(&f, "{\"question\": \"b\"}\n").unwrap();
        assert_ne!(hash(&s, "report").unwrap(), before);
    }
}
