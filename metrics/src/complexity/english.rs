//! English element counting: a rule-based tagger over a shipped lexicon.
//!
//! Each token gets one role: predicate, part of an argument chunk, a pronoun argument,
//! the start or inside of a constraint phrase, or a function word. The rules mirror
//! fixtures/complexity/GUIDE.md; where a rule needs a parse we do not have (is `list` a
//! verb or a noun here?), position decides: clause-initial words after a subject,
//! modal, `to`, a comma or a conjunction are verbs, words after a determiner are nouns.

use super::en_words::*;
use super::lexicon::{form, lexicon};
use super::material::MAT;
use super::Elements;

/// Tokens looked back over to find the word that decides a token's role.
const LOOK_BACK: usize = 8;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Word,
    Num,
    Punct,
    Mat,
}

struct Tok {
    t: String,
    kind: Kind,
    /// Word classes (`en_words::class`) and verb forms, looked up once per token.
    class: u64,
    forms: u8,
}

impl Tok {
    fn new(t: String, kind: Kind) -> Tok {
        let (class, forms) = if kind == Kind::Word {
            (class(&t), verb_forms(&t))
        } else {
            (0, 0)
        };
        Tok {
            t,
            kind,
            class,
            forms,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Tag {
    Pred,
    /// Part of an argument chunk (consecutive ones form one argument).
    Arg,
    /// A pronoun argument on its own.
    Solo,
    /// First token of a constraint phrase.
    Cons,
    InCons,
    /// Transparent: neither an element nor a chunk boundary (adverbs, auxiliaries).
    Skip,
    Bound,
}

pub fn count(directive: &str, extra_arguments: u32) -> Elements {
    let toks = tokenize(directive);
    let tags = Tagger::new(&toks).run();
    let mut e = Elements {
        predicates: 0,
        arguments: extra_arguments,
        constraints: 0,
    };
    let mut in_chunk = false;
    for tag in tags {
        match tag {
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

fn tokenize(s: &str) -> Vec<Tok> {
    let chars: Vec<char> = s.chars().map(|c| if c == '’' { '\'' } else { c }).collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == MAT {
            out.push(Tok::new(String::new(), Kind::Mat));
            i += 1;
        } else if c.is_alphanumeric() {
            let start = i;
            i += 1;
            while i < chars.len() {
                let c = chars[i];
                let next_alnum = chars.get(i + 1).is_some_and(|n| n.is_alphanumeric());
                let joins = (c.is_alphanumeric() && c != MAT)
                    || (matches!(c, '-' | '\'') && next_alnum)
                    || (c == '.'
                        && chars[i - 1].is_ascii_digit()
                        && chars.get(i + 1).is_some_and(|n| n.is_ascii_digit()))
                    || (matches!(c, '+' | '#') && chars[i - 1].is_alphabetic());
                if !joins {
                    break;
                }
                i += 1;
            }
            let word: String = chars[start..i].iter().collect::<String>().to_lowercase();
            push_word(&mut out, word);
        } else if c.is_whitespace() && c != '\n' {
            i += 1;
        } else {
            out.push(Tok::new(c.to_string(), Kind::Punct));
            i += 1;
        }
    }
    collapse_number_lists(out)
}

/// Splits contractions (`don't` -> `do n't`, `what's` -> `what 's`).
fn push_word(out: &mut Vec<Tok>, word: String) {
    let kind = if word.chars().all(|c| c.is_ascii_digit() || c == '.') {
        Kind::Num
    } else {
        Kind::Word
    };
    if kind == Kind::Word && word != "let's" {
        if let Some(stem) = word.strip_suffix("n't") {
            let stem = match stem {
                "ca" => "can",
                "wo" => "will",
                "sha" => "shall",
                s => s,
            };
            out.push(Tok::new(stem.to_string(), Kind::Word));
            out.push(Tok::new("n't".into(), Kind::Word));
            return;
        }
        for suf in ["'s", "'re", "'ve", "'ll", "'d", "'m"] {
            if let Some(stem) = word.strip_suffix(suf).filter(|s| !s.is_empty()) {
                out.push(Tok::new(stem.to_string(), Kind::Word));
                out.push(Tok::new(suf.to_string(), Kind::Word));
                return;
            }
        }
    }
    out.push(Tok::new(word, kind));
}

/// `3, 8, 15, 22` is one piece of material, not four arguments.
fn collapse_number_lists(toks: Vec<Tok>) -> Vec<Tok> {
    let mut spans: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        if toks[i].kind == Kind::Num {
            let mut j = i;
            while j + 2 < toks.len() && toks[j + 1].t == "," && toks[j + 2].kind == Kind::Num {
                j += 2;
            }
            if j - i >= 4 {
                spans.push((i, j));
                i = j + 1;
                continue;
            }
        }
        i += 1;
    }
    if spans.is_empty() {
        return toks;
    }
    let mut out: Vec<Tok> = Vec::with_capacity(toks.len());
    let mut next = spans.iter().peekable();
    for (k, t) in toks.into_iter().enumerate() {
        if let Some(&&(start, end)) = next.peek() {
            if k == start {
                out.push(Tok::new(String::new(), Kind::Mat));
            }
            if (start..=end).contains(&k) {
                if k == end {
                    next.next();
                }
                continue;
            }
        }
        out.push(t);
    }
    out
}

fn is_number_word(t: &str) -> bool {
    has(B_NUMBER_WORDS, t)
}

fn is_year(t: &Tok) -> bool {
    t.kind == Kind::Num
        && t.t.len() == 4
        && t.t.parse::<u32>().is_ok_and(|y| (1000..=2100).contains(&y))
}

/// A word that is an open-class word (noun, adjective, unknown name).
fn is_open(t: &Tok) -> bool {
    t.kind == Kind::Mat
        || t.kind == Kind::Num
        || (t.kind == Kind::Word
            && !has(B_DETERMINERS, &t.t)
            && !has(B_DEMONSTRATIVES, &t.t)
            && !has(B_PREPOSITIONS, &t.t)
            && !has(B_CONJUNCTIONS, &t.t)
            && !has(B_WH, &t.t)
            && !has(B_MODALS, &t.t)
            && !has(B_BE, &t.t)
            && !has(B_HAVE, &t.t)
            && !has(B_DO, &t.t)
            && !has(B_PRONOUN_ARGS, &t.t)
            && !has(B_PRONOUN_SKIP, &t.t)
            && !has(B_NEGATIONS, &t.t))
}

fn verb_forms(t: &str) -> u8 {
    lexicon().en_verbs.get(t).copied().unwrap_or(0)
}

struct Tagger<'a> {
    toks: &'a [Tok],
    tags: Vec<Tag>,
    /// An auxiliary `do` is waiting for its main verb (`does … stand`).
    pending_do: bool,
    /// The sentence already has a verb in -s form (`loads …, drops …, and plots …`).
    s_pred: bool,
    /// A wh-word opened the clause (`how a hash table works`).
    wh_clause: bool,
    /// A translation verb appeared in the sentence (its `into French` is an argument).
    translating: bool,
    /// The previous predicate, for `group … into`.
    last_pred: Option<usize>,
}

impl<'a> Tagger<'a> {
    fn new(toks: &'a [Tok]) -> Self {
        Tagger {
            toks,
            tags: vec![Tag::Bound; toks.len()],
            pending_do: false,
            s_pred: false,
            wh_clause: false,
            translating: false,
            last_pred: None,
        }
    }

    fn t(&self, i: usize) -> &str {
        self.toks.get(i).map_or("", |t| t.t.as_str())
    }

    fn has(&self, i: usize, bits: u64) -> bool {
        self.toks.get(i).is_some_and(|t| t.class & bits != 0)
    }

    fn forms(&self, i: usize) -> u8 {
        self.toks.get(i).map_or(0, |t| t.forms)
    }

    fn kind(&self, i: usize) -> Option<Kind> {
        self.toks.get(i).map(|t| t.kind)
    }

    fn is_sentence_end(&self, i: usize) -> bool {
        self.kind(i) == Some(Kind::Punct)
            && matches!(self.t(i), "." | "?" | "!" | ";" | "\n" | "。" | "？" | "！")
    }

    fn is_clause_break(&self, i: usize) -> bool {
        match self.kind(i) {
            None | Some(Kind::Mat) => true,
            Some(Kind::Punct) => self.t(i) != "'" && self.t(i) != "-",
            _ => self.has(i, B_CONJUNCTIONS) || self.has(i, B_RELATIVES) || self.has(i, B_WH),
        }
    }

    fn matches(&self, i: usize, phrase: &[&str]) -> bool {
        phrase
            .iter()
            .enumerate()
            .all(|(k, w)| self.kind(i + k) == Some(Kind::Word) && self.t(i + k) == *w)
    }

    fn is_num(&self, i: usize) -> bool {
        self.kind(i) == Some(Kind::Num)
            || (self.kind(i) == Some(Kind::Word) && is_number_word(self.t(i)))
    }

    fn run(mut self) -> Vec<Tag> {
        let mut i = 0;
        while i < self.toks.len() {
            if self.is_sentence_end(i) {
                self.s_pred = false;
                self.translating = false;
                self.wh_clause = false;
                self.pending_do = false;
            }
            if self.kind(i) == Some(Kind::Punct) && self.t(i) == "," {
                self.wh_clause = false;
            }
            if let Some(len) = self.prep_phrase(i) {
                i += len;
                continue;
            }
            if let Some(len) = self.constraint_at(i) {
                self.tags[i] = Tag::Cons;
                for k in 1..len {
                    self.tags[i + k] = Tag::InCons;
                }
                i += len;
                continue;
            }
            if let Some(len) = PHRASAL.iter().find(|p| self.matches(i, p)).map(|p| p.len()) {
                if self.verb_position(i) {
                    self.mark_pred(i);
                    i += len;
                    continue;
                }
            }
            self.tags[i] = self.classify(i);
            if self.tags[i] == Tag::Pred {
                self.mark_pred(i);
            }
            i += 1;
        }
        self.tags
    }

    fn mark_pred(&mut self, i: usize) {
        self.tags[i] = Tag::Pred;
        self.last_pred = Some(i);
        let t = self.toks[i].t.as_str();
        let translating = has(B_TRANSLATE_VERBS, t);
        let s_form = t.ends_with('s') && verb_forms(t) & form::S != 0;
        self.translating |= translating;
        self.s_pred |= s_form;
    }

    fn prep_phrase(&mut self, i: usize) -> Option<usize> {
        let p = PREP_PHRASES.iter().find(|p| self.matches(i, p))?;
        if p[0] == "based" || p[0] == "how" {
            // `based on X`, `how many`: function words; X stays an argument.
            self.wh_clause = p[0] == "how";
        }
        Some(p.len())
    }

    /// The previous token that decides a word's role: transparent tokens are skipped.
    fn prev_sig(&self, i: usize) -> Option<usize> {
        // Transparent runs are a few words long; a bounded look-back keeps tagging linear.
        let floor = i.saturating_sub(LOOK_BACK);
        let found = (floor..i).rev().find(|&j| {
            let transparent = self.tags[j] == Tag::Skip
                && !self.has(j, B_MODALS)
                && !self.has(j, B_DO)
                && !self.has(j, B_BE)
                && !self.has(j, B_HAVE);
            let adverb_constraint =
                self.tags[j] == Tag::Cons && self.has(j, B_TRANSPARENT_CONSTRAINTS);
            !(transparent || adverb_constraint)
        });
        found.or_else(|| floor.checked_sub(1))
    }

    fn clause_start(&self, i: usize) -> bool {
        let Some(p) = self.prev_sig(i) else {
            return true;
        };
        let pt = self.t(p);
        match self.kind(p) {
            Some(Kind::Punct) => true,
            Some(Kind::Mat) | Some(Kind::Num) => false,
            _ => {
                has(B_CONJUNCTIONS, pt)
                    || has(B_MODALS, pt)
                    || has(B_NEGATIONS, pt)
                    || pt == "to"
                    || has(B_SUBJECT_PRONOUNS, pt)
                    || has(B_OBJECT_PRONOUNS, pt)
                    || has(B_RELATIVES, pt)
                    || has(B_WH, pt)
                    || (has(B_DO, pt) && self.tags[p] == Tag::Skip)
                    || (self.tags[p] == Tag::Cons && has(B_TRANSPARENT_CONSTRAINTS, pt))
            }
        }
    }

    fn verb_position(&self, i: usize) -> bool {
        self.pending_do || self.clause_start(i)
    }

    fn after_determiner(&self, i: usize) -> bool {
        let Some(p) = self.prev_sig(i) else {
            return false;
        };
        let pt = self.t(p);
        has(B_DETERMINERS, pt)
            || (has(B_DEMONSTRATIVES, pt) && pt != "that")
            || self.kind(p) == Some(Kind::Num)
            || is_number_word(pt)
            || (self.tags[p] == Tag::Cons && !has(B_TRANSPARENT_CONSTRAINTS, pt))
            || (pt == "'s" && self.tags[p] == Tag::Bound)
    }

    fn next_is_object(&self, i: usize) -> bool {
        let n = i + 1;
        match self.kind(n) {
            Some(Kind::Mat) | Some(Kind::Num) => true,
            Some(Kind::Word) => {
                let t = self.t(n);
                has(B_DETERMINERS, t)
                    || has(B_DEMONSTRATIVES, t)
                    || has(B_PRONOUN_ARGS, t)
                    || has(B_OBJECT_PRONOUNS, t)
                    || is_number_word(t)
            }
            _ => false,
        }
    }

    fn next_is_open(&self, i: usize) -> bool {
        self.toks
            .get(i + 1)
            .is_some_and(|t| t.kind == Kind::Word && is_open(t))
    }

    fn classify(&mut self, i: usize) -> Tag {
        let tok = &self.toks[i];
        match tok.kind {
            Kind::Punct => return Tag::Bound,
            Kind::Mat | Kind::Num => return Tag::Arg,
            Kind::Word => {}
        }
        let t = tok.t.as_str();
        if t == "'s" {
            let p = i.checked_sub(1).map(|p| self.t(p)).unwrap_or("");
            let copula = has(B_WH, p)
                || has(B_PRONOUN_ARGS, p)
                || matches!(p, "that" | "there" | "here" | "this");
            if !copula {
                return Tag::Bound;
            }
        }
        if has(B_BE, t) {
            return if self.main_verb(i, form::ING | form::PARTICIPLE | form::PAST) {
                Tag::Pred
            } else {
                Tag::Skip
            };
        }
        if has(B_HAVE, t) {
            if self.t(i + 1) == "to" {
                return Tag::Skip;
            }
            return if self.main_verb(i, form::PARTICIPLE | form::PAST) {
                Tag::Pred
            } else {
                Tag::Skip
            };
        }
        if has(B_DO, t) {
            let aux = self.has(i + 1, B_NEGATIONS) || !self.main_verb(i, form::BASE);
            if aux {
                self.pending_do = true;
                return Tag::Skip;
            }
            return Tag::Pred;
        }
        if has(B_MODALS, t) {
            return Tag::Skip;
        }
        if t == "to"
            || has(B_PREPOSITIONS, t)
            || has(B_CONJUNCTIONS, t)
            || has(B_PRONOUN_SKIP, t)
            || has(B_DETERMINERS, t)
        {
            return Tag::Bound;
        }
        if has(B_WH, t) {
            self.wh_clause = true;
            return Tag::Bound;
        }
        if t == "given" && self.clause_start(i) && self.next_is_object(i) {
            return Tag::Bound;
        }
        if has(B_DEMONSTRATIVES, t) {
            let after_noun = self
                .prev_sig(i)
                .is_some_and(|p| matches!(self.tags[p], Tag::Arg | Tag::Solo));
            if t == "that" && (after_noun || self.verb_forms_next(i)) {
                // A relative pronoun or complementizer: the clause it opens is counted.
                return Tag::Bound;
            }
            let next_ends = self.toks.get(i + 1).is_none_or(|n| n.kind == Kind::Punct);
            return if !self.next_is_open(i) && (next_ends || t != "that") {
                Tag::Solo
            } else {
                Tag::Bound
            };
        }
        if has(B_PRONOUN_ARGS, t) {
            return if t == "it" && self.dummy_it(i) {
                Tag::Skip
            } else {
                Tag::Solo
            };
        }
        if has(B_ADVERBS, t) {
            return Tag::Skip;
        }
        if t.len() > 4 && t.ends_with("ly") && !has(B_LY_NOUNS, t) && verb_forms(t) == 0 {
            return Tag::Skip;
        }
        let f = verb_forms(t);
        if f != 0 && self.is_predicate(i, f) {
            self.pending_do = false;
            return Tag::Pred;
        }
        Tag::Arg
    }

    fn verb_forms_next(&self, i: usize) -> bool {
        self.forms(i + 1) != 0
    }

    /// `is it safe to eat …`, `it is hard to …`: a placeholder subject, not a participant.
    fn dummy_it(&self, i: usize) -> bool {
        let prev_be = i > 0 && self.has(i - 1, B_BE);
        let next_be = self.has(i + 1, B_BE);
        (prev_be && self.t(i + 2) == "to") || (next_be && self.t(i + 3) == "to")
    }

    /// Whether a form of be/have/do is the clause's main verb: no participle (or, for
    /// do, no base verb) follows it before the clause ends.
    fn main_verb(&self, i: usize, aux_forms: u8) -> bool {
        if self.t(i + 1) == "there" || (i > 0 && self.t(i - 1) == "there") {
            return true;
        }
        for j in i + 1..(i + 8).min(self.toks.len()) {
            if self.is_clause_break(j) || self.t(j) == "to" {
                return true;
            }
            let f = self.forms(j);
            let det_before = self.has(j - 1, B_DETERMINERS);
            if f & aux_forms != 0 && !det_before && self.kind(j) == Some(Kind::Word) {
                let is_ing = f & form::ING != 0 && self.t(j).ends_with("ing");
                let is_part = f & (form::PARTICIPLE | form::PAST) != 0;
                let is_base = f & form::BASE != 0;
                if (aux_forms & form::ING != 0 && is_ing)
                    || (aux_forms & form::PARTICIPLE != 0 && is_part)
                    || (aux_forms & form::BASE != 0 && is_base)
                {
                    return false;
                }
            }
        }
        true
    }

    fn is_predicate(&self, i: usize, f: u8) -> bool {
        let t = self.t(i);
        let prev = self.prev_sig(i);
        let prev_tag = prev.map(|p| self.tags[p]);
        let after_det = self.after_determiner(i);
        if f & form::BASE != 0 && (self.pending_do || (self.clause_start(i) && !after_det)) {
            return true;
        }
        if f & form::ING != 0 && t.ends_with("ing") {
            if after_det {
                return false;
            }
            if prev_tag == Some(Tag::Arg) && !self.next_is_object(i) {
                return false;
            }
            return true;
        }
        if f & (form::PAST | form::PARTICIPLE) != 0 && f & form::BASE == 0 {
            if after_det && self.next_is_open(i) {
                return false;
            }
            if matches!(prev_tag, Some(Tag::Arg) | Some(Tag::Solo)) || self.clause_start(i) {
                return true;
            }
            return prev.is_some_and(|p| self.tags[p] == Tag::Skip) || !self.next_is_open(i);
        }
        if f & form::S != 0 && t.ends_with('s') && f & form::BASE == 0 {
            let pt = prev.map_or("", |p| self.t(p));
            if matches!(pt, "that" | "which" | "who" | "it" | "he" | "she" | "this") {
                return true;
            }
            if prev_tag == Some(Tag::Arg)
                && !after_det
                && (self.next_is_object(i) || (self.wh_clause && !self.next_is_open(i)))
            {
                return true;
            }
            if self.s_pred && self.clause_start(i) {
                return true;
            }
            return false;
        }
        false
    }

    /// Constraint phrases starting at `i`, as a token count.
    fn constraint_at(&self, i: usize) -> Option<usize> {
        if self.kind(i) != Some(Kind::Word) && self.kind(i) != Some(Kind::Num) {
            return None;
        }
        let t = self.t(i);
        if let Some(p) = FIXED_PHRASES.iter().find(|p| self.matches(i, p)) {
            return Some(p.len() + self.budget_tail(i + p.len(), p));
        }
        if let Some(len) = self.audience(i) {
            return Some(len);
        }
        if let Some(len) = self.time(i) {
            return Some(len);
        }
        if let Some(len) = self.limit(i) {
            return Some(len);
        }
        if matches!(t, "in" | "into")
            && (self.is_num(i + 1) || self.t(i + 1) == "a")
            && self.has(i + 2, B_LENGTH_UNITS)
        {
            return Some(3);
        }
        if t == "in" {
            let k = if self.has(i + 1, B_DETERMINERS) {
                i + 2
            } else {
                i + 1
            };
            if self.has(k, B_ORDER_WORDS) && self.t(k + 1) == "order" {
                return Some(k + 2 - i);
            }
        }
        if let Some(p) = SCOPE_HEADS.iter().find(|p| self.matches(i, p)) {
            return Some(p.len() + self.to_clause_end(i + p.len()));
        }
        if t == "from" {
            for k in i + 1..(i + 7).min(self.toks.len()) {
                if matches!(self.t(k), "view" | "perspective") {
                    return Some(k + 1 - i);
                }
                if self.is_clause_break(k) {
                    break;
                }
            }
        }
        if t == "as" {
            let prev = i.checked_sub(1).map_or("", |p| self.t(p));
            let next = self.t(i + 1);
            let role = has(B_ROLE_VERBS, prev)
                || matches!(
                    next,
                    "well"
                        | "soon"
                        | "much"
                        | "many"
                        | "long"
                        | "if"
                        | "though"
                        | "follows"
                        | "possible"
                        | "needed"
                        | "far"
                        | "usual"
                );
            if !role && self.kind(i + 1) == Some(Kind::Word) {
                return Some(1 + self.to_clause_end(i + 1));
            }
        }
        if matches!(t, "in" | "into" | "to") && self.has(i + 1, B_LANGUAGES) && !self.translating {
            return Some(2);
        }
        if t == "into"
            && self
                .last_pred
                .is_some_and(|p| self.has(p, B_CATEGORY_VERBS))
        {
            return Some(1 + self.to_clause_end(i + 1));
        }
        if t == "in" && self.has(i + 1, B_PROGRAMMING) {
            return Some(2);
        }
        if matches!(t, "in" | "into") {
            let k = if self.has(i + 1, B_DETERMINERS) {
                i + 2
            } else {
                i + 1
            };
            if self.has(k, B_FORMATS) {
                return Some(k + 1 - i);
            }
        }
        if has(B_PROGRAMMING, t) && self.has(i + 1, B_CODE_NOUNS) {
            return Some(1);
        }
        if matches!(t, "on" | "for") && self.has(i + 1, B_PLATFORMS) {
            return Some(2);
        }
        if t == "with" {
            let k = if self.has(i + 1, B_DETERMINERS) {
                i + 2
            } else {
                i + 1
            };
            if self.has(k, B_WITH_FORMAT) {
                return Some(k + 1 - i);
            }
        }
        if matches!(t, "without" | "excluding" | "except") {
            let next_f = self.forms(i + 1);
            if next_f & form::ING != 0 && self.t(i + 1).ends_with("ing") {
                return Some(1);
            }
            return Some(1 + self.noun_phrase(i + 1));
        }
        if t == "including" {
            if self.has(i + 1, B_WH) || self.t(i + 1).ends_with("ing") {
                return Some(1);
            }
            return Some(1 + self.to_clause_end(i + 1));
        }
        if matches!(t, "if" | "unless" | "whenever" | "provided") || has(B_NEGATIONS, t) {
            return Some(1);
        }
        if t == "no" && self.next_is_open(i) {
            return Some(1);
        }
        if matches!(t, "more" | "less" | "most" | "least") && self.adjective_like(i + 1) {
            return Some(2);
        }
        if has(B_CONSTRAINT_WORDS, t) && !(t == "each" && self.t(i + 1) == "other") {
            return Some(1);
        }
        if t.contains('-') && {
            let first = t.split('-').next().unwrap_or("");
            first.chars().all(|c| c.is_ascii_digit()) || is_number_word(first)
        } {
            return Some(1);
        }
        if self.is_num(i) && self.quantity(i) {
            return Some(1);
        }
        None
    }

    /// `on a budget of $800`: the amount belongs to the budget.
    fn budget_tail(&self, j: usize, phrase: &[&str]) -> usize {
        if phrase.last() != Some(&"budget") || self.t(j) != "of" {
            return 0;
        }
        1 + self.noun_phrase(j + 1)
    }

    fn adjective_like(&self, i: usize) -> bool {
        let t = self.t(i);
        has(B_CONSTRAINT_WORDS, t)
            || [
                "ive", "ful", "ous", "able", "ible", "al", "ic", "ent", "ant", "ar", "ing",
            ]
            .iter()
            .any(|s| t.ends_with(s) && t.len() > 4)
    }

    /// A number says how many outputs, unless it is an operand or a measure.
    fn quantity(&self, i: usize) -> bool {
        let prev = i.checked_sub(1).map_or("", |p| self.t(p));
        if has(B_COMPUTE_VERBS, prev)
            || self
                .last_pred
                .is_some_and(|p| self.has(p, B_COMPUTE_VERBS) && p + 1 == i)
        {
            return false;
        }
        if self.t(i) == "one" && !self.next_is_open(i) {
            return false;
        }
        let next = self.toks.get(i + 1);
        next.is_some_and(|n| n.kind == Kind::Word && is_open(n) && !has(B_UNITS, &n.t))
    }

    fn limit(&self, i: usize) -> Option<usize> {
        let head = LIMIT_HEADS.iter().find(|p| self.matches(i, p))?;
        let mut j = i + head.len();
        if self.t(j) == "$" {
            j += 1;
        }
        if !self.is_num(j) {
            return None;
        }
        j += 1;
        if self.has(j, B_LENGTH_UNITS) {
            j += 1;
        }
        Some(j - i)
    }

    /// `for beginners`, `to a ten-year-old`, `at hikers`. The audience word must end its
    /// noun phrase (`to the users table` is a table, not an audience).
    fn audience(&self, i: usize) -> Option<usize> {
        if !matches!(self.t(i), "for" | "to" | "at") {
            return None;
        }
        for k in i + 1..(i + 7).min(self.toks.len()) {
            let t = self.t(k);
            if has(B_AUDIENCE, t) || t.ends_with("-year-old") || t.ends_with("-year-olds") {
                let next = self.toks.get(k + 1);
                let ends = next
                    .is_none_or(|n| n.kind != Kind::Word || !is_open(n) || verb_forms(&n.t) != 0);
                return ends.then_some(k + 1 - i);
            }
            let ok = self.kind(k) == Some(Kind::Word)
                && (has(B_DETERMINERS, t) || t == "of" || is_open(&self.toks[k]));
            if !ok {
                break;
            }
        }
        None
    }

    fn time(&self, i: usize) -> Option<usize> {
        let t = self.t(i);
        if has(B_TIME_WORDS, t) {
            return Some(1);
        }
        if has(B_TIME_RELATIVE, t) && self.has(i + 1, B_TIME_UNITS) {
            return Some(2);
        }
        let year = |k: usize| self.toks.get(k).is_some_and(is_year);
        if matches!(
            t,
            "in" | "since" | "before" | "after" | "during" | "by" | "until"
        ) && year(i + 1)
        {
            return Some(2);
        }
        if t == "between" && year(i + 1) && self.t(i + 2) == "and" && year(i + 3) {
            return Some(4);
        }
        if t == "for" && self.is_num(i + 1) && self.has(i + 2, B_TIME_UNITS) {
            return Some(3);
        }
        if matches!(t, "for" | "in") && matches!(self.t(i + 1), "each" | "every") {
            let mut j = i + 2 + self.noun_phrase(i + 2);
            if self.t(j) == "of" && (year(j + 1) || self.kind(j + 1) == Some(Kind::Word)) {
                j += 2;
            }
            return Some(j - i);
        }
        if t == "per" && self.kind(i + 1) == Some(Kind::Word) {
            return Some(2);
        }
        if self.is_num(i)
            && self.t(i + 1) == "times"
            && matches!(self.t(i + 2), "a" | "per" | "each" | "every")
            && self.has(i + 3, B_TIME_UNITS)
        {
            return Some(4);
        }
        None
    }

    /// Length of a determiner + open-word noun phrase starting at `j`.
    fn noun_phrase(&self, j: usize) -> usize {
        let mut k = j;
        while k < self.toks.len() {
            let tok = &self.toks[k];
            let ok = tok.kind == Kind::Word
                && (has(B_DETERMINERS, &tok.t)
                    || (is_open(tok) && verb_forms(&tok.t) & form::BASE == 0)
                    || (is_open(tok) && k == j));
            if !ok && tok.kind != Kind::Num {
                break;
            }
            k += 1;
        }
        k - j
    }

    /// Tokens from `j` to the end of the clause: a sentence end, material, a wh-word or
    /// relative, or a conjunction/comma followed by a verb in clause-initial position.
    fn to_clause_end(&self, j: usize) -> usize {
        let mut k = j;
        while k < self.toks.len() {
            if self.is_sentence_end(k)
                || self.kind(k) == Some(Kind::Mat)
                || self.has(k, B_WH)
                || (self.has(k, B_RELATIVES) && k > j)
            {
                break;
            }
            let t = self.t(k);
            if (t == "," || has(B_CONJUNCTIONS, t)) && k > j {
                let mut n = k + 1;
                while n < self.toks.len() && (self.t(n) == "," || self.has(n, B_CONJUNCTIONS)) {
                    n += 1;
                }
                let f = self.forms(n);
                if f & (form::BASE | form::ING) != 0 && !self.has(n, B_CONSTRAINT_WORDS) {
                    break;
                }
            }
            k += 1;
        }
        k - j
    }
}

#[cfg(test)]
mod tests {
    use super::super::count_elements;
    use super::super::Elements;

    fn e(s: &str) -> (u32, u32, u32) {
        let Elements {
            predicates,
            arguments,
            constraints,
        } = count_elements(s);
        (predicates, arguments, constraints)
    }

    #[test]
    fn simple_imperatives() {
        assert_eq!(e("Write a short poem about love in French."), (1, 2, 2));
        assert_eq!(e("What is the capital of France?"), (1, 2, 0));
        assert_eq!(e("Tell me a joke."), (1, 1, 0));
    }

    #[test]
    fn auxiliaries_and_relatives() {
        assert_eq!(e("What does the acronym NASA stand for?"), (1, 1, 0));
        assert_eq!(
            e("Write a function that checks whether a string is a palindrome.").0,
            3
        );
        assert_eq!(e("Give an example of a mammal that lays eggs."), (2, 3, 0));
    }

    #[test]
    fn constraints_are_phrases() {
        assert_eq!(e("Summarize it in two sentences.").2, 1);
        assert_eq!(e("List five fruits, step by step, in JSON.").2, 3);
        assert_eq!(e("Explain recursion to a ten-year-old.").2, 1);
    }
}
