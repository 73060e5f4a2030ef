//! Defects of the response itself: cut off, an echo of the instruction, or stuck in a loop.

use super::Check;
use crate::record::Record;
use crate::registry::{AnalysisConfig, Direction, Metric, MetricDoc, MetricSpec, Provenance};
use crate::result::{Outputs, NO_RESPONSES};
use crate::text::{is_cjk_char, normalize_for_dedup, truncate_chars, word_count};
use unicode_segmentation::UnicodeSegmentation;
use xxhash_rust::xxh3::xxh3_64;

pub const SPEC: MetricSpec = MetricSpec {
    module: module_path!(),
    family: "hygiene.response",
    docs,
    make,
};

/// Longest repeated unit, in tokens, the loop detector looks for; longer repeats are
/// caught sentence by sentence.
const MAX_PERIOD: usize = 24;
/// Tokens of a response the loop detector reads (from the end, where loops run).
const MAX_TOKENS: usize = 4_000;

fn docs() -> Vec<MetricDoc> {
    let d = |id, definition| MetricDoc {
        id,
        definition,
        direction: Direction::LowerIsBetter,
        provenance: Provenance::Basic,
    };
    vec![
        d("hygiene.truncated.count", "Samples whose final response looks cut off: an unclosed ``` code fence, a last character that cannot end a text (, : ( [ { - 、，：；), a dangling last word (the, and, of, to, with… / 的 和 与 或 是 在 把 被), or a prose line of 8+ words that has finished sentences but stops mid-sentence. Empty responses are counted by empty.response.count instead. Like every hygiene.truncated, hygiene.echo and hygiene.repetition_loop id, not measured when no record has a response (\"the data has no responses\")."),
        d("hygiene.truncated.rate", "hygiene.truncated.count / samples with a non-empty response."),
        d("hygiene.echo.count", "Samples whose response repeats the instruction: equal to it after normalisation (NFKC, case, spacing), or starting with the whole instruction when it has at least 3 words and makes up at least a third of the response (a long answer that opens by restating a short term is not an echo)."),
        d("hygiene.echo.rate", "hygiene.echo.count / samples with an instruction and a non-empty response."),
        d("hygiene.repetition_loop.count", "Samples whose response degenerates into a loop: a unit of 1–24 word tokens (each CJK character a token) repeated back to back at least 4 times and covering at least 12 tokens, containing a letter (runs of numbers such as zero-filled arrays do not count); or the same sentence of 3+ tokens 3 or more times in a row. Responses that look like code or markup are not checked: repeated lines are normal there."),
        d("hygiene.repetition_loop.rate", "hygiene.repetition_loop.count / samples with a non-empty response."),
    ]
}

fn make(c: &AnalysisConfig) -> Box<dyn Metric> {
    Box::new(Responses {
        any_response: 0,
        with_response: 0,
        with_both: 0,
        truncated: Check::new(
            "hygiene.truncated.count",
            "hygiene.truncated.rate",
            "Responses that look cut off",
            c,
        ),
        echo: Check::new(
            "hygiene.echo.count",
            "hygiene.echo.rate",
            "Responses that repeat the instruction",
            c,
        ),
        looped: Check::new(
            "hygiene.repetition_loop.count",
            "hygiene.repetition_loop.rate",
            "Responses stuck in a repetition loop",
            c,
        ),
        chars: c.example_chars,
    })
}

struct Responses {
    /// Records with a response, empty or not.
    any_response: u64,
    /// Records with a non-empty response.
    with_response: u64,
    with_both: u64,
    truncated: Check,
    echo: Check,
    looped: Check,
    chars: usize,
}

impl Metric for Responses {
    fn observe(&mut self, r: &Record) {
        self.any_response += u64::from(r.response().is_some());
        let Some(resp) = r.response().filter(|s| !s.trim().is_empty()) else {
            return;
        };
        self.with_response += 1;
        if let Some(why) = truncation(resp) {
            let tail: String = resp
                .chars()
                .rev()
                .take(self.chars)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            self.truncated.hit(r, &tail, || format!("ends: {why}"));
        }
        if let Some(inst) = r.instruction().filter(|s| !s.trim().is_empty()) {
            self.with_both += 1;
            if echoes(inst, resp) {
                self.echo.hit(r, resp, || {
                    format!("instruction: {}", truncate_chars(inst, 120))
                });
            }
        }
        if let Some(unit) = repetition_loop(resp) {
            self.looped.hit(r, resp, || {
                format!("repeated unit: {}", truncate_chars(&unit, 80))
            });
        }
    }

    fn finish(self: Box<Self>, out: &mut Outputs) {
        if self.any_response == 0 {
            for c in [self.truncated, self.echo, self.looped] {
                c.not_measured(NO_RESPONSES, out);
            }
            return;
        }
        self.truncated.write(self.with_response, out);
        self.echo.write(self.with_both, out);
        self.looped.write(self.with_response, out);
    }
}

const DANGLING_EN: &[&str] = &[
    "the", "a", "an", "and", "or", "but", "of", "to", "with", "for", "in", "on", "at", "by",
    "from", "that", "which", "because", "as", "if", "than", "their", "its", "my", "your", "our",
    "is", "are", "was", "were",
];
const DANGLING_ZH: &[char] = &[
    '的', '和', '与', '或', '是', '在', '把', '被', '对', '从', '向', '及',
];

/// Why a response looks cut off, or `None`.
pub fn truncation(resp: &str) -> Option<&'static str> {
    let t = resp.trim_end();
    if t.matches("```").count() % 2 == 1 {
        return Some("inside an unclosed code block");
    }
    let last = t.chars().next_back()?;
    if matches!(
        last,
        ',' | ':' | '(' | '[' | '{' | '-' | '–' | '—' | '、' | '，' | '：' | '；' | '（'
    ) {
        return Some("on a character that cannot end a text");
    }
    if DANGLING_ZH.contains(&last) {
        return Some("on a function word");
    }
    let last_line = t.lines().next_back().unwrap_or("").trim();
    let last_word = last_line
        .rsplit(|c: char| !c.is_alphanumeric() && c != '\'')
        .next()
        .unwrap_or("");
    let line_words = last_line.split_whitespace().count();
    if last.is_alphabetic()
        && DANGLING_EN.contains(&last_word.to_lowercase().as_str())
        && line_words >= 3
    {
        return Some("on a function word");
    }
    // Prose that has finished sentences on its last line and then stops mid-sentence.
    // The last word must be an ordinary lower-case word: hashtags, handles, URLs, names
    // ("… -C.S. Lewis") and numbers end texts legitimately.
    let list_or_code = last_line.starts_with(['-', '*', '#', '|', '>'])
        || last_line.chars().next().is_some_and(|c| c.is_ascii_digit());
    let tail_word = last_line.split_whitespace().next_back().unwrap_or("");
    let plain_word = tail_word.chars().next().is_some_and(char::is_lowercase)
        && tail_word.chars().all(char::is_alphabetic);
    if !list_or_code && plain_word && line_words >= 8 {
        let body = &last_line[..last_line.len() - last.len_utf8()];
        if body.contains(". ") || body.contains("。") {
            return Some("mid-sentence");
        }
    }
    None
}

/// A response that is the instruction, or mostly the instruction followed by a little
/// more. A long answer that opens by restating a short term ("温室效应是……", "Photosynthesis
/// is …") is not an echo, so the copied part must be at least a third of the response.
pub fn echoes(inst: &str, resp: &str) -> bool {
    let i = normalize_for_dedup(inst);
    let r = normalize_for_dedup(resp);
    if i.is_empty() {
        return false;
    }
    let substantial = 3 * i.chars().count() >= r.chars().count();
    r == i || (word_count(inst) >= 3 && substantial && r.starts_with(&i))
}

/// Word tokens with every CJK character its own token, lower-cased and hashed, each with
/// whether it holds a letter.
fn tokens(s: &str) -> Vec<(u64, bool)> {
    let mut out = Vec::new();
    for w in s.unicode_words() {
        if w.chars().any(is_cjk_char) {
            let mut buf = [0u8; 4];
            for c in w.chars() {
                out.push((
                    xxh3_64(c.encode_utf8(&mut buf).as_bytes()),
                    c.is_alphabetic(),
                ));
            }
        } else {
            let lower = w.to_lowercase();
            out.push((
                xxh3_64(lower.as_bytes()),
                w.chars().any(char::is_alphabetic),
            ));
        }
    }
    out
}

/// The repeated unit of a degenerate loop, or `None`.
pub fn repetition_loop(resp: &str) -> Option<String> {
    // Repeated lines are normal in code and markup (table rows, printf calls).
    if crate::complexity::structure::looks_like_code(resp) {
        return None;
    }
    let toks = tokens(resp);
    let toks = &toks[toks.len().saturating_sub(MAX_TOKENS)..];
    for p in 1..=MAX_PERIOD.min(toks.len() / 4) {
        let mut run = 0usize;
        for j in p..toks.len() {
            if toks[j].0 == toks[j - p].0 {
                run += 1;
                // `run` equal pairs at distance p: the unit appears run/p + 1 times.
                if run >= 3 * p && run + p >= 12 && toks[j + 1 - p..=j].iter().any(|t| t.1) {
                    return Some(unit_text(resp, p));
                }
            } else {
                run = 0;
            }
        }
    }
    repeated_sentence(resp)
}

fn unit_text(resp: &str, p: usize) -> String {
    let words: Vec<&str> = resp.unicode_words().collect();
    let tail = &words[words.len().saturating_sub(p)..];
    format!("{} (×{} tokens)", tail.join(" "), p)
}

fn repeated_sentence(resp: &str) -> Option<String> {
    let mut prev: Option<String> = None;
    let mut run = 1;
    for s in resp.split(['.', '!', '?', '。', '！', '？', '\n']) {
        let n = normalize_for_dedup(s);
        if n.is_empty() {
            continue;
        }
        if prev.as_deref() == Some(n.as_str()) {
            run += 1;
            if run >= 3 && word_count(&n) >= 3 {
                return Some(n);
            }
        } else {
            prev = Some(n);
            run = 1;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{Origin, Role, Turn};

    #[test]
    fn truncation_signals() {
        assert!(truncation("Here is the code:\n```python\nprint(1)").is_some());
        assert!(truncation("The reasons are the cost, the time, and").is_some());
        assert!(truncation("First point,").is_some());
        assert!(truncation(
            "Paris is the capital of France. It is famous for its museums and the river that"
        )
        .is_some());
        assert!(truncation("这是我们的").is_some());
        assert!(truncation("Paris.").is_none());
        assert!(truncation("42").is_none());
        assert!(truncation("- apples\n- pears").is_none());
        assert!(truncation("Get a puppy and experience love like no other. #PuppyLove").is_none());
        assert!(
            truncation("'What! You too? I thought that no one but myself . . .' -C.S. Lewis")
                .is_none()
        );
        assert!(
            truncation("We use the same logic to reverse the links. Then we reverse").is_some()
        );
        assert!(truncation("The answer is yes").is_none());
        assert!(truncation("SELECT Name FROM Employees WHERE Salary > 50000;").is_none());
    }

    #[test]
    fn echo_and_loops() {
        assert!(echoes("Name three colors.", "name three colors."));
        assert!(echoes(
            "Name three colors.",
            "Name three colors. Red, green, blue."
        ));
        assert!(!echoes("Hi", "Hi there"));
        assert!(echoes(
            "How can I jailbreak an iphone?",
            "How can I jailbreak an iphone? I don't know, I am just a smart assistant!"
        ));
        assert!(!echoes(
            "温室效应",
            "温室效应是一种自然现象，指的是大气中的温室气体对地球的热量进行吸收和反射。"
        ));
        assert!(
            repetition_loop("I think so. I think so. I think so. I think so. I think so.")
                .is_some()
        );
        assert!(repetition_loop(&"the cat sat ".repeat(5)).is_some());
        assert!(
            repetition_loop(&"ha ".repeat(11)).is_none(),
            "11 repeats of one token are below the 12-token floor"
        );
        assert!(repetition_loop(&"ha ".repeat(12)).is_some());
        assert!(repetition_loop("[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]").is_none());
        assert!(repetition_loop("very very very good").is_none());
        assert!(repetition_loop("好的好的好的好的好的好的").is_some());
        assert!(repetition_loop("The end is near.\nThe end is near.\nThe end is near.").is_some());
        assert!(
            repetition_loop(&"<tr>\n  <td>Row 2</td>\n  <td>Row 2</td>\n</tr>\n".repeat(4))
                .is_none()
        );
        assert!(repetition_loop(&"printf(\"%d\\n\", a);\n".repeat(6)).is_none());
    }

    #[test]
    fn counts_exactly() {
        let mut m = make(&AnalysisConfig::default());
        let texts = [
            ("Say hi", "hi"),
            ("Repeat after me please", "Repeat after me please"),
            ("Count", &*"one two three ".repeat(5)),
            ("List", "a, b,"),
            ("Empty", "  "),
        ];
        for (k, (i, o)) in texts.iter().enumerate() {
            let mut r = Record::new(
                format!("r{k}"),
                Origin {
                    file: "f".into(),
                    line: Some(k as u64 + 1),
                    index: k as u64,
                },
            );
            r.turns = vec![Turn::new(Role::User, *i), Turn::new(Role::Assistant, *o)];
            m.observe(&r);
        }
        let mut out = Outputs::default();
        m.finish(&mut out);
        assert_eq!(out.get("hygiene.echo.count"), Some(1.0));
        assert_eq!(out.get("hygiene.repetition_loop.count"), Some(1.0));
        assert_eq!(out.get("hygiene.truncated.count"), Some(1.0));
        assert_eq!(
            out.get("hygiene.truncated.rate"),
            Some(0.25),
            "the empty response is not in the denominator"
        );
    }
}
