//! The difficulty prompt, after the paper (section 4.2): the judge sees an
//! instruction-response pair and manually scored examples, and answers with a 1–10
//! complexity score.

use serde_json::{json, Value};

/// Part of every cache key: changing the prompt or the examples must change this.
pub const PROMPT_VERSION: &str = "ftqa-difficulty-v1";

/// Characters of the instruction and of the response sent to the judge.
pub const MAX_CHARS: usize = 4_000;

const SYSTEM: &str = "You rate the complexity of instruction-response pairs from an instruction-tuning dataset on a scale from 1 to 10. 1 is a trivial request answered in a word; 10 is a hard, multi-step task that needs expert knowledge, careful reasoning and satisfies many constraints. Judge how many steps, constraints and pieces of knowledge the instruction demands and how much reasoning a correct response needs, not how long the texts are. Reply with the score only, in the form `Score: N`.";

/// Manually scored examples (instruction, response, score), spanning the scale.
const EXAMPLES: &[(&str, &str, u8)] = &[
    ("Say hello.", "Hello!", 1),
    ("What is the capital of France?", "Paris.", 2),
    (
        "Summarize the following paragraph in two sentences: \"The city council voted on Tuesday to expand the bike lane network, citing a 40% rise in cycling since 2019. Critics argue the plan will worsen congestion downtown.\"",
        "The city council approved a larger bike lane network after cycling rose 40% since 2019. Critics fear it will increase downtown congestion.",
        4,
    ),
    (
        "Write a Python function that returns the n-th Fibonacci number using memoization, and state its time complexity.",
        "```python\nfrom functools import lru_cache\n\n@lru_cache(maxsize=None)\ndef fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\n```\nEach value is computed once, so the time complexity is O(n).",
        6,
    ),
    (
        "A train leaves a station at 3 pm travelling at 60 km/h. A second train leaves the same station at 4 pm on the same track at 90 km/h. When and how far from the station does the second train catch up? Show your reasoning.",
        "By 4 pm the first train is 60 km ahead. The second closes the gap at 90 - 60 = 30 km/h, so it needs 60 / 30 = 2 hours. It catches up at 6 pm, 90 × 2 = 180 km from the station.",
        7,
    ),
    (
        "Design a rate limiter for a distributed API gateway that handles one million requests per second across regions. Compare the token bucket and sliding window algorithms, explain how to keep limits consistent across nodes with bounded memory, and give pseudocode for your choice.",
        "Use a sliding-window counter per key, sharded by consistent hashing … (a detailed design comparing both algorithms, discussing clock skew, Redis-based atomic increments, local pre-aggregation and failure modes, followed by pseudocode).",
        9,
    ),
];

fn pair(instruction: &str, response: &str) -> String {
    format!(
        "Instruction:\n{}\n\nResponse:\n{}",
        clip(instruction),
        clip(response)
    )
}

pub(crate) fn clip(s: &str) -> &str {
    match s.char_indices().nth(MAX_CHARS) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// The chat messages for one pair: system instructions, the scored examples as
/// user/assistant exchanges, then the pair to score.
pub fn messages(instruction: &str, response: &str) -> Vec<Value> {
    let mut m = vec![json!({"role": "system", "content": SYSTEM})];
    for (i, r, score) in EXAMPLES {
        m.push(json!({"role": "user", "content": pair(i, r)}));
        m.push(json!({"role": "assistant", "content": format!("Score: {score}")}));
    }
    m.push(json!({"role": "user", "content": pair(instruction, response)}));
    m
}

/// Reads a 1–10 score from a reply: `Score: 7`, `score=7`, `7/10`, or a short reply with
/// a number. Anything else, or a number out of range, is no score.
pub fn parse_score(reply: &str) -> Option<u8> {
    let lower = reply.to_lowercase();
    let number_after = |s: &str| -> Option<u32> {
        let digits: String = s
            .trim_start_matches([' ', ':', '=', '*', '\t'])
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        digits.parse().ok()
    };
    let found = match lower.find("score") {
        Some(i) => number_after(&lower[i + 5..]),
        None if reply.trim().chars().count() <= 24 => {
            let start = lower.find(|c: char| c.is_ascii_digit())?;
            number_after(&lower[start..])
        }
        None => None,
    }?;
    (1..=10).contains(&found).then_some(found as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_scores() {
        assert_eq!(parse_score("Score: 7"), Some(7));
        assert_eq!(parse_score("**Score:** 10"), Some(10));
        assert_eq!(parse_score("score=3"), Some(3));
        assert_eq!(parse_score("7/10"), Some(7));
        assert_eq!(parse_score(" 4 "), Some(4));
        assert_eq!(parse_score("Score: 11"), None);
        assert_eq!(parse_score("Score: 0"), None);
        assert_eq!(
            parse_score("I cannot rate this pair because it is unclear to me."),
            None
        );
        assert_eq!(parse_score(""), None);
    }

    #[test]
    fn prompt_has_scored_examples_then_the_pair() {
        let m = messages("Do X", "Done");
        assert_eq!(m.len(), 2 + 2 * EXAMPLES.len());
        assert_eq!(m[2]["content"], "Score: 1");
        assert!(m.last().unwrap()["content"]
            .as_str()
            .unwrap()
            .contains("Do X"));
    }
}
