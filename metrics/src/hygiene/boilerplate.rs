//! AI self-reference boilerplate in responses, in English and Chinese: "As an AI language
//! model" left in distilled data teaches the student to talk about itself.

use super::phrase_match::{phrase_regex, PhraseCheck};
use super::Check;
use crate::registry::{AnalysisConfig, Direction, Metric, MetricDoc, MetricSpec, Provenance};
use regex::Regex;
use std::sync::OnceLock;

pub const SPEC: MetricSpec = MetricSpec {
    module: module_path!(),
    family: "hygiene.boilerplate",
    docs,
    make,
};

/// `'` stands for either apostrophe.
pub const BOILERPLATE: &[&str] = &[
    "as an ai language model",
    "as a language model",
    "as an ai model",
    "as an ai assistant",
    "as an ai,",
    "as an artificial intelligence",
    "i am an ai",
    "i'm an ai",
    "i am a language model",
    "i'm a language model",
    "i don't have personal opinions",
    "i do not have personal opinions",
    "i don't have personal experiences",
    "i do not have personal experiences",
    "i don't have personal beliefs",
    "i do not have personal beliefs",
    "i don't have feelings",
    "i do not have feelings",
    "i don't have emotions",
    "i do not have emotions",
    "my knowledge cutoff",
    "my knowledge cut-off",
    "as of my last update",
    "as of my last training",
    "my training data",
    "trained by openai",
    "developed by openai",
    "created by openai",
    "i don't have access to real-time",
    "i do not have access to real-time",
    "i cannot browse the internet",
    "i can't browse the internet",
    "作为一个人工智能",
    "作为一名人工智能",
    "作为人工智能",
    "作为一个ai",
    "作为ai",
    "作为一个语言模型",
    "作为语言模型",
    "作为人工智能语言模型",
    "作为ai语言模型",
    "作为一个ai语言模型",
    "我是一个人工智能",
    "我是一个ai",
    "我是人工智能",
    "我是一个语言模型",
    "我没有个人观点",
    "我没有个人意见",
    "我没有个人感情",
    "我没有情感",
    "我没有个人喜好",
    "我的知识截止",
    "截至我的知识",
    "我无法访问互联网",
    "我无法实时",
    "由openai开发",
    "由openai训练",
];

fn docs() -> Vec<MetricDoc> {
    let d = |id, definition| MetricDoc {
        id,
        definition,
        direction: Direction::LowerIsBetter,
        provenance: Provenance::Basic,
    };
    vec![
        d("hygiene.boilerplate.count", "Samples with AI self-reference boilerplate in an assistant turn (chosen side for preference data): \"As an AI language model\", \"I don't have personal opinions\", \"my knowledge cutoff\", \"作为一个人工智能\", \"我没有个人观点\"… (case-insensitive, either apostrophe). Boilerplate ids are not measured when no record has an assistant turn (\"the data has no responses\"): prompts are not searched."),
        d("hygiene.boilerplate.rate", "hygiene.boilerplate.count / samples with an assistant turn."),
    ]
}

fn regex() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| phrase_regex(BOILERPLATE))
}

fn make(c: &AnalysisConfig) -> Box<dyn Metric> {
    Box::new(PhraseCheck::new(
        regex(),
        Check::new(
            "hygiene.boilerplate.count",
            "hygiene.boilerplate.rate",
            "AI boilerplate in responses",
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
                "I’m an AI, so I don’t have feelings.",
            ]),
        );
        assert_eq!(out.get("hygiene.boilerplate.count"), Some(3.0));
        assert_eq!(out.get("hygiene.boilerplate.rate"), Some(3.0 / 6.0));
    }

    #[test]
    fn merges_like_one_pass() {
        let texts: Vec<String> = (0..30)
            .map(|i| match i % 3 {
                0 => format!("As an AI language model, I think {i} is fine."),
                1 => format!("作为一个人工智能，我认为{i}很好。"),
                _ => format!("Here is answer {i}."),
            })
            .collect();
        let mut records = responses(&texts.iter().map(String::as_str).collect::<Vec<_>>());
        records.push(record(
            30,
            &[(Role::User, "As an AI language model, say hi")],
        ));
        assert_merges(|| make(&AnalysisConfig::default()), &records);
    }
}
