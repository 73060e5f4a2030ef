//! Spherical k-means on unit vectors (cosine similarity), seeded greedy k-means++ start.

use crate::cluster::matrix::dots;
use crate::sample::mix64;
use rayon::prelude::*;

pub struct KMeans {
    pub k: usize,
    pub dim: usize,
    /// `k × dim`, unit rows.
    pub centroids: Vec<f32>,
    /// Sum over the rows of the cosine to their nearest centroid (higher is tighter).
    pub cohesion: f64,
}

const MAX_ITERS: usize = 30;

impl KMeans {
    /// The tightest of `restarts` fits from different seeds (scikit-learn's `n_init`): one
    /// unlucky start can split a clear group and merge two others.
    pub fn fit_best(rows: &[f32], dim: usize, k: usize, seed: u64, restarts: usize) -> KMeans {
        // Restarts run in parallel and are compared in restart order: the first of the
        // tightest wins, as in a sequential loop, for any thread count.
        let fits: Vec<KMeans> = (0..restarts.max(1))
            .into_par_iter()
            .map(|r| {
                let s = if r == 0 { seed } else { mix64(seed ^ r as u64) };
                KMeans::fit(rows, dim, k, s)
            })
            .collect();
        let mut fits = fits.into_iter();
        let mut best = fits.next().expect("at least one fit");
        for km in fits {
            if km.cohesion > best.cohesion {
                best = km;
            }
        }
        best
    }

    /// Fits on `rows` (`n × dim`, unit vectors); deterministic for a given `seed`.
    pub fn fit(rows: &[f32], dim: usize, k: usize, seed: u64) -> KMeans {
        let n = rows.len() / dim;
        let k = k.min(n).max(1);
        let mut centroids = plus_plus(rows, dim, k, seed);
        let mut labels = vec![usize::MAX; n];
        let mut sims = Vec::new();
        for _ in 0..MAX_ITERS {
            dots(rows, &centroids, dim, &mut sims);
            let mut changed = false;
            for (i, l) in labels.iter_mut().enumerate() {
                let best = argmax(&sims[i * k..(i + 1) * k]);
                changed |= *l != best;
                *l = best;
            }
            if !changed {
                break;
            }
            let mut sums = vec![0f32; k * dim];
            let mut counts = vec![0usize; k];
            for (i, &l) in labels.iter().enumerate() {
                counts[l] += 1;
                for (s, x) in sums[l * dim..(l + 1) * dim]
                    .iter_mut()
                    .zip(&rows[i * dim..(i + 1) * dim])
                {
                    *s += x;
                }
            }
            for c in 0..k {
                // An emptied cluster keeps its old centroid rather than vanishing, so k stays k.
                if counts[c] > 0 && normalise(&mut sums[c * dim..(c + 1) * dim]) {
                    centroids[c * dim..(c + 1) * dim]
                        .copy_from_slice(&sums[c * dim..(c + 1) * dim]);
                }
            }
        }
        dots(rows, &centroids, dim, &mut sims);
        let cohesion = sims.chunks(k).map(|row| row[argmax(row)] as f64).sum();
        KMeans {
            k,
            dim,
            centroids,
            cohesion,
        }
    }

    /// Nearest centroid of every row.
    pub fn assign(&self, rows: &[f32]) -> Vec<usize> {
        let mut sims = Vec::new();
        dots(rows, &self.centroids, self.dim, &mut sims);
        sims.chunks(self.k).map(argmax).collect()
    }
}

fn argmax(xs: &[f32]) -> usize {
    let mut best = 0;
    for (i, x) in xs.iter().enumerate() {
        if *x > xs[best] {
            best = i;
        }
    }
    best
}

fn normalise(v: &mut [f32]) -> bool {
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if n > 0.0 {
        v.iter_mut().for_each(|x| *x /= n);
    }
    n > 0.0
}

/// Greedy k-means++ (as scikit-learn's default): each next centre is the best of
/// `2 + ln k` candidates, each drawn with probability proportional to its distance
/// (1 - cosine) from the nearest centre so far, the best being the one that leaves the
/// smallest total distance. A seeded hash is the random source. Trying several candidates
/// keeps two centres from landing in one tight group, which plain k-means++ does often
/// enough to split a clear task in two and merge two others.
fn plus_plus(rows: &[f32], dim: usize, k: usize, seed: u64) -> Vec<f32> {
    let n = rows.len() / dim;
    let mut rng = seed;
    let mut next = || {
        rng = mix64(rng);
        (rng >> 11) as f64 / (1u64 << 53) as f64
    };
    let tries = 2 + (k as f64).ln() as usize;
    let first = ((next() * n as f64) as usize).min(n - 1);
    let mut centroids = rows[first * dim..(first + 1) * dim].to_vec();
    let mut best = vec![f32::INFINITY; n];
    let mut sims = Vec::new();
    dots(rows, &centroids, dim, &mut sims);
    for (b, s) in best.iter_mut().zip(&sims) {
        *b = (1.0 - s).max(0.0);
    }
    let mut candidates = Vec::with_capacity(tries * dim);
    let mut picks = Vec::with_capacity(tries);
    for _ in 1..k {
        let total: f64 = best.iter().map(|d| *d as f64).sum();
        picks.clear();
        for _ in 0..tries {
            let pick = if total <= 0.0 {
                ((next() * n as f64) as usize).min(n - 1)
            } else {
                let mut target = next() * total;
                let mut chosen = n - 1;
                for (i, d) in best.iter().enumerate() {
                    target -= *d as f64;
                    if target <= 0.0 {
                        chosen = i;
                        break;
                    }
                }
                chosen
            };
            picks.push(pick);
        }
        candidates.clear();
        for &p in &picks {
            candidates.extend_from_slice(&rows[p * dim..(p + 1) * dim]);
        }
        // sims[i * tries + c]: row i against candidate c.
        dots(rows, &candidates, dim, &mut sims);
        let potential = |c: usize| -> f64 {
            best.iter()
                .enumerate()
                .map(|(i, b)| b.min((1.0 - sims[i * tries + c]).max(0.0)) as f64)
                .sum()
        };
        let mut chosen = 0;
        let mut low = potential(0);
        for c in 1..tries {
            let p = potential(c);
            if p < low {
                low = p;
                chosen = c;
            }
        }
        for (i, b) in best.iter_mut().enumerate() {
            *b = b.min((1.0 - sims[i * tries + chosen]).max(0.0));
        }
        centroids.extend_from_slice(&candidates[chosen * dim..(chosen + 1) * dim]);
    }
    centroids
}

/// Mean silhouette (cosine distance) of a labelling of `rows`; `None` for fewer than two
/// non-empty clusters.
pub fn silhouette(
    rows: &[f32],
    dim: usize,
    labels: &[usize],
    k: usize,
    sims: &[f32],
) -> Option<f64> {
    silhouette_with_se(rows, dim, labels, k, sims).map(|(mean, _)| mean)
}

/// The mean silhouette and its standard error over the points (the per-point silhouettes'
/// standard deviation / √n), to tell candidate k apart from noise.
pub fn silhouette_with_se(
    rows: &[f32],
    dim: usize,
    labels: &[usize],
    k: usize,
    sims: &[f32],
) -> Option<(f64, f64)> {
    let n = rows.len() / dim;
    let mut sizes = vec![0usize; k];
    labels.iter().for_each(|l| sizes[*l] += 1);
    if sizes.iter().filter(|s| **s > 0).count() < 2 {
        return None;
    }
    let mut total = 0.0;
    let mut total_sq = 0.0;
    let mut per = vec![0f64; k];
    for i in 0..n {
        per.iter_mut().for_each(|p| *p = 0.0);
        for j in 0..n {
            if i != j {
                per[labels[j]] += (1.0 - sims[i * n + j]) as f64;
            }
        }
        let own = labels[i];
        if sizes[own] <= 1 {
            continue; // silhouette of a singleton is 0 by convention
        }
        let a = per[own] / (sizes[own] - 1) as f64;
        let b = (0..k)
            .filter(|c| *c != own && sizes[*c] > 0)
            .map(|c| per[c] / sizes[c] as f64)
            .fold(f64::INFINITY, f64::min);
        let m = a.max(b);
        if m > 0.0 {
            let s = (b - a) / m;
            total += s;
            total_sq += s * s;
        }
    }
    let nf = n as f64;
    let mean = total / nf;
    let var = if n > 1 {
        ((total_sq - nf * mean * mean) / (nf - 1.0)).max(0.0)
    } else {
        0.0
    };
    Some((mean, (var / nf).sqrt()))
}
