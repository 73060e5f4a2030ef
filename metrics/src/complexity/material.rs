//! Separates what an instruction asks from the material it asks about.
//!
//! A passage to summarise, a sentence to rewrite or a code block to debug is one argument
//! of the instruction however long it is (fixtures/complexity/GUIDE.md). Counting its
//! words as elements would make every long input look "complex", so material is replaced
//! by a single marker character before the directive is analysed.

/// Stands for one piece of embedded material in the directive text.
pub const MAT: char = '\u{E000}';

/// Characters of an instruction analysed; anything longer is material in practice, and
/// the cap keeps the cost per record bounded.
pub const MAX_CHARS: usize = 4_000;

pub struct Directive {
    /// The instruction with material replaced by [`MAT`].
    pub text: String,
    /// Material blocks on their own lines that the directive does not name (each is an
    /// argument the directive text itself does not show).
    pub extra_arguments: u32,
}

/// Words by which a directive points at material that follows it: references ("below",
/// "下面") and the nouns that name material ("the paragraph", "the code", "这段文字").
/// Alpaca data joins instruction and input with a blank line, so without these the input
/// would be analysed as part of the instruction.
const CUES: &[&str] = &[
    "below",
    "following",
    "above",
    "these",
    "this",
    "given",
    "provided",
    "text",
    "passage",
    "article",
    "paragraph",
    "paragraphs",
    "sentence",
    "sentences",
    "input",
    "code",
    "table",
    "list",
    "poem",
    "story",
    "review",
    "email",
    "document",
    "data",
    "statement",
    "statements",
    "essay",
    "excerpt",
    "snippet",
    "program",
    "function",
    "tweet",
    "message",
    "dialogue",
    "conversation",
    "equation",
    "numbers",
    "words",
    "phrase",
    "title",
    "headline",
    "description",
    "context",
    "quote",
    "lyrics",
    "summary",
    "report",
    "letter",
    "recipe",
    "song",
    "下面",
    "以下",
    "下列",
    "如下",
    "上面",
    "上述",
    "这段",
    "这句",
    "这篇",
    "这首",
    "这些",
    "给定",
    "文本",
    "段落",
    "文章",
    "句子",
    "代码",
    "材料",
    "短文",
    "对话",
    "下文",
    "原文",
    "输入",
];

/// Labels of a `Label: text` line that introduce a note to the model rather than data.
const NOTE_LABELS: &[&str] = &[
    "note",
    "notes",
    "hint",
    "hints",
    "requirement",
    "requirements",
    "constraint",
    "constraints",
    "rules",
    "format",
    "要求",
    "注意",
    "提示",
    "格式",
];

pub fn split(instruction: &str) -> Directive {
    let text = cap(instruction, MAX_CHARS);
    let text = strip_special_tokens(text);
    let text = replace_code_fences(&text);
    let mut directive_lines: Vec<String> = Vec::new();
    let mut blocks: Vec<Option<String>> = Vec::new();
    let mut in_block = false;
    for raw in text.lines() {
        let line = raw.trim();
        if line.is_empty() {
            in_block = false;
            continue;
        }
        if directive_lines.is_empty() && line != MAT.to_string() {
            directive_lines.push(line.to_string());
            continue;
        }
        let cue = has_cue(&directive_lines);
        if line == MAT.to_string() {
            blocks.push(None);
            in_block = true;
        } else if let Some(label) =
            label_of(line).filter(|l| !NOTE_LABELS.contains(&l.to_lowercase().as_str()))
        {
            blocks.push(Some(label));
            in_block = true;
        } else if cue || in_block {
            if !in_block {
                blocks.push(None);
                in_block = true;
            }
        } else {
            directive_lines.push(line.to_string());
        }
    }
    let joined = directive_lines.join("\n");
    let lower = joined.to_lowercase();
    let cue = CUES.iter().any(|c| contains_word(&lower, c));
    let extra = blocks
        .iter()
        .filter(|b| match b {
            Some(label) => !contains_word(&lower, &label.to_lowercase()),
            None => !cue,
        })
        .count() as u32;
    let text = directive_lines
        .iter()
        .map(|l| inline_material(l))
        .collect::<Vec<_>>()
        .join("\n");
    Directive {
        text,
        extra_arguments: extra,
    }
}

fn cap(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

fn has_cue(lines: &[String]) -> bool {
    let Some(last) = lines.last() else {
        return false;
    };
    if last.ends_with(':') || last.ends_with('：') {
        return true;
    }
    lines.iter().any(|l| {
        let lower = l.to_lowercase();
        CUES.iter().any(|c| contains_word(&lower, c))
    })
}

/// Substring match that respects word boundaries for Latin words (so "this" does not
/// match "thistle"); Chinese cues match anywhere.
fn contains_word(hay: &str, needle: &str) -> bool {
    if !needle.is_ascii() {
        return hay.contains(needle);
    }
    hay.match_indices(needle).any(|(i, _)| {
        let before = hay[..i].chars().next_back();
        let after = hay[i + needle.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

/// `Passage: …`, `Question: …`, `材料：…`: a short label of letters, then a colon.
fn label_of(line: &str) -> Option<String> {
    let (head, _) = line.split_once([':', '：'])?;
    let n = head.chars().count();
    let letters = head
        .chars()
        .all(|c| c.is_alphabetic() || c == ' ' || c == '_');
    ((1..=20).contains(&n) && letters && head.split_whitespace().count() <= 3)
        .then(|| head.trim().to_string())
}

/// Removes `<image>`, `<video>`, `<|im_start|>` and similar markup tokens.
fn strip_special_tokens(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('<') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let close = tail
            .char_indices()
            .take(40)
            .find(|(_, c)| *c == '>')
            .map(|(j, _)| j);
        match close {
            Some(j)
                if tail[1..j]
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '|' | '/' | '-'))
                    && j > 1 =>
            {
                out.push(' ');
                rest = &tail[j + 1..];
            }
            _ => {
                out.push('<');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn replace_code_fences(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find("```") {
        out.push_str(&rest[..i]);
        out.push('\n');
        out.push(MAT);
        out.push('\n');
        let after = &rest[i + 3..];
        rest = match after.find("```") {
            Some(j) => &after[j + 3..],
            None => "",
        };
    }
    out.push_str(rest);
    out
}

/// Quoted strings, titles, region boxes and data after a colon become [`MAT`].
fn inline_material(line: &str) -> String {
    let quoted = replace_quotes(line);
    let boxed = replace_boxes(&quoted);
    colon_material(&boxed)
}

fn replace_quotes(s: &str) -> String {
    const PAIRS: &[(char, char)] = &[
        ('"', '"'),
        ('“', '”'),
        ('「', '」'),
        ('『', '』'),
        ('《', '》'),
    ];
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if let Some((_, close)) = PAIRS.iter().find(|(o, _)| *o == c) {
            if let Some(j) = chars[i + 1..].iter().position(|x| x == close) {
                if j > 0 {
                    out.push(' ');
                    out.push(MAT);
                    out.push(' ');
                    i += j + 2;
                    continue;
                }
            }
        }
        out.push(c);
        i += 1;
    }
    out
}

/// `[0.12, 0.30, 0.45, 0.88]` or `(10, 20, 110, 220)`: four numbers in brackets.
fn replace_boxes(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find(['[', '(']) {
        out.push_str(&rest[..i]);
        let close = if rest[i..].starts_with('[') { ']' } else { ')' };
        let tail = &rest[i + 1..];
        match tail.find(close) {
            Some(j) if is_box(&tail[..j]) => {
                out.push(' ');
                out.push(MAT);
                out.push(' ');
                rest = &tail[j + 1..];
            }
            _ => {
                out.push_str(&rest[i..i + 1]);
                rest = tail;
            }
        }
    }
    out.push_str(rest);
    out
}

pub fn is_box(inner: &str) -> bool {
    let parts: Vec<&str> = inner.split(',').map(str::trim).collect();
    parts.len() == 4
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.parse::<f64>().is_ok())
}

/// `Translate into Spanish: Good morning` -> `Translate into Spanish MAT`. A question after
/// the colon ("Answer yes or no: Can penguins fly?") is the task itself and stays.
fn colon_material(s: &str) -> String {
    let cut = s
        .char_indices()
        .find(|&(i, c)| c == '：' || (c == ':' && s[i + 1..].starts_with([' ', '\t'])));
    let Some((i, c)) = cut else {
        return s.to_string();
    };
    let head = &s[..i];
    let tail = s[i + c.len_utf8()..].trim();
    let label = head.trim().to_lowercase();
    if tail.is_empty()
        || tail.contains(['?', '？'])
        || !head.chars().any(char::is_alphabetic)
        || NOTE_LABELS.contains(&label.as_str())
    {
        return s.to_string();
    }
    // The colon goes too, so the material sits right after the noun that names it ("these
    // numbers MAT") and is counted with it as one argument.
    format!("{head} {MAT}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mats(s: &str) -> usize {
        s.chars().filter(|c| *c == MAT).count()
    }

    #[test]
    fn quotes_colons_and_code_become_markers() {
        let d = split("Translate \"Good morning\" into Spanish.");
        assert_eq!(mats(&d.text), 1);
        assert!(d.text.contains("Spanish"));
        let d = split("Sort these numbers: 3, 1, 2");
        assert_eq!(d.text, format!("Sort these numbers {MAT}"));
        let d = split("Answer with yes or no: Can penguins fly?");
        assert_eq!(mats(&d.text), 0);
        let d = split("Debug this:\n```py\nx = 1\n```");
        assert_eq!(
            d.extra_arguments, 0,
            "the directive names the code ('this')"
        );
        let d = split("把下面这句话翻译成英文：“今天天气很好。”");
        assert_eq!(mats(&d.text), 1);
    }

    #[test]
    fn later_lines_are_material_blocks() {
        let d = split(
            "Read the passage and answer the question.\n\nPassage: Some text.\nQuestion: What?",
        );
        assert_eq!(d.text, "Read the passage and answer the question.");
        assert_eq!(
            d.extra_arguments, 0,
            "both labels are named in the directive"
        );
        let d = split("Translate to French.\n\nHello there");
        assert_eq!(
            d.text, "Translate to French.\nHello there",
            "no cue: the line is analysed"
        );
        let d = split("Summarize the text below.\nIt was a dark night.");
        assert_eq!(d.text, "Summarize the text below.");
        assert_eq!(d.extra_arguments, 0);
        let d = split("Classify the sentiment.\nInput: I love it");
        assert_eq!(d.extra_arguments, 1);
    }

    #[test]
    fn region_boxes_and_image_tokens() {
        let d = split("<image>\nWho is in the region [0.1, 0.2, 0.3, 0.4]?");
        assert_eq!(mats(&d.text), 1);
        assert!(!d.text.contains("image"));
        assert!(is_box("10, 20, 30, 40"));
        assert!(!is_box("a, b"));
    }
}
