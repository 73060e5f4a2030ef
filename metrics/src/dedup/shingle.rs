//! Normalisation and shingling for near-duplicate detection.
//!
//! Near matching folds more than exact dedup does (see [`normalize_near`]) because
//! punctuation and spacing changes are exactly the edits near-dedup exists to see through.
//! Shingles are hashed to 64 bits straight away: only hashes ever leave this module, so
//! no text is kept per record.

use unicode_normalization::UnicodeNormalization;
use xxhash_rust::xxh3::xxh3_64;

/// What a shingle is made of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShingleKind {
    /// `size` consecutive words of the normalised text.
    Word,
    /// `size` consecutive characters of the normalised text (spaces included).
    Char,
}

impl ShingleKind {
    pub fn parse(s: &str) -> Option<ShingleKind> {
        match s {
            "word" | "words" => Some(ShingleKind::Word),
            "char" | "chars" | "character" => Some(ShingleKind::Char),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            ShingleKind::Word => "word",
            ShingleKind::Char => "char",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shingling {
    pub kind: ShingleKind,
    pub size: usize,
}

/// The defaults: character 5-grams. Fine-tuning samples are short (a 20-word instruction
/// has only 16 word 5-grams, so one edited word removes a third of them); character
/// 5-grams degrade gracefully with a single edit on short texts.
impl Default for Shingling {
    fn default() -> Self {
        Shingling {
            kind: ShingleKind::Char,
            size: 5,
        }
    }
}

/// NFKC, lower case, and every run of characters that are neither letters nor digits
/// turned into one space, trimmed. Appends to `out` (cleared first).
pub fn normalize_near(s: &str, out: &mut String) {
    out.clear();
    let mut pending_space = false;
    let mut push = |c: char, out: &mut String| {
        if c.is_alphanumeric() {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.extend(c.to_lowercase());
        } else {
            pending_space = true;
        }
    };
    // NFKC is the expensive part; pure ASCII text is already in NFKC.
    if s.is_ascii() {
        for c in s.chars() {
            push(c, out);
        }
    } else {
        for c in s.nfkc() {
            push(c, out);
        }
    }
}

/// Hashes the shingles of already-normalised text into `out` (cleared first). Text shorter
/// than one shingle becomes a single shingle of the whole text; empty text has none.
pub fn shingles(norm: &str, cfg: Shingling, out: &mut Vec<u64>) {
    out.clear();
    if norm.is_empty() {
        return;
    }
    let k = cfg.size.max(1);
    match cfg.kind {
        ShingleKind::Char => {
            if norm.is_ascii() {
                let b = norm.as_bytes();
                if b.len() <= k {
                    out.push(xxh3_64(b));
                } else {
                    out.extend(b.windows(k).map(xxh3_64));
                }
            } else {
                let starts: Vec<usize> = norm
                    .char_indices()
                    .map(|(i, _)| i)
                    .chain([norm.len()])
                    .collect();
                let chars = starts.len() - 1;
                if chars <= k {
                    out.push(xxh3_64(norm.as_bytes()));
                } else {
                    for i in 0..=chars - k {
                        out.push(xxh3_64(&norm.as_bytes()[starts[i]..starts[i + k]]));
                    }
                }
            }
        }
        ShingleKind::Word => {
            // Normalised text has single spaces, so a window of words is one slice.
            let mut bounds: Vec<(usize, usize)> = Vec::new();
            let mut start = 0;
            for (i, c) in norm.char_indices() {
                if c == ' ' {
                    bounds.push((start, i));
                    start = i + 1;
                }
            }
            bounds.push((start, norm.len()));
            if bounds.len() <= k {
                out.push(xxh3_64(norm.as_bytes()));
            } else {
                for w in bounds.windows(k) {
                    out.push(xxh3_64(&norm.as_bytes()[w[0].0..w[k - 1].1]));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalisation_drops_punctuation_case_and_spacing() {
        let mut a = String::new();
        let mut b = String::new();
        normalize_near("Hello,   WORLD!! It's\tme.", &mut a);
        normalize_near("hello world it s me", &mut b);
        assert_eq!(a, b);
        normalize_near("ＡＢＣ—def", &mut a);
        assert_eq!(a, "abc def");
    }

    #[test]
    fn shingle_counts() {
        let mut out = Vec::new();
        shingles(
            "abcdefg",
            Shingling {
                kind: ShingleKind::Char,
                size: 5,
            },
            &mut out,
        );
        assert_eq!(out.len(), 3);
        shingles(
            "one two three four",
            Shingling {
                kind: ShingleKind::Word,
                size: 3,
            },
            &mut out,
        );
        assert_eq!(out.len(), 2);
        shingles(
            "one two",
            Shingling {
                kind: ShingleKind::Word,
                size: 3,
            },
            &mut out,
        );
        assert_eq!(out.len(), 1);
        shingles("", Shingling::default(), &mut out);
        assert!(out.is_empty());
        shingles("héllo wörld", Shingling::default(), &mut out);
        assert_eq!(out.len(), 7);
    }
}
