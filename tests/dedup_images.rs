//! Image-aware dedup on the planted vision-language fixture fixtures/generated/vlit_dedup
//! (src/fixtures/vlit_dedup.rs; truth in its manifest.json): duplicates need the same
//! text and the same images, by reference or, with --image-root, by decoded content.
//! Checked through `ftqa report` (dedup.*, images.duplicate.*, also merged from parts),
//! `ftqa dedup` at every level, and `ftqa dedup --partial` + `--merge`.

mod common;

use common::*;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn dir() -> PathBuf {
    fixtures().join("vlit_dedup")
}

fn data() -> String {
    dir().join("data.jsonl").to_str().unwrap().to_string()
}

fn manifest() -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir().join("manifest.json")).unwrap()).unwrap()
}

/// `--image-root` of the fixture, or nothing (compare by reference).
fn root_flag(by_content: bool) -> Vec<String> {
    if by_content {
        vec!["--image-root".into(), dir().to_str().unwrap().into()]
    } else {
        Vec::new()
    }
}

fn mode(by_content: bool) -> &'static str {
    if by_content {
        "by_content"
    } else {
        "by_reference"
    }
}

fn expected(by_content: bool, level: &str) -> BTreeSet<String> {
    manifest()["removed"][mode(by_content)][level]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

/// Removed records of a removed.jsonl: id -> reason.
fn removed(path: &Path) -> Vec<(String, String)> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            (
                v["id"].as_str().unwrap().to_string(),
                v["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// `ftqa dedup ARGS --level LEVEL`, by content (with --image-root) or by reference.
fn run_dedup(args: &[&str], level: &str, by_content: bool) {
    let mut all: Vec<String> = ["dedup"]
        .iter()
        .chain(args)
        .map(|s| s.to_string())
        .collect();
    for a in ["--level", level, "--quiet", "--no-progress"] {
        all.push(a.to_string());
    }
    all.extend(root_flag(by_content));
    ftqa_ok(&all.iter().map(String::as_str).collect::<Vec<_>>());
}

fn ids(r: &[(String, String)]) -> BTreeSet<String> {
    r.iter().map(|x| x.0.clone()).collect()
}

#[test]
fn the_generator_planted_what_the_manifest_says() {
    let body = std::fs::read_to_string(data()).unwrap();
    assert_eq!(
        body.lines().count() as u64,
        manifest()["records"].as_u64().unwrap()
    );
    let img = |n: &str| std::fs::read(dir().join("images").join(n)).unwrap();
    // One picture under two names: h is a byte copy, d a re-encode (other bytes).
    assert_eq!(img("h.png"), img("h_copy.png"));
    assert_ne!(img("d.png"), img("d_copy.png"));
    let px = |n: &str| {
        image::open(dir().join("images").join(n))
            .unwrap()
            .into_rgba8()
    };
    assert_eq!(px("d.png"), px("d_copy.png"));
    assert_ne!(px("a1.png"), px("a2.png"));
}

#[test]
fn report_counts_duplicates_only_where_images_match() {
    let tmp = tempfile::tempdir().unwrap();
    for by_content in [false, true] {
        let out = tmp.path().join(mode(by_content));
        let mut extra: Vec<String> = vec!["--semantic-threshold".into(), "0.9".into()];
        extra.extend(root_flag(by_content));
        let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
        let r = report(Path::new(&data()), &out, &extra);
        let m = |id: &str| metric(&r, id).unwrap_or_else(|| panic!("{id} missing"));
        // The whole-sample counts are the planted removals: exact (c2, t2; d2 by
        // content), near and semantic (also e2). a2, f2 (same text on other pictures)
        // and t3 (a1's text without an image) are never duplicates.
        let n = |level: &str| expected(by_content, level).len() as f64;
        assert_eq!(m("dedup.exact.sample_count"), n("exact"), "{by_content}");
        assert_eq!(m("dedup.near.sample_count"), n("near"), "{by_content}");
        assert_eq!(
            m("dedup.semantic.sample_count"),
            n("semantic"),
            "{by_content}"
        );
        // Instructions: c2, e2, t2 repeat their pair's question on the same picture (and
        // d2 on the same pixels); a2 and t3 repeat a1's on another picture or none.
        let inst = if by_content { 4.0 } else { 3.0 };
        for level in ["exact", "near", "semantic"] {
            assert_eq!(
                m(&format!("dedup.{level}.instruction_count")),
                inst,
                "{level}"
            );
        }
        let want = &manifest()["images_duplicate"][mode(by_content)];
        for k in ["distinct", "images", "uses", "use_rate"] {
            assert_eq!(
                m(&format!("images.duplicate.{k}")),
                want[k].as_f64().unwrap(),
                "images.duplicate.{k} {}",
                mode(by_content)
            );
        }
        let group = r["examples"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["metric"] == "images.duplicate.images")
            .expect("examples of shared images");
        let shown: BTreeSet<&str> = group["examples"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["record_id"].as_str().unwrap())
            .collect();
        let want: BTreeSet<&str> = if by_content {
            ["b1", "h1"].into()
        } else {
            ["b1"].into()
        };
        assert_eq!(shown, want);
    }
}

#[test]
fn dedup_removes_exactly_the_planted_duplicates_at_every_level() {
    let tmp = tempfile::tempdir().unwrap();
    for by_content in [false, true] {
        for level in ["exact", "near", "semantic"] {
            let out = tmp.path().join(format!("{}_{level}", mode(by_content)));
            let o = out.to_str().unwrap();
            run_dedup(&[&data(), "-o", o], level, by_content);
            let got = removed(&out.join("removed.jsonl"));
            assert_eq!(ids(&got), expected(by_content, level), "{o} at {level}");
            for (id, reason) in &got {
                let want = if id == "e2" {
                    "near_duplicate"
                } else {
                    "exact_duplicate"
                };
                assert_eq!(reason, want, "{id} at {level}");
            }
            let kept = std::fs::read_to_string(out.join("data.jsonl")).unwrap();
            assert_eq!(
                kept.lines().count() + got.len(),
                manifest()["records"].as_u64().unwrap() as usize
            );
        }
    }
}

/// The fixture's rows dealt into two shards (even and odd lines), so every planted pair
/// is split across them and only the signatures' image keys can join it.
fn shards(tmp: &Path) -> [PathBuf; 2] {
    let body = std::fs::read_to_string(data()).unwrap();
    let mut parts = [String::new(), String::new()];
    for (i, line) in body.lines().enumerate() {
        parts[i % 2] += line;
        parts[i % 2] += "\n";
    }
    let paths = [
        tmp.join("train-00000-of-00002.jsonl"),
        tmp.join("train-00001-of-00002.jsonl"),
    ];
    for (p, b) in paths.iter().zip(&parts) {
        std::fs::write(p, b).unwrap();
    }
    paths
}

#[test]
fn partial_signatures_carry_image_keys_through_merge() {
    let tmp = tempfile::tempdir().unwrap();
    let shards = shards(tmp.path());
    for by_content in [false, true] {
        for level in ["exact", "near", "semantic"] {
            let tag = format!("{}_{level}", mode(by_content));
            let mut sigs = Vec::new();
            for (k, shard) in shards.iter().enumerate() {
                let sig = tmp.path().join(format!("{tag}_{k}.ftqa"));
                let (shard, o) = (shard.to_str().unwrap(), sig.to_str().unwrap());
                run_dedup(&[shard, "--partial", "-o", o], level, by_content);
                sigs.push(sig.to_str().unwrap().to_string());
            }
            let plan = tmp.path().join(format!("{tag}_plan"));
            ftqa_ok(&[
                "dedup",
                &sigs[0],
                &sigs[1],
                "--merge",
                "-o",
                plan.to_str().unwrap(),
                "--quiet",
            ]);
            let got = removed(&plan.join("removed.jsonl"));
            assert_eq!(ids(&got), expected(by_content, level), "{tag}");
        }
    }
}

#[test]
fn report_parts_merge_to_the_one_pass_numbers() {
    let tmp = tempfile::tempdir().unwrap();
    let shards = shards(tmp.path());
    let root = root_flag(true);
    let mut parts = Vec::new();
    for (k, shard) in shards.iter().enumerate() {
        let p = tmp.path().join(format!("part{k}.ftqa"));
        ftqa_ok(&[
            "report",
            shard.to_str().unwrap(),
            "--partial",
            "-o",
            p.to_str().unwrap(),
            "--quiet",
            "--infer-tasks",
            "never",
            &root[0],
            &root[1],
        ]);
        parts.push(p.to_str().unwrap().to_string());
    }
    let merged = tmp.path().join("merged");
    ftqa_ok(&[
        "merge",
        &parts[0],
        &parts[1],
        "-o",
        merged.to_str().unwrap(),
        "--quiet",
    ]);
    let r: Value =
        serde_json::from_str(&std::fs::read_to_string(merged.join("report.json")).unwrap())
            .unwrap();
    let m = |id: &str| metric(&r, id).unwrap_or_else(|| panic!("{id} missing"));
    assert_eq!(m("dedup.exact.sample_count"), 3.0);
    assert_eq!(m("dedup.near.sample_count"), 4.0);
    let want = &manifest()["images_duplicate"]["by_content"];
    assert_eq!(
        m("images.duplicate.images"),
        want["images"].as_f64().unwrap()
    );
    assert_eq!(m("images.duplicate.uses"), want["uses"].as_f64().unwrap());
}
