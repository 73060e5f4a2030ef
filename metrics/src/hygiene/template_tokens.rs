//! Chat-template and tokenizer control tokens that leaked into the text.
//!
//! A `<|endoftext|>` or `### Response:` inside a turn means the data was exported with
//! its template baked in; training on it teaches the model to emit control tokens (the
//! T0/P3 shards in ../shared/data end every completion with `<|endoftext|>`).

use super::{all_texts, context, Check};
use crate::record::Record;
use crate::registry::{
    merged, AnalysisConfig, Direction, Metric, MetricDoc, MetricSpec, Provenance,
};
use crate::result::{Distribution, Outputs};
use crate::stats::rate;
use regex::Regex;
use std::sync::OnceLock;

pub const SPEC: MetricSpec = MetricSpec {
    module: module_path!(),
    family: "hygiene.template_tokens",
    docs,
    make,
};

/// (literal, id slug). Matched case-sensitively, as tokenizers do.
pub const TOKENS: &[(&str, &str)] = &[
    ("<|endoftext|>", "endoftext"),
    ("<|im_start|>", "im_start"),
    ("<|im_end|>", "im_end"),
    ("<|eot_id|>", "eot_id"),
    ("<|start_header_id|>", "start_header_id"),
    ("<|end_header_id|>", "end_header_id"),
    ("<|begin_of_text|>", "begin_of_text"),
    ("<|end_of_text|>", "end_of_text"),
    ("<|system|>", "system_tag"),
    ("<|user|>", "user_tag"),
    ("<|assistant|>", "assistant_tag"),
    ("<|prompter|>", "prompter_tag"),
    ("<|end|>", "end_tag"),
    ("<|endofprompt|>", "endofprompt"),
    ("<|pad|>", "pad_tag"),
    ("<|fim_prefix|>", "fim"),
    ("<|fim_middle|>", "fim"),
    ("<|fim_suffix|>", "fim"),
    ("<start_of_turn>", "start_of_turn"),
    ("<end_of_turn>", "end_of_turn"),
    ("</s>", "eos_s"),
    ("<eos>", "eos"),
    ("<bos>", "bos"),
    ("<unk>", "unk"),
    ("<pad>", "pad"),
    ("[INST]", "inst"),
    ("[/INST]", "inst"),
    ("<<SYS>>", "sys"),
    ("<</SYS>>", "sys"),
    ("### Instruction:", "alpaca_instruction"),
    ("### Input:", "alpaca_input"),
    ("### Response:", "alpaca_response"),
    ("### Human:", "human_header"),
    ("### Assistant:", "assistant_header"),
    ("\n\nHuman:", "hh_human"),
    ("\n\nAssistant:", "hh_assistant"),
];

fn slugs() -> Vec<&'static str> {
    let mut s: Vec<&'static str> = Vec::new();
    for (_, slug) in TOKENS {
        if !s.contains(slug) {
            s.push(slug);
        }
    }
    s
}

fn docs() -> Vec<MetricDoc> {
    let d = |id, definition| MetricDoc {
        id,
        definition,
        direction: Direction::LowerIsBetter,
        provenance: Provenance::Basic,
    };
    vec![
        d("hygiene.template_tokens.count", "Samples in which any text (system, turns, both preference sides) contains a chat-template or tokenizer control token: <|endoftext|>, <|im_start|>, <|im_end|>, <|eot_id|>, Llama-3 header tokens, <|system|>/<|user|>/<|assistant|>, <start_of_turn>, </s>, <eos>, <unk>, <pad>, [INST], <<SYS>>, Alpaca headers (### Instruction:, ### Input:, ### Response:), ### Human:/### Assistant:, or an hh-rlhf transcript marker (\\n\\nHuman:, \\n\\nAssistant:) inside a turn. Case-sensitive."),
        d("hygiene.template_tokens.rate", "hygiene.template_tokens.count / records.analyzed."),
        d("hygiene.template_tokens.<token>.count", "Samples containing this token (token: endoftext, im_start, im_end, eot_id, inst, sys, alpaca_response, hh_human, …)."),
    ]
}

fn regex() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| {
        let alts: Vec<String> = TOKENS.iter().map(|(t, _)| regex::escape(t)).collect();
        Regex::new(&alts.join("|")).expect("token list compiles")
    })
}

fn make(c: &AnalysisConfig) -> Box<dyn Metric> {
    let slugs = slugs();
    Box::new(TemplateTokens {
        n: 0,
        per_token: vec![0; slugs.len()],
        slugs,
        any: Check::new(
            "hygiene.template_tokens.count",
            "hygiene.template_tokens.rate",
            "Leaked chat-template tokens",
            c,
        ),
    })
}

struct TemplateTokens {
    n: u64,
    slugs: Vec<&'static str>,
    per_token: Vec<u64>,
    any: Check,
}

impl Metric for TemplateTokens {
    fn observe(&mut self, r: &Record) {
        self.n += 1;
        let re = regex();
        let mut seen = vec![false; self.slugs.len()];
        let mut first: Option<(String, String)> = None;
        for text in all_texts(r) {
            if !text.contains(['<', '[', '#', '\n']) {
                continue;
            }
            for m in re.find_iter(text) {
                let slug = TOKENS
                    .iter()
                    .find(|(t, _)| *t == m.as_str())
                    .map_or("", |(_, s)| *s);
                if let Some(k) = self.slugs.iter().position(|s| *s == slug) {
                    seen[k] = true;
                }
                if first.is_none() {
                    first = Some((
                        m.as_str().escape_debug().to_string(),
                        context(text, m.start(), m.end(), 40),
                    ));
                }
            }
        }
        if let Some((token, ctx)) = first {
            for (k, s) in seen.iter().enumerate() {
                self.per_token[k] += u64::from(*s);
            }
            let shown = r.response().or(r.instruction()).unwrap_or("");
            self.any.hit(r, shown, || format!("{token} in: {ctx}"));
        }
    }

    fn merge(&mut self, other: Box<dyn Metric>) {
        let o = merged::<TemplateTokens>(other);
        self.n += o.n;
        self.any.merge(o.any);
        for (a, b) in self.per_token.iter_mut().zip(o.per_token) {
            *a += b;
        }
    }

    /// The counts; the slugs are the fixed token list.
    fn save(&self) -> Result<Vec<u8>, String> {
        crate::state::encode(&(self.n, &self.per_token, &self.any))
    }

    fn load(&mut self, saved: &[u8]) -> Result<(), String> {
        let (n, per_token, any): (u64, Vec<u64>, Check) = crate::state::decode(saved)?;
        if per_token.len() != self.slugs.len() {
            return Err(format!(
                "{} token counts saved, {} tokens known",
                per_token.len(),
                self.slugs.len()
            ));
        }
        (self.n, self.per_token, self.any) = (n, per_token, any);
        Ok(())
    }

    fn finish(self: Box<Self>, out: &mut Outputs) {
        let n = self.n;
        let found = self.any.count();
        self.any.write(n, out);
        if n == 0 || found == 0 {
            return;
        }
        let mut bars: Vec<(&str, u64)> = Vec::new();
        for (slug, c) in self.slugs.iter().zip(&self.per_token) {
            if *c > 0 {
                out.set(format!("hygiene.template_tokens.{slug}.count"), *c as f64);
                bars.push((slug, *c));
            }
        }
        bars.sort_by_key(|(s, c)| (std::cmp::Reverse(*c), *s));
        out.distributions.push(Distribution::Categorical {
            id: "hygiene.template_tokens".into(),
            title: format!(
                "Samples with leaked template tokens, by token ({:.1}% of samples)",
                rate(found, n) * 100.0
            ),
            x_label: "token".into(),
            labels: bars.iter().map(|(s, _)| s.to_string()).collect(),
            counts: bars.iter().map(|(_, c)| *c).collect(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{Origin, Preference, Role, Turn};

    #[test]
    fn counts_records_not_occurrences() {
        let mut m = make(&AnalysisConfig::default());
        let cases: [(&str, &str); 5] = [
            ("Q", "answer<|endoftext|>"),
            (
                "<|im_start|>user hi<|im_end|>",
                "x<|endoftext|><|endoftext|>",
            ),
            ("[INST] hi [/INST]", "ok"),
            ("### Response: is a heading I mention", "plain"),
            ("clean", "clean <s>strikethrough</s>? no: only </s> counts"),
        ];
        for (k, (i, o)) in cases.iter().enumerate() {
            let mut r = Record::new(
                format!("r{k}"),
                Origin {
                    file: "f".into(),
                    line: None,
                    index: k as u64,
                    within: None,
                },
            );
            r.turns = vec![Turn::new(Role::User, *i), Turn::new(Role::Assistant, *o)];
            m.observe(&r);
        }
        let mut r = Record::new(
            "p",
            Origin {
                file: "f".into(),
                line: None,
                index: 9,
                within: None,
            },
        );
        r.turns = vec![Turn::new(Role::User, "q")];
        r.preference = Some(Preference {
            chosen: vec![Turn::new(Role::Assistant, "fine")],
            rejected: vec![Turn::new(Role::Assistant, "bad\n\nHuman: more")],
        });
        m.observe(&r);
        let mut out = Outputs::default();
        m.finish(&mut out);
        assert_eq!(out.get("hygiene.template_tokens.count"), Some(6.0));
        assert_eq!(
            out.get("hygiene.template_tokens.endoftext.count"),
            Some(2.0)
        );
        assert_eq!(out.get("hygiene.template_tokens.inst.count"), Some(1.0));
        assert_eq!(out.get("hygiene.template_tokens.eos_s.count"), Some(1.0));
        assert_eq!(out.get("hygiene.template_tokens.hh_human.count"), Some(1.0));
        assert!(out.get("hygiene.template_tokens.eot_id.count").is_none());
    }

    #[test]
    fn merges_like_one_pass() {
        use crate::test_records::{assert_merges, record};
        use Role::*;
        let records: Vec<_> = (0..30u64)
            .map(|i| {
                let (_, slug) = TOKENS[i as usize % TOKENS.len()];
                let token = TOKENS[(i as usize * 7) % TOKENS.len()].0;
                let resp = match i % 3 {
                    0 => format!("answer {i}{token}"),
                    1 => format!("answer {i} about {slug}"),
                    _ => format!("[INST] {i} [/INST] ok<|endoftext|>"),
                };
                record(i, &[(User, "q"), (Assistant, &resp)])
            })
            .collect();
        assert_merges(|| make(&AnalysisConfig::default()), &records);
    }
}
