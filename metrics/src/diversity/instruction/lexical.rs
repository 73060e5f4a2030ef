//! Lexical companions to the element-graph index: distinct-n, MTLD and the verb-object
//! pairs of the Self-Instruct analysis.

use super::tokenize::is_stopword;
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

static VERBS_EN: &str = include_str!("../../../assets/verbs_en.txt");

fn verbs() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| {
        VERBS_EN
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect()
    })
}

/// Words that commonly sit between a verb and its object noun ("write a *short* story").
const MODIFIERS: &[&str] = &[
    "short",
    "brief",
    "long",
    "new",
    "simple",
    "detailed",
    "good",
    "few",
    "creative",
    "list",
    "following",
    "given",
    "sentence",
    "paragraph",
    "one",
    "two",
    "three",
    "five",
    "ten",
    "possible",
    "different",
    "main",
    "best",
    "complete",
    "concise",
    "appropriate",
    "unique",
    "original",
    "persuasive",
    "funny",
    "catchy",
];

/// Distinct n-grams over all n-grams of a token stream (Li et al., 2016).
pub fn distinct_n(texts: &[Vec<String>], n: usize) -> Option<f64> {
    let mut seen: HashSet<&[String]> = HashSet::new();
    let mut total = 0usize;
    for t in texts {
        for w in t.windows(n) {
            total += 1;
            seen.insert(w);
        }
    }
    (total > 0).then(|| seen.len() as f64 / total as f64)
}

/// MTLD (McCarthy & Jarvis, 2010): mean length of word runs that keep the type-token
/// ratio above 0.72, averaged over a forward and a backward pass.
pub fn mtld(tokens: &[&str]) -> Option<f64> {
    const THRESHOLD: f64 = 0.72;
    fn pass<'a>(it: impl Iterator<Item = &'a str>) -> Option<f64> {
        let mut factors = 0.0;
        let mut types: HashSet<&str> = HashSet::new();
        let mut count = 0usize;
        let mut total = 0usize;
        for w in it {
            total += 1;
            count += 1;
            types.insert(w);
            if (types.len() as f64 / count as f64) <= THRESHOLD {
                factors += 1.0;
                types.clear();
                count = 0;
            }
        }
        if count > 0 {
            let ttr = types.len() as f64 / count as f64;
            factors += (1.0 - ttr) / (1.0 - THRESHOLD);
        }
        // A text whose vocabulary never starts repeating has no complete factor; its MTLD
        // is at least its length, which is what we report rather than dividing by zero.
        (total > 0).then(|| {
            if factors > 0.0 {
                total as f64 / factors
            } else {
                total as f64
            }
        })
    }
    let f = pass(tokens.iter().copied())?;
    let b = pass(tokens.iter().rev().copied())?;
    Some((f + b) / 2.0)
}

/// The opening verb and its object of an English instruction: the first word from the
/// verb list among the first five words (after "please", "can you", ...), then the first
/// following content word that is not a common modifier. Returns `None` when no listed
/// verb opens the instruction.
pub fn verb_object(words: &[String]) -> Option<(String, String)> {
    let vi = words
        .iter()
        .take(5)
        .position(|w| verbs().contains(w.as_str()))?;
    let obj = words[vi + 1..].iter().find(|w| {
        !is_stopword(w) && !MODIFIERS.contains(&w.as_str()) && !verbs().contains(w.as_str())
    })?;
    Some((words[vi].clone(), obj.clone()))
}

/// Counts of verb-object pairs, keeping memory bounded by the vocabulary.
#[derive(Default)]
pub struct VerbObjects {
    pairs: HashMap<(String, String), u64>,
    pub english_instructions: u64,
    pub matched: u64,
}

impl VerbObjects {
    pub fn add(&mut self, words: &[String]) {
        self.english_instructions += 1;
        if let Some(p) = verb_object(words) {
            self.matched += 1;
            *self.pairs.entry(p).or_insert(0) += 1;
        }
    }

    pub fn distinct_pairs(&self) -> usize {
        self.pairs.len()
    }

    pub fn distinct_verbs(&self) -> usize {
        self.pairs
            .keys()
            .map(|(v, _)| v)
            .collect::<HashSet<_>>()
            .len()
    }

    /// The most frequent pairs, ties broken alphabetically.
    pub fn top(&self, k: usize) -> Vec<(String, u64)> {
        let mut v: Vec<_> = self
            .pairs
            .iter()
            .map(|((a, b), c)| (format!("{a} {b}"), *c))
            .collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        v.truncate(k);
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn distinct_n_counts_unique_ngrams() {
        let t = vec![toks("a b a b"), toks("a b c")];
        assert_eq!(distinct_n(&t, 1), Some(3.0 / 7.0));
        assert_eq!(distinct_n(&t, 2), Some(3.0 / 5.0));
    }

    #[test]
    fn mtld_of_repetitive_text_is_low_and_varied_text_high() {
        let rep: Vec<&str> = "the cat the cat the cat the cat the cat the cat"
            .split(' ')
            .collect();
        let var: Vec<&str> = "one two three four five six seven eight nine ten eleven twelve"
            .split(' ')
            .collect();
        let (r, v) = (mtld(&rep).unwrap(), mtld(&var).unwrap());
        assert!(r < 4.0, "{r}");
        assert_eq!(v, 12.0, "never repeats: MTLD is the text length");
    }

    #[test]
    fn verb_object_skips_politeness_and_modifiers() {
        assert_eq!(
            verb_object(&toks("please write a short story about dragons")),
            Some(("write".into(), "story".into()))
        );
        assert_eq!(
            verb_object(&toks("classify the following sentence as positive")),
            Some(("classify".into(), "positive".into()))
        );
        assert_eq!(verb_object(&toks("the sky is blue")), None);
    }
}
