//! Per-sample hygiene: the defects careful users look for by hand before training.
//!
//! Each check family is its own metric (one file each) and reports, per check,
//! `hygiene.<check>.count` (samples with the defect), `hygiene.<check>.rate` and example
//! records. Checks that already exist elsewhere are referenced rather than repeated:
//! empty responses are `empty.response.*`, `<image>` tokens that do not match the image
//! count are `images.token_mismatch_rate`, instruction and response in different
//! scripts is `script.mixed_rate`, chosen identical to rejected is
//! `preference.identical_rate`, and length bias is `preference.chosen_longer_rate`.
//!
//! Checks of responses (truncation, echo, loops, refusals, boilerplate, language mixing)
//! are not measured, with [`crate::result::NO_RESPONSES`], when no record has a response
//! (prompt-only data); checks of any text (encoding, PII, template tokens) still run.

pub mod encoding;
pub mod language_mixed;
pub mod phrases;
pub mod pii;
pub mod preference;
pub mod responses;
pub mod template_tokens;

use crate::examples::ExampleSink;
use crate::record::Record;
use crate::registry::AnalysisConfig;
use crate::result::Outputs;

/// One named check: a count of affected samples and a few of them as evidence.
pub(crate) struct Check {
    count_id: &'static str,
    rate_id: &'static str,
    count: u64,
    examples: ExampleSink,
}

impl Check {
    pub(crate) fn new(
        count_id: &'static str,
        rate_id: &'static str,
        title: &'static str,
        c: &AnalysisConfig,
    ) -> Self {
        Check {
            count_id,
            rate_id,
            count: 0,
            examples: ExampleSink::new(count_id, title, c.max_examples, c.example_chars),
        }
    }

    pub(crate) fn hit(&mut self, r: &Record, text: &str, note: impl FnOnce() -> String) {
        self.count += 1;
        if self.examples.wants(r) {
            self.examples.push(r, text, Some(note()));
        }
    }

    pub(crate) fn count(&self) -> u64 {
        self.count
    }

    /// Marks the count and the rate not measured, and why.
    pub(crate) fn not_measured(self, why: &str, out: &mut Outputs) {
        out.not_measured_all([self.count_id, self.rate_id], why);
    }

    /// Writes the count and the rate over `n` samples (nothing when `n` is 0).
    pub(crate) fn write(self, n: u64, out: &mut Outputs) {
        if n == 0 {
            return;
        }
        out.set(self.count_id, self.count as f64);
        out.set_rate(self.rate_id, self.count, n);
        out.examples.extend(self.examples.into_group());
    }
}

/// Every text of a sample: system prompt, prompt turns, and both preference sides.
pub(crate) fn all_texts(r: &Record) -> impl Iterator<Item = &str> {
    let sides = r
        .preference
        .iter()
        .flat_map(|p| p.chosen.iter().chain(p.rejected.iter()));
    r.system
        .iter()
        .map(String::as_str)
        .chain(r.turns.iter().chain(sides).map(|t| t.text.as_str()))
}

/// A short window of `text` around byte range `start..end`, for example notes.
pub(crate) fn context(text: &str, start: usize, end: usize, chars: usize) -> String {
    let mut s = start;
    for _ in 0..chars {
        match text[..s].chars().next_back() {
            Some(c) => s -= c.len_utf8(),
            None => break,
        }
    }
    let mut e = end;
    for _ in 0..chars {
        match text[e..].chars().next() {
            Some(c) => e += c.len_utf8(),
            None => break,
        }
    }
    let prefix = if s > 0 { "…" } else { "" };
    let suffix = if e < text.len() { "…" } else { "" };
    format!("{prefix}{}{suffix}", &text[s..e])
}

#[cfg(test)]
mod tests {
    use crate::record::{Record, Role};
    use crate::registry::{AnalysisConfig, MetricSpec};
    use crate::result::{Outputs, NO_RESPONSES};

    use crate::test_records::record as rec;

    fn run(specs: &[MetricSpec], records: &[Record]) -> Outputs {
        let mut out = Outputs::default();
        for s in specs {
            let mut m = (s.make)(&AnalysisConfig::default());
            for r in records {
                m.observe(r);
            }
            m.finish(&mut out);
        }
        out
    }

    const RESPONSE_IDS: [&str; 14] = [
        "hygiene.truncated.count",
        "hygiene.truncated.rate",
        "hygiene.echo.count",
        "hygiene.echo.rate",
        "hygiene.repetition_loop.count",
        "hygiene.repetition_loop.rate",
        "hygiene.refusal.count",
        "hygiene.refusal.rate",
        "hygiene.boilerplate.count",
        "hygiene.boilerplate.rate",
        "hygiene.language_mixed.count",
        "hygiene.language_mixed.rate",
        "hygiene.language_mixed.same_script_rate",
        "hygiene.language_mixed.same_script_identified",
    ];

    #[test]
    fn prompt_only_data_checks_texts_but_not_responses() {
        use Role::*;
        let out = run(
            &[
                super::responses::SPEC,
                super::phrases::SPEC,
                super::language_mixed::SPEC,
                super::pii::SPEC,
            ],
            &[
                // A prompt that quotes a refusal and repeats itself is not a bad response.
                rec(0, &[(User, "Rewrite: I'm sorry, but I can't help with that, and")]),
                rec(1, &[(User, "Mail me at jane.doe@gmail.com"), (User, "again again again again again again again again again again again again")]),
            ],
        );
        for id in RESPONSE_IDS {
            assert!(out.get(id).is_none(), "{id}");
            assert_eq!(
                out.not_measured.get(id).map(String::as_str),
                Some(NO_RESPONSES),
                "{id}"
            );
        }
        assert_eq!(out.get("hygiene.pii.email.count"), Some(1.0));
        assert_eq!(out.get("hygiene.pii.rate"), Some(0.5));
    }

    #[test]
    fn response_checks_count_only_records_with_a_response() {
        use Role::*;
        let out = run(
            &[super::responses::SPEC, super::phrases::SPEC],
            &[
                rec(
                    0,
                    &[
                        (User, "Say hi"),
                        (Assistant, "I'm sorry, but I can't do that."),
                    ],
                ),
                rec(
                    1,
                    &[(User, "List three colours"), (Assistant, "Red, green and")],
                ),
                rec(2, &[(User, "Write a poem.")]),
                rec(3, &[(User, "Write a song."), (User, "Make it short.")]),
            ],
        );
        assert_eq!(out.get("hygiene.refusal.count"), Some(1.0));
        assert_eq!(out.get("hygiene.refusal.rate"), Some(0.5));
        assert_eq!(out.get("hygiene.truncated.count"), Some(1.0));
        assert_eq!(out.get("hygiene.truncated.rate"), Some(0.5));
        assert!(out.not_measured.is_empty());
    }
}
