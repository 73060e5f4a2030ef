//! Cross-dataset overlap: how much of dataset B already appears in dataset A, exactly,
//! near, or semantically. Feeds the overlap matrix of `ftqa compare`.
//!
//! `m[b][a]` (b ≠ a) is the share of B's records with a duplicate in A. The diagonal is each
//! dataset's internal duplicate rate: the share of its records a dedup would remove.
//! All datasets share one signature store (and one embedding set), so one LSH pass finds
//! pairs within and across datasets.
//!
//! As in dedup, two records overlap only when their images match too
//! (`ftqa_metrics::dedup::images`), by reference: the same question about another picture
//! is not data the other dataset already has.

use crate::load::{LoadEvent, LoadOptions, Loader};
use anyhow::Result;
use ftqa_metrics::dedup::exact::part_key;
use ftqa_metrics::dedup::images;
use ftqa_metrics::dedup::lsh::{NearConfig, Scratch, SignatureStore};
use ftqa_metrics::dedup::parts::Part;
use ftqa_metrics::dedup::semantic::Vectors;
use ftqa_metrics::dedup::union_find::UnionFind;
use ftqa_metrics::embed::Embedder;
use ftqa_metrics::fasthash::FastMap;
use ftqa_metrics::result::OverlapMatrix;
use std::sync::Arc;

#[derive(Clone, Debug)]
pub struct OverlapConfig {
    pub near: NearConfig,
    /// What is compared (the whole sample by default).
    pub part: Part,
    /// With `Some`, the semantic matrix is computed too.
    pub embedder: Option<Arc<dyn Embedder>>,
    pub semantic_threshold: f32,
    /// Records embedded per dataset (the first ones).
    pub semantic_max_records: usize,
}

impl Default for OverlapConfig {
    fn default() -> Self {
        OverlapConfig {
            near: NearConfig::default(),
            part: Part::Sample,
            embedder: None,
            semantic_threshold: ftqa_metrics::dedup::DEFAULT_SEMANTIC_THRESHOLD,
            semantic_max_records: ftqa_metrics::dedup::DEFAULT_SEMANTIC_MAX_RECORDS,
        }
    }
}

pub fn overlap(inputs: &[LoadOptions], config: &OverlapConfig) -> Result<OverlapMatrix> {
    let mut names = Vec::new();
    let mut owner: Vec<u16> = Vec::new();
    let mut exact_owner: Vec<u16> = Vec::new();
    let mut exact_keys: Vec<u64> = Vec::new();
    let mut store = SignatureStore::new(config.near);
    let mut scratch = Scratch::default();
    let mut vectors = config.embedder.clone().map(Vectors::new);
    let mut sem_owner: Vec<u16> = Vec::new();
    // Per record, the key of its images (0 without): pairs are only looked for within one.
    let mut groups: Vec<u64> = Vec::new();
    for (d, load) in inputs.iter().enumerate() {
        names.push(load.path.clone());
        let mut embedded = 0usize;
        for ev in Loader::open(load)? {
            let LoadEvent::Record(r) = ev else { continue };
            let seq = owner.len() as u32;
            owner.push(d as u16);
            groups.push(images::group_of(&r));
            let text = config.part.text(&r);
            if let Some(k) = part_key(&r, config.part) {
                exact_keys.push(k);
                exact_owner.push(d as u16);
            }
            store.push(text.as_deref(), &mut scratch);
            if let (Some(v), Some(t)) = (&mut vectors, &text) {
                if embedded < config.semantic_max_records {
                    v.push(seq, t.to_string());
                    embedded += 1;
                }
            }
        }
        sem_owner.resize(owner.len(), d as u16);
    }
    let k = inputs.len();
    let n = owner.len();
    let counts = |own: &[u16]| {
        let mut c = vec![0u64; k];
        for &o in own {
            c[o as usize] += 1;
        }
        c
    };
    // Exact: group equal keys; each group is a "component".
    let mut by_key: FastMap<u64, u32> = FastMap::default();
    let mut uf_exact = UnionFind::new(exact_keys.len());
    for (i, &key) in exact_keys.iter().enumerate() {
        match by_key.get(&key) {
            Some(&f) => uf_exact.union(f, i as u32),
            None => {
                by_key.insert(key, i as u32);
            }
        }
    }
    let exact = matrix(&mut uf_exact, &exact_owner, k, &counts(&owner));
    let mut uf = UnionFind::new(n);
    store.link(&mut uf, images::splitting(&groups), |_, _| true);
    let near = matrix(&mut uf, &owner, k, &counts(&owner));
    let semantic = match &mut vectors {
        Some(v) => {
            v.flush();
            if let Some(e) = &v.error {
                anyhow::bail!("semantic overlap: the embedder failed: {e}");
            }
            let c = v.clusters(n, config.semantic_threshold, &vec![0; n], &groups);
            let mut uf = UnionFind::new(n);
            for cl in &c.clusters {
                for &(m, _) in &cl.members {
                    uf.union(cl.members[0].0, m);
                }
            }
            let embedded_owner: Vec<u16> = v
                .seq_of_row
                .iter()
                .map(|&s| sem_owner[s as usize])
                .collect();
            Some(matrix(&mut uf, &sem_owner, k, &counts(&embedded_owner)))
        }
        None => None,
    };
    Ok(OverlapMatrix {
        datasets: names,
        exact,
        near,
        semantic,
    })
}

/// `m[b][a]` from components: the share of b's items whose component holds an item of a
/// (a ≠ b), and on the diagonal the share of b's items beyond the first in each component.
fn matrix(uf: &mut UnionFind, owner: &[u16], k: usize, totals: &[u64]) -> Vec<Vec<f64>> {
    // Per component root: bitmask of datasets present, and per-dataset member counts.
    let mut present: FastMap<u32, u64> = FastMap::default();
    let mut per: FastMap<(u32, u16), u64> = FastMap::default();
    for (i, &o) in owner.iter().enumerate() {
        let r = uf.find(i as u32);
        *present.entry(r).or_default() |= 1u64 << (o as u32).min(63);
        *per.entry((r, o)).or_default() += 1;
    }
    let mut hits = vec![vec![0u64; k]; k];
    for (i, &o) in owner.iter().enumerate() {
        let r = uf.find(i as u32);
        let mask = present[&r];
        let b = o as usize;
        for (a, row) in hits[b].iter_mut().enumerate() {
            if a != b && mask & (1u64 << a.min(63)) != 0 {
                *row += 1;
            }
        }
    }
    for (&(_, d), &c) in &per {
        hits[d as usize][d as usize] += c - 1;
    }
    (0..k)
        .map(|b| {
            (0..k)
                .map(|a| {
                    if totals[b] == 0 {
                        0.0
                    } else {
                        hits[b][a] as f64 / totals[b] as f64
                    }
                })
                .collect()
        })
        .collect()
}
