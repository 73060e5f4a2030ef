//! Refusals and AI boilerplate in responses, in English and Chinese.
//!
//! Distilled data often carries the teacher model's refusals ("I'm sorry, but I can't")
//! and self-descriptions ("As an AI language model"); fine-tuning on them teaches the
//! student to refuse and to talk about itself. Phrases are matched in one pass per text
//! (the regex engine compiles the alternation to a multi-literal searcher).

use super::{context, Check};
use crate::record::{Record, Role};
use crate::registry::{AnalysisConfig, Direction, Metric, MetricDoc, MetricSpec, Provenance};
use crate::result::{Outputs, NO_RESPONSES};
use regex::Regex;
use std::sync::OnceLock;

pub const SPEC: MetricSpec = MetricSpec {
    module: module_path!(),
    family: "hygiene.phrases",
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
        d("hygiene.refusal.count", "Samples with a refusal in an assistant turn (chosen side for preference data), by a fixed list of English and Chinese phrases such as \"I'm sorry, but I can't\", \"I cannot fulfill\", \"抱歉，我无法\", \"我不能提供\" (case-insensitive, either apostrophe). Refusal and boilerplate ids are not measured when no record has an assistant turn (\"the data has no responses\"): prompts are not searched."),
        d("hygiene.refusal.rate", "hygiene.refusal.count / samples with an assistant turn."),
        d("hygiene.boilerplate.count", "Samples with AI self-reference boilerplate in an assistant turn: \"As an AI language model\", \"I don't have personal opinions\", \"my knowledge cutoff\", \"作为一个人工智能\", \"我没有个人观点\"…"),
        d("hygiene.boilerplate.rate", "hygiene.boilerplate.count / samples with an assistant turn."),
    ]
}

fn make(c: &AnalysisConfig) -> Box<dyn Metric> {
    Box::new(Phrases {
        n: 0,
        refusal: Check::new(
            "hygiene.refusal.count",
            "hygiene.refusal.rate",
            "Refusals in responses",
            c,
        ),
        boilerplate: Check::new(
            "hygiene.boilerplate.count",
            "hygiene.boilerplate.rate",
            "AI boilerplate in responses",
            c,
        ),
    })
}

/// One case-insensitive alternation of the phrases, apostrophes either way.
pub fn phrase_regex(phrases: &[&str]) -> Regex {
    let alts: Vec<String> = phrases
        .iter()
        .map(|p| regex::escape(p).replace('\'', "['’]").replace(',', "[,，]"))
        .collect();
    Regex::new(&format!("(?i){}", alts.join("|"))).expect("phrase list compiles")
}

fn regexes() -> &'static (Regex, Regex) {
    static R: OnceLock<(Regex, Regex)> = OnceLock::new();
    R.get_or_init(|| (phrase_regex(REFUSALS), phrase_regex(BOILERPLATE)))
}

struct Phrases {
    n: u64,
    refusal: Check,
    boilerplate: Check,
}

impl Metric for Phrases {
    fn observe(&mut self, r: &Record) {
        let (refusal, boiler) = regexes();
        let mut any = false;
        let (mut got_refusal, mut got_boiler) = (false, false);
        for t in r.conversation().filter(|t| t.role == Role::Assistant) {
            any = true;
            if !got_refusal {
                if let Some(m) = refusal.find(&t.text) {
                    got_refusal = true;
                    let ctx = context(&t.text, m.start(), m.end(), 60);
                    self.refusal
                        .hit(r, &t.text, || format!("matched \"{}\": {ctx}", m.as_str()));
                }
            }
            if !got_boiler {
                if let Some(m) = boiler.find(&t.text) {
                    got_boiler = true;
                    let ctx = context(&t.text, m.start(), m.end(), 60);
                    self.boilerplate
                        .hit(r, &t.text, || format!("matched \"{}\": {ctx}", m.as_str()));
                }
            }
        }
        self.n += u64::from(any);
    }

    fn finish(self: Box<Self>, out: &mut Outputs) {
        if self.n == 0 {
            self.refusal.not_measured(NO_RESPONSES, out);
            self.boilerplate.not_measured(NO_RESPONSES, out);
            return;
        }
        self.refusal.write(self.n, out);
        self.boilerplate.write(self.n, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{Origin, Turn};

    fn run(responses: &[&str]) -> Outputs {
        let mut m = make(&AnalysisConfig::default());
        for (k, resp) in responses.iter().enumerate() {
            let mut r = Record::new(
                format!("r{k}"),
                Origin {
                    file: "f".into(),
                    line: None,
                    index: k as u64,
                },
            );
            r.turns = vec![
                Turn::new(Role::User, "q"),
                Turn::new(Role::Assistant, *resp),
            ];
            m.observe(&r);
        }
        let mut out = Outputs::default();
        m.finish(&mut out);
        out
    }

    #[test]
    fn english_and_chinese_phrases() {
        let out = run(&[
            "I’m sorry, but I can’t help with that.",
            "As an AI language model, I don't have personal opinions.",
            "很抱歉，我无法回答这个问题。",
            "作为一个人工智能，我没有情感。",
            "Sure! Here is the poem.",
            "I'm sorry to hear that you lost your keys; here are some tips.",
        ]);
        assert_eq!(out.get("hygiene.refusal.count"), Some(2.0));
        assert_eq!(out.get("hygiene.boilerplate.count"), Some(2.0));
        assert_eq!(out.get("hygiene.refusal.rate"), Some(2.0 / 6.0));
    }
}
