//! Figures for issue 3 (embedding throughput, DBSCAN time, memory and agreement). Prints
//! numbers; asserts nothing. Run through `benches/diversity.sh`, or directly:
//!
//!   cargo bench --bench diversity -- static [N] [CORPUS]   static embedder, sentences/s
//!   cargo bench --bench diversity -- lexical [N]           lexical embedder, sentences/s
//!   cargo bench --bench diversity -- minilm [N] [CORPUS] [--dump FILE]
//!                                                          candle MiniLM on CPU, sentences/s
//!   cargo bench --bench diversity -- dbscan N [DIM] [--exact] [--linfa] [--budget B]
//!                          (--linfa: linfa-clustering's DBSCAN on the same vectors, timed)
//!
//! Synthetic texts are ~100-word responses drawn from the static model's vocabulary; with a
//! CORPUS (any dataset ftqa reads) its responses are used instead. DBSCAN data: 50 Gaussian
//! blobs on the unit sphere plus 5% uniform noise (seeded). Peak memory is the process's
//! VmHWM, which includes the vectors themselves.

use ftqa_metrics::cluster::ari::adjusted_rand_index;
use ftqa_metrics::cluster::params::{choose_eps, DEFAULT_MIN_SAMPLES};
use ftqa_metrics::cluster::partition::cells_for;
use ftqa_metrics::cluster::{dbscan, DbscanParams, Rows, Search};
use ftqa_metrics::embed::lexical::LexicalEmbedder;
use ftqa_metrics::embed::static_model::StaticEmbedder;
use ftqa_metrics::embed::Embedder;
use ftqa_metrics::sample::mix64;
use std::time::Instant;

/// User + system CPU seconds of this process so far (the machine is shared, so wall time
/// alone overstates the cost when other processes compete for the core).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
    let rest = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<f64> = rest
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|x| x.parse().ok())
        .collect();
    f.iter().sum::<f64>() / 100.0
}

fn peak_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|k| k.parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// ~100-word pseudo-responses from the static vocabulary's whole-word tokens (seeded).
fn synthetic_texts(n: usize) -> Vec<String> {
    let e = StaticEmbedder::builtin();
    let words: Vec<&str> = e
        .model()
        .vocab
        .iter()
        .filter(|t| t.len() > 2 && t.chars().all(|c| c.is_ascii_lowercase()))
        .map(String::as_str)
        .collect();
    (0..n)
        .map(|i| {
            let len = 90 + (mix64(i as u64) % 21) as usize;
            let mut s = String::new();
            for w in 0..len {
                // A Zipf-ish pick: squaring a uniform favours frequent (low-id) words.
                let u = (mix64((i * 1000 + w) as u64) >> 11) as f64 / (1u64 << 53) as f64;
                s.push_str(words[((u * u) * words.len() as f64) as usize]);
                s.push(if w % 15 == 14 { '.' } else { ' ' });
            }
            s
        })
        .collect()
}

fn texts(n: usize, corpus: Option<&str>) -> Vec<String> {
    match corpus {
        #[cfg(feature = "transformer")]
        Some(c) => {
            let mut t = ftqa::embed::distill::responses(c, usize::MAX).expect("corpus loads");
            let base = t.len();
            // Repeat the corpus to reach n (throughput does not depend on repeats).
            while t.len() < n {
                let k = t.len() % base;
                t.push(t[k].clone());
            }
            t.truncate(n);
            t
        }
        _ => synthetic_texts(n),
    }
}

fn throughput(e: &dyn Embedder, texts: &[String]) {
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let words: usize = texts.iter().map(|t| t.split_whitespace().count()).sum();
    // Warm-up (the static table is parsed lazily on first use).
    e.embed(&refs[..refs.len().min(64)]).unwrap();
    let (started, cpu0) = (Instant::now(), cpu_seconds());
    for chunk in refs.chunks(e.batch_size()) {
        std::hint::black_box(e.embed(chunk).unwrap());
    }
    let s = started.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu0;
    println!(
        "{}: {} texts, {:.1} words/text, {:.3} s wall ({:.0} sentences/s), {:.3} CPU s ({:.0} sentences per CPU-second), dim {}",
        e.name(),
        texts.len(),
        words as f64 / texts.len() as f64,
        s,
        texts.len() as f64 / s,
        cpu,
        texts.len() as f64 / cpu,
        e.dim()
    );
}

/// Seeded standard normals (Box-Muller over splitmix64).
fn normals(seed: u64, out: &mut [f32]) {
    for (i, pair) in out.chunks_mut(2).enumerate() {
        let a = ((mix64(seed ^ (2 * i as u64)) >> 11) as f64 + 0.5) / (1u64 << 53) as f64;
        let b = (mix64(seed ^ (2 * i as u64 + 1)) >> 11) as f64 / (1u64 << 53) as f64;
        let r = (-2.0 * a.ln()).sqrt();
        pair[0] = (r * (std::f64::consts::TAU * b).cos()) as f32;
        if pair.len() > 1 {
            pair[1] = (r * (std::f64::consts::TAU * b).sin()) as f32;
        }
    }
}

/// 50 blobs (within-blob cosine distance ~0.2) plus 5% uniform noise, unit rows.
pub fn blob_data(n: usize, dim: usize) -> Vec<f32> {
    const BLOBS: usize = 50;
    let mut centres = vec![0f32; BLOBS * dim];
    normals(0xC3, &mut centres);
    for c in centres.chunks_exact_mut(dim) {
        ftqa_metrics::embed::normalize(c);
    }
    let mut data = vec![0f32; n * dim];
    normals(0xDA7A, &mut data);
    let spread = 0.5 / (dim as f32).sqrt();
    for (i, row) in data.chunks_exact_mut(dim).enumerate() {
        let h = mix64(i as u64 ^ 0xB10B);
        if h % 100 >= 5 {
            let c = &centres[(h >> 8) as usize % BLOBS * dim..][..dim];
            row.iter_mut()
                .zip(c)
                .for_each(|(v, c)| *v = c + spread * *v);
        }
        ftqa_metrics::embed::normalize(row);
    }
    data
}

fn bench_dbscan(n: usize, dim: usize, exact: bool, linfa: bool, budget: Option<usize>) {
    let t0 = Instant::now();
    let data = blob_data(n, dim);
    let gen_s = t0.elapsed().as_secs_f64();
    let rows = Rows::new(&data, dim);
    let t1 = Instant::now();
    let choice = choose_eps(rows, DEFAULT_MIN_SAMPLES);
    let eps_s = t1.elapsed().as_secs_f64();
    let params = DbscanParams {
        eps: choice.eps,
        min_samples: DEFAULT_MIN_SAMPLES,
    };
    let search = Search::Partitioned { budget };
    let t2 = Instant::now();
    let c = if n < ftqa_metrics::cluster::PARTITION_FROM && budget.is_none() {
        dbscan(rows, params, Search::Brute)
    } else {
        dbscan(rows, params, search)
    };
    let db_s = t2.elapsed().as_secs_f64();
    println!(
        "dbscan n={n} dim={dim}: eps={:.4} (elbow rule {eps_s:.1} s), {} cells, {:.1} s clustering, {} clusters, noise {:.2}%, \
         peak RSS {:.0} MiB (vectors {:.0} MiB), data generation {gen_s:.1} s, search {}",
        choice.eps,
        cells_for(n),
        db_s,
        c.n_clusters,
        100.0 * c.noise() as f64 / n as f64,
        peak_mib(),
        (n * dim * 4) as f64 / (1 << 20) as f64,
        if budget.is_some() { format!("partition budget {budget:?} (approximate)") } else { "exact".into() },
    );
    if exact {
        let t3 = Instant::now();
        let reference = dbscan(rows, params, Search::Brute);
        println!(
            "dbscan n={n}: brute-force exact {:.1} s; ARI(search above, brute force) = {:.6}; identical labels: {}",
            t3.elapsed().as_secs_f64(),
            adjusted_rand_index(&reference.labels, &c.labels),
            reference == c
        );
    }
    if linfa {
        use linfa::traits::Transformer;
        // Euclidean on unit rows: |a - b| = sqrt(2 (1 - cos)).
        let obs =
            ndarray::Array2::from_shape_vec((n, dim), data.iter().map(|&v| v as f64).collect())
                .unwrap();
        let t4 = Instant::now();
        let theirs = linfa_clustering::Dbscan::params(DEFAULT_MIN_SAMPLES)
            .tolerance((2.0 * choice.eps as f64).sqrt())
            .transform(&obs)
            .unwrap();
        let linfa_s = t4.elapsed().as_secs_f64();
        let labels: Vec<i32> = theirs.iter().map(|l| l.map_or(-1, |c| c as i32)).collect();
        println!(
            "dbscan n={n}: linfa-clustering 0.8 (kd-tree, exact) {linfa_s:.1} s = {:.1}x ftqa's {db_s:.1} s; ARI(ftqa, linfa) = {:.6}",
            linfa_s / db_s,
            adjusted_rand_index(&labels, &c.labels)
        );
    }
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let arg = |i: usize| args.get(i).map(String::as_str);
    let num = |i: usize, d: usize| arg(i).and_then(|s| s.parse().ok()).unwrap_or(d);
    match arg(0) {
        Some("static") => throughput(&StaticEmbedder::builtin(), &texts(num(1, 100_000), arg(2))),
        Some("lexical") => throughput(&LexicalEmbedder::default(), &texts(num(1, 20_000), None)),
        #[cfg(feature = "transformer")]
        Some("minilm") => {
            let dir = ftqa::embed::locate::find_model(None).expect("model (ftqa model pull)");
            let m = ftqa::embed::transformer::TransformerEmbedder::load(&dir).unwrap();
            let t = texts(num(1, 200), arg(2).filter(|a| !a.starts_with("--")));
            // The texts, for running another engine on exactly the same input.
            if let Some(path) = args.iter().position(|a| a == "--dump").and_then(|i| args.get(i + 1)) {
                std::fs::write(path, serde_json::to_string(&t).unwrap()).unwrap();
            }
            throughput(&m, &t);
        }
        #[cfg(feature = "transformer")]
        Some("kdist") => {
            // The k-distance curve of a corpus under the static embedder, to inspect the eps rule.
            let t = ftqa::embed::distill::responses(arg(1).expect("kdist CORPUS"), usize::MAX).unwrap();
            let refs: Vec<&str> = t.iter().map(String::as_str).collect();
            let e = StaticEmbedder::builtin();
            let v = e.embed(&refs).unwrap();
            let dim = e.dim();
            let rows: Vec<f32> = v.chunks_exact(dim).filter(|r| r.iter().any(|x| *x != 0.0)).flatten().copied().collect();
            let c = choose_eps(Rows::new(&rows, dim), DEFAULT_MIN_SAMPLES);
            let q = |p: f64| c.curve[((c.curve.len() - 1) as f64 * p) as usize];
            println!(
                "k-distance (k={}) over {} responses: p10 {:.3} p25 {:.3} p50 {:.3} p75 {:.3} p90 {:.3} max {:.3}; rule eps {:.4}",
                c.k, c.sample, q(0.1), q(0.25), q(0.5), q(0.75), q(0.9), q(1.0), c.eps
            );
        }
        Some("dbscan") => {
            let budget = args.iter().position(|a| a == "--budget").and_then(|i| args.get(i + 1)).and_then(|s| s.parse().ok());
            let flag = |f: &str| args.iter().any(|a| a == f);
            bench_dbscan(num(1, 10_000), num(2, 384), flag("--exact"), flag("--linfa"), budget)
        }
        _ => eprintln!("usage: diversity static|lexical|minilm [N] [CORPUS] | dbscan N [DIM] [--exact] [--linfa] [--budget B]"),
    }
}
