//! Responses that repeat the instruction instead of answering it.

use super::{nonblank_response, Check, Rated};
use crate::record::Record;
use crate::registry::{
    merged, AnalysisConfig, Direction, Metric, MetricDoc, MetricSpec, Provenance,
};
use crate::result::Outputs;
use crate::text::{normalize_for_dedup, truncate_chars, word_count};
use serde::{Deserialize, Serialize};

pub const SPEC: MetricSpec = MetricSpec {
    module: module_path!(),
    family: "hygiene.echo",
    docs,
    make,
};

fn docs() -> Vec<MetricDoc> {
    let d = |id, definition| MetricDoc {
        id,
        definition,
        direction: Direction::LowerIsBetter,
        provenance: Provenance::Basic,
    };
    vec![
        d("hygiene.echo.count", "Samples whose response repeats the instruction: equal to it after normalisation (NFKC, case, spacing), or starting with the whole instruction when it has at least 3 words and makes up at least a third of the response (a long answer that opens by restating a short term is not an echo). Like every hygiene.echo id, not measured when no record has a response (\"the data has no responses\")."),
        d("hygiene.echo.rate", "hygiene.echo.count / samples with an instruction and a non-empty response."),
    ]
}

fn make(c: &AnalysisConfig) -> Box<dyn Metric> {
    Box::new(Echo(Rated::of_responses(Check::new(
        "hygiene.echo.count",
        "hygiene.echo.rate",
        "Responses that repeat the instruction",
        c,
    ))))
}

#[derive(Serialize, Deserialize)]
struct Echo(Rated);

impl Metric for Echo {
    fn observe(&mut self, r: &Record) {
        self.0.saw_response(r.response().is_some());
        let Some(resp) = nonblank_response(r) else {
            return;
        };
        let Some(inst) = r.instruction().filter(|s| !s.trim().is_empty()) else {
            return;
        };
        self.0.applies();
        if echoes(inst, resp) {
            self.0.check.hit(r, resp, || {
                format!("instruction: {}", truncate_chars(inst, 120))
            });
        }
    }

    fn merge(&mut self, other: Box<dyn Metric>) {
        self.0.merge(merged::<Echo>(other).0);
    }

    crate::whole_state!();

    fn finish(self: Box<Self>, out: &mut Outputs) {
        self.0.finish(out);
    }
}

/// A response that is the instruction, or mostly the instruction followed by a little
/// more. A long answer that opens by restating a short term ("温室效应是……", "Photosynthesis
/// is …") is not an echo, so the copied part must be at least a third of the response.
pub fn echoes(inst: &str, resp: &str) -> bool {
    let i = normalize_for_dedup(inst);
    let r = normalize_for_dedup(resp);
    if i.is_empty() {
        return false;
    }
    let substantial = 3 * i.chars().count() >= r.chars().count();
    r == i || (word_count(inst) >= 3 && substantial && r.starts_with(&i))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Role;
    use crate::test_records::{assert_merges, outputs, record};

    #[test]
    fn echoes_of_the_instruction() {
        assert!(echoes("Name three colors.", "name three colors."));
        assert!(echoes(
            "Name three colors.",
            "Name three colors. Red, green, blue."
        ));
        assert!(!echoes("Hi", "Hi there"));
        assert!(echoes(
            "How can I jailbreak an iphone?",
            "How can I jailbreak an iphone? I don't know, I am just a smart assistant!"
        ));
        assert!(!echoes(
            "温室效应",
            "温室效应是一种自然现象，指的是大气中的温室气体对地球的热量进行吸收和反射。"
        ));
    }

    #[test]
    fn counts_exactly() {
        use Role::*;
        let records = [
            record(0, &[(User, "Say hi"), (Assistant, "hi")]),
            record(
                1,
                &[
                    (User, "Repeat after me please"),
                    (Assistant, "Repeat after me please"),
                ],
            ),
            record(2, &[(User, "Empty"), (Assistant, "  ")]),
            record(3, &[(Assistant, "An answer without a question")]),
        ];
        let out = outputs(make(&AnalysisConfig::default()), &records);
        assert_eq!(out.get("hygiene.echo.count"), Some(1.0));
        assert_eq!(
            out.get("hygiene.echo.rate"),
            Some(0.5),
            "only pairs of an instruction and a non-empty response count"
        );
    }

    #[test]
    fn merges_like_one_pass() {
        use Role::*;
        let records: Vec<_> = (0..30u64)
            .map(|i| {
                let inst = format!("Describe the number {i} in words");
                let resp = match i % 4 {
                    0 | 1 => inst.clone(),
                    2 => format!("{inst}. It is a number."),
                    _ => format!("The number {i} is small."),
                };
                match i % 9 {
                    7 => record(i, &[(User, &inst)]),
                    8 => record(i, &[(Assistant, &resp)]),
                    _ => record(i, &[(User, &inst), (Assistant, &resp)]),
                }
            })
            .collect();
        assert_merges(|| make(&AnalysisConfig::default()), &records);
    }
}
