//! Figures for issue 13 part 3 (semantic dedup that scales). Prints numbers; asserts nothing.
//!
//!   cargo bench --bench semantic_dedup -- [N ...] [--baseline-max M] [--threshold T] [--corpus FILE]
//!
//! For each N (default 10000 50000 100000): N static-embedder vectors, then the pair
//! search semantic dedup uses (`PairSearch::Auto`: seeded random-hyperplane LSH with exact
//! verification from 5,000 rows) and, when N <= M (default 100000), the all-pairs baseline on the same vectors in the
//! same run: times, their ratio, pairs found, recall of the search against the baseline's
//! pairs, and the process's peak RSS (VmHWM, the vectors included).
//!
//! Texts: synthetic responses of 10-80 words from the static model's vocabulary around 500
//! topics (each text draws most words from its topic's 60), with 8% of records near copies
//! of an earlier one (1-3 words substituted, inserted or deleted) and 2% exact copies; or,
//! with `--corpus`, the responses of any dataset ftqa reads, repeated to N with one word
//! changed in each repeat (so repeats are near, not exact, duplicates).

use ftqa_metrics::cluster::Rows;
use ftqa_metrics::dedup::search::{search, PairList, PairSearch};
use ftqa_metrics::embed::static_model::StaticEmbedder;
use ftqa_metrics::embed::Embedder;
use ftqa_metrics::sample::mix64;
use std::collections::HashSet;
use std::time::Instant;

fn peak_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|k| k.parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn unit(h: u64) -> f64 {
    (h >> 11) as f64 / (1u64 << 53) as f64
}

fn vocab() -> Vec<String> {
    let e = StaticEmbedder::builtin();
    e.model()
        .vocab
        .iter()
        .filter(|t| t.len() > 2 && t.chars().all(|c| c.is_ascii_lowercase()))
        .cloned()
        .collect()
}

/// One to three word edits of `t`, seeded by `h`.
fn edit(t: &str, words: &[String], h: u64) -> String {
    let mut w: Vec<&str> = t.split(' ').collect();
    for e in 0..1 + mix64(h) % 3 {
        let k = mix64(h ^ e) as usize % w.len().max(1);
        let new = words[mix64(h ^ (e + 77)) as usize % words.len()].as_str();
        match mix64(h ^ (e + 99)) % 3 {
            0 if w.len() > 1 => {
                w.remove(k);
            }
            1 => w.insert(k, new),
            _ => {
                if let Some(slot) = w.get_mut(k) {
                    *slot = new;
                }
            }
        }
    }
    w.join(" ")
}

fn synthetic(n: usize) -> Vec<String> {
    let words = vocab();
    const TOPICS: u64 = 500;
    let mut out: Vec<String> = Vec::with_capacity(n);
    for i in 0..n {
        let h = mix64(i as u64 ^ 0x5E4A);
        let u = unit(h);
        if i > 0 && u < 0.10 {
            let src = mix64(h ^ 1) as usize % i;
            let t = if u < 0.02 {
                out[src].clone()
            } else {
                edit(&out[src], &words, h)
            };
            out.push(t);
            continue;
        }
        let topic = mix64(h ^ 2) % TOPICS;
        let len = 10 + (mix64(h ^ 3) % 71) as usize;
        let mut s = String::new();
        for w in 0..len {
            let hw = mix64(h ^ (w as u64 + 1000));
            let idx = if unit(hw) < 0.7 {
                // The topic's own 60 words.
                mix64(topic * 1000 + hw % 60) as usize % words.len()
            } else {
                // Any word, Zipf-ish (frequent words first).
                let v = unit(mix64(hw));
                ((v * v) * words.len() as f64) as usize
            };
            if w > 0 {
                s.push(' ');
            }
            s.push_str(&words[idx]);
        }
        out.push(s);
    }
    out
}

fn from_corpus(path: &str, n: usize) -> Vec<String> {
    #[cfg(feature = "transformer")]
    {
        let base = ftqa::embed::distill::responses(path, usize::MAX).expect("corpus loads");
        let words = vocab();
        (0..n)
            .map(|i| {
                let t = &base[i % base.len()];
                if i < base.len() {
                    t.clone()
                } else {
                    edit(t, &words, mix64(i as u64))
                }
            })
            .collect()
    }
    #[cfg(not(feature = "transformer"))]
    {
        let _ = (path, n);
        panic!("--corpus needs the default `transformer` feature (its loader helper)")
    }
}

fn run(n: usize, threshold: f32, baseline_max: usize, corpus: Option<&str>) {
    let t0 = Instant::now();
    let texts = match corpus {
        Some(c) => from_corpus(c, n),
        None => synthetic(n),
    };
    let e = StaticEmbedder::builtin();
    let dim = e.dim();
    let mut data = Vec::with_capacity(n * dim);
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    for chunk in refs.chunks(e.batch_size()) {
        data.extend(e.embed(chunk).unwrap());
    }
    drop(texts);
    let prep = t0.elapsed().as_secs_f64();
    let rows = Rows::new(&data, dim);

    let t1 = Instant::now();
    let mut found = PairList::default();
    search(rows, threshold, PairSearch::Auto, &mut found);
    let found = found.sorted();
    let new_s = t1.elapsed().as_secs_f64();
    let peak_new = peak_mib();
    println!(
        "n={n} dim={dim} t={threshold}: search (auto: {}) {new_s:.2} s, {} pairs, peak RSS {peak_new:.0} MiB \
         (vectors {:.0} MiB = {} B/record); embedding {prep:.1} s",
        if n < ftqa_metrics::dedup::search::PARTITION_FROM { "all pairs".to_string() } else {
            let (t, b) = ftqa_metrics::dedup::search::lsh_shape(n);
            format!("LSH, {t} tables x {b} bits")
        },
        found.len(),
        (n * dim * 4) as f64 / (1 << 20) as f64,
        dim * 4,
    );
    if n <= baseline_max {
        let t2 = Instant::now();
        let mut exact = PairList::default();
        search(rows, threshold, PairSearch::AllPairs, &mut exact);
        let exact = exact.sorted();
        let base_s = t2.elapsed().as_secs_f64();
        let set: HashSet<(u32, u32)> = found.iter().map(|p| (p.0, p.1)).collect();
        let hit = exact.iter().filter(|p| set.contains(&(p.0, p.1))).count();
        println!(
            "n={n}: all-pairs baseline {base_s:.2} s, {} pairs; speed-up {:.1}x; recall {:.6} ({hit}/{}); identical pairs: {}",
            exact.len(),
            base_s / new_s,
            if exact.is_empty() { 1.0 } else { hit as f64 / exact.len() as f64 },
            exact.len(),
            exact == found
        );
    } else {
        println!("n={n}: all-pairs baseline skipped (n > --baseline-max {baseline_max})");
    }
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let opt = |f: &str| {
        args.iter()
            .position(|a| a == f)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let baseline_max = opt("--baseline-max")
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let threshold = opt("--threshold")
        .and_then(|s| s.parse().ok())
        .unwrap_or(0.95);
    let corpus = opt("--corpus");
    let mut ns: Vec<usize> = Vec::new();
    let mut skip = false;
    for a in &args {
        if skip {
            skip = false;
            continue;
        }
        if a.starts_with("--") {
            skip = true;
            continue;
        }
        ns.extend(a.parse::<usize>().ok());
    }
    if ns.is_empty() {
        ns = vec![10_000, 50_000, 100_000];
    }
    for n in ns {
        run(n, threshold, baseline_max, corpus.as_deref());
    }
}
