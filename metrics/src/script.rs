//! Which writing systems and languages the data is in, and how often a sample mixes them.

use crate::examples::ExampleSink;
use crate::record::Record;
use crate::registry::{AnalysisConfig, Direction, Metric, MetricDoc, MetricSpec, Provenance};
use crate::result::{Distribution, Outputs, NO_RESPONSES};
use crate::sample::{mix64, BottomK};
use crate::stats::rate;
use crate::text::{truncate_chars, ScriptCounts, SCRIPTS};
use std::collections::BTreeMap;

pub const SPEC: MetricSpec = MetricSpec {
    module: module_path!(),
    family: "script",
    docs,
    make,
};

/// Language identification is the slowest per-record step, so it runs on a uniform,
/// deterministic sample of this many samples; scripts are counted on every record.
pub const LANGUAGE_SAMPLE: usize = 10_000;
/// Characters of the response given to the language identifier.
const LANGUAGE_CHARS: usize = 200;

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
        d("language.<lang>.share", "Share of language-identified samples whose response is in this language (ISO 639-3 code, by whatlang's trigram model on the first 200 characters). Runs on a uniform deterministic sample of up to 10,000 samples (standard error of a share at most 0.5 percentage points); identifications whatlang marks unreliable count as undetermined. Only records with a response are sampled; when no record has one, the pattern language.<lang>.share itself is listed as not measured (\"the data has no responses\").", Neutral),
        d("language.undetermined_rate", "Share of the language sample whose response language could not be reliably identified (too short, no letters, or ambiguous). Not measured when no record has a response.", Neutral),
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
        lang_sample: BottomK::new(LANGUAGE_SAMPLE),
    })
}

struct ScriptMix {
    n: u64,
    with_response: u64,
    dominant: BTreeMap<&'static str, u64>,
    both: u64,
    mixed: u64,
    mixed_examples: ExampleSink,
    lang_sample: BottomK<String>,
}

impl Metric for ScriptMix {
    fn observe(&mut self, r: &Record) {
        self.n += 1;
        let inst = r.instruction().unwrap_or("");
        let resp = r.response().unwrap_or("");
        let (ci, cr) = (ScriptCounts::of(inst), ScriptCounts::of(resp));
        let whole = ci.add(&cr).dominant().unwrap_or("none");
        *self.dominant.entry(whole).or_insert(0) += 1;
        if let (Some(a), Some(b)) = (ci.dominant(), cr.dominant()) {
            self.both += 1;
            if a != b {
                self.mixed += 1;
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
        if r.response().is_none() {
            return;
        }
        self.with_response += 1;
        let key = mix64(self.n);
        if self.lang_sample.accepts(key) {
            self.lang_sample
                .offer(key, truncate_chars(resp, LANGUAGE_CHARS));
        }
    }

    fn finish(self: Box<Self>, out: &mut Outputs) {
        for (script, count) in &self.dominant {
            out.set(format!("script.{script}.share"), rate(*count, self.n));
        }
        if self.with_response == 0 {
            out.not_measured("script.mixed_rate", NO_RESPONSES);
        } else {
            out.set("script.mixed_rate", rate(self.mixed, self.both));
        }
        let mut ordered: Vec<(&&str, &u64)> = self.dominant.iter().collect();
        ordered.sort_by_key(|(name, c)| {
            (
                std::cmp::Reverse(**c),
                SCRIPTS.iter().position(|s| *s == **name),
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
        if self.with_response == 0 {
            out.not_measured_all(
                ["language.<lang>.share", "language.undetermined_rate"],
                NO_RESPONSES,
            );
            out.methods.insert(
                "language".into(),
                format!("Response language was not identified: {NO_RESPONSES}."),
            );
            return;
        }

        let sample = self.lang_sample.into_sorted();
        let mut langs: BTreeMap<&'static str, u64> = BTreeMap::new();
        let mut undetermined = 0u64;
        for text in &sample {
            match whatlang::detect(text) {
                Some(info) if info.is_reliable() => {
                    *langs.entry(info.lang().code()).or_insert(0) += 1
                }
                _ => undetermined += 1,
            }
        }
        let total = sample.len() as u64;
        // Shares are of the identified responses, as documented: on data with one-word
        // answers (T0) most are undetermined, and a share of all would read as "18% English".
        let identified = total - undetermined;
        for (lang, c) in &langs {
            out.set(format!("language.{lang}.share"), rate(*c, identified));
        }
        out.set("language.undetermined_rate", rate(undetermined, total));
        out.methods.insert(
            "language".into(),
            format!(
                "Response language identified by whatlang (trigram model) on the first {LANGUAGE_CHARS} characters of a uniform deterministic sample of {total} of the {} samples with a response; {identified} were identified reliably, and language.<lang>.share is a share of those.",
                self.with_response
            ),
        );
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
            },
        );
        r.turns = vec![
            Turn::new(Role::User, "Please answer the question below."),
            Turn::new(Role::Assistant, response),
        ];
        r
    }

    #[test]
    fn language_shares_are_of_identified_responses() {
        let mut m = make(&AnalysisConfig::default());
        let english = "The quick brown fox jumps over the lazy dog while the farmer watches from the old wooden fence near the river.";
        for i in 0..3 {
            m.observe(&rec(i, english));
        }
        for i in 3..5 {
            m.observe(&rec(i, "42"));
        }
        let mut out = Outputs::default();
        m.finish(&mut out);
        assert_eq!(out.metrics.get("language.eng.share"), Some(&1.0));
        assert_eq!(out.metrics.get("language.undetermined_rate"), Some(&0.4));
    }

    fn prompt(i: u64, turns: &[&str]) -> Record {
        let mut r = rec(i, "");
        r.turns = turns.iter().map(|t| Turn::new(Role::User, *t)).collect();
        r
    }

    #[test]
    fn prompt_only_data_has_scripts_but_no_response_language() {
        let mut m = make(&AnalysisConfig::default());
        m.observe(&prompt(0, &["Write a poem about the sea."]));
        m.observe(&prompt(1, &["写一首关于大海的诗。", "再短一点。"]));
        let mut out = Outputs::default();
        m.finish(&mut out);
        assert_eq!(out.get("script.latin.share"), Some(0.5));
        assert_eq!(out.get("script.han.share"), Some(0.5));
        for id in [
            "script.mixed_rate",
            "language.undetermined_rate",
            "language.<lang>.share",
        ] {
            assert!(out.get(id).is_none(), "{id}");
            assert_eq!(out.not_measured[id], NO_RESPONSES);
        }
        assert!(!out.metrics.keys().any(|k| k.starts_with("language.")));
    }

    #[test]
    fn language_is_sampled_from_records_with_a_response() {
        let english = "The quick brown fox jumps over the lazy dog while the farmer watches from the old wooden fence near the river.";
        let mut m = make(&AnalysisConfig::default());
        m.observe(&rec(0, english));
        m.observe(&prompt(1, &["Write a poem about the sea."]));
        m.observe(&prompt(2, &["Write a poem about the moon."]));
        let mut out = Outputs::default();
        m.finish(&mut out);
        // The prompt-only records are not undetermined responses.
        assert_eq!(out.get("language.undetermined_rate"), Some(0.0));
        assert_eq!(out.get("language.eng.share"), Some(1.0));
        assert_eq!(out.get("script.mixed_rate"), Some(0.0));
        assert!(out.not_measured.is_empty());
    }
}
