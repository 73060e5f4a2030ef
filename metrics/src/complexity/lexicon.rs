//! The small lexicons the element counter and object counter ship with, parsed once.
//!
//! They are plain word lists (`lexicon/*.txt`) compiled into the binary, so counting
//! needs no download and no model: the price is that unknown words are treated as
//! nouns, which is what the counting rules want for names and domain terms anyway.

use crate::fasthash::{FastMap, FastSet};
use std::collections::HashMap;
use std::sync::OnceLock;

const EN_VERBS: &str = include_str!("lexicon/en_verbs.txt");
const EN_IRREGULAR: &str = include_str!("lexicon/en_irregular.txt");
const ZH_VERBS: &str = include_str!("lexicon/zh_verbs.txt");
const ZH_WORDS: &str = include_str!("lexicon/zh_words.txt");
const OBJECTS: &str = include_str!("lexicon/objects.txt");

/// Inflectional forms a word can be of some verb (a bit set: a form such as `read` or
/// `cut` is several at once).
pub mod form {
    pub const BASE: u8 = 1;
    pub const S: u8 = 2;
    pub const PAST: u8 = 4;
    pub const PARTICIPLE: u8 = 8;
    pub const ING: u8 = 16;
}

pub struct Lexicon {
    /// Lower-case English word -> verb forms it can be.
    pub en_verbs: FastMap<String, u8>,
    pub zh_verbs: FastSet<&'static str>,
    /// Every Chinese entry used for segmentation (verbs, words, function words, objects).
    pub zh_dict: FastSet<&'static str>,
    /// Longest Chinese entry, in characters.
    pub zh_max_len: usize,
    pub objects: Objects,
}

/// Concrete objects: canonical ids by English form (single and multi-word) and Chinese
/// form.
pub struct Objects {
    pub names: Vec<&'static str>,
    /// Single English word -> (object id, needs a determiner before it).
    pub en_single: HashMap<String, (u16, bool)>,
    /// First word -> multi-word forms starting with it (rest words, object id).
    pub en_multi: HashMap<String, Vec<(Vec<String>, u16)>>,
    pub zh: HashMap<&'static str, u16>,
}

pub fn lexicon() -> &'static Lexicon {
    static LEX: OnceLock<Lexicon> = OnceLock::new();
    LEX.get_or_init(build)
}

fn words(src: &'static str) -> impl Iterator<Item = &'static str> {
    src.lines()
        .map(|l| l.split('#').next().unwrap_or(""))
        .flat_map(str::split_whitespace)
}

fn build() -> Lexicon {
    let mut en_verbs: FastMap<String, u8> = FastMap::default();
    let mut add = |w: String, f: u8| *en_verbs.entry(w).or_insert(0) |= f;
    for base in words(EN_VERBS) {
        for (w, f) in regular_forms(base) {
            add(w, f);
        }
    }
    for line in EN_IRREGULAR.lines().filter(|l| !l.starts_with('#')) {
        let parts: Vec<&str> = line.split_whitespace().collect();
        if parts.len() != 3 {
            continue;
        }
        let base = parts[0];
        for (w, f) in regular_forms(base) {
            // Irregular verbs keep their -s and -ing forms but not the regular -ed form.
            if f & (form::PAST | form::PARTICIPLE) == 0 {
                add(w, f);
            }
        }
        for p in parts[1].split('/') {
            add(p.to_string(), form::PAST);
        }
        for p in parts[2].split('/') {
            add(p.to_string(), form::PARTICIPLE);
        }
    }
    let zh_verbs: FastSet<&'static str> = words(ZH_VERBS).collect();
    let mut zh_dict: FastSet<&'static str> = zh_verbs.iter().copied().collect();
    zh_dict.extend(words(ZH_WORDS));
    zh_dict.extend(crate::complexity::chinese::function_words());
    let objects = parse_objects();
    zh_dict.extend(objects.zh.keys().copied());
    let zh_max_len = zh_dict.iter().map(|w| w.chars().count()).max().unwrap_or(1);
    Lexicon {
        en_verbs,
        zh_verbs,
        zh_dict,
        zh_max_len,
        objects,
    }
}

fn is_vowel(c: u8) -> bool {
    matches!(c, b'a' | b'e' | b'i' | b'o' | b'u')
}

/// Whether a final consonant may be doubled before -ed/-ing (stop -> stopped). We cannot
/// tell stress, so every consonant-vowel-consonant ending gets both spellings; the
/// spurious one (edit -> editted) is harmless in a lookup table.
fn cvc(b: &[u8]) -> bool {
    let n = b.len();
    n >= 3
        && !is_vowel(b[n - 1])
        && !matches!(b[n - 1], b'w' | b'x' | b'y')
        && is_vowel(b[n - 2])
        && !is_vowel(b[n - 3])
}

/// Regular inflections of an English verb: base, -s, -ed (past and participle), -ing.
pub fn regular_forms(base: &str) -> Vec<(String, u8)> {
    use form::*;
    let b = base.as_bytes();
    let mut out = vec![(base.to_string(), BASE)];
    let last = *b.last().unwrap_or(&b'x');
    let before_last = if b.len() >= 2 { b[b.len() - 2] } else { b'a' };
    let stem_y = last == b'y' && !is_vowel(before_last);
    // -s
    if base.ends_with('s')
        || base.ends_with('x')
        || base.ends_with('z')
        || base.ends_with("ch")
        || base.ends_with("sh")
        || base.ends_with('o')
    {
        out.push((format!("{base}es"), S));
    } else if stem_y {
        out.push((format!("{}ies", &base[..base.len() - 1]), S));
    } else {
        out.push((format!("{base}s"), S));
    }
    // -ed
    let ed = PAST | PARTICIPLE;
    if last == b'e' {
        out.push((format!("{base}d"), ed));
    } else if stem_y {
        out.push((format!("{}ied", &base[..base.len() - 1]), ed));
    } else {
        out.push((format!("{base}ed"), ed));
        if cvc(b) {
            out.push((format!("{base}{}ed", last as char), ed));
        }
    }
    // -ing
    if let Some(stem) = base.strip_suffix("ie") {
        out.push((format!("{stem}ying"), ING));
    } else if last == b'e'
        && !base.ends_with("ee")
        && !base.ends_with("ye")
        && !base.ends_with("oe")
        && b.len() > 2
    {
        out.push((format!("{}ing", &base[..base.len() - 1]), ING));
    } else {
        out.push((format!("{base}ing"), ING));
        if cvc(b) {
            out.push((format!("{base}{}ing", last as char), ING));
        }
    }
    out
}

/// English plural of an object noun, for matching "dogs" as well as "dog".
fn plural(w: &str) -> String {
    if let Some(stem) = w.strip_suffix("fe") {
        return format!("{stem}ves");
    }
    if w.ends_with('s')
        || w.ends_with('x')
        || w.ends_with("ch")
        || w.ends_with("sh")
        || w.ends_with("to")
    {
        return format!("{w}es");
    }
    let b = w.as_bytes();
    if w.ends_with('y') && b.len() >= 2 && !is_vowel(b[b.len() - 2]) {
        return format!("{}ies", &w[..w.len() - 1]);
    }
    format!("{w}s")
}

fn parse_objects() -> Objects {
    let mut o = Objects {
        names: Vec::new(),
        en_single: HashMap::new(),
        en_multi: HashMap::new(),
        zh: HashMap::new(),
    };
    for line in OBJECTS.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (en, zh) = line.split_once('|').unwrap_or((line, ""));
        let en_forms = split_en_forms(en);
        let Some(first) = en_forms.first() else {
            continue;
        };
        let id = o.names.len() as u16;
        o.names.push(leak(first.0.trim_end_matches('*')));
        for (form, needs_det) in &en_forms {
            let ws: Vec<&str> = form.split(' ').collect();
            if ws.len() == 1 {
                o.en_single.entry(form.clone()).or_insert((id, *needs_det));
                o.en_single.entry(plural(form)).or_insert((id, *needs_det));
            } else {
                let mut rest: Vec<String> = ws[1..].iter().map(|s| s.to_string()).collect();
                o.en_multi
                    .entry(ws[0].to_string())
                    .or_default()
                    .push((rest.clone(), id));
                if let Some(l) = rest.last_mut() {
                    *l = plural(l);
                }
                o.en_multi
                    .entry(ws[0].to_string())
                    .or_default()
                    .push((rest, id));
            }
        }
        for z in zh.split_whitespace() {
            o.zh.entry(z).or_insert(id);
        }
    }
    o
}

/// Splits `fire hydrant hydrant` into forms: a known multi-word head is kept together.
/// Forms are single words except the multi-word phrases listed in `MULTI`.
fn split_en_forms(en: &str) -> Vec<(String, bool)> {
    const MULTI: &[&str] = &[
        "traffic light",
        "fire hydrant",
        "stop sign",
        "parking meter",
        "soccer ball",
        "tennis ball",
        "baseball bat",
        "baseball glove",
        "tennis racket",
        "wine glass",
        "hot dog",
        "potted plant",
        "dining table",
        "cell phone",
        "mobile phone",
        "remote control",
        "teddy bear",
        "hair drier",
        "hair dryer",
    ];
    let toks: Vec<&str> = en.split_whitespace().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        if i + 1 < toks.len() {
            let two = format!("{} {}", toks[i], toks[i + 1]);
            if MULTI.contains(&two.as_str()) {
                out.push((two, false));
                i += 2;
                continue;
            }
        }
        let t = toks[i];
        let needs_det = t.ends_with('*');
        out.push((t.trim_end_matches('*').to_string(), needs_det));
        i += 1;
    }
    out
}

fn leak(s: &str) -> &'static str {
    // Called once per object line while the lexicon is built (about 150 strings).
    Box::leak(s.to_string().into_boxed_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inflections_cover_regular_and_irregular_verbs() {
        let l = lexicon();
        let f = |w: &str| l.en_verbs.get(w).copied().unwrap_or(0);
        assert!(f("writes") & form::S != 0);
        assert!(f("written") & form::PARTICIPLE != 0);
        assert!(f("stopped") & form::PAST != 0);
        assert!(f("summarizing") & form::ING != 0);
        assert!(f("classifies") & form::S != 0);
        assert!(f("planning") & form::ING != 0);
        assert_eq!(f("table"), 0);
        assert!(l.zh_verbs.contains("翻译"));
    }

    #[test]
    fn objects_map_english_and_chinese_to_one_id() {
        let o = &lexicon().objects;
        let dog = o.en_single["dog"].0;
        assert_eq!(o.en_single["dogs"].0, dog);
        assert_eq!(o.zh["狗"], dog);
        assert_eq!(o.en_single["knives"].0, o.en_single["knife"].0);
        assert!(o.en_single["train"].1, "ambiguous words need a determiner");
        assert!(o.en_multi["fire"]
            .iter()
            .any(|(rest, _)| rest == &vec!["hydrant".to_string()]));
    }
}
