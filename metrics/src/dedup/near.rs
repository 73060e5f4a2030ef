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
use crate::result::{Outputs, NO_RESPONSES};

pub struct NearDup {
    cfg: NearConfig,
    stores: Vec<SignatureStore>,
    resp_len: Vec<u32>,
    snippets: Snippets,
    scratch: Scratch,
    max_examples: usize,
    n: u64,
    /// Records with a response: the denominator of the response rate.
    with_response: u64,
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
            with_response: 0,
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
        self.with_response += u64::from(r.response().is_some());
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
            let records = match part {
                Part::Response if self.with_response == 0 => {
                    out.not_measured_all(
                        ["dedup.near.response_count", "dedup.near.response_rate"],
                        NO_RESPONSES,
                    );
                    continue;
                }
                Part::Response => self.with_response,
                _ => self.n,
            };
            let clusters = cluster_store(store, &self.resp_len);
            let snippets = (part == Part::Sample).then_some(&self.snippets);
            write_part(
                out,
                PartReport {
                    family: "dedup.near",
                    kind: "Near",
                    part,
                    clusters: &clusters,
                    records,
                    snippets,
                    max_examples: self.max_examples,
                },
            );
        }
        out.methods.insert("dedup.near".into(), self.cfg.describe());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Role;

    use crate::test_records::{outputs, record as rec};

    const LONG: &str =
        "Write a detailed story about a lighthouse keeper who finds a message in a bottle";
    const ANSWER: &str =
        "Once upon a time a lighthouse keeper found a bottle on the rocks below the tower";

    fn run(records: &[Record]) -> Outputs {
        outputs(make(&AnalysisConfig::default()), records)
    }

    #[test]
    fn prompt_only_data_has_no_response_near_duplicates() {
        use Role::*;
        let out = run(&[
            rec(0, &[(User, LONG)]),
            rec(1, &[(User, LONG), (User, "Now make it shorter.")]),
            rec(2, &[(User, LONG)]),
        ]);
        assert_eq!(out.get("dedup.near.instruction_count"), Some(2.0));
        // The sample with a short follow-up is still a near copy of the bare prompt.
        assert_eq!(out.get("dedup.near.sample_count"), Some(2.0));
        for id in ["dedup.near.response_count", "dedup.near.response_rate"] {
            assert!(out.get(id).is_none(), "{id}");
            assert_eq!(out.not_measured[id], NO_RESPONSES);
        }
    }

    #[test]
    fn response_rate_is_over_records_with_a_response() {
        use Role::*;
        let out = run(&[
            rec(0, &[(User, "a"), (Assistant, ANSWER)]),
            rec(1, &[(User, "b"), (Assistant, ANSWER)]),
            rec(2, &[(User, "c")]),
            rec(3, &[(User, "d")]),
        ]);
        assert_eq!(out.get("dedup.near.response_count"), Some(1.0));
        assert_eq!(out.get("dedup.near.response_rate"), Some(0.5));
        // Samples are over every record: the two answered ones are near copies.
        assert_eq!(out.get("dedup.near.sample_rate"), Some(0.25));
        assert!(out.not_measured.is_empty());
    }
}
