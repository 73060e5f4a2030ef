//! Instruction and response in different languages.
//!
//! `script.mixed_rate` already counts, on every record, pairs whose dominant scripts
//! differ (a Chinese question answered in English). This check adds what scripts cannot
//! see, such as an English question answered in Spanish, by identifying the language of
//! both sides. Identification is the slow step, so, like `language.*`, it runs on a
//! uniform deterministic sample.

use crate::record::Record;
use crate::registry::{AnalysisConfig, Direction, Metric, MetricDoc, MetricSpec, Provenance};
use crate::result::{Example, ExampleGroup, Outputs};
use crate::sample::{mix64, BottomK};
use crate::stats::rate;
use crate::text::truncate_chars;

pub const SPEC: MetricSpec = MetricSpec {
    family: "hygiene.language_mixed",
    docs,
    make,
};

pub const SAMPLE: usize = 20_000;
const CHARS: usize = 400;
/// Seeds the sampling key so this sample is independent of the `language.*` one.
const SEED: u64 = 0x6c61_6e67_6d69_7864;

fn docs() -> Vec<MetricDoc> {
    let d = |id, definition, direction| MetricDoc {
        id,
        definition,
        direction,
        provenance: Provenance::Basic,
    };
    vec![
        d("hygiene.language_mixed.count", "Samples, in a uniform deterministic sample of up to 20,000, whose instruction and response were both reliably identified (whatlang, first 400 characters each) and are in different languages. Translation tasks are expected here; elsewhere it usually means the response ignores the prompt's language. For the all-records script-level count see script.mixed_rate.", Direction::LowerIsBetter),
        d("hygiene.language_mixed.rate", "hygiene.language_mixed.count / hygiene.language_mixed.identified.", Direction::LowerIsBetter),
        d("hygiene.language_mixed.identified", "Sampled samples whose instruction and response languages were both reliably identified (the rate's denominator).", Direction::Neutral),
    ]
}

fn make(c: &AnalysisConfig) -> Box<dyn Metric> {
    Box::new(LanguageMixed {
        n: 0,
        sample: BottomK::new(SAMPLE),
        max_examples: c.max_examples,
        chars: c.example_chars,
    })
}

struct Pair {
    id: String,
    origin: String,
    instruction: String,
    response: String,
}

struct LanguageMixed {
    n: u64,
    sample: BottomK<Pair>,
    max_examples: usize,
    chars: usize,
}

impl Metric for LanguageMixed {
    fn observe(&mut self, r: &Record) {
        self.n += 1;
        let key = mix64(self.n ^ SEED);
        if !self.sample.accepts(key) {
            return;
        }
        let (Some(i), Some(o)) = (r.instruction(), r.response()) else {
            return;
        };
        if i.trim().is_empty() || o.trim().is_empty() {
            return;
        }
        self.sample.offer(
            key,
            Pair {
                id: r.id.clone(),
                origin: r.origin.to_string(),
                instruction: truncate_chars(i, CHARS),
                response: truncate_chars(o, CHARS),
            },
        );
    }

    fn finish(self: Box<Self>, out: &mut Outputs) {
        let sample = self.sample.into_sorted();
        if sample.is_empty() {
            return;
        }
        let mut identified = 0u64;
        let mut mixed = 0u64;
        let mut examples: Vec<Example> = Vec::new();
        for p in &sample {
            let (Some(a), Some(b)) = (
                whatlang::detect(&p.instruction),
                whatlang::detect(&p.response),
            ) else {
                continue;
            };
            if !a.is_reliable() || !b.is_reliable() {
                continue;
            }
            identified += 1;
            if a.lang() != b.lang() {
                mixed += 1;
                if examples.len() < self.max_examples {
                    let shown = format!(
                        "{}\n---\n{}",
                        truncate_chars(&p.instruction, 150),
                        truncate_chars(&p.response, 150)
                    );
                    examples.push(Example {
                        record_id: p.id.clone(),
                        origin: p.origin.clone(),
                        text: truncate_chars(&shown, self.chars),
                        note: Some(format!(
                            "instruction: {}, response: {}",
                            a.lang().code(),
                            b.lang().code()
                        )),
                    });
                }
            }
        }
        out.set("hygiene.language_mixed.identified", identified as f64);
        out.set("hygiene.language_mixed.count", mixed as f64);
        out.set("hygiene.language_mixed.rate", rate(mixed, identified));
        if !examples.is_empty() {
            out.examples.push(ExampleGroup {
                metric: "hygiene.language_mixed.count".into(),
                title: "Instruction and response in different languages".into(),
                examples,
            });
        }
        out.methods.insert(
            "hygiene.language_mixed".into(),
            format!("Instruction and response languages identified by whatlang on the first {CHARS} characters of each, for a uniform deterministic sample of {} of {} samples; {} pairs were reliably identified on both sides.", sample.len(), self.n, identified),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{Origin, Role, Turn};

    #[test]
    fn flags_a_spanish_answer_to_an_english_question() {
        let mut m = make(&AnalysisConfig::default());
        let pairs = [
            ("Please describe the weather in the city of London during the winter months.", "London winters are usually cold, grey and wet, with short days and frequent drizzle."),
            ("Please describe the weather in the city of Madrid during the summer months.", "Los veranos en Madrid son muy calurosos y secos, con temperaturas que superan los cuarenta grados."),
            ("ok", "fine"),
        ];
        for (k, (i, o)) in pairs.iter().enumerate() {
            let mut r = Record::new(
                format!("r{k}"),
                Origin {
                    file: "f.jsonl".into(),
                    line: Some(k as u64 + 1),
                    index: k as u64,
                },
            );
            r.turns = vec![Turn::new(Role::User, *i), Turn::new(Role::Assistant, *o)];
            m.observe(&r);
        }
        let mut out = Outputs::default();
        m.finish(&mut out);
        assert_eq!(
            out.get("hygiene.language_mixed.identified"),
            Some(2.0),
            "too short to identify: ok/fine"
        );
        assert_eq!(out.get("hygiene.language_mixed.count"), Some(1.0));
        let g = &out.examples[0];
        assert_eq!(g.examples[0].record_id, "r1");
        assert_eq!(g.examples[0].origin, "f.jsonl:2");
    }
}
