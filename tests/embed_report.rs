//! Response diversity end to end: `ftqa report` on a dataset with planted semantic clusters.

mod common;

use common::{ftqa, metric, report, stderr};
use serde_json::Value;
use std::io::Write;
use std::path::PathBuf;

/// Three families of ten near-identical answers each (one word varies) and five unrelated
/// answers: three clusters and five noise responses at any sensible radius.
fn planted(dir: &std::path::Path) -> PathBuf {
    let families = [
        "To reset your password, open Settings, choose Account, click Reset password and follow the link we email to you within {} minutes.",
        "Photosynthesis lets plants turn sunlight, water and carbon dioxide into glucose and oxygen inside their {} chloroplasts.",
        "The function sorts the input list with merge sort, splitting it in halves recursively and merging the {} sorted halves back together.",
    ];
    let words = [
        "five", "ten", "green", "two", "small", "many", "both", "three", "seven", "large",
    ];
    let singles = [
        "Paris is the capital of France.",
        "Bananas are rich in potassium.",
        "Kafka wrote The Metamorphosis in 1912.",
        "Use a torque wrench on wheel nuts.",
        "Jupiter has at least ninety-five moons.",
    ];
    let path = dir.join("planted.jsonl");
    let mut f = std::fs::File::create(&path).unwrap();
    let mut n = 0;
    for (fi, fam) in families.iter().enumerate() {
        for w in words {
            let out = fam.replace("{}", w);
            writeln!(f, "{}", serde_json::json!({"instruction": format!("question {fi} {n}"), "input": "", "output": out})).unwrap();
            n += 1;
        }
    }
    for s in singles {
        writeln!(
            f,
            "{}",
            serde_json::json!({"instruction": format!("question {n}"), "input": "", "output": s})
        )
        .unwrap();
        n += 1;
    }
    path
}

/// The lexical embedder at a radius that separates the planted families.
const LEXICAL_PLANTED: &[&str] = &[
    "--embedder",
    "lexical",
    "--eps",
    "0.3",
    "--min-samples",
    "3",
];

fn methods(r: &Value) -> String {
    r["methods"]["response_diversity"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn planted_clusters_are_found_with_the_lexical_embedder() {
    let tmp = tempfile::tempdir().unwrap();
    let data = planted(tmp.path());
    let r = report(&data, &tmp.path().join("out"), LEXICAL_PLANTED);
    assert_eq!(metric(&r, "diversity.response.embedded"), Some(35.0));
    assert_eq!(metric(&r, "diversity.response.clusters"), Some(3.0));
    assert!((metric(&r, "diversity.response.log_clusters").unwrap() - 3f64.ln()).abs() < 1e-12);
    assert!((metric(&r, "diversity.response.noise_fraction").unwrap() - 5.0 / 35.0).abs() < 1e-12);
    assert!(
        (metric(&r, "diversity.response.largest_cluster_share").unwrap() - 10.0 / 35.0).abs()
            < 1e-12
    );
    assert!((metric(&r, "diversity.response.eps").unwrap() - 0.3).abs() < 1e-6);
    assert_eq!(metric(&r, "diversity.response.min_samples"), Some(3.0));
    let m = methods(&r);
    assert!(
        m.contains("eps = 0.3000 (set with --eps)") && m.contains("min_samples = 3"),
        "{m}"
    );
    assert!(m.contains("lexical"), "{m}");
    // Three example responses for each cluster, taken from that cluster.
    let groups: Vec<&Value> = r["examples"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["metric"] == "diversity.response.clusters")
        .collect();
    assert_eq!(groups.len(), 3);
    for g in groups {
        let ex = g["examples"].as_array().unwrap();
        assert_eq!(ex.len(), 3);
        let first = &ex[0]["text"].as_str().unwrap()[..20];
        assert!(
            ex.iter()
                .all(|e| e["text"].as_str().unwrap().starts_with(first)),
            "{g}"
        );
    }
}

#[test]
fn default_embedder_and_calibrated_eps_are_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let data = planted(tmp.path());
    let r = report(&data, &tmp.path().join("out"), &[]);
    let k = metric(&r, "diversity.response.clusters").expect("clusters reported");
    assert!(k >= 1.0);
    let eps = metric(&r, "diversity.response.eps").unwrap();
    assert!(
        (eps - 0.35).abs() < 1e-6,
        "the static embedder's calibrated eps, got {eps}"
    );
    assert_eq!(metric(&r, "diversity.response.distinct"), Some(35.0));
    assert_eq!(metric(&r, "diversity.response.duplicate_share"), Some(0.0));
    let m = methods(&r);
    assert!(
        m.contains("calibrated for the static embedder") && m.contains("min_samples = 5"),
        "{m}"
    );
    // The paper index carries its interval and is marked as computed on the sample.
    let i = &r["intervals"]["diversity.response.log_clusters"];
    assert_eq!(i["method"], "half_sample", "{i}");
    assert_eq!(i["n"], 35, "{i}");
    assert!(r["sample"]["ids"]
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x == "diversity.response.log_clusters"));
    assert!(m.contains("static:") && m.contains("Spearman"), "{m}");
    // Identical input, identical result.
    let again = report(&data, &tmp.path().join("out2"), &[]);
    assert_eq!(
        r["metrics"]["diversity.response.clusters"],
        again["metrics"]["diversity.response.clusters"]
    );
    assert_eq!(
        r["metrics"]["diversity.response.eps"],
        again["metrics"]["diversity.response.eps"]
    );
}

/// A block of identical one-word answers neither becomes clusters of its own nor changes
/// eps: each distinct response is one point, and the duplicate mass is reported apart.
#[test]
fn identical_answers_are_one_point_and_reported_as_duplicate_mass() {
    let tmp = tempfile::tempdir().unwrap();
    let data = planted(tmp.path());
    let base = report(&data, &tmp.path().join("base"), LEXICAL_PLANTED);
    let mut text = std::fs::read_to_string(&data).unwrap();
    for i in 0..30 {
        let answer = if i % 2 == 0 { "Yes." } else { "No." };
        text.push_str(&format!("{}\n", serde_json::json!({"instruction": format!("yes or no {i}"), "input": "", "output": answer})));
    }
    let with = tmp.path().join("with.jsonl");
    std::fs::write(&with, text).unwrap();
    let r = report(&with, &tmp.path().join("with"), LEXICAL_PLANTED);
    assert_eq!(metric(&r, "diversity.response.distinct"), Some(37.0));
    assert!(
        (metric(&r, "diversity.response.duplicate_share").unwrap() - 28.0 / 65.0).abs() < 1e-12
    );
    assert_eq!(
        metric(&r, "diversity.response.clusters"),
        metric(&base, "diversity.response.clusters")
    );
}

#[test]
fn bad_flags_are_usage_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let data = planted(tmp.path());
    let d = data.to_str().unwrap();
    let o = ftqa(&[
        "report",
        d,
        "-o",
        tmp.path().join("x").to_str().unwrap(),
        "--embedder",
        "nope",
    ]);
    assert_eq!(o.status.code(), Some(2));
    // A clap usage error naming the valid embedders.
    assert!(
        stderr(&o).contains("invalid value 'nope'")
            && stderr(&o).contains("static, lexical, minilm"),
        "{}",
        stderr(&o)
    );
    let o = ftqa(&[
        "report",
        d,
        "-o",
        tmp.path().join("y").to_str().unwrap(),
        "--eps",
        "0",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let missing = tmp.path().join("no-model");
    let o = ftqa(&[
        "report",
        d,
        "-o",
        tmp.path().join("z").to_str().unwrap(),
        "--embedder",
        "minilm",
        "--model-dir",
        missing.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("--model-dir points at"),
        "{}",
        stderr(&o)
    );
}
