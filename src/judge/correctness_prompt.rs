//! The correctness prompt, after the paper (section 4.2): a judge is given the sample and a
//! few judged examples and says whether the response is correct; the most frequent of three
//! results counts. The paper also gives the judge the detailed image description used to
//! generate the data; ftqa's records carry no such description and the judge is sent no
//! image, so it judges from the text alone (the system prompt, earlier turns, the
//! instruction and the response) and is told that an image it cannot see may exist.
//!
//! The reply is a verdict and a 1–10 score in a strict form, `Verdict: correct` /
//! `Score: 8` (or the same as JSON); [`parse_verdict`] reads it or rejects it, never guesses.

use super::cache::Sample;
use super::prompt::clip;
use ftqa_metrics::record::{Record, Role};
use serde_json::{json, Value};

/// Part of every cache key: changing the prompt or the examples must change this.
pub const PROMPT_VERSION: &str = "ftqa-correctness-v1";

/// Earlier turns shown at most (the latest ones): the judge needs the context the response
/// answers, not a whole long chat.
const MAX_EARLIER_TURNS: usize = 6;

/// Characters of the system prompt and of each earlier turn sent to the judge.
const MAX_CONTEXT_CHARS: usize = 1_000;

const SYSTEM: &str = "You check the correctness of responses in an instruction-tuning dataset. You see a sample: possibly a system prompt and earlier turns of the conversation, then an instruction and the response to it. Decide whether the response correctly and faithfully does what the instruction asks: facts, arithmetic, code and logic must be right, and it must answer the question that was asked. Style and length do not matter. Some samples were written about an image you cannot see; do not call a response incorrect only because it describes image content you cannot check, but do when it contradicts the text or states something you can tell is false. Give a verdict, correct or incorrect, and a correctness score from 1 to 10: a correct response scores 6 to 10, an incorrect one 1 to 5. Reply in exactly this form and nothing else:\nVerdict: correct or incorrect\nScore: N";

/// Judged examples (instruction, response, correct, score).
const EXAMPLES: &[(&str, &str, bool, u8)] = &[
    ("What is 17 × 6?", "17 × 6 = 102.", true, 10),
    (
        "Which planet is the largest in the solar system?",
        "Saturn is the largest planet in the solar system.",
        false,
        2,
    ),
    (
        "Write a Python function that returns the maximum of a list of numbers.",
        "```python\ndef maximum(xs):\n    best = xs[0]\n    for x in xs:\n        if x < best:\n            best = x\n    return best\n```",
        false,
        3,
    ),
];

/// The user message for one sample: what the judge sees of it.
pub fn sample_text(
    system: Option<&str>,
    earlier: &[(Role, &str)],
    images: usize,
    instruction: &str,
    response: &str,
) -> String {
    let mut s = String::new();
    if let Some(sys) = system.filter(|t| !t.trim().is_empty()) {
        s += &format!("System prompt:\n{}\n\n", clip_to(sys, MAX_CONTEXT_CHARS));
    }
    if !earlier.is_empty() {
        let skip = earlier.len().saturating_sub(MAX_EARLIER_TURNS);
        s += "Earlier turns:\n";
        if skip > 0 {
            s += &format!("({skip} earlier turns left out)\n");
        }
        for (role, text) in &earlier[skip..] {
            s += &format!(
                "{}: {}\n",
                role_name(*role),
                clip_to(text, MAX_CONTEXT_CHARS)
            );
        }
        s += "\n";
    }
    if images > 0 {
        s += &format!(
            "(The sample refers to {images} image{}, which you cannot see.)\n\n",
            if images == 1 { "" } else { "s" }
        );
    }
    s += &format!(
        "Instruction:\n{}\n\nResponse:\n{}",
        clip(instruction),
        clip(response)
    );
    s
}

fn role_name(r: Role) -> &'static str {
    match r {
        Role::System => "System",
        Role::User => "User",
        Role::Assistant => "Assistant",
        Role::Tool => "Tool",
    }
}

fn clip_to(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// What the judge is asked about a record: the final response, the user turn it answers,
/// and everything before that as context. Returns the instruction and the user message.
/// A record whose response follows no user turn (the sampler only keeps records with an
/// instruction and a response, so this is rare) is shown as its first instruction and
/// final response.
pub fn record_text(r: &Record) -> (String, String) {
    let turns: Vec<_> = r.conversation().collect();
    let found = turns
        .iter()
        .rposition(|t| t.role == Role::Assistant)
        .and_then(|last| {
            let asked = turns[..last].iter().rposition(|t| t.role == Role::User)?;
            Some((asked, last))
        });
    let (earlier, instruction, response): (Vec<(Role, &str)>, &str, &str) = match found {
        Some((asked, last)) => (
            turns[..asked]
                .iter()
                .map(|t| (t.role, t.text.as_str()))
                .collect(),
            &turns[asked].text,
            &turns[last].text,
        ),
        None => (
            Vec::new(),
            r.instruction().unwrap_or_default(),
            r.response().unwrap_or_default(),
        ),
    };
    let text = sample_text(
        r.system.as_deref(),
        &earlier,
        r.images.len(),
        instruction,
        response,
    );
    (instruction.to_string(), text)
}

fn verdict_reply(correct: bool, score: u8) -> String {
    format!(
        "Verdict: {}\nScore: {score}",
        if correct { "correct" } else { "incorrect" }
    )
}

/// The chat messages for one sample: system instructions, the judged examples as
/// user/assistant exchanges, then the sample ([`sample_text`]).
pub fn messages(sample: &str) -> Vec<Value> {
    let mut m = vec![json!({"role": "system", "content": SYSTEM})];
    for (i, r, correct, score) in EXAMPLES {
        m.push(json!({"role": "user", "content": sample_text(None, &[], 0, i, r)}));
        m.push(json!({"role": "assistant", "content": verdict_reply(*correct, *score)}));
    }
    m.push(json!({"role": "user", "content": sample}));
    m
}

/// Reads a verdict and a 1–10 score from a reply. Accepted: the asked form in any case
/// (`Verdict: Correct`, `**Score:** 8`, `score=8`, `8/10`), the same as JSON
/// (`{"verdict":"incorrect","score":3}`), or a short unlabelled reply with one verdict word
/// and one number (`incorrect, 3/10`). Rejected (`None`, counted as malformed): no verdict
/// or no score, a score outside 1–10 or not a whole number, two different verdicts or
/// scores, a negated or hedged verdict, and a score on the wrong side of the scale for its
/// verdict (correct is 6–10, incorrect 1–5).
pub fn parse_verdict(reply: &str) -> Option<Sample> {
    let lower = reply.trim().to_lowercase();
    if lower.is_empty() {
        return None;
    }
    let mut verdicts = labelled(&lower, "verdict", verdict_at);
    let mut scores = labelled(&lower, "score", score_at);
    // A short reply may leave the labels out: `Correct, 9/10`.
    if lower.chars().count() <= 40 {
        if verdicts.is_empty() {
            verdicts = bare_verdict(&lower).into_iter().collect();
        }
        if scores.is_empty() {
            scores = bare_score(&lower).into_iter().collect();
        }
    }
    let verdict = one(&verdicts)?;
    let score = one(&scores)?;
    if !(1..=10).contains(&score) || verdict != (score >= 6) {
        return None;
    }
    Some(Sample {
        score: score as u8,
        verdict: Some(verdict),
    })
}

/// The single value of a list, or `None` when it is empty or holds two different values.
fn one<T: Copy + PartialEq>(v: &[T]) -> Option<T> {
    let first = *v.first()?;
    v.iter().all(|x| *x == first).then_some(first)
}

/// The values read after each whole-word occurrence of `label`; an occurrence followed by
/// no readable value (`my verdict is that…`) is prose, not an answer, and is passed over.
fn labelled<T>(lower: &str, label: &str, read: fn(&str) -> Option<T>) -> Vec<T> {
    let mut out = Vec::new();
    for (i, _) in lower.match_indices(label) {
        let before = lower[..i].chars().next_back();
        let rest = &lower[i + label.len()..];
        if before.is_some_and(char::is_alphanumeric)
            || rest.chars().next().is_some_and(char::is_alphanumeric)
        {
            continue;
        }
        let value = rest.trim_start_matches([' ', '\t', ':', '=', '*', '"', '\'', '`']);
        // The label must be followed by a separator, not run into the value.
        if value.len() == rest.len() {
            continue;
        }
        if let Some(v) = read(value) {
            out.push(v);
        }
    }
    out
}

/// `correct` or `incorrect` as a whole word at the start of `s`.
fn verdict_at(s: &str) -> Option<bool> {
    let word: String = s.chars().take_while(|c| c.is_alphabetic()).collect();
    match word.as_str() {
        "correct" => Some(true),
        "incorrect" => Some(false),
        _ => None,
    }
}

/// A whole number at the start of `s` (`8`, `8/10`); not `8.5`, not `-3`.
fn score_at(s: &str) -> Option<u32> {
    let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
    let after = &s[digits.len()..];
    if digits.is_empty() || digits.len() > 3 {
        return None;
    }
    if after.starts_with('.') && after[1..].starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// The one verdict word of a short reply; none if both words, or a negation, appear.
fn bare_verdict(lower: &str) -> Option<bool> {
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphabetic())
        .filter(|w| !w.is_empty())
        .collect();
    if words
        .iter()
        .any(|w| matches!(*w, "not" | "no" | "isn" | "partially" | "partly"))
    {
        return None;
    }
    let correct = words.contains(&"correct");
    let incorrect = words.contains(&"incorrect");
    match (correct, incorrect) {
        (true, false) => Some(true),
        (false, true) => Some(false),
        _ => None,
    }
}

/// The one number of a short reply (a `/10` after it is the scale, not a second number).
fn bare_score(lower: &str) -> Option<u32> {
    let mut numbers = Vec::new();
    let mut rest = lower;
    while let Some(i) = rest.find(|c: char| c.is_ascii_digit()) {
        let n = score_at(&rest[i..])?;
        numbers.push(n);
        let len = rest[i..].chars().take_while(char::is_ascii_digit).count();
        rest = &rest[i + len..];
        rest = rest.strip_prefix("/10").unwrap_or(rest);
    }
    one(&numbers)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(reply: &str) -> Option<(bool, u8)> {
        parse_verdict(reply).map(|s| (s.verdict.unwrap(), s.score))
    }

    #[test]
    fn accepts_the_asked_form_and_reasonable_variants() {
        assert_eq!(v("Verdict: correct\nScore: 8"), Some((true, 8)));
        assert_eq!(v("VERDICT: Incorrect\nSCORE: 2"), Some((false, 2)));
        assert_eq!(v("**Verdict:** Correct\n**Score:** 10"), Some((true, 10)));
        assert_eq!(v("verdict=incorrect score=5"), Some((false, 5)));
        assert_eq!(v("Verdict: correct. Score: 7/10"), Some((true, 7)));
        assert_eq!(v(r#"{"verdict":"incorrect","score":3}"#), Some((false, 3)));
        assert_eq!(
            v("```json\n{\"Verdict\": \"Correct\", \"Score\": \"9\"}\n```"),
            Some((true, 9))
        );
        assert_eq!(v("Correct, 9/10"), Some((true, 9)));
        assert_eq!(v("incorrect 1"), Some((false, 1)));
        // Prose mentioning the labels again without a value does not disturb the answer.
        assert_eq!(
            v("Verdict: incorrect\nScore: 2\nMy verdict is based on the wrong planet."),
            Some((false, 2))
        );
    }

    #[test]
    fn rejects_malformed_and_contradictory_replies() {
        for bad in [
            "",
            "   ",
            "I think the answer is fine.",
            "Score: 8",
            "Verdict: correct",
            "Verdict: correct\nScore: 11",
            "Verdict: incorrect\nScore: 0",
            "Verdict: correct\nScore: 8.5",
            "Verdict: correct\nScore: -3",
            "Verdict: not correct\nScore: 3",
            "Verdict: correct\nScore: 8\nVerdict: incorrect",
            "Verdict: correct\nScore: 8\nScore: 3",
            "Verdict: correct\nScore: 2",
            "Verdict: incorrect\nScore: 9",
            "correct or incorrect, 5",
            "not correct, 3",
            "Verdict: correctly answered\nScore: 8",
            r#"{"verdict":"incorrect","score":30}"#,
            r#"{"verdict":"maybe","score":5}"#,
            "Correct, 8, maybe 9",
        ] {
            assert_eq!(v(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn the_prompt_has_judged_examples_then_the_sample() {
        let m = messages("Instruction:\nDo X\n\nResponse:\nDone");
        assert_eq!(m.len(), 2 + 2 * EXAMPLES.len());
        assert_eq!(m[4]["content"], "Verdict: incorrect\nScore: 2");
        for (k, (_, _, c, s)) in EXAMPLES.iter().enumerate() {
            let reply = m[2 + 2 * k]["content"].as_str().unwrap();
            assert_eq!(v(reply), Some((*c, *s)), "examples must parse");
        }
        assert!(m.last().unwrap()["content"]
            .as_str()
            .unwrap()
            .contains("Do X"));
    }

    #[test]
    fn a_multi_turn_sample_shows_its_context() {
        use ftqa_metrics::record::{Origin, Turn};
        let origin = Origin {
            file: "d.jsonl".into(),
            line: Some(1),
            index: 0,
            within: None,
        };
        let mut r = Record::new("r1", origin);
        r.system = Some("Be brief.".into());
        r.images = vec!["cat.jpg".into()];
        r.turns = vec![
            Turn::new(Role::User, "What animal is this?"),
            Turn::new(Role::Assistant, "A cat."),
            Turn::new(Role::User, "What colour is it?"),
            Turn::new(Role::Assistant, "Black."),
        ];
        let (instruction, text) = record_text(&r);
        assert_eq!(instruction, "What colour is it?");
        assert_eq!(
            text,
            "System prompt:\nBe brief.\n\nEarlier turns:\nUser: What animal is this?\nAssistant: A cat.\n\n(The sample refers to 1 image, which you cannot see.)\n\nInstruction:\nWhat colour is it?\n\nResponse:\nBlack."
        );
    }
}
