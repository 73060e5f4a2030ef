//! Which writing systems the data is in, and how often a sample mixes them. The
//! response language is [`crate::language`].

use crate::examples::ExampleSink;
use crate::record::Record;
use crate::registry::{
    merged, AnalysisConfig, Direction, Metric, MetricDoc, MetricSpec, Provenance,
};
use crate::result::{Distribution, Outputs, NO_RESPONSES};
use crate::stats::rate;
use crate::text::{truncate_chars, ScriptCounts, SCRIPTS};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::BTreeMap;

pub const SPEC: MetricSpec = MetricSpec {
    module: module_path!(),
    family: "script",
    docs,
    make,
};

fn docs() -> Vec<MetricDoc> {
    use Direction::*;
    let d = |id, definition, direction| MetricDoc {
        id,
        definition,
        direction,
        provenance: Provenance::Basic,
    };
    vec![
        d("script.<script>.share", "Share of samples whose dominant script (most letters across instruction and response; the instruction alone for records without a response) is this one: latin, han, kana (Japanese: any sample whose letters are at least 10% kana), hangul, cyrillic, arabic, devanagari, greek, hebrew, thai, ... Digits, punctuation and emoji count for no script.", Neutral),
        d("script.mixed_rate", "Share of samples, among those where both have letters, whose instruction and response have different dominant scripts (for example a Chinese question answered in English). Not measured when no record has a response (\"the data has no responses\").", LowerIsBetter),
    ]
}

fn make(c: &AnalysisConfig) -> Box<dyn Metric> {
    Box::new(ScriptMix {
        n: 0,
        with_response: 0,
        dominant: BTreeMap::new(),
        both: 0,
        mixed: 0,
        mixed_examples: ExampleSink::new(
            "script.mixed_rate",
            "Instruction and response in different scripts",
            c.max_examples,
            c.example_chars,
        ),
    })
}

#[derive(Serialize, Deserialize)]
struct ScriptMix {
    n: u64,
    with_response: u64,
    /// Samples per dominant script name (`Cow` so a loaded state owns its names).
    dominant: BTreeMap<Cow<'static, str>, u64>,
    both: u64,
    mixed: u64,
    mixed_examples: ExampleSink,
}

impl Metric for ScriptMix {
    fn observe(&mut self, r: &Record) {
        self.n += 1;
        let inst = r.instruction().unwrap_or("");
        let resp = r.response().unwrap_or("");
        let (ci, cr) = (ScriptCounts::of(inst), ScriptCounts::of(resp));
        let whole = ci.add(&cr).dominant().unwrap_or("none");
        *self.dominant.entry(Cow::Borrowed(whole)).or_insert(0) += 1;
        if let (Some(a), Some(b)) = (ci.dominant(), cr.dominant()) {
            self.both += 1;
            if a != b {
                self.mixed += 1;
            }
            if a != b && self.mixed_examples.wants(r) {
                let shown = format!(
                    "{}\n---\n{}",
                    truncate_chars(inst, 150),
                    truncate_chars(resp, 150)
                );
                self.mixed_examples.push(
                    r,
                    &shown,
                    Some(format!("instruction: {a}, response: {b}")),
                );
            }
        }
        self.with_response += u64::from(r.response().is_some());
    }

    fn merge(&mut self, other: Box<dyn Metric>) {
        let o: ScriptMix = merged(other);
        self.n += o.n;
        self.with_response += o.with_response;
        for (script, c) in o.dominant {
            *self.dominant.entry(script).or_insert(0) += c;
        }
        self.both += o.both;
        self.mixed += o.mixed;
        self.mixed_examples.merge(o.mixed_examples);
    }

    crate::whole_state!();

    fn finish(self: Box<Self>, out: &mut Outputs) {
        for (script, count) in &self.dominant {
            out.set(format!("script.{script}.share"), rate(*count, self.n));
        }
        if self.with_response == 0 {
            out.not_measured("script.mixed_rate", NO_RESPONSES);
        } else {
            out.set("script.mixed_rate", rate(self.mixed, self.both));
        }
        let mut ordered: Vec<(&str, &u64)> = self.dominant.iter().map(|(n, c)| (&**n, c)).collect();
        ordered.sort_by_key(|(name, c)| {
            (
                std::cmp::Reverse(**c),
                SCRIPTS.iter().position(|s| s == name),
            )
        });
        if !ordered.is_empty() {
            out.distributions.push(Distribution::Categorical {
                id: "script.dominant".into(),
                title: "Dominant script per sample".into(),
                x_label: "script".into(),
                labels: ordered.iter().map(|(n, _)| n.to_string()).collect(),
                counts: ordered.iter().map(|(_, c)| **c).collect(),
            });
        }
        out.examples.extend(self.mixed_examples.into_group());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{Origin, Role, Turn};

    fn rec(i: u64, response: &str) -> Record {
        let mut r = Record::new(
            format!("r{i}"),
            Origin {
                file: "t.jsonl".into(),
                line: Some(i + 1),
                index: i,
                within: None,
            },
        );
        r.turns = vec![
            Turn::new(Role::User, "Please answer the question below."),
            Turn::new(Role::Assistant, response),
        ];
        r
    }

    fn prompt(i: u64, turns: &[&str]) -> Record {
        let mut r = rec(i, "");
        r.turns = turns.iter().map(|t| Turn::new(Role::User, *t)).collect();
        r
    }

    #[test]
    fn prompt_only_data_has_scripts_but_no_mixed_rate() {
        let mut m = make(&AnalysisConfig::default());
        m.observe(&prompt(0, &["Write a poem about the sea."]));
        m.observe(&prompt(1, &["写一首关于大海的诗。", "再短一点。"]));
        let mut out = Outputs::default();
        m.finish(&mut out);
        assert_eq!(out.get("script.latin.share"), Some(0.5));
        assert_eq!(out.get("script.han.share"), Some(0.5));
        assert!(out.get("script.mixed_rate").is_none());
        assert_eq!(out.not_measured["script.mixed_rate"], NO_RESPONSES);
    }

    #[test]
    fn merges_like_one_pass() {
        let answers = [
            "The answer is a plain English sentence.",
            "答案是一个中文句子。",
            "Ответ на русском языке.",
            "42",
            "",
        ];
        let records: Vec<Record> = (0..30u64)
            .map(|i| match i % 6 {
                5 => prompt(i, &["只有问题。"]),
                k => rec(i, answers[k as usize]),
            })
            .collect();
        crate::test_records::assert_merges(|| make(&AnalysisConfig::default()), &records);
    }
}
