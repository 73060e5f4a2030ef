//! Matching a list of phrases in assistant turns: what the refusal and boilerplate checks
//! share (not a metric family itself).
//!
//! Distilled data often carries the teacher model's refusals ("I'm sorry, but I can't")
//! and self-descriptions ("As an AI language model"); fine-tuning on them teaches the
//! student to refuse and to talk about itself. Each list is matched in one pass per text
//! (the regex engine compiles the alternation to a multi-literal searcher).

use super::{context, Check, Rated};
use crate::record::{Record, Role};
use crate::registry::{merged, Metric};
use crate::result::Outputs;
use regex::Regex;

/// One case-insensitive alternation of the phrases, apostrophes and commas either way
/// (ASCII or full-width).
pub fn phrase_regex(phrases: &[&str]) -> Regex {
    let alts: Vec<String> = phrases
        .iter()
        .map(|p| regex::escape(p).replace('\'', "['’]").replace(',', "[,，]"))
        .collect();
    Regex::new(&format!("(?i){}", alts.join("|"))).expect("phrase list compiles")
}

/// A check that counts samples with a phrase of one list in an assistant turn (chosen
/// side for preference data), over samples with an assistant turn.
pub(crate) struct PhraseCheck {
    regex: &'static Regex,
    rated: Rated,
}

impl PhraseCheck {
    pub(crate) fn new(regex: &'static Regex, check: Check) -> Self {
        PhraseCheck {
            regex,
            rated: Rated::of_responses(check),
        }
    }
}

/// Each phrase family's state is a `PhraseCheck` itself: the families differ only in their
/// list and ids, so their states are this one type.
impl Metric for PhraseCheck {
    fn observe(&mut self, r: &Record) {
        let mut any = false;
        for t in r.conversation().filter(|t| t.role == Role::Assistant) {
            any = true;
            if let Some(m) = self.regex.find(&t.text) {
                let ctx = context(&t.text, m.start(), m.end(), 60);
                self.rated
                    .check
                    .hit(r, &t.text, || format!("matched \"{}\": {ctx}", m.as_str()));
                break;
            }
        }
        // Prompts are not searched, so data without assistant turns is not measured.
        self.rated.saw_response(any);
        if any {
            self.rated.applies();
        }
    }

    fn merge(&mut self, other: Box<dyn Metric>) {
        self.rated.merge(merged::<PhraseCheck>(other).rated);
    }

    /// The counts; the regex is the family's phrase list.
    fn save(&self) -> Result<Vec<u8>, String> {
        crate::state::encode(&self.rated)
    }

    fn load(&mut self, saved: &[u8]) -> Result<(), String> {
        self.rated = crate::state::decode(saved)?;
        Ok(())
    }

    fn finish(self: Box<Self>, out: &mut Outputs) {
        self.rated.finish(out);
    }
}
