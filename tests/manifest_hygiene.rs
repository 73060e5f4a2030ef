//! The manifests tell the truth (issue 14): the declared `rust-version` is at least what
//! every dependency built on this platform declares, and every path dependency carries a
//! version, so the crates can be published.

use serde_json::Value;
use std::process::Command;

fn metadata() -> Value {
    let host = String::from_utf8(
        Command::new("rustc")
            .arg("-vV")
            .output()
            .expect("rustc -vV")
            .stdout,
    )
    .unwrap()
    .lines()
    .find_map(|l| l.strip_prefix("host: ").map(str::to_string))
    .expect("host triple");
    // Offline and for this platform only: every crate it needs was fetched to build the
    // tests, so this needs no network.
    let o = Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--offline",
            "--filter-platform",
            &host,
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

fn version(v: &str) -> Vec<u64> {
    v.split('.').map(|p| p.parse().unwrap_or(0)).collect()
}

#[test]
fn rust_version_covers_every_dependency_and_path_deps_have_versions() {
    let m = metadata();
    let packages = m["packages"].as_array().unwrap();
    let members: Vec<&Value> = packages.iter().filter(|p| p["source"].is_null()).collect();
    assert!(members.len() >= 3, "workspace members: {}", members.len());
    let ours = members[0]["rust_version"]
        .as_str()
        .expect("rust-version is set");
    let (needed, who) = packages
        .iter()
        .filter_map(|p| Some((p["rust_version"].as_str()?, p["name"].as_str()?)))
        .max_by_key(|(v, _)| version(v))
        .unwrap();
    assert!(
        version(ours) >= version(needed),
        "rust-version = {ours}, but {who} needs {needed}"
    );
    for p in &members {
        assert_eq!(p["rust_version"].as_str(), Some(ours), "{}", p["name"]);
        for d in p["dependencies"].as_array().unwrap() {
            if d["path"].is_string() {
                assert_ne!(
                    d["req"].as_str(),
                    Some("*"),
                    "{} depends on {} by path without a version",
                    p["name"],
                    d["name"]
                );
            }
        }
    }
}
