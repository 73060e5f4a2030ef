//! Which languages the responses are in: whatlang's trigram identification on a seeded
//! sample of responses. The one place ftqa's response-language identification lives.

use crate::record::Record;
use crate::registry::{
    merged, AnalysisConfig, Direction, Metric, MetricDoc, MetricSpec, Provenance,
};
use crate::result::{Outputs, NO_RESPONSES};
use crate::sample::{record_key, BottomK};
use crate::stats::rate;
use crate::text::truncate_chars;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const SPEC: MetricSpec = MetricSpec {
    module: module_path!(),
    family: "language",
    docs,
    make,
};

/// Language identification is the slowest per-record step, so it runs on a uniform,
/// deterministic sample of this many samples.
pub const LANGUAGE_SAMPLE: usize = 10_000;
/// Characters of the response given to the language identifier.
const LANGUAGE_CHARS: usize = 200;
/// Seeds the sample's record keys: fixed, so the language sample does not move with
/// `--sample-seed` (it is not the equal-size sample), and keyed by record position so any
/// split of the input samples the same responses.
const LANGUAGE_SEED: u64 = 0x1A96_0A6E;

fn docs() -> Vec<MetricDoc> {
    let d = |id, definition| MetricDoc {
        id,
        definition,
        direction: Direction::Neutral,
        provenance: Provenance::Basic,
    };
    vec![
        d("language.<lang>.share", "Share of language-identified samples whose response is in this language (ISO 639-3 code, by whatlang's trigram model on the first 200 characters). Runs on a uniform deterministic sample of up to 10,000 samples (standard error of a share at most 0.5 percentage points); identifications whatlang marks unreliable count as undetermined. Only records with a response are sampled; when no record has one, the pattern language.<lang>.share itself is listed as not measured (\"the data has no responses\")."),
        d("language.undetermined_rate", "Share of the language sample whose response language could not be reliably identified (too short, no letters, or ambiguous). Not measured when no record has a response."),
    ]
}

/// The language of a text as an ISO 639-3 code, when whatlang identifies it reliably.
pub fn identify(text: &str) -> Option<&'static str> {
    whatlang::detect(text)
        .filter(|info| info.is_reliable())
        .map(|info| info.lang().code())
}

fn make(_: &AnalysisConfig) -> Box<dyn Metric> {
    Box::new(Languages {
        with_response: 0,
        sample: BottomK::new(LANGUAGE_SAMPLE),
    })
}

#[derive(Serialize, Deserialize)]
struct Languages {
    with_response: u64,
    /// The first characters of the sampled responses.
    sample: BottomK<String>,
}

impl Metric for Languages {
    fn observe(&mut self, r: &Record) {
        let Some(resp) = r.response() else {
            return;
        };
        self.with_response += 1;
        let key = record_key(r, LANGUAGE_SEED);
        if self.sample.accepts(key) {
            self.sample.offer(key, truncate_chars(resp, LANGUAGE_CHARS));
        }
    }

    fn merge(&mut self, other: Box<dyn Metric>) {
        let o: Languages = merged(other);
        self.with_response += o.with_response;
        self.sample.merge(o.sample);
    }

    crate::whole_state!();

    fn finish(self: Box<Self>, out: &mut Outputs) {
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
        let sample = self.sample.into_sorted();
        // Identification is per text and independent, so it runs on the pool; the
        // indexed collect keeps the sample order, and only integer counts follow.
        let found: Vec<Option<&'static str>> = sample.par_iter().map(|t| identify(t)).collect();
        let mut langs: BTreeMap<&'static str, u64> = BTreeMap::new();
        for lang in found.iter().flatten() {
            *langs.entry(lang).or_insert(0) += 1;
        }
        let total = sample.len() as u64;
        let identified: u64 = langs.values().sum();
        let undetermined = total - identified;
        // Shares are of the identified responses, as documented: on data with one-word
        // answers (T0) most are undetermined, and a share of all would read as "18% English".
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
    use crate::record::Role;
    use crate::test_records::{assert_merges, outputs, record};

    const ENGLISH: &str = "The quick brown fox jumps over the lazy dog while the farmer watches from the old wooden fence near the river.";

    fn rec(i: u64, response: &str) -> Record {
        record(
            i,
            &[
                (Role::User, "Please answer the question below."),
                (Role::Assistant, response),
            ],
        )
    }

    fn prompt(i: u64) -> Record {
        record(i, &[(Role::User, "Write a poem about the sea.")])
    }

    #[test]
    fn shares_are_of_identified_responses() {
        let rs: Vec<Record> = (0..5)
            .map(|i| rec(i, if i < 3 { ENGLISH } else { "42" }))
            .collect();
        let out = outputs(make(&AnalysisConfig::default()), &rs);
        assert_eq!(out.get("language.eng.share"), Some(1.0));
        assert_eq!(out.get("language.undetermined_rate"), Some(0.4));
    }

    #[test]
    fn only_records_with_a_response_are_sampled() {
        let out = outputs(
            make(&AnalysisConfig::default()),
            &[rec(0, ENGLISH), prompt(1), prompt(2)],
        );
        // The prompt-only records are not undetermined responses.
        assert_eq!(out.get("language.undetermined_rate"), Some(0.0));
        assert_eq!(out.get("language.eng.share"), Some(1.0));
        assert!(out.not_measured.is_empty());
    }

    #[test]
    fn prompt_only_data_has_no_response_language() {
        let out = outputs(make(&AnalysisConfig::default()), &[prompt(0), prompt(1)]);
        for id in ["language.undetermined_rate", "language.<lang>.share"] {
            assert!(out.get(id).is_none(), "{id}");
            assert_eq!(out.not_measured[id], NO_RESPONSES);
        }
        assert!(out.metrics.is_empty());
    }

    #[test]
    fn merges_like_one_pass() {
        let answers = [
            ENGLISH,
            "Der schnelle braune Fuchs springt über den faulen Hund, während der Bauer vom alten Zaun am Fluss aus zusieht.",
            "敏捷的棕色狐狸跳过了懒狗，农夫在河边的旧木栅栏旁看着。",
            "42",
        ];
        let rs: Vec<Record> = (0..30u64)
            .map(|i| match i % 5 {
                4 => prompt(i),
                k => rec(i, answers[k as usize]),
            })
            .collect();
        assert_merges(|| make(&AnalysisConfig::default()), &rs);
    }

    #[test]
    fn the_sample_is_the_same_under_any_split() {
        // More responses than the sample holds, so the bottom-k choice matters.
        let rs: Vec<Record> = (0..LANGUAGE_SAMPLE as u64 + 500)
            .map(|i| rec(i, if i % 7 == 0 { ENGLISH } else { "42" }))
            .collect();
        assert_merges(|| make(&AnalysisConfig::default()), &rs);
    }
}
