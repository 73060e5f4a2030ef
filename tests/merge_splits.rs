//! Mergeable metric state (issue 13): every generated fixture, split into k = 1, 2, 3 and 7
//! contiguous parts, each part observed by its own engine and the engines merged in a
//! shuffled order, gives exactly the outputs of one pass: every metric value, interval,
//! example, distribution and method note, compared as JSON.

mod common;

use ftqa::load::{LoadEvent, LoadOptions, Loader};
use ftqa_metrics::registry::{AnalysisConfig, Engine};

/// Every fixture the generator writes that loads on its own (shards as one folder).
fn fixtures() -> Vec<std::path::PathBuf> {
    let dir = common::fixtures();
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && p.file_name().is_some_and(|n| n != "manifest.json"))
        .collect();
    paths.push(dir.join("shards"));
    paths.push(dir.join("dedup/planted.jsonl"));
    paths.push(dir.join("dedup/train.jsonl"));
    paths.sort();
    paths
}

fn events(path: &std::path::Path) -> Vec<LoadEvent> {
    let opts = LoadOptions {
        path: path.display().to_string(),
        ..LoadOptions::default()
    };
    Loader::open(&opts)
        .unwrap_or_else(|e| panic!("{}: {e:#}", path.display()))
        .collect()
}

fn observe(engine: &mut Engine, events: &[LoadEvent]) {
    for e in events {
        match e {
            LoadEvent::Record(r) => engine.observe(r),
            LoadEvent::Skip(s) => engine.observe_skip(s),
        }
    }
}

/// A seeded shuffle of 0..k (Fisher-Yates over a splitmix sequence): merge order must not
/// matter, so the parts are merged in an order unrelated to input order.
fn shuffled(k: usize, seed: u64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..k).collect();
    let mut x = seed;
    for i in (1..k).rev() {
        x = ftqa_metrics::sample::mix64(x);
        order.swap(i, (x % (i as u64 + 1)) as usize);
    }
    order
}

fn split_and_merge(config: &AnalysisConfig, events: &[LoadEvent], k: usize) -> String {
    let len = events.len().div_ceil(k).max(1);
    let parts: Vec<&[LoadEvent]> = events.chunks(len).collect();
    let mut merged: Option<Engine> = None;
    for p in shuffled(parts.len(), k as u64) {
        let mut engine = Engine::new(config);
        observe(&mut engine, parts[p]);
        match &mut merged {
            None => merged = Some(engine),
            Some(m) => m.merge(engine),
        }
    }
    let out = merged.unwrap_or_else(|| Engine::new(config)).finish();
    serde_json::to_string_pretty(&out).unwrap()
}

#[test]
fn every_fixture_split_and_merged_equals_one_pass() {
    // The default sample holds every record of a fixture; a 40-record sample also checks
    // that the seeded bottom-k sample merges to the same records.
    let configs = [
        AnalysisConfig::default(),
        AnalysisConfig {
            sample_size: 40,
            ..AnalysisConfig::default()
        },
    ];
    let mut checked = 0;
    for path in fixtures() {
        let events = events(&path);
        assert!(!events.is_empty(), "{}: no records", path.display());
        for config in &configs {
            let one = split_and_merge(config, &events, 1);
            for k in [2, 3, 7] {
                let merged = split_and_merge(config, &events, k);
                if merged != one {
                    let first = one
                        .lines()
                        .zip(merged.lines())
                        .find(|(a, b)| a != b)
                        .map(|(a, b)| format!("one pass: {a}\n  merged: {b}"))
                        .unwrap_or_else(|| "lengths differ".into());
                    panic!(
                        "{} (sample {}): {k} parts merged differ from one pass\n{first}",
                        path.display(),
                        config.sample_size
                    );
                }
                checked += 1;
            }
        }
    }
    assert!(checked >= 3 * 2 * 15, "only {checked} splits checked");
}
