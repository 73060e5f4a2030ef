//! Streaming signature store plus LSH banding and candidate verification.
//!
//! Records are added in input order; only their 8-bit MinHash signatures are kept (stores
//! of other chunks are appended, and [`SignatureStore::permuted`] puts slots in record
//! position order before linking). At the end each band is bucketed by **sorting**
//! `(band key, record)` pairs instead of holding a hash table per band: one band's pairs
//! (8 bytes per record) exist at a time, and sorted runs give a deterministic candidate
//! order. Each run member is verified against the run's first record by estimated
//! Jaccard; verified pairs are joined by union-find. Key building, sorting and
//! verification of a band run on the rayon pool; the pairs are collected in run order
//! and joined in that order, so the result is the same for any thread count.

use super::minhash::{estimate_jaccard, MinHasher};
use super::shingle::{normalize_near, shingles, Shingling};
use super::union_find::UnionFind;
use rayon::prelude::*;
use xxhash_rust::xxh3::xxh3_64;

/// MinHash and LSH settings, each a flag of `ftqa report` and `ftqa dedup`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NearConfig {
    pub num_perm: usize,
    /// LSH bands; rows per band = num_perm / bands.
    pub bands: usize,
    pub shingling: Shingling,
    /// Estimated Jaccard a candidate pair needs to count as near-duplicate.
    pub threshold: f32,
}

/// 128 permutations in 32 bands of 4 rows: a pair with Jaccard 0.7 becomes a candidate
/// with probability 1 - (1 - 0.7^4)^32 = 0.9998, one at 0.5 with 0.87, so recall is
/// decided by the verification threshold, not by banding luck.
impl Default for NearConfig {
    fn default() -> Self {
        NearConfig {
            num_perm: 128,
            bands: 32,
            shingling: Shingling::default(),
            threshold: 0.7,
        }
    }
}

impl NearConfig {
    pub fn rows(&self) -> usize {
        (self.num_perm / self.bands.max(1)).max(1)
    }

    /// Checks the settings; the message names the flag to change.
    pub fn validate(&self) -> Result<(), String> {
        if self.num_perm == 0 || self.num_perm > 1024 {
            return Err(format!(
                "--num-perm must be in 1..=1024, got {}",
                self.num_perm
            ));
        }
        if self.bands == 0 || self.bands > self.num_perm {
            return Err(format!(
                "--bands must be in 1..={} (the permutations), got {}",
                self.num_perm, self.bands
            ));
        }
        if self.shingling.size == 0 {
            return Err("--shingle-size must be at least 1".into());
        }
        if !(self.threshold > 0.0 && self.threshold <= 1.0) {
            return Err(format!(
                "--near-threshold must be in (0, 1], got {}",
                self.threshold
            ));
        }
        Ok(())
    }

    pub fn describe(&self) -> String {
        format!(
            "MinHash with {} permutations over {} {}-grams of the near-normalised text (NFKC, lower case, punctuation and spacing folded), \
             stored as 8-bit minwise hashes; LSH with {} bands of {} rows; a candidate pair counts when its estimated Jaccard is at least {}.",
            self.num_perm,
            self.shingling.kind.as_str(),
            self.shingling.size,
            self.bands,
            self.rows(),
            self.threshold
        )
    }
}

/// Per-text scratch buffers, reused across records.
#[derive(Default)]
pub struct Scratch {
    pub norm: String,
    pub shingles: Vec<u64>,
    pub mins: Vec<u32>,
}

/// Signatures of one stream of texts (one role of one or more datasets).
pub struct SignatureStore {
    cfg: NearConfig,
    hasher: MinHasher,
    sigs: Vec<u8>,
    /// Whether each slot has a signature (empty texts do not).
    present: Vec<bool>,
}

impl SignatureStore {
    pub fn new(cfg: NearConfig) -> Self {
        SignatureStore {
            hasher: MinHasher::new(cfg.num_perm, super::minhash::DEFAULT_SEED),
            cfg,
            sigs: Vec::new(),
            present: Vec::new(),
        }
    }

    pub fn config(&self) -> &NearConfig {
        &self.cfg
    }

    pub fn len(&self) -> usize {
        self.present.len()
    }

    pub fn is_empty(&self) -> bool {
        self.present.is_empty()
    }

    /// Adds the next slot; `None` or text that normalises to nothing gets no signature.
    /// Returns the number of shingles (0 when absent).
    pub fn push(&mut self, text: Option<&str>, s: &mut Scratch) -> usize {
        let p = self.cfg.num_perm;
        if let Some(t) = text {
            normalize_near(t, &mut s.norm);
            shingles(&s.norm, self.cfg.shingling, &mut s.shingles);
        } else {
            s.shingles.clear();
        }
        if s.shingles.is_empty() {
            self.sigs.resize(self.sigs.len() + p, 0);
            self.present.push(false);
            return 0;
        }
        self.hasher
            .signature_into(&s.shingles, &mut s.mins, &mut self.sigs);
        self.present.push(true);
        s.shingles.len()
    }

    /// Adds a slot with a precomputed signature (or none).
    pub fn push_signature(&mut self, sig: Option<&[u8]>) {
        match sig {
            Some(s) => {
                assert_eq!(s.len(), self.cfg.num_perm);
                self.sigs.extend_from_slice(s);
                self.present.push(true);
            }
            None => {
                self.sigs.resize(self.sigs.len() + self.cfg.num_perm, 0);
                self.present.push(false);
            }
        }
    }

    pub fn hasher(&self) -> &MinHasher {
        &self.hasher
    }

    pub fn present(&self, i: usize) -> bool {
        self.present[i]
    }

    pub fn signature(&self, i: usize) -> &[u8] {
        let p = self.cfg.num_perm;
        &self.sigs[i * p..(i + 1) * p]
    }

    pub fn similarity(&self, i: usize, j: usize) -> f32 {
        estimate_jaccard(self.signature(i), self.signature(j))
    }

    /// Heap bytes held: signatures plus presence flags.
    pub fn heap_bytes(&self) -> usize {
        self.sigs.capacity() + self.present.capacity()
    }

    /// The slots, for a partial result file: signatures (`num_perm` bytes per slot) and
    /// presence flags. The config and hasher are settings, not saved.
    pub fn slots(&self) -> (&[u8], &[bool]) {
        (&self.sigs, &self.present)
    }

    /// Replaces the slots with saved ones ([`SignatureStore::slots`], same config).
    pub fn load_slots(&mut self, sigs: Vec<u8>, present: Vec<bool>) -> Result<(), String> {
        if sigs.len() != present.len() * self.cfg.num_perm {
            return Err(format!(
                "{} signature bytes saved for {} slots of {} permutations",
                sigs.len(),
                present.len(),
                self.cfg.num_perm
            ));
        }
        (self.sigs, self.present) = (sigs, present);
        Ok(())
    }

    /// Appends the slots of `other` (same config) after this store's.
    pub fn append(&mut self, other: SignatureStore) {
        assert_eq!(self.cfg, other.cfg, "stores of different configs");
        self.sigs.extend_from_slice(&other.sigs);
        self.present.extend_from_slice(&other.present);
    }

    /// The store with its slots reordered: slot `k` of the result is slot `order[k]`.
    pub fn permuted(&self, order: &[u32]) -> SignatureStore {
        let p = self.cfg.num_perm;
        let mut sigs = Vec::with_capacity(order.len() * p);
        let mut present = Vec::with_capacity(order.len());
        for &i in order {
            sigs.extend_from_slice(self.signature(i as usize));
            present.push(self.present[i as usize]);
        }
        SignatureStore {
            cfg: self.cfg,
            hasher: self.hasher.clone(),
            sigs,
            present,
        }
    }

    /// Joins every verified near-duplicate pair. `groups` (one key per slot, or empty for
    /// one group) keeps pairs within a group: slots of different image keys are never
    /// compared ([`super::images`]). `allow(i, j)` can veto pairs before verification
    /// (cross-dataset overlap uses it to skip pairs within one dataset).
    ///
    /// Groups split each run of equal band keys into sub-runs of one group (sorted by
    /// group, then slot), each verified against its own first slot: exactly what the run
    /// of a store holding that group alone would give. With one group the runs are as
    /// they were.
    ///
    /// Bands run one after another (one band's keys in memory at a time); within a band
    /// the keys, the sort and the verification of the runs are parallel. Pairs already
    /// joined when the band starts (a snapshot of the roots) are skipped; the rest are
    /// verified independently and joined in run order. Components do not depend on the
    /// order of joins, and roots are the smallest index ([`UnionFind`]), so the result is
    /// identical for any thread count.
    pub fn link(
        &self,
        uf: &mut UnionFind,
        groups: &[u64],
        allow: impl Fn(u32, u32) -> bool + Sync,
    ) {
        assert!(groups.is_empty() || groups.len() == self.len());
        let rows = self.cfg.rows();
        let bands = self.cfg.bands.min(self.cfg.num_perm / rows);
        let n = self.len();
        for band in 0..bands {
            let mut keys: Vec<u64> = (0..n)
                .into_par_iter()
                .filter(|&i| self.present[i])
                .map(|i| {
                    let part = &self.signature(i)[band * rows..(band + 1) * rows];
                    (band_key(part) << 32) | i as u64
                })
                .collect();
            keys.par_sort_unstable();
            // Runs of two or more equal band keys: the candidate groups.
            let mut runs: Vec<(u32, u32)> = Vec::new();
            let mut start = 0;
            while start < keys.len() {
                let key = keys[start] >> 32;
                let mut end = start + 1;
                while end < keys.len() && keys[end] >> 32 == key {
                    end += 1;
                }
                if end - start >= 2 {
                    runs.push((start as u32, end as u32));
                }
                start = end;
            }
            if runs.is_empty() {
                continue;
            }
            let roots: Vec<u32> = (0..n as u32).map(|i| uf.find(i)).collect();
            let (keys, roots, allow) = (&keys, &roots, &allow);
            let verify = |head: u32, m: u32| {
                roots[head as usize] != roots[m as usize]
                    && allow(head, m)
                    && self.similarity(head as usize, m as usize) >= self.cfg.threshold
            };
            let pairs: Vec<(u32, u32)> = runs
                .par_iter()
                .flat_map_iter(|&(a, b)| {
                    let mut members: Vec<u32> = keys[a as usize..b as usize]
                        .iter()
                        .map(|&k| k as u32)
                        .collect();
                    let same = |x: &u32, y: &u32| {
                        groups.is_empty() || groups[*x as usize] == groups[*y as usize]
                    };
                    if !groups.is_empty() {
                        members.sort_unstable_by_key(|&m| (groups[m as usize], m));
                    }
                    let mut found = Vec::new();
                    for sub in members.chunk_by(same) {
                        let head = sub[0];
                        found.extend(
                            sub[1..]
                                .iter()
                                .filter(|&&m| verify(head, m))
                                .map(|&m| (head, m)),
                        );
                    }
                    found
                })
                .collect();
            for (a, b) in pairs {
                uf.union(a, b);
            }
        }
    }
}

/// 32-bit key of one band: the bytes themselves when they fit, else a hash (a hash
/// collision only adds a candidate, which verification then rejects).
fn band_key(part: &[u8]) -> u64 {
    if part.len() <= 4 {
        let mut b = [0u8; 4];
        b[..part.len()].copy_from_slice(part);
        u64::from(u32::from_le_bytes(b))
    } else {
        xxh3_64(part) & 0xFFFF_FFFF
    }
}
