//! Exact word n-gram overlap, the GPT-3 / NeMo decontamination test.
//!
//! Texts are normalised as for near dedup (NFKC, lower case, punctuation folded) and split
//! into words. **n rule:** a benchmark text of 13 or more words is indexed by its 13-grams;
//! one of 8 to 12 words by its 8-grams (a 10-word question has no 13-gram at all); shorter
//! ones by no n-gram — they are left to the MinHash and embedding strengths, because
//! 5-word phrases such as "what is the value of" recur in unrelated text. Answers are
//! indexed only from 13 words up, since short code and numeric answers are generic.
//!
//! n-grams are 64-bit polynomial rolling hashes of word hashes, so each training word
//! costs one update and one lookup per n in use; a bit filter answers most misses before
//! the hash map is touched.

use crate::dedup::shingle::normalize_near;
use crate::fasthash::FastMap;
use xxhash_rust::xxh3::xxh3_64;

pub const LONG_N: usize = 13;
pub const SHORT_N: usize = 8;
const BASE: u64 = 0x100_0000_01B3;
const FILTER_BITS: u64 = 1 << 24;

/// The n used for a benchmark text of `words` words, if any.
pub fn n_for(words: usize, is_answer: bool) -> Option<usize> {
    match words {
        w if w >= LONG_N => Some(LONG_N),
        w if w >= SHORT_N && !is_answer => Some(SHORT_N),
        _ => None,
    }
}

/// Normalised words of a text with their hashes.
#[derive(Default)]
pub struct Words {
    pub norm: String,
    pub bounds: Vec<(u32, u32)>,
    pub hashes: Vec<u64>,
}

impl Words {
    pub fn fill(&mut self, text: &str) {
        normalize_near(text, &mut self.norm);
        self.bounds.clear();
        self.hashes.clear();
        let mut start = 0usize;
        let b = self.norm.as_bytes();
        for i in 0..=b.len() {
            if i == b.len() || b[i] == b' ' {
                if i > start {
                    self.bounds.push((start as u32, i as u32));
                    self.hashes.push(xxh3_64(&b[start..i]));
                }
                start = i + 1;
            }
        }
    }

    pub fn len(&self) -> usize {
        self.hashes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.hashes.is_empty()
    }

    /// The normalised text of words `a..b`.
    pub fn span(&self, a: usize, b: usize) -> &str {
        &self.norm[self.bounds[a].0 as usize..self.bounds[b - 1].1 as usize]
    }
}

fn finish(h: u64, n: usize) -> u64 {
    let x = (h ^ n as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    x ^ (x >> 31)
}

/// Calls `f(start, hash)` for every n-gram of `hashes`.
pub fn for_each_ngram(hashes: &[u64], n: usize, mut f: impl FnMut(usize, u64)) {
    if hashes.len() < n {
        return;
    }
    let top = (1..n).fold(1u64, |p, _| p.wrapping_mul(BASE));
    let mut h = 0u64;
    for &t in &hashes[..n] {
        h = h.wrapping_mul(BASE).wrapping_add(t);
    }
    f(0, finish(h, n));
    for i in n..hashes.len() {
        h = h
            .wrapping_sub(hashes[i - n].wrapping_mul(top))
            .wrapping_mul(BASE)
            .wrapping_add(hashes[i]);
        f(i + 1 - n, finish(h, n));
    }
}

/// n-gram hash -> the first benchmark view holding it.
#[derive(Default)]
pub struct NgramIndex {
    map: FastMap<u64, u32>,
    filter: Vec<u64>,
    /// The n values present, longest first.
    ns: Vec<usize>,
}

/// The best n-gram evidence of one text against one view.
#[derive(Clone, Debug, PartialEq)]
pub struct NgramMatch {
    pub view: u32,
    pub n: usize,
    /// Words of the training text covered by matched n-grams of this view.
    pub matched_words: usize,
    /// The longest run of overlapping matched n-grams, as word positions `[start, end)`.
    pub span: (usize, usize),
}

impl NgramIndex {
    pub fn add(&mut self, view: u32, words: &Words, n: usize) {
        if self.filter.is_empty() {
            self.filter = vec![0; (FILTER_BITS / 64) as usize];
        }
        if !self.ns.contains(&n) {
            self.ns.push(n);
            self.ns.sort_unstable_by(|a, b| b.cmp(a));
        }
        let (map, filter) = (&mut self.map, &mut self.filter);
        for_each_ngram(&words.hashes, n, |_, h| {
            map.entry(h).or_insert(view);
            let bit = h % FILTER_BITS;
            filter[(bit / 64) as usize] |= 1 << (bit % 64);
        });
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Every view with at least one shared n-gram, best evidence first (most matched words,
    /// then lowest view). `hits` is scratch.
    pub fn find(&self, words: &Words, hits: &mut Vec<(u32, u32, u8)>) -> Vec<NgramMatch> {
        hits.clear();
        for &n in &self.ns {
            for_each_ngram(&words.hashes, n, |start, h| {
                let bit = h % FILTER_BITS;
                if self.filter[(bit / 64) as usize] & (1 << (bit % 64)) == 0 {
                    return;
                }
                if let Some(&v) = self.map.get(&h) {
                    hits.push((v, start as u32, n as u8));
                }
            });
        }
        if hits.is_empty() {
            return Vec::new();
        }
        hits.sort_unstable();
        let mut out = Vec::new();
        let mut i = 0;
        while i < hits.len() {
            let view = hits[i].0;
            let mut j = i;
            let (mut covered, mut cover_end) = (0usize, 0usize);
            let (mut best, mut run) = ((0usize, 0usize), (usize::MAX, 0usize));
            let mut n_used = hits[i].2 as usize;
            while j < hits.len() && hits[j].0 == view {
                let (s, n) = (hits[j].1 as usize, hits[j].2 as usize);
                n_used = n_used.max(n);
                let e = s + n;
                covered += e.saturating_sub(s.max(cover_end));
                cover_end = cover_end.max(e);
                if run.0 != usize::MAX && s <= run.1 {
                    run.1 = run.1.max(e);
                } else {
                    run = (s, e);
                }
                if run.1 - run.0 > best.1 - best.0 {
                    best = run;
                }
                j += 1;
            }
            out.push(NgramMatch {
                view,
                n: n_used,
                matched_words: covered,
                span: best,
            });
            i = j;
        }
        out.sort_by_key(|m| (std::cmp::Reverse(m.matched_words), m.view));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_13_gram_inside_longer_text_and_reports_the_span() {
        let q = "Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May. How many clips did Natalia sell altogether?";
        let mut w = Words::default();
        w.fill(q);
        let mut idx = NgramIndex::default();
        idx.add(7, &w, n_for(w.len(), false).unwrap());
        let mut t = Words::default();
        t.fill(&format!("Please help. {} Thanks!", q.to_uppercase()));
        let mut scratch = Vec::new();
        let m = idx.find(&t, &mut scratch);
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].view, 7);
        assert_eq!(m[0].matched_words, w.len());
        assert_eq!(t.span(m[0].span.0, m[0].span.1), w.norm);
        // One changed word every 12 words leaves no 13-gram.
        t.fill("Natalia sold clips to 48 of her friends in April and then she");
        assert_eq!(idx.find(&t, &mut scratch).len(), 1);
        t.fill("Natalia sold clips to 48 of her pals in April and then she");
        assert!(idx.find(&t, &mut scratch).is_empty());
    }

    #[test]
    fn n_rule() {
        assert_eq!(n_for(40, false), Some(13));
        assert_eq!(n_for(10, false), Some(8));
        assert_eq!(n_for(10, true), None);
        assert_eq!(n_for(5, false), None);
    }
}
