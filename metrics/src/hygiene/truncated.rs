//! Responses that look cut off: the generation hit a length limit or the export lost its
//! tail, and training on it teaches the model to stop mid-sentence.

use super::{nonblank_response, Check, Rated};
use crate::record::Record;
use crate::registry::{
    merged, AnalysisConfig, Direction, Metric, MetricDoc, MetricSpec, Provenance,
};
use crate::result::Outputs;
use serde::{Deserialize, Serialize};

pub const SPEC: MetricSpec = MetricSpec {
    module: module_path!(),
    family: "hygiene.truncated",
    docs,
    make,
};

fn docs() -> Vec<MetricDoc> {
    let d = |id, definition| MetricDoc {
        id,
        definition,
        direction: Direction::LowerIsBetter,
        provenance: Provenance::Basic,
    };
    vec![
        d("hygiene.truncated.count", "Samples whose final response looks cut off: an unclosed ``` code fence, a last character that cannot end a text (, : ( [ { - 、，：；), a dangling last word (the, and, of, to, with… / 的 和 与 或 是 在 把 被), or a prose line of 8+ words that has finished sentences but stops mid-sentence. Empty responses are counted by empty.response.count instead. Like every hygiene.truncated id, not measured when no record has a response (\"the data has no responses\")."),
        d("hygiene.truncated.rate", "hygiene.truncated.count / samples with a non-empty response."),
    ]
}

fn make(c: &AnalysisConfig) -> Box<dyn Metric> {
    Box::new(Truncated {
        rated: Rated::of_responses(Check::new(
            "hygiene.truncated.count",
            "hygiene.truncated.rate",
            "Responses that look cut off",
            c,
        )),
        chars: c.example_chars,
    })
}

#[derive(Serialize, Deserialize)]
struct Truncated {
    rated: Rated,
    chars: usize,
}

impl Metric for Truncated {
    fn observe(&mut self, r: &Record) {
        self.rated.saw_response(r.response().is_some());
        let Some(resp) = nonblank_response(r) else {
            return;
        };
        self.rated.applies();
        if let Some(why) = truncation(resp) {
            // The example shows the end of the response, where the cut is.
            let chars = self.chars;
            self.rated
                .check
                .hit(r, &tail(resp, chars), || format!("ends: {why}"));
        }
    }

    fn merge(&mut self, other: Box<dyn Metric>) {
        self.rated.merge(merged::<Truncated>(other).rated);
    }

    crate::whole_state!();

    fn finish(self: Box<Self>, out: &mut Outputs) {
        self.rated.finish(out);
    }
}

/// The last `chars` characters of `s`.
fn tail(s: &str, chars: usize) -> String {
    let start = s
        .char_indices()
        .rev()
        .nth(chars.saturating_sub(1))
        .map_or(0, |(i, _)| i);
    if chars == 0 {
        String::new()
    } else {
        s[start..].to_string()
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Role;
    use crate::test_records::{assert_merges, outputs, record};

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
    fn the_example_shows_the_tail() {
        assert_eq!(tail("abcdef", 3), "def");
        assert_eq!(tail("预训练数据", 2), "数据");
        assert_eq!(tail("ab", 5), "ab");
        assert_eq!(tail("ab", 0), "");
    }

    #[test]
    fn counts_exactly() {
        use Role::*;
        let records = [
            record(0, &[(User, "Say hi"), (Assistant, "hi")]),
            record(1, &[(User, "List"), (Assistant, "a, b,")]),
            record(2, &[(User, "Empty"), (Assistant, "  ")]),
            record(3, &[(User, "Code"), (Assistant, "```python\nprint(1)")]),
        ];
        let out = outputs(make(&AnalysisConfig::default()), &records);
        assert_eq!(out.get("hygiene.truncated.count"), Some(2.0));
        assert_eq!(
            out.get("hygiene.truncated.rate"),
            Some(2.0 / 3.0),
            "the empty response is not in the denominator"
        );
    }

    #[test]
    fn merges_like_one_pass() {
        use Role::*;
        let endings = [
            "Done.",
            "The reasons are the cost, the time, and",
            "First point,",
            "",
            "这是我们的",
            "```rust\nfn main() {}",
        ];
        let records: Vec<_> = (0..30u64)
            .map(|i| {
                let resp = format!("Answer {i}. {}", endings[i as usize % endings.len()]);
                match i % 7 {
                    // A prompt-only record and a blank response: outside the denominator.
                    5 => record(i, &[(User, "q")]),
                    6 => record(i, &[(User, "q"), (Assistant, " ")]),
                    _ => record(i, &[(User, "q"), (Assistant, &resp)]),
                }
            })
            .collect();
        assert_merges(|| make(&AnalysisConfig::default()), &records);
        let prompts: Vec<_> = (0..8).map(|i| record(i, &[(User, "q")])).collect();
        assert_merges(|| make(&AnalysisConfig::default()), &prompts);
    }
}
