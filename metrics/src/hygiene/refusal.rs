//! Refusals in responses, in English and Chinese: a teacher model's "I'm sorry, but I
//! can't" left in distilled data teaches the student to refuse.

use super::phrase_match::{phrase_regex, PhraseCheck};
use super::Check;
use crate::registry::{AnalysisConfig, Direction, Metric, MetricDoc, MetricSpec, Provenance};
use regex::Regex;
use std::sync::OnceLock;

pub const SPEC: MetricSpec = MetricSpec {
    module: module_path!(),
    family: "hygiene.refusal",
    docs,
    make,
};

/// `'` stands for either apostrophe.
pub const REFUSALS: &[&str] = &[
    "i'm sorry, but i can't",
    "i'm sorry, but i cannot",
    "i am sorry, but i cannot",
    "i am sorry, but i can't",
    "i'm sorry, i can't",
    "i'm sorry, i cannot",
    "sorry, but i can't",
    "sorry, i can't",
    "i cannot fulfill",
    "i can't fulfill",
    "i cannot comply",
    "i can't comply",
    "i cannot assist with",
    "i can't assist with",
    "i can't help with that",
    "i cannot help with that",
    "i'm unable to help",
    "i am unable to help",
    "i'm unable to provide",
    "i am unable to provide",
    "i'm not able to provide",
    "i am not able to provide",
    "i cannot provide",
    "i can't provide",
    "i must decline",
    "i'm afraid i can't",
    "i'm afraid i cannot",
    "i won't be able to help",
    "it is not appropriate for me to",
    "it's not appropriate for me to",
    "i'm not comfortable",
    "i am not comfortable",
    "i cannot create content",
    "i can't create content",
    "goes against my programming",
    "against my guidelines",
    "violates my guidelines",
    "i'm not allowed to",
    "i am not allowed to",
    "i cannot engage in",
    "i can't engage in",
    "抱歉，我无法",
    "抱歉，我不能",
    "很抱歉，我无法",
    "很抱歉，我不能",
    "对不起，我无法",
    "对不起，我不能",
    "抱歉,我无法",
    "抱歉,我不能",
    "我无法回答",
    "我不能回答",
    "我无法提供",
    "我不能提供",
    "我无法满足",
    "我不能满足",
    "无法为您提供",
    "我无法帮助",
    "我不能帮助",
    "我无法协助",
    "恕我无法",
    "我不便回答",
    "我拒绝",
];

fn docs() -> Vec<MetricDoc> {
    let d = |id, definition| MetricDoc {
        id,
        definition,
        direction: Direction::LowerIsBetter,
        provenance: Provenance::Basic,
    };
    vec![
        d("hygiene.refusal.count", "Samples with a refusal in an assistant turn (chosen side for preference data), by a fixed list of English and Chinese phrases such as \"I'm sorry, but I can't\", \"I cannot fulfill\", \"抱歉，我无法\", \"我不能提供\" (case-insensitive, either apostrophe). Refusal ids are not measured when no record has an assistant turn (\"the data has no responses\"): prompts are not searched."),
        d("hygiene.refusal.rate", "hygiene.refusal.count / samples with an assistant turn."),
    ]
}

fn regex() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| phrase_regex(REFUSALS))
}

fn make(c: &AnalysisConfig) -> Box<dyn Metric> {
    Box::new(PhraseCheck::new(
        regex(),
        Check::new(
            "hygiene.refusal.count",
            "hygiene.refusal.rate",
            "Refusals in responses",
            c,
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{Record, Role};
    use crate::test_records::{assert_merges, outputs, record};

    fn responses(texts: &[&str]) -> Vec<Record> {
        (0..texts.len())
            .map(|k| record(k as u64, &[(Role::User, "q"), (Role::Assistant, texts[k])]))
            .collect()
    }

    #[test]
    fn english_and_chinese_phrases() {
        let out = outputs(
            make(&AnalysisConfig::default()),
            &responses(&[
                "I’m sorry, but I can’t help with that.",
                "As an AI language model, I don't have personal opinions.",
                "很抱歉，我无法回答这个问题。",
                "作为一个人工智能，我没有情感。",
                "Sure! Here is the poem.",
                "I'm sorry to hear that you lost your keys; here are some tips.",
            ]),
        );
        assert_eq!(out.get("hygiene.refusal.count"), Some(2.0));
        assert_eq!(out.get("hygiene.refusal.rate"), Some(2.0 / 6.0));
    }

    #[test]
    fn merges_like_one_pass() {
        let texts: Vec<String> = (0..30)
            .map(|i| match i % 3 {
                0 => format!("I'm sorry, but I can't do task {i}."),
                1 => format!("很抱歉，我无法回答问题{i}。"),
                _ => format!("Here is answer {i}."),
            })
            .collect();
        let mut records = responses(&texts.iter().map(String::as_str).collect::<Vec<_>>());
        records.push(record(30, &[(Role::User, "I'm sorry, but I can't sleep")]));
        assert_merges(|| make(&AnalysisConfig::default()), &records);
        let prompts = vec![record(0, &[(Role::User, "I'm sorry, but I can't")])];
        assert_merges(|| make(&AnalysisConfig::default()), &prompts);
    }
}
