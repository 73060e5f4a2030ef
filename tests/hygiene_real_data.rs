//! Opt-in check of the hygiene and complexity metrics on the real datasets in
//! ../shared/data (not part of the normal suite: a fresh clone has no ../shared).
//!
//! `cargo test --test hygiene_real_data -- --ignored --nocapture` loads each file with
//! the real loader, runs only the hygiene and complexity metrics, prints their counts,
//! and cross-checks the leaked-template-token count against an independent count made
//! straight from the raw files.

use flate2::read::GzDecoder;
use ftqa::load::{LoadEvent, LoadOptions, Loader};
use ftqa_metrics::registry::{registry, AnalysisConfig, Metric};
use ftqa_metrics::result::Outputs;
use serde_json::Value;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn data_dir() -> Option<PathBuf> {
    let dir = std::env::var("FTQA_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|_| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data"));
    dir.is_dir().then_some(dir)
}

fn analyse(path: &Path) -> (u64, Outputs) {
    let opts = LoadOptions {
        path: path.display().to_string(),
        ..LoadOptions::default()
    };
    let config = AnalysisConfig::default();
    let specs: Vec<_> = registry()
        .into_iter()
        .filter(|s| s.family.starts_with("hygiene") || s.family.starts_with("complexity"))
        .collect();
    let mut metrics: Vec<Box<dyn Metric>> = specs.iter().map(|s| (s.make)(&config)).collect();
    let mut spent = vec![Duration::ZERO; metrics.len()];
    let mut n = 0;
    for event in Loader::open(&opts).expect("open") {
        if let LoadEvent::Record(r) = event {
            n += 1;
            for (m, t) in metrics.iter_mut().zip(spent.iter_mut()) {
                let started = Instant::now();
                m.observe(&r);
                *t += started.elapsed();
            }
        }
    }
    let mut out = Outputs::default();
    for ((m, t), s) in metrics.into_iter().zip(spent.iter_mut()).zip(&specs) {
        let started = Instant::now();
        m.finish(&mut out);
        *t += started.elapsed();
        println!("   time {}: {:.2} s", s.family, t.as_secs_f64());
    }
    (n, out)
}

fn print(name: &str, n: u64, out: &Outputs) {
    println!("== {name}: {n} records");
    for (k, v) in &out.metrics {
        if k.ends_with(".count") || k.ends_with("_mean") || k.ends_with(".identified") {
            println!("   {k} = {v}");
        }
    }
}

/// Records whose text contains a template token, counted from the raw T0 files.
fn raw_template_count(dir: &Path) -> u64 {
    let tokens: Vec<&str> = ftqa_metrics::hygiene::template_tokens::TOKENS
        .iter()
        .map(|(t, _)| *t)
        .collect();
    let mut n = 0;
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for f in files {
        let mut text = String::new();
        GzDecoder::new(std::fs::File::open(&f).unwrap())
            .read_to_string(&mut text)
            .unwrap();
        for line in BufReader::new(text.as_bytes()).lines() {
            let v: Value = serde_json::from_str(&line.unwrap()).unwrap();
            let fields = [
                v["prompt"].as_str().unwrap_or(""),
                v["completion"].as_str().unwrap_or(""),
            ];
            n += u64::from(fields.iter().any(|s| tokens.iter().any(|t| s.contains(t))));
        }
    }
    n
}

#[test]
#[ignore]
fn real_data_counts() {
    let Some(dir) = data_dir() else {
        eprintln!("no ../shared/data; nothing to check");
        return;
    };
    let only = std::env::var("FTQA_ONLY").ok();
    for name in [
        "llamafactory_alpaca_en_demo.json",
        "llamafactory_alpaca_zh_demo.json",
        "llamafactory_dpo_en_demo.json",
        "llamafactory_kto_en_demo.json",
        "llamafactory_mllm_demo.json",
        "llamafactory_glaive_toolcall_en_demo.json",
        "fastchat_dummy_conversation_vicuna_format.json",
        "code_alpaca_2k.json",
        "hh_rlhf_harmless_base_test.jsonl.gz",
        "gsm8k_test.jsonl",
        "self_instruct_user_oriented_instructions.jsonl",
    ] {
        if only.as_deref().is_some_and(|o| !name.contains(o)) {
            continue;
        }
        let (n, out) = analyse(&dir.join(name));
        print(name, n, &out);
    }
    if only.as_deref().is_some_and(|o| !"t0".contains(o)) {
        return;
    }
    let t0 = dir.join("t0_train_50k_per_template");
    let (n, out) = analyse(&t0);
    print("t0_train_50k_per_template", n, &out);
    let raw = raw_template_count(&t0);
    println!("   raw count of T0 records with a template token: {raw}");
    assert_eq!(out.metrics["hygiene.template_tokens.count"] as u64, raw);
}
