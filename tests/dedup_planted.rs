//! `ftqa dedup` and the dedup metrics against the planted near-duplicates of
//! fixtures/generated/dedup (ground truth in dedup/manifest.json), and the writer on every
//! input format.

mod common;

use common::*;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

fn dedup_manifest() -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixtures().join("dedup/manifest.json")).unwrap())
        .unwrap()
}

fn removed(out: &Path) -> Vec<Value> {
    std::fs::read_to_string(out.join("removed.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn pairs(labels: &HashMap<String, u64>) -> BTreeSet<(String, String)> {
    let mut groups: BTreeMap<u64, Vec<&String>> = BTreeMap::new();
    for (id, g) in labels {
        groups.entry(*g).or_default().push(id);
    }
    let mut out = BTreeSet::new();
    for members in groups.values() {
        for (i, a) in members.iter().enumerate() {
            for b in &members[i + 1..] {
                out.insert(if a < b {
                    ((*a).clone(), (*b).clone())
                } else {
                    ((*b).clone(), (*a).clone())
                });
            }
        }
    }
    out
}

fn run_dedup(input: &Path, out: &Path, extra: &[&str]) {
    let mut args = vec![
        "dedup",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--quiet",
        "--no-progress",
    ];
    args.extend_from_slice(extra);
    let o = ftqa(&args);
    assert!(o.status.success(), "ftqa dedup failed: {}", stderr(&o));
}

#[test]
fn near_dedup_precision_and_recall_on_planted_duplicates() {
    let truth: HashMap<String, u64> = dedup_manifest()["planted.jsonl"]["groups"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_u64().unwrap()))
        .collect();
    let tmp = tempfile::tempdir().unwrap();
    run_dedup(&fixtures().join("dedup/planted.jsonl"), tmp.path(), &[]);
    // Predicted clusters: every removed record and its kept twin share the cluster id.
    let mut predicted: HashMap<String, u64> = HashMap::new();
    for r in removed(tmp.path()) {
        let c = r["cluster"].as_u64().unwrap();
        predicted.insert(r["id"].as_str().unwrap().into(), c);
        predicted.insert(r["kept_twin"]["id"].as_str().unwrap().into(), c);
        assert!(r["similarity"].as_f64().is_some());
    }
    let (t, p) = (pairs(&truth), pairs(&predicted));
    let tp = t.intersection(&p).count() as f64;
    let precision = tp / p.len().max(1) as f64;
    let recall = tp / t.len() as f64;
    println!("planted near-duplicates: {} true pairs, {} predicted, precision {precision:.3}, recall {recall:.3}", t.len(), p.len());
    assert!(
        precision >= 0.95 && recall >= 0.95,
        "precision {precision}, recall {recall}"
    );
    // One record kept per true group.
    let groups: BTreeSet<u64> = truth.values().copied().collect();
    let kept = std::fs::read_to_string(tmp.path().join("planted.jsonl"))
        .unwrap()
        .lines()
        .count();
    assert!(
        (kept as i64 - groups.len() as i64).abs() <= 5,
        "kept {kept}, groups {}",
        groups.len()
    );
}

#[test]
fn dedup_is_deterministic_and_the_report_agrees() {
    let tmp = tempfile::tempdir().unwrap();
    let input = fixtures().join("dedup/planted.jsonl");
    run_dedup(&input, &tmp.path().join("a"), &[]);
    run_dedup(&input, &tmp.path().join("b"), &[]);
    let a = std::fs::read(tmp.path().join("a/removed.jsonl")).unwrap();
    assert_eq!(
        a,
        std::fs::read(tmp.path().join("b/removed.jsonl")).unwrap()
    );
    let r = report(&input, &tmp.path().join("r"), &[]);
    let removed_n = removed(&tmp.path().join("a")).len() as f64;
    assert_eq!(metric(&r, "dedup.near.sample_count"), Some(removed_n));
    assert!(
        metric(&r, "dedup.near.sample_rate").unwrap()
            > metric(&r, "dedup.exact.sample_rate").unwrap()
    );
    for id in [
        "dedup.near.instruction_rate",
        "dedup.near.response_rate",
        "dedup.near.clusters",
        "dedup.semantic.sample_rate",
    ] {
        assert!(metric(&r, id).is_some(), "{id} missing");
    }
    let sizes = r["distributions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == "dedup.near.cluster_sizes")
        .expect("size distribution");
    assert_eq!(
        sizes["counts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_u64().unwrap())
            .sum::<u64>(),
        metric(&r, "dedup.near.clusters").unwrap() as u64
    );
    let cluster = r["examples"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["metric"] == "dedup.near.sample_count")
        .expect("cluster examples");
    let notes: Vec<&str> = cluster["examples"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["note"].as_str().unwrap())
        .collect();
    assert!(notes[0].starts_with("representative"), "{notes:?}");
    assert!(notes[1].contains("similarity"), "{notes:?}");
}

#[test]
fn dry_run_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("o");
    let o = ftqa(&[
        "dedup",
        fixtures().join("dedup/planted.jsonl").to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--dry-run",
        "--no-progress",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("dry run"), "{}", stdout(&o));
    assert!(!out.exists());
}

#[test]
fn bad_flags_are_usage_errors() {
    let f = fixtures().join("dedup/planted.jsonl");
    for extra in [
        &["--level", "fuzzy"][..],
        &["--bands", "0"],
        &["--shingle", "byte"],
        &["--decontaminate"],
    ] {
        let mut args = vec!["dedup", f.to_str().unwrap(), "--dry-run"];
        args.extend_from_slice(extra);
        let o = ftqa(&args);
        assert_eq!(o.status.code(), Some(2), "{extra:?}: {}", stderr(&o));
    }
}

/// The cleaned file keeps the input's format, schema and compression, and has no
/// duplicates left.
#[test]
fn writer_keeps_format_schema_and_compression() {
    let tmp = tempfile::tempdir().unwrap();
    for (i, name) in [
        "sharegpt_nested.parquet",
        "question_answer.csv",
        "alpaca_stream.arrow",
        "openai_messages.jsonl.gz",
        "kto.jsonl.zst",
        "alpaca.json",
        "dolly.tsv",
    ]
    .iter()
    .enumerate()
    {
        let input = fixtures().join(name);
        let before = report(&input, &tmp.path().join(format!("before{i}")), &[]);
        let out = tmp.path().join(format!("out{i}"));
        run_dedup(&input, &out, &[]);
        let cleaned = out.join(name);
        assert!(cleaned.exists(), "{name}: no cleaned file");
        let after = report(&cleaned, &tmp.path().join(format!("after{i}")), &[]);
        for key in ["format", "schema", "compression"] {
            assert_eq!(
                before["dataset"][key], after["dataset"][key],
                "{name}: {key}"
            );
        }
        let removed_dups = removed(&out)
            .iter()
            .filter(|r| r["reason"] != "unreadable")
            .count() as u64;
        let unreadable = removed(&out).len() as u64 - removed_dups;
        assert_eq!(
            unreadable,
            before["records"]["skipped"].as_u64().unwrap(),
            "{name}: unreadable rows listed"
        );
        assert_eq!(
            after["records"]["analyzed"].as_u64().unwrap(),
            before["records"]["analyzed"].as_u64().unwrap() - removed_dups,
            "{name}: kept records"
        );
        assert_eq!(
            after["records"]["skipped"].as_u64(),
            Some(0),
            "{name}: unreadable rows are dropped"
        );
        assert_eq!(
            metric(&after, "dedup.near.sample_count"),
            Some(0.0),
            "{name}: duplicates left"
        );
        assert_eq!(
            metric(&after, "dedup.exact.sample_count"),
            Some(0.0),
            "{name}: exact duplicates left"
        );
    }
}

#[test]
fn overlap_matrix_between_a_dataset_and_its_cleaned_copy() {
    let tmp = tempfile::tempdir().unwrap();
    let input = fixtures().join("dedup/planted.jsonl");
    run_dedup(&input, tmp.path(), &[]);
    let opts = |p: &Path| ftqa::load::LoadOptions {
        path: p.to_str().unwrap().into(),
        ..Default::default()
    };
    let m = ftqa::dedup::overlap(
        &[opts(&input), opts(&tmp.path().join("planted.jsonl"))],
        &Default::default(),
    )
    .unwrap();
    // Everything in the cleaned copy is in the original and vice versa; only the
    // original has internal duplicates.
    assert!(
        (m.near[1][0] - 1.0).abs() < 1e-9 && (m.near[0][1] - 1.0).abs() < 1e-9,
        "{m:?}"
    );
    assert!((m.near[0][0] - 200.0 / 600.0).abs() < 0.02, "{m:?}");
    assert_eq!(m.near[1][1], 0.0);
    assert_eq!(m.exact[1][1], 0.0);
    assert!(m.exact[1][0] > 0.99, "{m:?}");
    assert!(m.semantic.is_none());
}
