//! Text helpers shared by metrics: normalisation, word counting, scripts.

use unicode_normalization::UnicodeNormalization;
use unicode_script::{Script, UnicodeScript};
use unicode_segmentation::UnicodeSegmentation;

/// The normalisation behind exact-duplicate detection: NFKC, lower case, every run of
/// whitespace collapsed to one space, trimmed. Full-width forms and case or spacing
/// changes therefore do not hide a duplicate; punctuation and wording changes do.
pub fn normalize_for_dedup(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    // NFKC and full Unicode lower-casing are the identity and to_ascii_lowercase on ASCII,
    // which most training text is; this path is several times faster.
    if s.is_ascii() {
        collapse_into(s.bytes().map(|b| b.to_ascii_lowercase() as char), &mut out);
    } else {
        collapse_into(s.nfkc().flat_map(char::to_lowercase), &mut out);
    }
    out
}

fn collapse_into(chars: impl Iterator<Item = char>, out: &mut String) {
    let mut pending_space = false;
    for c in chars {
        if c.is_whitespace() {
            pending_space = !out.is_empty();
        } else {
            if pending_space {
                out.push(' ');
                pending_space = false;
            }
            out.push(c);
        }
    }
}

/// Whether a character belongs to a script written without spaces between words,
/// where each character is counted as one word (the usual convention for CJK word
/// counts, as in word processors and the Chinese publishing standard).
pub fn is_cjk_char(c: char) -> bool {
    // The script table is a binary search; ASCII is never CJK.
    !c.is_ascii()
        && matches!(
            c.script(),
            Script::Han
                | Script::Hiragana
                | Script::Katakana
                | Script::Thai
                | Script::Lao
                | Script::Khmer
                | Script::Myanmar
        )
}

/// Counts words: UAX #29 word segments that contain a letter or digit, with each CJK
/// (and other unspaced-script) character counting as one word.
pub fn word_count(s: &str) -> usize {
    let mut n = 0;
    for w in s.unicode_words() {
        let mut cjk = 0;
        let mut other = false;
        for c in w.chars() {
            if is_cjk_char(c) {
                cjk += 1;
            } else if c.is_alphanumeric() {
                other = true;
            }
        }
        n += cjk + usize::from(other);
    }
    n
}

pub fn char_count(s: &str) -> usize {
    s.chars().count()
}

pub fn is_blank(s: Option<&str>) -> bool {
    s.is_none_or(|t| t.trim().is_empty())
}

/// Human-readable script name, lower case, used in metric ids.
pub fn script_name(script: Script) -> &'static str {
    match script {
        Script::Latin => "latin",
        Script::Han => "han",
        Script::Hiragana | Script::Katakana => "kana",
        Script::Hangul => "hangul",
        Script::Cyrillic => "cyrillic",
        Script::Arabic => "arabic",
        Script::Devanagari => "devanagari",
        Script::Greek => "greek",
        Script::Hebrew => "hebrew",
        Script::Thai => "thai",
        Script::Bengali => "bengali",
        Script::Tamil => "tamil",
        Script::Armenian => "armenian",
        Script::Georgian => "georgian",
        _ => "other",
    }
}

/// All script names [`ScriptCounts`] can produce, in a fixed order.
pub const SCRIPTS: &[&str] = &[
    "latin",
    "han",
    "kana",
    "hangul",
    "cyrillic",
    "arabic",
    "devanagari",
    "greek",
    "hebrew",
    "thai",
    "bengali",
    "tamil",
    "armenian",
    "georgian",
    "other",
];

/// Letters per script of a text, indexed like [`SCRIPTS`]. Digits, punctuation,
/// symbols and emoji belong to no script.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ScriptCounts(pub [u32; 15]);

impl ScriptCounts {
    pub fn of(s: &str) -> Self {
        let mut c = [0u32; 15];
        for ch in s.chars() {
            // Most data is ASCII; the script table lookup is a binary search.
            if ch.is_ascii() {
                c[0] += u32::from(ch.is_ascii_alphabetic());
                continue;
            }
            if !ch.is_alphabetic() {
                continue;
            }
            let sc = ch.script();
            if matches!(sc, Script::Common | Script::Inherited | Script::Unknown) {
                continue;
            }
            let name = script_name(sc);
            if let Some(i) = SCRIPTS.iter().position(|n| *n == name) {
                c[i] += 1;
            }
        }
        ScriptCounts(c)
    }

    pub fn add(&self, other: &ScriptCounts) -> ScriptCounts {
        let mut c = self.0;
        for (a, b) in c.iter_mut().zip(other.0) {
            *a += b;
        }
        ScriptCounts(c)
    }

    pub fn total(&self) -> u32 {
        self.0.iter().sum()
    }

    /// The script holding most letters, or `None` without letters. Han text mixed with
    /// kana is Japanese, so kana wins whenever it is at least a tenth of the letters.
    pub fn dominant(&self) -> Option<&'static str> {
        let total = self.total();
        if total == 0 {
            return None;
        }
        if self.0[2] * 10 >= total {
            return Some("kana");
        }
        // The first script wins ties, in SCRIPTS order.
        let (i, _) = self.0.iter().enumerate().fold(
            (0, 0),
            |best, (i, &n)| if n > best.1 { (i, n) } else { best },
        );
        Some(SCRIPTS[i])
    }
}

/// The script holding most letters of `s`, or `None` when `s` has no letters.
pub fn dominant_script(s: &str) -> Option<&'static str> {
    ScriptCounts::of(s).dominant()
}

/// Truncates to at most `max` characters on a char boundary, marking the cut.
pub fn truncate_chars(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        None => s.to_string(),
        Some((idx, _)) => format!("{}…", &s[..idx]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalisation_folds_case_width_and_spacing() {
        assert_eq!(normalize_for_dedup("  Hello\t\n  WORLD  "), "hello world");
        assert_eq!(normalize_for_dedup("ＡＢＣ"), "abc");
        assert_ne!(
            normalize_for_dedup("hello, world"),
            normalize_for_dedup("hello world")
        );
    }

    #[test]
    fn words_count_cjk_per_character() {
        assert_eq!(word_count("The quick brown fox."), 4);
        assert_eq!(word_count("今天天气很好"), 6);
        assert_eq!(word_count("用 Rust 写代码"), 5);
        assert_eq!(word_count("  ... !!! "), 0);
        assert_eq!(word_count("it's 3.5 km"), 3);
    }

    #[test]
    fn dominant_script_detects_major_scripts() {
        assert_eq!(dominant_script("hello world"), Some("latin"));
        assert_eq!(dominant_script("你好，世界 hi"), Some("han"));
        assert_eq!(dominant_script("こんにちは世界"), Some("kana"));
        assert_eq!(dominant_script("Привет мир"), Some("cyrillic"));
        assert_eq!(dominant_script("12345 !!"), None);
    }

    #[test]
    fn truncation_respects_char_boundaries() {
        assert_eq!(truncate_chars("héllo", 2), "hé…");
        assert_eq!(truncate_chars("abc", 5), "abc");
    }
}
