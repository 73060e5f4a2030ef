//! The shape of the command line: every argument of every subcommand has help, closed sets
//! of values are listed, and no command module under src/cmd/ imports another command's.

use clap::{CommandFactory, Parser};
use ftqa::cmd::{Cli, COMMAND_MODULES, SHARED_MODULES};
use std::collections::BTreeSet;
use std::path::Path;

/// Every subcommand (nested ones too, hidden ones included) with its path.
fn subcommands(cmd: &clap::Command, prefix: &str, out: &mut Vec<(String, clap::Command)>) {
    for sub in cmd.get_subcommands() {
        let name = format!("{prefix} {}", sub.get_name());
        out.push((name.clone(), sub.clone()));
        subcommands(sub, &name, out);
    }
}

#[test]
fn every_argument_of_every_subcommand_has_help() {
    let mut cli = Cli::command();
    cli.build();
    let mut subs = Vec::new();
    subcommands(&cli, "ftqa", &mut subs);
    assert!(subs.len() >= 10, "{} subcommands", subs.len());
    let mut missing = Vec::new();
    let mut checked = 0;
    for (name, sub) in &subs {
        for arg in sub.get_arguments() {
            checked += 1;
            let help = arg
                .get_help()
                .or(arg.get_long_help())
                .map(|h| h.to_string())
                .unwrap_or_default();
            if help.trim().is_empty() {
                missing.push(format!("{name} {}", arg.get_id()));
            }
        }
    }
    assert!(checked > 100, "only {checked} arguments seen");
    assert!(missing.is_empty(), "arguments without help: {missing:#?}");
}

#[test]
fn closed_sets_list_their_values() {
    let mut cli = Cli::command();
    cli.build();
    let values = |sub: &str, id: &str| -> Vec<String> {
        let sub = cli.find_subcommand(sub).unwrap();
        let arg = sub
            .get_arguments()
            .find(|a| a.get_id() == id)
            .unwrap_or_else(|| panic!("{id}"));
        arg.get_possible_values()
            .iter()
            .map(|v| v.get_name().to_string())
            .collect()
    };
    assert_eq!(
        values("report", "format"),
        ["jsonl", "json", "csv", "tsv", "parquet", "arrow"]
    );
    assert!(values("report", "schema").contains(&"sharegpt".to_string()));
    assert_eq!(
        values("report", "embedder"),
        ["static", "lexical", "minilm"]
    );
    assert_eq!(
        values("report", "task_embedder"),
        ["static", "lexical", "minilm"]
    );
    assert_eq!(
        values("report", "dbscan_search"),
        ["auto", "brute", "partition"]
    );
    assert_eq!(values("report", "shingle"), ["char", "word"]);
    assert_eq!(
        values("dedup", "level"),
        ["none", "exact", "near", "semantic"]
    );
    assert_eq!(values("dedup", "by"), ["sample", "instruction", "response"]);
    assert_eq!(
        values("check", "output_format"),
        ["human", "json", "junit", "github"]
    );
}

#[test]
fn old_spellings_still_parse() {
    for args in [
        &["ftqa", "report", "d", "--schema", "vicuna"][..],
        &["ftqa", "report", "d", "--schema", "Share-GPT"],
        &["ftqa", "report", "d", "--schema", "self-instruct"],
        &["ftqa", "report", "d", "--format", "NDJSON"],
        &["ftqa", "report", "d", "--format", "feather"],
        &["ftqa", "report", "d", "--embedder", "transformer"],
        &["ftqa", "report", "d", "--shingle", "words"],
        &[
            "ftqa",
            "check",
            "d",
            "--input-format",
            "pq",
            "--format",
            "json",
        ],
        &[
            "ftqa",
            "dedup",
            "d",
            "--by",
            "conversation",
            "--level",
            "none",
        ],
        &["ftqa", "model", "where"],
    ] {
        if let Err(e) = Cli::try_parse_from(args) {
            panic!("{args:?}: {e}");
        }
    }
    for args in [
        &["ftqa", "report", "d", "--schema", "nope"][..],
        &["ftqa", "report", "d", "--embedder", "Static"],
        &["ftqa", "dedup", "d", "--level", "fuzzy"],
        &["ftqa", "report", "d", "--dbscan-search", "kd"],
    ] {
        assert!(Cli::try_parse_from(args).is_err(), "{args:?}");
    }
}

/// Command modules a source file names, through `crate::cmd::X`, `ftqa::cmd::X`,
/// `super::X` or a braced group (`super::{X, Y}`, `crate::cmd::{X::f, Y}`).
fn named_modules(src: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for prefix in ["crate::cmd::", "ftqa::cmd::", "super::"] {
        let mut rest = src;
        while let Some(i) = rest.find(prefix) {
            rest = &rest[i + prefix.len()..];
            let items: Vec<&str> = if let Some(group) = rest.strip_prefix('{') {
                let end = group.find('}').unwrap_or(group.len());
                group[..end].split(',').collect()
            } else {
                vec![rest]
            };
            for item in items {
                let name: String = item
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    found.insert(name);
                }
            }
        }
    }
    found
}

#[test]
fn the_import_scanner_sees_every_form() {
    let src = "use super::common::X;\nuse crate::cmd::report::run;\nuse super::{check, values::By};\nlet _ = ftqa::cmd::dedup::run;";
    let got = named_modules(src);
    for m in ["common", "report", "check", "values", "dedup"] {
        assert!(got.contains(m), "{m} in {got:?}");
    }
}

#[test]
fn no_command_module_imports_another() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/cmd");
    let mut on_disk = BTreeSet::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let stem = path.file_stem().unwrap().to_str().unwrap().to_string();
        if path.extension().is_some_and(|e| e == "rs") && stem != "mod" {
            on_disk.insert(stem);
        }
    }
    let listed: BTreeSet<String> = COMMAND_MODULES
        .iter()
        .chain(SHARED_MODULES)
        .map(|s| s.to_string())
        .collect();
    assert_eq!(
        on_disk, listed,
        "src/cmd/ and COMMAND_MODULES/SHARED_MODULES disagree"
    );
    let mut violations = Vec::new();
    for module in COMMAND_MODULES {
        let src = std::fs::read_to_string(dir.join(format!("{module}.rs"))).unwrap();
        for other in named_modules(&src) {
            if other != *module && COMMAND_MODULES.contains(&other.as_str()) {
                violations.push(format!("src/cmd/{module}.rs imports cmd::{other}"));
            }
        }
    }
    assert!(violations.is_empty(), "{violations:#?}");
}

#[test]
fn shared_modules_import_no_command() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/cmd");
    for module in SHARED_MODULES {
        let src = std::fs::read_to_string(dir.join(format!("{module}.rs"))).unwrap();
        for other in named_modules(&src) {
            assert!(
                !COMMAND_MODULES.contains(&other.as_str()),
                "src/cmd/{module}.rs imports cmd::{other}"
            );
        }
    }
}
