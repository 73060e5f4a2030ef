//! Deterministic uniform sampling from a stream of unknown length.

use std::collections::BinaryHeap;

/// Keeps the `k` items with the smallest keys. With keys from a hash of the record's
/// position, that is a uniform sample that is the same on every run.
pub struct BottomK<T> {
    k: usize,
    heap: BinaryHeap<Keyed<T>>,
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
            heap: BinaryHeap::with_capacity(k + 1),
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
}
