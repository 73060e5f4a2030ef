//! Chinese element counting: dictionary segmentation plus role rules.
//!
//! Forward maximum matching over the shipped lexicon (verbs, common words, function
//! words, object names) splits the text; characters no entry covers are treated as parts
//! of nouns, which is what they mostly are in instructions (names, domain terms). The
//! roles then follow fixtures/complexity/GUIDE.md as in the English counter.

use super::lexicon::lexicon;
use super::material::MAT;
use super::Elements;
use crate::fasthash::FastMap;
use std::sync::OnceLock;

const CLASSES: &str = include_str!("lexicon/zh_classes.txt");

// One bit per word class (sections of lexicon/zh_classes.txt).
const B_FUNCTION_WORDS: u32 = 1 << 0;
const B_MODALS: u32 = 1 << 1;
const B_WH: u32 = 1 << 2;
const B_PRONOUN_ARGS: u32 = 1 << 3;
const B_DEMONSTRATIVES: u32 = 1 << 4;
const B_PRONOUN_SKIP: u32 = 1 << 5;
const B_CONSTRAINT_WORDS: u32 = 1 << 6;
const B_CLASSIFIERS: u32 = 1 << 7;
const B_AUDIENCE: u32 = 1 << 8;
const B_LANGUAGES: u32 = 1 << 9;
const B_PROGRAMMING: u32 = 1 << 10;
const B_FORM_WORDS: u32 = 1 << 11;
const B_POSSESSION_VERBS: u32 = 1 << 12;
const B_POSTFIX: u32 = 1 << 13;
const B_STYLE: u32 = 1 << 14;
const SECTIONS: &[(&str, u32)] = &[
    ("function_words", B_FUNCTION_WORDS),
    ("modals", B_MODALS),
    ("wh", B_WH),
    ("pronoun_args", B_PRONOUN_ARGS),
    ("demonstratives", B_DEMONSTRATIVES),
    ("pronoun_skip", B_PRONOUN_SKIP),
    ("constraint_words", B_CONSTRAINT_WORDS),
    ("classifiers", B_CLASSIFIERS),
    ("audience", B_AUDIENCE),
    ("languages", B_LANGUAGES),
    ("programming", B_PROGRAMMING),
    ("form_words", B_FORM_WORDS),
    ("possession_verbs", B_POSSESSION_VERBS),
    ("postfix", B_POSTFIX),
    ("style", B_STYLE),
];

fn class_table() -> &'static FastMap<&'static str, u32> {
    static TABLE: OnceLock<FastMap<&'static str, u32>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut m: FastMap<&'static str, u32> = FastMap::default();
        let mut bit = 0u32;
        for line in CLASSES.lines() {
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
    })
}

fn is(bits: u32, s: &str) -> bool {
    class_table().get(s).is_some_and(|c| c & bits != 0)
}

/// Function words: never elements, always chunk boundaries (unless listed as modal).
/// The segmenter's dictionary includes them.
pub fn function_words() -> impl Iterator<Item = &'static str> {
    class_table()
        .iter()
        .filter(|(_, c)| *c & B_FUNCTION_WORDS != 0)
        .map(|(w, _)| *w)
}

const NUMERALS: &str = "零〇一二三四五六七八九十百千万两几半";

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Han,
    Latin,
    Num,
    Punct,
    Mat,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Tag {
    Pred,
    Arg,
    Solo,
    Cons,
    InCons,
    Skip,
    Bound,
}

struct Tok {
    s: String,
    kind: Kind,
}

pub fn count(directive: &str, extra_arguments: u32) -> Elements {
    let toks = segment(directive);
    let tags = tag(&toks);
    let mut e = Elements {
        predicates: 0,
        arguments: extra_arguments,
        constraints: 0,
    };
    let mut in_chunk = false;
    for t in tags {
        match t {
            Tag::Arg => {
                if !in_chunk {
                    e.arguments += 1;
                    in_chunk = true;
                }
            }
            Tag::Skip => {}
            Tag::InCons => in_chunk = false,
            other => {
                in_chunk = false;
                match other {
                    Tag::Pred => e.predicates += 1,
                    Tag::Solo => e.arguments += 1,
                    Tag::Cons => e.constraints += 1,
                    _ => {}
                }
            }
        }
    }
    e
}

fn is_han(c: char) -> bool {
    matches!(c as u32, 0x4E00..=0x9FFF | 0x3400..=0x4DBF | 0xF900..=0xFAFF)
}

fn segment(s: &str) -> Vec<Tok> {
    let lex = lexicon();
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == MAT {
            out.push(Tok {
                s: String::new(),
                kind: Kind::Mat,
            });
            i += 1;
        } else if is_han(c) {
            // Longest dictionary entry of two or more characters wins; then a numeral run;
            // then the single character.
            let mut matched = 0;
            let max = lex.zh_max_len.min(chars.len() - i);
            let mut buf = String::new();
            for len in 1..=max {
                if !is_han(chars[i + len - 1]) {
                    break;
                }
                buf.push(chars[i + len - 1]);
                if len >= 2 && lex.zh_dict.contains(buf.as_str()) {
                    matched = len;
                }
            }
            if matched == 0 && NUMERALS.contains(c) {
                let mut j = i;
                while j < chars.len() && NUMERALS.contains(chars[j]) {
                    j += 1;
                }
                out.push(Tok {
                    s: chars[i..j].iter().collect(),
                    kind: Kind::Num,
                });
                i = j;
                continue;
            }
            let len = matched.max(1);
            out.push(Tok {
                s: chars[i..i + len].iter().collect(),
                kind: Kind::Han,
            });
            i += len;
        } else if c.is_ascii_digit() {
            let mut j = i;
            while j < chars.len() && (chars[j].is_ascii_digit() || chars[j] == '.') {
                j += 1;
            }
            out.push(Tok {
                s: chars[i..j].iter().collect(),
                kind: Kind::Num,
            });
            i = j;
        } else if c.is_alphabetic() {
            let mut j = i;
            while j < chars.len()
                && !is_han(chars[j])
                && (chars[j].is_alphanumeric() || matches!(chars[j], '+' | '#' | '-' | '_'))
            {
                j += 1;
            }
            out.push(Tok {
                s: chars[i..j].iter().collect::<String>().to_lowercase(),
                kind: Kind::Latin,
            });
            i = j;
        } else if c.is_whitespace() && c != '\n' {
            i += 1;
        } else {
            out.push(Tok {
                s: c.to_string(),
                kind: Kind::Punct,
            });
            i += 1;
        }
    }
    out
}

/// The text as the segmenter splits it: Han runs by dictionary, other runs whole.
pub fn segment_words(text: &str) -> Vec<String> {
    segment(text).into_iter().map(|t| t.s).collect()
}

fn tag(toks: &[Tok]) -> Vec<Tag> {
    let lex = lexicon();
    let n = toks.len();
    let mut tags = vec![Tag::Bound; n];
    let s = |i: usize| toks.get(i).map_or("", |t| t.s.as_str());
    let kind = |i: usize| toks.get(i).map(|t| t.kind);
    let is_verb = |i: usize| kind(i) == Some(Kind::Han) && lex.zh_verbs.contains(s(i));
    let is_content = |i: usize| match kind(i) {
        Some(Kind::Han) => {
            let w = s(i);
            !is(B_FUNCTION_WORDS, w)
                && !lex.zh_verbs.contains(w)
                && !is(B_CONSTRAINT_WORDS, w)
                && !is(B_PRONOUN_SKIP, w)
                && !is(B_PRONOUN_ARGS, w)
        }
        Some(Kind::Latin) | Some(Kind::Mat) | Some(Kind::Num) => true,
        _ => false,
    };
    let mut i = 0;
    while i < n {
        let w = s(i);
        let k = kind(i);
        // Spans first.
        if w == "用" && !is_verb(i + 1) {
            let end = span_until_verb(toks, i + 1, &is_verb);
            mark_span(&mut tags, i, end);
            i = end;
            continue;
        }
        if w == "以" {
            if let Some(end) = (i + 1..(i + 8).min(n)).find(|&j| is(B_FORM_WORDS, s(j))) {
                mark_span(&mut tags, i, end + 1);
                i = end + 1;
                continue;
            }
        }
        if (w == "向" || w == "适合" || w == "给" || w == "为")
            && (i + 1..(i + 4).min(n)).any(|j| is(B_AUDIENCE, s(j)))
        {
            let end = (i + 1..(i + 4).min(n))
                .find(|&j| is(B_AUDIENCE, s(j)))
                .unwrap_or(i)
                + 1;
            mark_span(&mut tags, i, end);
            i = end;
            continue;
        }
        if w == "为期" || w.starts_with('每') || (w.starts_with('最') && w.chars().count() >= 2)
        {
            let mut end = i + 1;
            if w == "为期" || w == "每" || w == "最" {
                while end < n
                    && matches!(kind(end), Some(Kind::Num) | Some(Kind::Han))
                    && (kind(end) == Some(Kind::Num) || is(B_CLASSIFIERS, s(end)))
                {
                    end += 1;
                }
                if end == i + 1 && end < n && w != "为期" {
                    end += 1;
                }
            }
            mark_span(&mut tags, i, end);
            i = end;
            continue;
        }
        if k == Some(Kind::Num) {
            let classifier = is(B_CLASSIFIERS, s(i + 1));
            let prev = i.checked_sub(1).map_or("", s);
            if w == "几" || (w == "一" && classifier) {
                tags[i] = Tag::Bound;
                if classifier {
                    tags[i + 1] = Tag::Bound;
                    i += 2;
                } else {
                    i += 1;
                }
                continue;
            }
            if classifier && !is(B_POSSESSION_VERBS, prev) {
                mark_span(&mut tags, i, i + 2);
                i += 2;
                continue;
            }
            tags[i] = Tag::Arg;
            if classifier {
                tags[i + 1] = Tag::Arg;
                i += 2;
            } else {
                i += 1;
            }
            continue;
        }
        if k == Some(Kind::Latin)
            && is(B_PROGRAMMING, w)
            && (is_content(i + 1) || s(i + 1) == "语言")
        {
            let end = if s(i + 1) == "语言" { i + 2 } else { i + 1 };
            mark_span(&mut tags, i, end);
            i = end;
            continue;
        }
        if is(B_LANGUAGES, w) && is_content(i + 1) && kind(i + 1) == Some(Kind::Han) {
            tags[i] = Tag::Cons;
            i += 1;
            continue;
        }
        tags[i] = match k {
            Some(Kind::Punct) => Tag::Bound,
            Some(Kind::Mat) | Some(Kind::Latin) => Tag::Arg,
            _ if is(B_CONSTRAINT_WORDS, w) => Tag::Cons,
            _ if is(B_WH, w) => Tag::Bound,
            _ if is(B_PRONOUN_SKIP, w) => Tag::Bound,
            _ if is(B_PRONOUN_ARGS, w) => Tag::Solo,
            _ if is(B_DEMONSTRATIVES, w) => {
                if is_content(i + 1) {
                    Tag::Bound
                } else {
                    Tag::Solo
                }
            }
            _ if is(B_MODALS, w) && (is_verb(i + 1) || is(B_CONSTRAINT_WORDS, s(i + 1))) => {
                Tag::Skip
            }
            _ if w == "是" => {
                if s(i + 1) == "在" {
                    Tag::Bound
                } else {
                    Tag::Pred
                }
            }
            _ if w == "为" => {
                let prev = i.checked_sub(1).map_or("", s);
                if prev == "是否" || prev == "成" {
                    Tag::Pred
                } else {
                    Tag::Bound
                }
            }
            _ if is_verb(i) => {
                let prev = i.checked_sub(1).map_or("", s);
                let nominal = prev == "的" || is(B_CLASSIFIERS, prev) || is(B_DEMONSTRATIVES, prev);
                if nominal {
                    Tag::Arg
                } else {
                    Tag::Pred
                }
            }
            _ if is(B_FUNCTION_WORDS, w) => Tag::Bound,
            _ => Tag::Arg,
        };
        i += 1;
    }
    label_sets(toks, &mut tags);
    merge_adjacent(toks, &mut tags);
    tags
}

fn merge_adjacent(toks: &[Tok], tags: &mut [Tag]) {
    for i in 1..toks.len() {
        if tags[i] != Tag::Cons {
            continue;
        }
        let (w, prev) = (toks[i].s.as_str(), toks[i - 1].s.as_str());
        let after_constraint = matches!(tags[i - 1], Tag::Cons | Tag::InCons);
        if after_constraint && (is(B_POSTFIX, w) || (is(B_STYLE, w) && is(B_STYLE, prev))) {
            tags[i] = Tag::InCons;
        }
    }
}

fn span_until_verb(toks: &[Tok], from: usize, is_verb: &dyn Fn(usize) -> bool) -> usize {
    let mut j = from;
    while j < toks.len() {
        let t = &toks[j];
        if t.kind == Kind::Punct
            || t.kind == Kind::Mat
            || is_verb(j)
            || matches!(t.s.as_str(), "向" | "对" | "给" | "把" | "来")
        {
            break;
        }
        j += 1;
    }
    j.max(from)
}

fn mark_span(tags: &mut [Tag], from: usize, to: usize) {
    for (k, t) in tags.iter_mut().enumerate().take(to).skip(from) {
        *t = if k == from { Tag::Cons } else { Tag::InCons };
    }
}

/// `积极还是消极`, `正面/负面/中性`: a closed set of answers is one format constraint.
fn label_sets(toks: &[Tok], tags: &mut [Tag]) {
    let joiner = |i: usize| {
        toks.get(i)
            .is_some_and(|t| t.s == "还是" || (t.s == "/" && t.kind == Kind::Punct))
    };
    let mut i = 0;
    while i + 2 < toks.len() {
        if tags[i] == Tag::Arg && joiner(i + 1) && tags[i + 2] == Tag::Arg {
            let mut end = i + 3;
            while joiner(end) && tags.get(end + 1) == Some(&Tag::Arg) {
                end += 2;
            }
            mark_span(tags, i, end);
            i = end;
            continue;
        }
        i += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::super::count_elements;

    fn e(s: &str) -> (u32, u32, u32) {
        let x = count_elements(s);
        (x.predicates, x.arguments, x.constraints)
    }

    #[test]
    fn basic_chinese_instructions() {
        assert_eq!(e("请写一首关于春天的诗。"), (1, 2, 0));
        assert_eq!(e("中国的首都是哪里？"), (1, 2, 0));
        assert_eq!(e("用三句话介绍一下人工智能。"), (1, 1, 1));
        assert_eq!(e("列出五种常见的水果。"), (1, 1, 2));
    }

    #[test]
    fn label_sets_are_one_constraint() {
        let (_, _, c) = e("判断情感是积极还是消极。");
        assert_eq!(c, 1);
    }
}
