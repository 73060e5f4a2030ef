//! The `dedup.near` metric: MinHash + LSH near-duplicates of instruction, response and
//! whole sample, each clustered separately.

use super::clusters::Clusters;
use super::d;
use super::images;
use super::lsh::{NearConfig, Scratch, SignatureStore};
use super::parts::{response_chars, Part, PARTS};
use super::report::{write_part, PartReport};
use super::snippets::{pos_of, position_order, Pos, SavedPositions, Snippets};
use super::union_find::UnionFind;
use crate::record::Record;
use crate::registry::{merged, AnalysisConfig, Direction, Metric, MetricDoc, MetricSpec};
use crate::result::{Outputs, NO_RESPONSES};

pub const SPEC: MetricSpec = MetricSpec {
    module: module_path!(),
    family: "dedup.near",
    docs,
    make,
};

fn docs() -> Vec<MetricDoc> {
    use Direction::*;
    vec![
        d("dedup.near.<part>_count", "Samples a near-dedup would remove: members of near-duplicate clusters other than each cluster's representative. Part: instruction (first user turn), response (final assistant turn) or sample (system prompt and every turn). Only samples whose images match are compared (the same references, or with --image-root the same decoded pixels; see dedup.exact), so one question asked about two different images is not a duplicate. Near-duplicates: MinHash (default 128 permutations over character 5-grams of the text after NFKC, lower-casing and folding punctuation and spacing) with LSH banding (default 32 bands of 4 rows), candidates verified by estimated Jaccard >= 0.7 (--near-threshold); clusters are connected components. Exact duplicates are near-duplicates too.", LowerIsBetter),
        d("dedup.near.instruction_rate", "dedup.near.instruction_count / records.analyzed.", LowerIsBetter),
        d("dedup.near.response_rate", "dedup.near.response_count / records.with_response (records without a response, such as prompt-only ones, are left out). dedup.near.response_count and this rate are not measured when no record has a response (\"the data has no responses\").", LowerIsBetter),
        d("dedup.near.sample_rate", "dedup.near.sample_count / records.analyzed: the share of records `ftqa dedup` removes at the default --level near.", LowerIsBetter),
        d("dedup.near.clusters", "Near-duplicate clusters (two or more whole samples). Each keeps one representative: the member with the longest response, ties to the first seen.", Neutral),
        d("dedup.near.largest_cluster", "Samples in the largest near-duplicate cluster.", LowerIsBetter),
    ]
}

/// Example snippets kept: those of the first records by position.
const SNIPPETS: usize = 100_000;

/// Signatures are computed as records arrive (the expensive part, spread over chunks when
/// the engine observes in parallel); slots are in arrival order, with each slot's
/// position, and are put in position order at finish, so clusters, representatives and
/// examples do not depend on how the input was split.
pub struct NearDup {
    cfg: NearConfig,
    stores: Vec<SignatureStore>,
    resp_len: Vec<u32>,
    /// Each record's image group ([`images::group_of`]): texts are compared within one.
    image: Vec<u64>,
    pos: Vec<Pos>,
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
            image: Vec::new(),
            pos: Vec::new(),
            snippets: Snippets::new(chars, SNIPPETS),
            scratch: Scratch::default(),
            max_examples,
            n: 0,
            with_response: 0,
        }
    }
}

/// What [`NearDup::save`] writes: per part the signatures and presence flags, then response
/// lengths, image groups, positions, snippets, records and records with a response. The
/// config, hasher and scratch are settings, kept from the fresh instance.
type Saved = (
    Vec<(Vec<u8>, Vec<bool>)>,
    Vec<u32>,
    Vec<u64>,
    SavedPositions,
    Snippets,
    u64,
    u64,
);

/// Clusters one store's slots within image groups (one per slot, or empty for one);
/// `resp_len` ranks representatives.
pub fn cluster_store(store: &SignatureStore, groups: &[u64], resp_len: &[u32]) -> Clusters {
    let mut uf = UnionFind::new(store.len());
    store.link(&mut uf, images::splitting(groups), |_, _| true);
    Clusters::build(
        &mut uf,
        |i| u64::from(resp_len[i as usize]),
        |i, j| store.similarity(i as usize, j as usize),
    )
}

impl Metric for NearDup {
    fn observe(&mut self, r: &Record) {
        self.n += 1;
        self.with_response += u64::from(r.response().is_some());
        self.resp_len.push(response_chars(r));
        self.image.push(images::group_of(r));
        self.pos.push(pos_of(r));
        for (store, part) in self.stores.iter_mut().zip(PARTS) {
            let text = part.text(r);
            store.push(text.as_deref(), &mut self.scratch);
        }
        let display = r.instruction().or(r.response()).unwrap_or_default();
        self.snippets.offer(r, display);
    }

    fn merge(&mut self, other: Box<dyn Metric>) {
        let o: NearDup = merged(other);
        for (s, t) in self.stores.iter_mut().zip(o.stores) {
            s.append(t);
        }
        self.resp_len.extend(o.resp_len);
        self.image.extend(o.image);
        self.pos.extend(o.pos);
        self.snippets.merge(o.snippets);
        self.n += o.n;
        self.with_response += o.with_response;
    }

    fn save(&self) -> Result<Vec<u8>, String> {
        let stores: Vec<_> = self.stores.iter().map(SignatureStore::slots).collect();
        let pos = SavedPositions::of(&self.pos);
        crate::state::encode(&(
            stores,
            &self.resp_len,
            &self.image,
            pos,
            &self.snippets,
            self.n,
            self.with_response,
        ))
    }

    fn load(&mut self, saved: &[u8]) -> Result<(), String> {
        let (stores, resp_len, image, pos, snippets, n, with_response): Saved =
            crate::state::decode(saved)?;
        let pos = pos.positions()?;
        if stores.len() != self.stores.len()
            || resp_len.len() != pos.len()
            || image.len() != pos.len()
            || stores.iter().any(|(_, present)| present.len() != pos.len())
        {
            return Err("the saved slots do not line up".into());
        }
        for (store, (sigs, present)) in self.stores.iter_mut().zip(stores) {
            store.load_slots(sigs, present)?;
        }
        (self.resp_len, self.image, self.pos, self.snippets) = (resp_len, image, pos, snippets);
        (self.n, self.with_response) = (n, with_response);
        Ok(())
    }

    fn finish(mut self: Box<Self>, out: &mut Outputs) {
        let order = position_order(&self.pos);
        let resp_len: Vec<u32> = order.iter().map(|&i| self.resp_len[i as usize]).collect();
        let groups: Vec<u64> = order.iter().map(|&i| self.image[i as usize]).collect();
        let sorted: Vec<Pos> = order
            .iter()
            .map(|&i| self.pos[i as usize].clone())
            .collect();
        self.snippets.index(&sorted);
        drop(sorted);
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
            let clusters = cluster_store(&store.permuted(&order), &groups, &resp_len);
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

    /// One text on two pictures is not a duplicate; on one picture (or on none) it is.
    #[test]
    fn only_samples_with_matching_images_are_near_duplicates() {
        use crate::test_records::assert_merges;
        use crate::test_records::{with_images, without_images};
        use Role::*;
        let with = |i: u64, inst: &str, images: &[&str]| {
            with_images(rec(i, &[(User, inst), (Assistant, ANSWER)]), images)
        };
        let edited = format!("{LONG}!");
        let records = [
            with(0, LONG, &["a.png"]),
            with(1, &edited, &["a.png"]),
            with(2, LONG, &["b.png"]),
            with(3, LONG, &[]),
            with(4, &edited, &[]),
            with(5, LONG, &["a.png", "b.png"]),
        ];
        let out = run(&records);
        assert_eq!(out.get("dedup.near.sample_count"), Some(2.0));
        assert_eq!(out.get("dedup.near.instruction_count"), Some(2.0));
        assert_eq!(out.get("dedup.near.clusters"), Some(2.0));
        // Without images the six are one cluster.
        assert_eq!(
            run(&without_images(&records)).get("dedup.near.sample_count"),
            Some(5.0)
        );
        assert_merges(|| make(&AnalysisConfig::default()), &records);
    }

    #[test]
    fn merges_like_one_pass() {
        use crate::test_records::assert_merges;
        use Role::*;
        let topics = [
            "a lighthouse keeper who finds a message in a bottle",
            "a dragon that is afraid of the dark and hides in caves",
            "a robot learning to paint sunsets over the ocean",
            "two friends crossing a desert with a single camel",
            "a baker whose bread makes people remember their dreams",
            "an astronaut who hears music on the far side of the moon",
        ];
        let mut records: Vec<Record> = (0..36u64)
            .map(|i| {
                let t = topics[(i * 5 % 6) as usize];
                // Light edits make near (not exact) copies.
                let inst = match i % 3 {
                    0 => format!("Write a detailed story about {t}"),
                    1 => format!("Write a detailed story about {t}!"),
                    _ => format!("Please write a detailed story about {t}"),
                };
                let answer = format!(
                    "Once upon a time there was {t}, and {} more",
                    "x".repeat(i as usize % 4)
                );
                if i % 7 == 6 {
                    rec(i, &[(User, &inst)])
                } else {
                    rec(i, &[(User, &inst), (Assistant, &answer)])
                }
            })
            .collect();
        records.push(rec(100, &[(User, "unrelated question about taxes")]));
        let c = AnalysisConfig {
            max_examples: 3,
            ..AnalysisConfig::default()
        };
        let out = run(&records);
        assert!(out.get("dedup.near.clusters").unwrap() >= 3.0);
        assert_merges(|| make(&c), &records);
        // Linking runs on the pool: the same output for one thread and several.
        let on = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            serde_json::to_string(&pool.install(|| run(&records))).unwrap()
        };
        assert_eq!(on(1), on(3));
    }
}
