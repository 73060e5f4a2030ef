//! Instruction text to content words: Unicode word segmentation, lower case, Chinese
//! segmented into words with jieba (not single characters), stop words removed.

use jieba_rs::Jieba;
use std::collections::HashSet;
use std::sync::OnceLock;
use unicode_segmentation::UnicodeSegmentation;

static STOPWORDS_EN: &str = include_str!("../../../assets/stopwords_en.txt");
static STOPWORDS_ZH: &str = include_str!("../../../assets/stopwords_zh.txt");

fn stopwords() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| {
        STOPWORDS_EN
            .lines()
            .chain(STOPWORDS_ZH.lines())
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect()
    })
}

fn jieba() -> &'static Jieba {
    // Loading the dictionary takes a moment, so it happens once and only for Chinese text.
    static J: OnceLock<Jieba> = OnceLock::new();
    J.get_or_init(Jieba::new)
}

pub fn is_stopword(w: &str) -> bool {
    stopwords().contains(w)
}

fn has_han(s: &str) -> bool {
    s.chars().any(|c| matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F))
}

/// Every word of `text` in order, lower-cased, stop words included. A word must hold a
/// letter; Latin words of one letter are dropped.
pub fn words(text: &str, out: &mut Vec<String>) {
    out.clear();
    let lower = text.to_lowercase();
    // UAX #29 splits Han text into single characters, so runs of Han characters are
    // collected and handed to jieba whole.
    let mut han_run = String::new();
    let flush = |run: &mut String, out: &mut Vec<String>| {
        if !run.is_empty() {
            for t in jieba().cut(run, true) {
                let w = t.word;
                if w.chars().any(char::is_alphabetic) {
                    out.push(w.to_string());
                }
            }
            run.clear();
        }
    };
    for w in lower.unicode_words() {
        if has_han(w) {
            han_run.push_str(w);
            continue;
        }
        flush(&mut han_run, out);
        if w.chars().any(char::is_alphabetic) && w.chars().count() > 1 {
            out.push(w.to_string());
        }
    }
    flush(&mut han_run, out);
}

/// The distinct content words of `text` (stop words removed), in first-seen order.
pub fn content_words(text: &str, scratch: &mut Vec<String>, out: &mut Vec<String>) {
    words(text, scratch);
    out.clear();
    for w in scratch.drain(..) {
        if !is_stopword(&w) && !out.contains(&w) {
            out.push(w);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_is_lowercased_and_stopwords_removed() {
        let (mut s, mut o) = (Vec::new(), Vec::new());
        content_words(
            "Write a short POEM about the sea, and the sea waves.",
            &mut s,
            &mut o,
        );
        assert_eq!(o, vec!["write", "short", "poem", "sea", "waves"]);
    }

    #[test]
    fn chinese_is_segmented_into_words() {
        let (mut s, mut o) = (Vec::new(), Vec::new());
        content_words("请解释机器学习的基本原理", &mut s, &mut o);
        assert!(
            o.contains(&"机器".to_string()) || o.contains(&"机器学习".to_string()),
            "{o:?}"
        );
        assert!(!o.contains(&"的".to_string()));
        assert!(
            o.iter().any(|w| w.chars().count() > 1),
            "not single characters: {o:?}"
        );
    }
}
