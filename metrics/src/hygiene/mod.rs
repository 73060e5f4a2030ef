//! Per-sample hygiene: the defects careful users look for by hand before training.
//!
//! Each check family is its own metric (one file each) and reports, per check,
//! `hygiene.<check>.count` (samples with the defect), `hygiene.<check>.rate` and example
//! records. Checks that already exist elsewhere are referenced rather than repeated:
//! empty responses are `empty.response.*`, `<image>` tokens that do not match the image
//! count are `images.token_mismatch_rate`, instruction and response in different
//! scripts is `script.mixed_rate`, chosen identical to rejected is
//! `preference.identical_rate`, and length bias is `preference.chosen_longer_rate`.

pub mod encoding;
pub mod image_files;
pub mod language;
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
        if self.examples.wants_more() {
            self.examples.push(r, text, Some(note()));
        }
    }

    pub(crate) fn count(&self) -> u64 {
        self.count
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
