//! The metric-truth harness on real data (issue 11): prints whether the paper's
//! response-diversity index and its companion order real datasets as their construction
//! says, and the figures behind each embedder's calibrated eps. Asserts nothing; the same
//! checks on generated sources run in the test suite (tests/metric_truth.rs).
//!
//! cargo bench --bench metric_truth -- truth static [DATA_DIR]
//! cargo bench --bench metric_truth -- truth minilm [DATA_DIR]
//! cargo bench --bench metric_truth -- calibrate static|minilm [DATA_DIR]

use ftqa::truth::sources::REAL;
use ftqa::truth::{duplicates, ladder, ladder_rises, mix, size_pair, CHECKED};
use ftqa_metrics::cluster::matrix::dots;
use ftqa_metrics::embed::Embedder;
use ftqa_metrics::sample::mix64;
use std::sync::Arc;
use std::time::Instant;

fn load(dir: &str) -> Vec<(String, Vec<String>)> {
    REAL.iter()
        .map(|(name, file)| {
            let path = format!("{dir}/{file}");
            let mut t = ftqa::embed::distill::responses(&path, usize::MAX)
                .unwrap_or_else(|e| panic!("{path}: {e}"));
            let mut seen = std::collections::HashSet::new();
            t.retain(|x| seen.insert(x.clone()));
            (name.to_string(), t)
        })
        .collect()
}

fn calibrate(e: &Arc<dyn Embedder>, sources: &[(String, Vec<String>)]) {
    const PER: usize = 250;
    let mut rows = Vec::new();
    let mut src = Vec::new();
    for (s, (_, texts)) in sources.iter().enumerate() {
        let mut idx: Vec<usize> = (0..texts.len()).collect();
        idx.sort_by_key(|&i| mix64(i as u64 ^ 0xCA1));
        let pick: Vec<&str> = idx.iter().take(PER).map(|&i| texts[i].as_str()).collect();
        let v = e.embed(&pick).unwrap();
        for r in v.chunks_exact(e.dim()) {
            if r.iter().any(|x| *x != 0.0) {
                rows.extend_from_slice(r);
                src.push(s);
            }
        }
    }
    let mut sims = Vec::new();
    dots(&rows, &rows, e.dim(), &mut sims);
    let n = src.len();
    let (mut cross, mut within) = (Vec::new(), Vec::new());
    for i in 0..n {
        for j in i + 1..n {
            let d = (1.0 - sims[i * n + j]).max(0.0);
            if src[i] == src[j] {
                within.push(d)
            } else {
                cross.push(d)
            }
        }
    }
    cross.sort_by(f32::total_cmp);
    within.sort_by(f32::total_cmp);
    let q = |v: &[f32], p: f64| v[((v.len() - 1) as f64 * p) as usize];
    println!(
        "calibration, {} embedder: {} responses from {} sources ({} cross-source pairs)",
        e.name(),
        n,
        sources.len(),
        cross.len()
    );
    println!("| pairs | p0.01 | p0.1 | p0.5 | p1 | p2 | p5 | p50 |");
    println!("|---|---|---|---|---|---|---|---|");
    for (name, v) in [("different sources", &cross), ("same source", &within)] {
        println!(
            "| {name} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} |",
            q(v, 0.0001),
            q(v, 0.001),
            q(v, 0.005),
            q(v, 0.01),
            q(v, 0.02),
            q(v, 0.05),
            q(v, 0.5)
        );
    }
}

fn truth(e: &Arc<dyn Embedder>, sources: &[(String, Vec<String>)], size: usize) {
    let texts: Vec<Vec<String>> = sources.iter().map(|(_, t)| t.clone()).collect();
    println!(
        "metric truth on real data, {} embedder, sample size {size}",
        e.name()
    );
    println!(
        "sources in ladder order: {}",
        sources
            .iter()
            .map(|(n, t)| format!("{n} ({})", t.len()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let t = Instant::now();
    let rows = ladder(e, &texts, size);
    println!("\n| sources | {} |\n|---|---|---|", CHECKED.join(" | "));
    for r in &rows {
        println!(
            "| {} | {} |",
            r.sources,
            r.values
                .iter()
                .map(|m| m.show())
                .collect::<Vec<_>>()
                .join(" | ")
        );
    }
    for (i, id) in CHECKED.iter().enumerate() {
        println!(
            "ladder {id}: {}",
            if ladder_rises(&rows, i) {
                "strictly rising"
            } else {
                "NOT strictly rising"
            }
        );
    }
    // The first four sources hold enough responses for two disjoint samples.
    let pool = mix(&texts, 4, 2 * size, 5);
    let (a, b) = size_pair(e, &pool, size);
    println!("\nsize: two disjoint samples of one 4-source mixture at {size}");
    for (i, id) in CHECKED.iter().enumerate() {
        println!(
            "| {id} | A {} | B {} | {} |",
            a[i].show(),
            b[i].show(),
            if a[i].agrees(&b[i]) {
                "agree"
            } else {
                "DISAGREE"
            }
        );
    }
    let base = mix(&texts, texts.len(), size, 9);
    let d = duplicates(e, &base);
    println!(
        "\nduplicates: {} responses, then 30% one-word answers added",
        base.len()
    );
    for (i, id) in CHECKED.iter().enumerate() {
        println!(
            "| {id} | before {} | after {} |",
            d.before[i].show(),
            d.after[i].show()
        );
    }
    let (kb, ka) = (
        d.before[0].clusters.unwrap_or(0.0),
        d.after[0].clusters.unwrap_or(0.0),
    );
    println!(
        "clusters {kb} -> {ka}; clusters holding one-word answers: {}; {}",
        d.added_clusters,
        if ka >= kb && ka - kb <= d.added_clusters as f64 {
            "holds"
        } else {
            "VIOLATED"
        }
    );
    println!("({:.1} s)", t.elapsed().as_secs_f64());
}

/// An embedder with its calibrated eps replaced.
#[derive(Debug)]
struct FixedEps(Arc<dyn Embedder>, f32);

impl Embedder for FixedEps {
    fn name(&self) -> &str {
        self.0.name()
    }
    fn dim(&self) -> usize {
        self.0.dim()
    }
    fn embed(&self, texts: &[&str]) -> Result<Vec<f32>, ftqa_metrics::embed::EmbedError> {
        self.0.embed(texts)
    }
    fn batch_size(&self) -> usize {
        self.0.batch_size()
    }
    fn describe(&self) -> String {
        format!("{} (eps overridden to {})", self.0.describe(), self.1)
    }
    fn calibrated_eps(&self) -> Option<f32> {
        Some(self.1)
    }
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let dir = args
        .get(2)
        .cloned()
        .unwrap_or_else(|| "../shared/data".into());
    let name = args.get(1).map(String::as_str).unwrap_or("static");
    let e = ftqa::embed::make_embedder(name, None).expect("embedder");
    let size: usize = std::env::var("FTQA_TRUTH_SIZE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1000);
    let sources = load(&dir);
    // FTQA_TRUTH_EPS overrides the calibrated eps, to see how the properties depend on it.
    let e: Arc<dyn Embedder> = match std::env::var("FTQA_TRUTH_EPS")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        Some(eps) => Arc::new(FixedEps(e, eps)),
        None => e,
    };
    match args.first().map(String::as_str) {
        Some("calibrate") => calibrate(&e, &sources),
        Some("truth") => truth(&e, &sources, size),
        _ => eprintln!("usage: metric_truth truth|calibrate static|minilm [DATA_DIR]"),
    }
}
