//! The `dedup.near` metric: MinHash + LSH near-duplicates of instruction, response and
//! whole sample, each clustered separately.

use super::clusters::Clusters;
use super::lsh::{NearConfig, Scratch, SignatureStore};
use super::parts::{response_chars, Part, PARTS};
use super::report::{write_part, PartReport};
use super::snippets::Snippets;
use super::union_find::UnionFind;
use crate::record::Record;
use crate::registry::{AnalysisConfig, Metric};
use crate::result::Outputs;

pub struct NearDup {
    cfg: NearConfig,
    stores: Vec<SignatureStore>,
    resp_len: Vec<u32>,
    snippets: Snippets,
    scratch: Scratch,
    max_examples: usize,
    n: u64,
}

pub fn make(c: &AnalysisConfig) -> Box<dyn Metric> {
    Box::new(NearDup::new(c.dedup.near, c.max_examples, c.example_chars))
}

impl NearDup {
    pub fn new(cfg: NearConfig, max_examples: usize, chars: usize) -> Self {
        NearDup {
            cfg,
            stores: PARTS.iter().map(|_| SignatureStore::new(cfg)).collect(),
            resp_len: Vec::new(),
            snippets: Snippets::new(chars),
            scratch: Scratch::default(),
            max_examples,
            n: 0,
        }
    }
}

/// Clusters one store's slots; `resp_len` ranks representatives.
pub fn cluster_store(store: &SignatureStore, resp_len: &[u32]) -> Clusters {
    let mut uf = UnionFind::new(store.len());
    store.link(&mut uf, |_, _| true);
    Clusters::build(
        &mut uf,
        |i| u64::from(resp_len[i as usize]),
        |i, j| store.similarity(i as usize, j as usize),
    )
}

impl Metric for NearDup {
    fn observe(&mut self, r: &Record) {
        let seq = self.n as u32;
        self.n += 1;
        self.resp_len.push(response_chars(r));
        for (store, part) in self.stores.iter_mut().zip(PARTS) {
            let text = part.text(r);
            store.push(text.as_deref(), &mut self.scratch);
            if part == Part::Sample {
                let sig = store
                    .present(seq as usize)
                    .then(|| store.signature(seq as usize));
                let display = r.instruction().or(r.response()).unwrap_or_default();
                self.snippets.offer(seq, r, display, sig, self.cfg.rows());
            }
        }
    }

    fn finish(self: Box<Self>, out: &mut Outputs) {
        for (store, part) in self.stores.iter().zip(PARTS) {
            let clusters = cluster_store(store, &self.resp_len);
            let snippets = (part == Part::Sample).then_some(&self.snippets);
            write_part(
                out,
                PartReport {
                    family: "dedup.near",
                    kind: "Near",
                    part,
                    clusters: &clusters,
                    records: self.n,
                    snippets,
                    max_examples: self.max_examples,
                },
            );
        }
        out.methods.insert("dedup.near".into(), self.cfg.describe());
    }
}
