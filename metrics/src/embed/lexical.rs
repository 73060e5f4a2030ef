//! Character n-gram TF-IDF with a seeded sparse random projection.
//!
//! - Features: `char_wb` n-grams of lengths 3–5 (each word padded with spaces, as
//!   scikit-learn's `TfidfVectorizer(analyzer="char_wb")`), lowercased, hashed into 2^20
//!   buckets.
//! - Weights: sublinear TF (`1 + ln tf`) times smoothed IDF (`ln((1+N)/(1+df)) + 1`), with
//!   document frequencies from the sample given to [`Embedder::fit`] (all IDF 1 before).
//! - Projection: each bucket adds its weight to 4 of the output dimensions with signs, both
//!   drawn from a fixed seed (Achlioptas / Li-style very sparse projection), which keeps
//!   inner products in expectation and costs 4 additions per n-gram.

use super::{normalize, EmbedError, Embedder};
use crate::sample::mix64;
use std::collections::HashMap;
use std::sync::Arc;
use xxhash_rust::xxh3::xxh3_64_with_seed;

pub const DIM: usize = 256;
const BUCKET_BITS: u32 = 20;
const NGRAMS: std::ops::RangeInclusive<usize> = 3..=5;
const PROJECTION_SEED: u64 = 0x1E81_CA15;
const HASH_SEED: u64 = 0xC4A2_0000;
/// Nonzero projection entries per bucket.
const FANOUT: usize = 4;

#[derive(Clone, Debug, Default)]
pub struct LexicalEmbedder {
    /// IDF per bucket; `None` until fitted.
    idf: Option<Arc<Vec<f32>>>,
    fitted_on: usize,
}

impl LexicalEmbedder {
    /// Term frequencies per bucket for one text.
    fn buckets(text: &str) -> HashMap<u32, u32> {
        let mut tf: HashMap<u32, u32> = HashMap::new();
        let mut padded: Vec<char> = Vec::with_capacity(32);
        let mut buf = [0u8; 4 * 5];
        for word in text.split_whitespace() {
            padded.clear();
            padded.push(' ');
            padded.extend(word.chars().flat_map(char::to_lowercase));
            padded.push(' ');
            for n in NGRAMS {
                if padded.len() < n {
                    // scikit-learn's char_wb keeps a short word whole.
                    if n == *NGRAMS.start() {
                        let s: String = padded.iter().collect();
                        *tf.entry(bucket(s.as_bytes())).or_default() += 1;
                    }
                    continue;
                }
                for w in padded.windows(n) {
                    let mut len = 0;
                    for c in w {
                        len += c.encode_utf8(&mut buf[len..]).len();
                    }
                    *tf.entry(bucket(&buf[..len])).or_default() += 1;
                }
            }
        }
        tf
    }

    fn embed_one(&self, text: &str, out: &mut [f32]) {
        out.iter_mut().for_each(|v| *v = 0.0);
        // Summed in bucket order: float addition is not associative, and a HashMap's
        // order changes from run to run, which would change the last digits.
        let mut buckets: Vec<(u32, u32)> = Self::buckets(text).into_iter().collect();
        buckets.sort_unstable();
        for (b, tf) in buckets {
            let w = (1.0 + (tf as f32).ln()) * self.idf.as_ref().map_or(1.0, |idf| idf[b as usize]);
            let h = mix64(b as u64 ^ PROJECTION_SEED);
            for f in 0..FANOUT {
                let bits = (h >> (f * 9)) as usize;
                let pos = bits % DIM;
                let sign = if bits & 0x100 != 0 { 1.0 } else { -1.0 };
                out[pos] += sign * w;
            }
        }
        normalize(out);
    }
}

fn bucket(bytes: &[u8]) -> u32 {
    (xxh3_64_with_seed(bytes, HASH_SEED) >> (64 - BUCKET_BITS)) as u32
}

impl Embedder for LexicalEmbedder {
    fn name(&self) -> &str {
        "lexical"
    }
    fn dim(&self) -> usize {
        DIM
    }
    fn embed(&self, texts: &[&str]) -> Result<Vec<f32>, EmbedError> {
        let mut out = vec![0f32; texts.len() * DIM];
        for (t, o) in texts.iter().zip(out.chunks_exact_mut(DIM)) {
            self.embed_one(t, o);
        }
        Ok(out)
    }
    fn describe(&self) -> String {
        format!(
            "lexical: character 3-5-gram TF-IDF (sublinear TF, smoothed IDF from {} sampled texts), hashed to 2^{BUCKET_BITS} buckets and \
             projected to {DIM} dimensions by a seeded sparse random projection. It measures surface (spelling) similarity, not meaning.",
            self.fitted_on
        )
    }
    fn fit(&self, sample: &[&str]) -> Option<Arc<dyn Embedder>> {
        let mut df = vec![0u32; 1 << BUCKET_BITS];
        for t in sample {
            for b in Self::buckets(t).keys() {
                df[*b as usize] += 1;
            }
        }
        let n = sample.len() as f32;
        let idf = df
            .iter()
            .map(|&d| ((1.0 + n) / (1.0 + d as f32)).ln() + 1.0)
            .collect();
        Some(Arc::new(LexicalEmbedder {
            idf: Some(Arc::new(idf)),
            fitted_on: sample.len(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cos(a: &[f32], b: &[f32]) -> f32 {
        a.iter().zip(b).map(|(x, y)| x * y).sum()
    }

    #[test]
    fn similar_spellings_are_close_and_output_is_deterministic() {
        let e = LexicalEmbedder::default();
        let v = e
            .embed(&[
                "the quick brown fox",
                "the quick brown foxes",
                "completely unrelated words here",
            ])
            .unwrap();
        let (a, b, c) = (&v[..DIM], &v[DIM..2 * DIM], &v[2 * DIM..]);
        assert!(cos(a, b) > 0.7);
        assert!(cos(a, b) > cos(a, c) + 0.3);
        assert!((cos(a, a) - 1.0).abs() < 1e-5);
        assert_eq!(
            v,
            e.embed(&[
                "the quick brown fox",
                "the quick brown foxes",
                "completely unrelated words here"
            ])
            .unwrap()
        );
    }

    #[test]
    fn fitting_downweights_common_ngrams() {
        let sample = [
            "common words everywhere alpha",
            "common words everywhere beta",
            "common words everywhere gamma",
        ];
        let fitted = LexicalEmbedder::default().fit(&sample).unwrap();
        let v = fitted
            .embed(&[
                "common words everywhere alpha",
                "common words everywhere beta",
            ])
            .unwrap();
        let raw = LexicalEmbedder::default()
            .embed(&[
                "common words everywhere alpha",
                "common words everywhere beta",
            ])
            .unwrap();
        assert!(cos(&v[..DIM], &v[DIM..]) < cos(&raw[..DIM], &raw[DIM..]));
    }
}
