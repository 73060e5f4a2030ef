//! Deterministic uniform sampling from a stream of unknown length.
//!
//! The sample that size-dependent indices use (`--sample-size`, issue 11) is a bottom-k
//! sample over stable per-record keys: a record is in it when its key is among the `N`
//! smallest. The key depends only on the record's file name, its position in that file and
//! the seed, never on the order records arrive in or on how the input is split, so a
//! chunked, parallel or sharded run draws the identical sample, and two bottom-k states
//! merge by keeping the smallest keys of both.

use crate::record::Record;
use std::collections::BinaryHeap;

/// Default `--sample-size`: see `DEFAULT_SAMPLE_SIZE` in the docs (docs/METRICS.md,
/// "Equal-size comparison").
pub const DEFAULT_SAMPLE_SIZE: usize = 10_000;
/// Default `--sample-seed`.
pub const DEFAULT_SAMPLE_SEED: u64 = 0x5EED_F70A;

/// The stable sampling key of a record: a hash of its file's name (not where the dataset
/// lives, so a moved dataset samples the same; the path below the dataset's root when
/// same-named files sit in different folders, [`crate::record::Origin::within`]), its
/// 0-based index in that file, and the seed.
pub fn record_key(record: &Record, seed: u64) -> u64 {
    let file = match &record.origin.within {
        Some(w) => w,
        None => record.origin.file.rsplit(['/', '\\']).next().unwrap_or(""),
    };
    let h = xxhash_rust::xxh3::xxh3_64_with_seed(file.as_bytes(), seed);
    mix64(h ^ mix64(record.origin.index ^ seed.rotate_left(17)))
}

/// Keeps the `k` items with the smallest keys. With keys from a hash of the record's
/// position, that is a uniform sample that is the same on every run.
pub struct BottomK<T> {
    k: usize,
    heap: BinaryHeap<Keyed<T>>,
}

/// Saved as `k` and the kept `(key, item)` pairs in key order, for partial result files.
impl<T: serde::Serialize> serde::Serialize for BottomK<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut kept: Vec<(u64, &T)> = self.heap.iter().map(|Keyed(k, t)| (*k, t)).collect();
        kept.sort_unstable_by_key(|(k, _)| *k);
        (self.k, kept).serialize(s)
    }
}

impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for BottomK<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let (k, kept): (usize, Vec<(u64, T)>) = serde::Deserialize::deserialize(d)?;
        let mut sample = BottomK::new(k);
        for (key, item) in kept {
            sample.offer(key, item);
        }
        Ok(sample)
    }
}

struct Keyed<T>(u64, T);

impl<T> PartialEq for Keyed<T> {
    fn eq(&self, o: &Self) -> bool {
        self.0 == o.0
    }
}
impl<T> Eq for Keyed<T> {}
impl<T> PartialOrd for Keyed<T> {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl<T> Ord for Keyed<T> {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        self.0.cmp(&o.0)
    }
}

impl<T> BottomK<T> {
    pub fn new(k: usize) -> Self {
        BottomK {
            k,
            heap: BinaryHeap::with_capacity(k.min(1 << 16) + 1),
        }
    }

    /// Whether an item with this key would be kept; lets callers skip building it.
    pub fn accepts(&self, key: u64) -> bool {
        self.heap.len() < self.k || self.heap.peek().is_some_and(|top| key < top.0)
    }

    pub fn offer(&mut self, key: u64, item: T) {
        if !self.accepts(key) {
            return;
        }
        self.heap.push(Keyed(key, item));
        if self.heap.len() > self.k {
            self.heap.pop();
        }
    }

    /// Adds another sample's items: the result is the bottom-k of the union, the same as
    /// one pass over both inputs.
    pub fn merge(&mut self, other: BottomK<T>) {
        for Keyed(k, t) in other.heap {
            self.offer(k, t);
        }
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// The kept `(key, item)` pairs, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (u64, &T)> {
        self.heap.iter().map(|Keyed(k, t)| (*k, t))
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// The kept items in key order.
    pub fn into_sorted(self) -> Vec<T> {
        self.heap
            .into_sorted_vec()
            .into_iter()
            .map(|Keyed(_, t)| t)
            .collect()
    }
}

/// A well-mixed 64-bit hash of a sequence number (splitmix64), for sampling keys.
pub fn mix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_smallest_keys() {
        let mut s = BottomK::new(3);
        for (k, v) in [(5, 'a'), (1, 'b'), (9, 'c'), (3, 'd'), (2, 'e')] {
            s.offer(k, v);
        }
        assert_eq!(s.into_sorted(), vec!['b', 'e', 'd']);
    }

    #[test]
    fn merged_parts_equal_one_pass() {
        let items: Vec<(u64, u32)> = (0..500u32).map(|i| (mix64(i as u64), i)).collect();
        let mut one = BottomK::new(37);
        for &(k, v) in &items {
            one.offer(k, v);
        }
        for parts in [2, 3, 7] {
            let mut merged = BottomK::new(37);
            for p in (0..parts).rev() {
                let mut part = BottomK::new(37);
                for &(k, v) in items.iter().skip(p).step_by(parts) {
                    part.offer(k, v);
                }
                merged.merge(part);
            }
            assert_eq!(merged.into_sorted(), {
                let mut o = BottomK::new(37);
                for &(k, v) in &items {
                    o.offer(k, v);
                }
                o.into_sorted()
            });
        }
        assert_eq!(one.len(), 37);
    }

    #[test]
    fn record_keys_are_stable_and_seeded() {
        use crate::record::Origin;
        let r = |file: &str, index| {
            Record::new(
                "x",
                Origin {
                    file: file.into(),
                    line: None,
                    index,
                    within: None,
                },
            )
        };
        assert_eq!(
            record_key(&r("a/data.jsonl", 3), 1),
            record_key(&r("b/data.jsonl", 3), 1)
        );
        assert_ne!(
            record_key(&r("data.jsonl", 3), 1),
            record_key(&r("data.jsonl", 4), 1)
        );
        assert_ne!(
            record_key(&r("data.jsonl", 3), 1),
            record_key(&r("data.jsonl", 3), 2)
        );
    }
}
