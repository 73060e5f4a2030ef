//! BERT uncased tokenisation (BertNormalizer + BertPreTokenizer + WordPiece), written for
//! speed: the static embedder must tokenise tens of thousands of responses per second, and
//! the `tokenizers` crate lives in the IO crate behind a feature.
//!
//! It follows Hugging Face's `BertNormalizer(clean_text, handle_chinese_chars, lowercase,
//! strip_accents)` and `BertPreTokenizer`, with one simplification: a non-ASCII character
//! that is neither alphanumeric, whitespace, control nor a combining mark is split off as
//! punctuation (BERT splits only Unicode category P*, so symbols such as `€` differ).
//! The transformer path uses the real tokenizer; this one only feeds the static table.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;
use xxhash_rust::xxh3::xxh3_64;

/// Words longer than this become `[UNK]`, as in BERT.
const MAX_WORD_CHARS: usize = 100;

/// Vocabulary lookup by 64-bit hash alone, in a flat open-addressing table. Comparing
/// hashes instead of strings saves a pointer chase and a memcmp per word, which were most
/// of the static embedder's time. Two of BERT's 30k pieces sharing a 64-bit hash, or a word
/// outside the vocabulary hitting one, has probability ~1e-10 per run.
struct HashVocab {
    /// (hash, id); id `u32::MAX` marks an empty slot.
    slots: Vec<(u64, u32)>,
    mask: usize,
}

impl HashVocab {
    fn new(entries: &[(&str, u32)]) -> Self {
        let size = (entries.len() * 2).next_power_of_two().max(16);
        let mut t = HashVocab {
            slots: vec![(0, u32::MAX); size],
            mask: size - 1,
        };
        for &(k, id) in entries {
            let h = xxh3_64(k.as_bytes());
            let mut i = h as usize & t.mask;
            while t.slots[i].1 != u32::MAX && t.slots[i].0 != h {
                i = (i + 1) & t.mask;
            }
            // Duplicate strings (none in BERT vocabularies) keep their first id.
            if t.slots[i].1 == u32::MAX {
                t.slots[i] = (h, id);
            }
        }
        t
    }

    #[inline]
    fn get(&self, key: &str) -> Option<u32> {
        let h = xxh3_64(key.as_bytes());
        let mut i = h as usize & self.mask;
        loop {
            let (sh, id) = self.slots[i];
            if id == u32::MAX {
                return None;
            }
            if sh == h {
                return Some(id);
            }
            i = (i + 1) & self.mask;
        }
    }
}

pub struct WordPiece {
    /// Whole-word pieces (no `##`).
    starts: HashVocab,
    /// Continuation pieces, stored without their `##` prefix.
    conts: HashVocab,
    pub unk: Option<u32>,
}

impl WordPiece {
    /// `vocab[id]` is the token string of id `id`.
    pub fn new(vocab: &[String]) -> Self {
        let mut starts = Vec::new();
        let mut conts = Vec::new();
        for (id, tok) in vocab.iter().enumerate() {
            match tok.strip_prefix("##") {
                Some(rest) if !rest.is_empty() => conts.push((rest, id as u32)),
                _ => starts.push((tok.as_str(), id as u32)),
            }
        }
        let (starts, conts) = (HashVocab::new(&starts), HashVocab::new(&conts));
        let unk = starts.get("[UNK]");
        WordPiece { starts, conts, unk }
    }

    /// Calls `emit` with the id of every token of `text`, in order, stopping after `max`.
    pub fn tokenize(&self, text: &str, max: usize, mut emit: impl FnMut(u32)) {
        let mut word = String::with_capacity(32);
        let mut emitted = 0usize;
        let mut flush = |word: &mut String, emitted: &mut usize| {
            if !word.is_empty() && *emitted < max {
                self.word_pieces(word, &mut |id| {
                    if *emitted < max {
                        emit(id);
                        *emitted += 1;
                    }
                });
            }
            word.clear();
        };
        for c in text.chars() {
            if c.is_ascii() {
                if c.is_ascii_alphanumeric() {
                    word.push(c.to_ascii_lowercase());
                } else if c.is_ascii_whitespace() || c.is_ascii_control() {
                    flush(&mut word, &mut emitted);
                } else {
                    flush(&mut word, &mut emitted);
                    word.push(c);
                    flush(&mut word, &mut emitted);
                }
                continue;
            }
            if c.is_whitespace() {
                flush(&mut word, &mut emitted);
            } else if c.is_control() || c == '\u{FFFD}' || is_format(c) {
                // clean_text drops these.
            } else if is_cjk(c) || !(c.is_alphanumeric() || is_combining_mark(c)) {
                flush(&mut word, &mut emitted);
                push_normalized(&mut word, c);
                flush(&mut word, &mut emitted);
            } else {
                push_normalized(&mut word, c);
            }
            if emitted >= max {
                return;
            }
        }
        flush(&mut word, &mut emitted);
    }

    /// Greedy longest-match-first WordPiece of one normalised word.
    fn word_pieces(&self, word: &str, emit: &mut impl FnMut(u32)) {
        if let Some(id) = self.starts.get(word) {
            emit(id);
            return;
        }
        if word.chars().count() > MAX_WORD_CHARS {
            if let Some(u) = self.unk {
                emit(u);
            }
            return;
        }
        let mut pieces: Vec<u32> = Vec::new();
        let mut start = 0;
        while start < word.len() {
            let map = if start == 0 {
                &self.starts
            } else {
                &self.conts
            };
            let mut end = word.len();
            let mut found = None;
            while end > start {
                if word.is_char_boundary(end) {
                    if let Some(id) = map.get(&word[start..end]) {
                        found = Some(id);
                        break;
                    }
                }
                end -= 1;
            }
            match found {
                Some(id) => {
                    pieces.push(id);
                    start = end;
                }
                None => {
                    // One unmatchable piece makes the whole word unknown.
                    if let Some(u) = self.unk {
                        emit(u);
                    }
                    return;
                }
            }
        }
        pieces.into_iter().for_each(emit);
    }
}

/// Lowercase, then NFD with combining marks removed (BERT's strip_accents under lowercase).
fn push_normalized(word: &mut String, c: char) {
    for l in c.to_lowercase() {
        for d in std::iter::once(l).nfd() {
            if !is_combining_mark(d) {
                word.push(d);
            }
        }
    }
}

fn is_format(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}')
}

/// The CJK ideograph blocks BERT splits into single characters.
fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x4E00..=0x9FFF | 0x3400..=0x4DBF | 0x20000..=0x2A6DF | 0x2A700..=0x2B73F
        | 0x2B740..=0x2B81F | 0x2B820..=0x2CEAF | 0xF900..=0xFAFF | 0x2F800..=0x2FA1F)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocab() -> Vec<String> {
        [
            "[PAD]", "[UNK]", "the", "cat", "play", "##ing", "##s", ",", "!", "cafe", "中", "un",
            "##aff", "##able",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    }

    fn ids(text: &str) -> Vec<u32> {
        let wp = WordPiece::new(&vocab());
        let mut v = Vec::new();
        wp.tokenize(text, usize::MAX, |id| v.push(id));
        v
    }

    #[test]
    fn splits_like_bert() {
        assert_eq!(ids("The cats, playing!"), vec![2, 3, 6, 7, 4, 5, 8]);
        assert_eq!(ids("Café 中 unaffable"), vec![9, 10, 11, 12, 13]);
        assert_eq!(ids("xyz"), vec![1]);
    }

    #[test]
    fn stops_at_max_tokens() {
        let wp = WordPiece::new(&vocab());
        let mut v = Vec::new();
        wp.tokenize("the cat the cat the cat", 3, |id| v.push(id));
        assert_eq!(v, vec![2, 3, 2]);
    }
}
