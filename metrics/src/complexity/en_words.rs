//! Closed word classes and constraint vocabulary for the English element counter.

use crate::fasthash::FastMap;
use std::sync::OnceLock;

/// Fixed multi-word constraints.
pub const FIXED_PHRASES: &[&[&str]] = &[
    &["step", "by", "step"],
    &["in", "detail"],
    &["in", "details"],
    &["in", "simple", "terms"],
    &["in", "simple", "language"],
    &["in", "plain", "language"],
    &["in", "plain", "english"],
    &["in", "layman", "'s", "terms"],
    &["in", "laymen", "'s", "terms"],
    &["in", "your", "own", "words"],
    &["in", "brief"],
    &["in", "short"],
    &["in", "summary"],
    &["in", "the", "passive", "voice"],
    &["in", "passive", "voice"],
    &["in", "the", "active", "voice"],
    &["in", "active", "voice"],
    &["in", "the", "first", "person"],
    &["in", "the", "third", "person"],
    &["in", "the", "second", "person"],
    &["in", "the", "past", "tense"],
    &["in", "the", "present", "tense"],
    &["in", "the", "future", "tense"],
    &["in", "the", "style", "of"],
    &["yes", "or", "no"],
    &["true", "or", "false"],
    &["bullet", "points"],
    &["bullet", "point"],
    &["bullet", "list"],
    &["numbered", "list"],
    &["bulleted", "list"],
    &["a", "list", "of"],
    &["a", "numbered", "list", "of"],
    &["a", "bulleted", "list", "of"],
    &["on", "a", "budget"],
    &["if", "so"],
    &["if", "not"],
    &["if", "possible"],
    &["if", "necessary"],
    &["if", "needed"],
    &["if", "applicable"],
];

pub const LIMIT_HEADS: &[&[&str]] = &[
    &["no", "more", "than"],
    &["not", "more", "than"],
    &["no", "less", "than"],
    &["no", "fewer", "than"],
    &["no", "longer", "than"],
    &["at", "least"],
    &["at", "most"],
    &["up", "to"],
    &["fewer", "than"],
    &["less", "than"],
    &["more", "than"],
    &["a", "maximum", "of"],
    &["a", "minimum", "of"],
    &["maximum", "of"],
    &["minimum", "of"],
    &["under"],
    &["within"],
    &["exactly"],
    &["in", "under"],
    &["in", "less", "than"],
    &["in", "fewer", "than"],
    &["in", "no", "more", "than"],
    &["in", "at", "most"],
    &["top"],
];

/// Phrases that open a scope restriction running to the end of the clause.
pub const SCOPE_HEADS: &[&[&str]] = &[
    &["in", "terms", "of"],
    &["in", "order", "of"],
    &["with", "respect", "to"],
    &["in", "the", "context", "of"],
    &["from", "the", "perspective", "of"],
    &["from", "the", "point", "of", "view", "of"],
    &["according", "to"],
    &["in", "the", "form", "of"],
    &["in", "the", "format", "of"],
];

pub const PHRASAL: &[&[&str]] = &[
    &["stand", "for"],
    &["set", "up"],
    &["fill", "in"],
    &["fill", "out"],
    &["come", "up", "with"],
    &["make", "sure"],
    &["take", "office"],
    &["find", "out"],
    &["figure", "out"],
    &["point", "out"],
    &["write", "down"],
    &["sum", "up"],
    &["carry", "out"],
    &["look", "up"],
    &["pick", "up"],
    &["break", "down"],
    &["put", "together"],
    &["take", "care", "of"],
    &["log", "in"],
    &["sign", "up"],
    &["get", "rid", "of"],
    &["keep", "track", "of"],
    &["make", "up"],
    &["give", "up"],
    &["go", "through"],
    &["deal", "with"],
];
/// Multi-word prepositions, so that "next" in "next to" is not a noun.
pub const PREP_PHRASES: &[&[&str]] = &[
    &["next", "to"],
    &["in", "front", "of"],
    &["on", "top", "of"],
    &["because", "of"],
    &["due", "to"],
    &["instead", "of"],
    &["such", "as"],
    &["as", "well", "as"],
    &["based", "on"],
    &["each", "other"],
    &["how", "many"],
    &["how", "much"],
];

// One bit per word class, so a word's memberships are one hash lookup instead of a scan
// of every list (the tagger asks several times per token).
pub const B_DETERMINERS: u64 = 1 << 0;
pub const B_DEMONSTRATIVES: u64 = 1 << 1;
pub const B_PRONOUN_ARGS: u64 = 1 << 2;
pub const B_PRONOUN_SKIP: u64 = 1 << 3;
pub const B_SUBJECT_PRONOUNS: u64 = 1 << 4;
pub const B_OBJECT_PRONOUNS: u64 = 1 << 5;
pub const B_WH: u64 = 1 << 6;
pub const B_RELATIVES: u64 = 1 << 7;
pub const B_PREPOSITIONS: u64 = 1 << 8;
pub const B_CONJUNCTIONS: u64 = 1 << 9;
pub const B_MODALS: u64 = 1 << 10;
pub const B_BE: u64 = 1 << 11;
pub const B_HAVE: u64 = 1 << 12;
pub const B_DO: u64 = 1 << 13;
pub const B_NEGATIONS: u64 = 1 << 14;
pub const B_ADVERBS: u64 = 1 << 15;
pub const B_LY_NOUNS: u64 = 1 << 16;
pub const B_NUMBER_WORDS: u64 = 1 << 17;
pub const B_CONSTRAINT_WORDS: u64 = 1 << 18;
pub const B_TRANSPARENT_CONSTRAINTS: u64 = 1 << 19;
pub const B_LENGTH_UNITS: u64 = 1 << 20;
pub const B_ORDER_WORDS: u64 = 1 << 21;
pub const B_LANGUAGES: u64 = 1 << 22;
pub const B_TRANSLATE_VERBS: u64 = 1 << 23;
pub const B_PROGRAMMING: u64 = 1 << 24;
pub const B_CODE_NOUNS: u64 = 1 << 25;
pub const B_PLATFORMS: u64 = 1 << 26;
pub const B_AUDIENCE: u64 = 1 << 27;
pub const B_TIME_WORDS: u64 = 1 << 28;
pub const B_TIME_RELATIVE: u64 = 1 << 29;
pub const B_TIME_UNITS: u64 = 1 << 30;
pub const B_ROLE_VERBS: u64 = 1 << 31;
pub const B_CATEGORY_VERBS: u64 = 1 << 32;
pub const B_WITH_FORMAT: u64 = 1 << 33;
pub const B_COMPUTE_VERBS: u64 = 1 << 34;
pub const B_UNITS: u64 = 1 << 35;
pub const B_FORMATS: u64 = 1 << 36;

const CLASSES: &str = include_str!("lexicon/en_classes.txt");

/// Section of lexicon/en_classes.txt -> bit.
const SECTIONS: &[(&str, u64)] = &[
    ("determiners", B_DETERMINERS),
    ("demonstratives", B_DEMONSTRATIVES),
    ("pronoun_args", B_PRONOUN_ARGS),
    ("pronoun_skip", B_PRONOUN_SKIP),
    ("subject_pronouns", B_SUBJECT_PRONOUNS),
    ("object_pronouns", B_OBJECT_PRONOUNS),
    ("wh", B_WH),
    ("relatives", B_RELATIVES),
    ("prepositions", B_PREPOSITIONS),
    ("conjunctions", B_CONJUNCTIONS),
    ("modals", B_MODALS),
    ("be", B_BE),
    ("have", B_HAVE),
    ("do", B_DO),
    ("negations", B_NEGATIONS),
    ("adverbs", B_ADVERBS),
    ("ly_nouns", B_LY_NOUNS),
    ("number_words", B_NUMBER_WORDS),
    ("constraint_words", B_CONSTRAINT_WORDS),
    ("transparent_constraints", B_TRANSPARENT_CONSTRAINTS),
    ("length_units", B_LENGTH_UNITS),
    ("order_words", B_ORDER_WORDS),
    ("languages", B_LANGUAGES),
    ("translate_verbs", B_TRANSLATE_VERBS),
    ("programming", B_PROGRAMMING),
    ("code_nouns", B_CODE_NOUNS),
    ("platforms", B_PLATFORMS),
    ("audience", B_AUDIENCE),
    ("time_words", B_TIME_WORDS),
    ("time_relative", B_TIME_RELATIVE),
    ("time_units", B_TIME_UNITS),
    ("role_verbs", B_ROLE_VERBS),
    ("category_verbs", B_CATEGORY_VERBS),
    ("with_format", B_WITH_FORMAT),
    ("compute_verbs", B_COMPUTE_VERBS),
    ("units", B_UNITS),
    ("formats", B_FORMATS),
];

/// The classes a word belongs to, as bits.
pub fn class(t: &str) -> u64 {
    static TABLE: OnceLock<FastMap<&'static str, u64>> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut m: FastMap<&'static str, u64> = FastMap::default();
        let mut bit = 0u64;
        for line in CLASSES.lines() {
            // Whole-line comments only: `c#` is a word.
            let line = line.trim();
            if line.starts_with('#') {
                continue;
            }
            if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                bit = SECTIONS
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map_or(0, |(_, b)| *b);
                continue;
            }
            for w in line.split_whitespace() {
                *m.entry(w).or_insert(0) |= bit;
            }
        }
        m
    });
    table.get(t).copied().unwrap_or(0)
}

pub fn has(bits: u64, t: &str) -> bool {
    class(t) & bits != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_section_is_known_and_filled() {
        let names: Vec<&str> = CLASSES
            .lines()
            .filter_map(|l| l.trim().strip_prefix('[').and_then(|l| l.strip_suffix(']')))
            .collect();
        assert_eq!(names.len(), SECTIONS.len());
        for (name, bit) in SECTIONS {
            assert!(names.contains(name), "{name}");
            assert!(CLASSES.lines().count() > 0 && *bit != 0);
        }
        assert!(has(B_DETERMINERS, "the") && has(B_BE, "'s") && has(B_MODALS, "let's"));
        assert!(has(B_CONSTRAINT_WORDS | B_TRANSPARENT_CONSTRAINTS, "only"));
        assert!(!has(B_PREPOSITIONS, "table"));
        assert!(has(B_PROGRAMMING, "c#") && has(B_PROGRAMMING, "c++"));
    }
}
