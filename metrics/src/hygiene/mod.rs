//! Per-sample hygiene: the defects careful users look for by hand before training.
//!
//! Each check is its own metric family in its own file, named as its ids are
//! (`hygiene.truncated.*` in `hygiene/truncated.rs`), so `--only hygiene.truncated` runs
//! exactly that check. Per check it reports `hygiene.<check>.count` (samples with the
//! defect), `hygiene.<check>.rate` and example records:
//!
//! - of the response: [`truncated`], [`echo`], [`repetition_loop`];
//! - of assistant turns, by phrase lists ([`phrase_match`]): [`refusal`], [`boilerplate`];
//! - of the encoding of any text: [`mojibake`], [`replacement_char`], [`invalid_utf8`];
//! - of any text: [`pii`] (with a count per kind), [`template_tokens`] (per token);
//! - of instruction and response together: [`language_mixed`];
//! - of preference pairs: [`preference`] (empty sides, diverging prompts).
//!
//! Checks that already exist elsewhere are referenced rather than repeated:
//! empty responses are `empty.response.*`, `<image>` tokens that do not match the image
//! count are `images.token_mismatch_rate`, instruction and response in different
//! scripts is `script.mixed_rate`, chosen identical to rejected is
//! `preference.identical_rate`, and length bias is `preference.chosen_longer_rate`.
//!
//! Checks of responses (truncation, echo, loops, refusals, boilerplate, language mixing)
//! are not measured, with [`crate::result::NO_RESPONSES`], when no record has a response
//! (prompt-only data); checks of any text (encoding, PII, template tokens) still run.

pub mod boilerplate;
pub mod echo;
pub mod image_corrupt;
pub mod image_missing;
pub mod invalid_utf8;
pub mod language_mixed;
pub mod mojibake;
pub mod phrase_match;
pub mod pii;
pub mod preference;
pub mod refusal;
pub mod repetition_loop;
pub mod replacement_char;
pub mod template_tokens;
pub mod truncated;

use crate::examples::ExampleSink;
use crate::record::Record;
use crate::registry::AnalysisConfig;
use crate::result::Outputs;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// One named check: a count of affected samples and a few of them as evidence.
/// Serialisable for partial result files; the ids are `Cow` so a loaded check owns them.
#[derive(Serialize, Deserialize)]
pub(crate) struct Check {
    count_id: Cow<'static, str>,
    rate_id: Cow<'static, str>,
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
            count_id: Cow::Borrowed(count_id),
            rate_id: Cow::Borrowed(rate_id),
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

    /// Folds in the same check over other records: counts add, and the examples kept are
    /// the first by record position of both, as one pass would keep.
    pub(crate) fn merge(&mut self, other: Check) {
        self.count += other.count;
        self.examples.merge(other.examples);
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

/// A check with the denominator of its rate and, for a check of responses, a count of the
/// records with a response at all, so that prompt-only data reports the check as not
/// measured rather than as a rate over nothing. Every part is a sum, so it merges exactly.
#[derive(Serialize, Deserialize)]
pub(crate) struct Rated {
    pub(crate) check: Check,
    /// Samples the check applies to: the denominator of the rate.
    n: u64,
    /// Records with a response, empty or not; `None` for checks of any text.
    responses: Option<u64>,
}

impl Rated {
    /// A check of any text: always measured.
    pub(crate) fn of_texts(check: Check) -> Self {
        Rated {
            check,
            n: 0,
            responses: None,
        }
    }

    /// A check of responses: not measured when no record has one.
    pub(crate) fn of_responses(check: Check) -> Self {
        Rated {
            check,
            n: 0,
            responses: Some(0),
        }
    }

    /// Notes whether a record has a response (for checks of responses).
    pub(crate) fn saw_response(&mut self, yes: bool) {
        if let Some(n) = &mut self.responses {
            *n += u64::from(yes);
        }
    }

    /// Counts a sample the check applies to.
    pub(crate) fn applies(&mut self) {
        self.n += 1;
    }

    pub(crate) fn merge(&mut self, other: Rated) {
        self.check.merge(other.check);
        self.n += other.n;
        if let (Some(a), Some(b)) = (&mut self.responses, other.responses) {
            *a += b;
        }
    }

    pub(crate) fn finish(self, out: &mut Outputs) {
        if self.responses == Some(0) {
            self.check.not_measured(crate::result::NO_RESPONSES, out);
        } else {
            self.check.write(self.n, out);
        }
    }
}

/// The final response of a record when it is not blank: what checks of the response read.
/// (Blank responses are `empty.response.*`.)
pub(crate) fn nonblank_response(r: &Record) -> Option<&str> {
    r.response().filter(|s| !s.trim().is_empty())
}

/// A check of the image files a sample references (`--image-root`), fed by the image
/// stage ([`crate::images::files`]): `select` names what is wrong with one file, if
/// anything; the rate is over samples with at least one file looked up.
pub(crate) struct ImageFileCheck {
    /// Samples with at least one image reference that was looked up.
    samples: u64,
    check: Check,
    note: &'static str,
    select: fn(&crate::images::files::ImageFact) -> Option<String>,
}

impl ImageFileCheck {
    pub(crate) fn new(
        check: Check,
        note: &'static str,
        select: fn(&crate::images::files::ImageFact) -> Option<String>,
    ) -> Self {
        ImageFileCheck {
            samples: 0,
            check,
            note,
            select,
        }
    }
}

impl crate::images::files::ImageMetric for ImageFileCheck {
    fn merge_box(&mut self, other: Box<dyn crate::images::files::ImageMetric>) {
        self.merge(crate::images::files::merged_image::<Self>(other));
    }
    fn observe(&mut self, r: &Record, facts: &[crate::images::files::ImageFact]) {
        if !crate::images::files::any_checked(facts) {
            return;
        }
        self.samples += 1;
        let found: Vec<String> = facts.iter().filter_map(self.select).collect();
        if !found.is_empty() {
            let note = self.note;
            self.check.hit(r, r.instruction().unwrap_or(""), || {
                format!("{note}: {}", found.join(", "))
            });
        }
    }

    fn merge(&mut self, other: Self) {
        self.samples += other.samples;
        self.check.merge(other.check);
    }

    /// The counts and the check; the note and the selector are settings of the family.
    fn save(&self) -> Result<Vec<u8>, String> {
        crate::state::encode(&(self.samples, &self.check))
    }

    fn load(&mut self, saved: &[u8]) -> Result<(), String> {
        (self.samples, self.check) = crate::state::decode(saved)?;
        Ok(())
    }

    fn finish(self: Box<Self>, out: &mut Outputs) {
        self.check.write(self.samples, out);
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
                super::truncated::SPEC,
                super::echo::SPEC,
                super::repetition_loop::SPEC,
                super::refusal::SPEC,
                super::boilerplate::SPEC,
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
            &[
                super::truncated::SPEC,
                super::echo::SPEC,
                super::repetition_loop::SPEC,
                super::refusal::SPEC,
                super::boilerplate::SPEC,
            ],
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
