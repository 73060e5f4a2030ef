//! Contamination against the generated benchmark stand-ins in fixtures/generated/dedup:
//! verbatim and lightly edited items (in the first turn, the third turn or the system
//! prompt) must all be found; paraphrase recall and the false-positive rate are printed.

mod common;

use common::*;
use serde_json::Value;
use std::collections::{HashMap, HashSet};

fn planted() -> Vec<Value> {
    let m: Value = serde_json::from_str(
        &std::fs::read_to_string(fixtures().join("dedup/manifest.json")).unwrap(),
    )
    .unwrap();
    m["train.jsonl"]["planted"].as_array().unwrap().clone()
}

fn bench_args() -> Vec<String> {
    let d = fixtures().join("dedup");
    vec![
        "--benchmark".into(),
        d.join("bench_math.jsonl").display().to_string(),
        "--benchmark".into(),
        d.join("bench_code.jsonl").display().to_string(),
    ]
}

#[test]
fn verbatim_and_edited_items_are_all_found_and_removed() {
    let tmp = tempfile::tempdir().unwrap();
    let input = fixtures().join("dedup/train.jsonl");
    let mut args: Vec<String> = vec![
        "dedup".into(),
        input.display().to_string(),
        "-o".into(),
        tmp.path().display().to_string(),
        "--level".into(),
        "none".into(),
        "--decontaminate".into(),
        "--quiet".into(),
        "--no-progress".into(),
    ];
    args.extend(bench_args());
    let o = ftqa(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(o.status.success(), "{}", stderr(&o));
    let removed: HashMap<String, Value> = std::fs::read_to_string(tmp.path().join("removed.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .map(|v| (v["id"].as_str().unwrap().to_string(), v))
        .collect();
    let mut missed = Vec::new();
    for p in planted() {
        let id = p["record"].as_str().unwrap();
        if p["kind"] == "paraphrase" {
            continue;
        }
        match removed.get(id) {
            None => missed.push(p.clone()),
            Some(r) => {
                assert_eq!(r["reason"], "contamination");
                assert_eq!(r["benchmark"], p["benchmark"], "{id}");
                assert_eq!(
                    r["item"].as_str().unwrap(),
                    p["item"].as_str().unwrap(),
                    "{id}"
                );
                assert_eq!(r["turn"], p["turn"], "{id}: the turn holding the item");
                assert!(!r["span"].as_str().unwrap().is_empty());
            }
        }
    }
    assert!(missed.is_empty(), "planted items not found: {missed:?}");
    let planted_ids: HashSet<String> = planted()
        .iter()
        .map(|p| p["record"].as_str().unwrap().to_string())
        .collect();
    let false_pos = removed.keys().filter(|k| !planted_ids.contains(*k)).count();
    let clean = 400 - planted_ids.len();
    let rate = false_pos as f64 / clean as f64;
    println!(
        "removed {} records; false positives {false_pos} of {clean} clean records ({rate:.3})",
        removed.len()
    );
    // The clean records include 75 word problems from the benchmark's own templates.
    assert!(rate <= 0.05, "false-positive rate {rate}");
    let kept = std::fs::read_to_string(tmp.path().join("train.jsonl"))
        .unwrap()
        .lines()
        .count();
    assert_eq!(kept, 400 - removed.len());
}

#[test]
fn report_has_rates_per_benchmark_and_paraphrase_candidates() {
    let tmp = tempfile::tempdir().unwrap();
    let mut extra = vec!["--max-examples".to_string(), "500".to_string()];
    extra.extend(bench_args());
    let r = report(
        &fixtures().join("dedup/train.jsonl"),
        tmp.path(),
        &extra.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    let any = metric(&r, "contamination.any.rate").unwrap();
    let math = metric(&r, "contamination.bench_math.rate").unwrap();
    let code = metric(&r, "contamination.bench_code.rate").unwrap();
    assert!(
        any > 0.15 && math > 0.1 && code > 0.02,
        "any {any}, math {math}, code {code}"
    );
    let kinds: HashMap<String, String> = planted()
        .iter()
        .map(|p| {
            (
                p["record"].as_str().unwrap().to_string(),
                p["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let mut para_found = HashSet::new();
    let mut para_false = HashSet::new();
    for g in r["examples"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["metric"].as_str().unwrap().starts_with("contamination."))
    {
        for e in g["examples"].as_array().unwrap() {
            let id = e["record_id"].as_str().unwrap().to_string();
            assert!(e["note"].as_str().unwrap().contains(" item "), "{e}");
            if e["note"].as_str().unwrap().contains("· paraphrase ·") {
                match kinds.get(&id).map(String::as_str) {
                    Some("paraphrase") => para_found.insert(id),
                    None => para_false.insert(id),
                    _ => false,
                };
            }
        }
    }
    let recall =
        para_found.len() as f64 / kinds.values().filter(|k| *k == "paraphrase").count() as f64;
    let clean = 400 - kinds.len();
    println!(
        "paraphrase candidates: recall {recall:.2} ({} of 30 paraphrased items), false positives {} of {clean} clean records ({:.3})",
        para_found.len(),
        para_false.len(),
        para_false.len() as f64 / clean as f64
    );
    // Paraphrase matches are ranked for review, never counted or removed, and their recall
    // depends on the embedder shipped (0.67 with an earlier static model, 0.20 with the
    // current one at the 0.9 threshold). What must hold for any embedder: the detector
    // finds paraphrases well above its false-positive rate.
    let fp_rate = para_false.len() as f64 / clean as f64;
    assert!(
        recall > 0.0 && recall >= 3.0 * fp_rate,
        "paraphrase recall {recall} vs false-positive rate {fp_rate}"
    );
    assert!(r["methods"]["contamination"]
        .as_str()
        .unwrap()
        .contains("13-grams"));
}

#[test]
fn a_broken_benchmark_file_is_an_error_naming_file_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    let bench = tmp.path().join("bench.jsonl");
    std::fs::write(&bench, "{\"question\": \"What is the capital of France today?\", \"answer\": \"Paris\"}\n{\"question\": oops}\n").unwrap();
    let o = ftqa(&[
        "report",
        fixtures().join("alpaca.json").to_str().unwrap(),
        "-o",
        tmp.path().join("r").to_str().unwrap(),
        "--quiet",
        "--benchmark",
        bench.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("bench.jsonl:2"), "{}", stderr(&o));
    std::fs::write(&bench, "{\"title\": \"x\", \"body\": \"y\"}\n").unwrap();
    let o = ftqa(&[
        "report",
        fixtures().join("alpaca.json").to_str().unwrap(),
        "-o",
        tmp.path().join("r").to_str().unwrap(),
        "--quiet",
        "--benchmark",
        bench.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no question field"), "{}", stderr(&o));
}
