//! `ftqa completions SHELL` through the real binary: each script is non-empty, names the
//! subcommands and their flags, and its shell accepts it.
//!
//! bash is required (CI has it): its script must pass `bash -n`, and sourcing it must
//! complete a subcommand and a flag. zsh and fish are checked (`zsh -n`, `fish --no-execute`)
//! only where they are installed, since CI machines do not have them; a skipped check says
//! so on stderr.

mod common;

use common::{ftqa, stderr, stdout};
use std::path::Path;
use std::process::Command;

/// Subcommands every script must offer. (`merge` joins them with issue 14's merge work.)
const SUBCOMMANDS: [&str; 8] = [
    "report",
    "compare",
    "check",
    "dedup",
    "init",
    "metrics",
    "model",
    "element-graph",
];
/// Flags of `report` (and `check`, which shares them) every script must offer.
const FLAGS: [&str; 4] = ["--only", "--skip", "--threads", "--embedder"];

fn script(shell: &str) -> String {
    let o = ftqa(&["completions", shell]);
    assert!(
        o.status.success(),
        "ftqa completions {shell}: {}",
        stderr(&o)
    );
    let s = stdout(&o);
    assert!(!s.trim().is_empty(), "{shell}: empty script");
    s
}

fn names_everything(shell: &str, s: &str) {
    for word in SUBCOMMANDS {
        assert!(s.contains(word), "{shell} script does not name {word}");
    }
    for flag in FLAGS {
        // fish spells a long flag `-l only`.
        let spelled = match shell {
            "fish" => format!("-l {}", &flag[2..]),
            _ => flag.to_string(),
        };
        assert!(s.contains(&spelled), "{shell} script does not name {flag}");
    }
    // Hidden commands (fixtures, bench-data) are for the project, not for users.
    assert!(
        !s.contains("bench-data"),
        "{shell} script offers bench-data"
    );
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_string()
}

fn installed(shell: &str) -> bool {
    Command::new(shell)
        .arg("-c")
        .arg("exit 0")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn run_ok(program: &str, args: &[&str]) -> String {
    let o = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("running {program}: {e}"));
    assert!(
        o.status.success(),
        "{program} {args:?} failed: {}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn bash_script_parses_and_completes() {
    let s = script("bash");
    names_everything("bash", &s);
    let t = tempfile::tempdir().unwrap();
    let path = write(t.path(), "ftqa.bash", &s);
    // Required: bash is on every machine this runs on.
    run_ok("bash", &["-n", &path]);
    // Sourced, its function completes a subcommand and a flag of `report`.
    let complete = |words: &str| {
        let n = words.split(' ').count() - 1;
        run_ok(
            "bash",
            &[
                "-c",
                &format!(
                    "source '{path}'; COMP_WORDS=({words}); COMP_CWORD={n}; \
                     COMP_LINE='{words}'; COMP_POINT=${{#COMP_LINE}}; \
                     _ftqa ftqa \"${{COMP_WORDS[$COMP_CWORD]}}\" \"${{COMP_WORDS[$COMP_CWORD-1]}}\"; \
                     printf '%s\\n' \"${{COMPREPLY[@]}}\""
                ),
            ],
        )
    };
    let subs = complete("ftqa re");
    assert!(subs.lines().any(|l| l == "report"), "ftqa re<TAB>: {subs}");
    let flags = complete("ftqa report --on");
    assert!(
        flags.lines().any(|l| l == "--only"),
        "ftqa report --on<TAB>: {flags}"
    );
}

#[test]
fn zsh_script_names_everything_and_parses_where_zsh_exists() {
    let s = script("zsh");
    names_everything("zsh", &s);
    assert!(s.starts_with("#compdef ftqa"), "{}", &s[..s.len().min(80)]);
    if installed("zsh") {
        let t = tempfile::tempdir().unwrap();
        run_ok("zsh", &["-n", &write(t.path(), "_ftqa", &s)]);
    } else {
        eprintln!("zsh not installed: the zsh script's syntax was not checked");
    }
}

#[test]
fn fish_script_names_everything_and_parses_where_fish_exists() {
    let s = script("fish");
    names_everything("fish", &s);
    assert!(
        s.contains("complete -c ftqa"),
        "not a fish completion script"
    );
    if installed("fish") {
        let t = tempfile::tempdir().unwrap();
        run_ok("fish", &["--no-execute", &write(t.path(), "ftqa.fish", &s)]);
    } else {
        eprintln!("fish not installed: the fish script's syntax was not checked");
    }
}

#[test]
fn an_unknown_shell_is_a_usage_error() {
    let o = ftqa(&["completions", "tcsh"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("bash"), "{}", stderr(&o));
}
