//! Preference pairs that cannot teach a preference: an empty side, or two sides that do
//! not answer the same prompt. (Identical sides are `preference.identical_rate`; length
//! bias is `preference.chosen_longer_rate`.)

use super::Check;
use crate::record::{Record, Role, Turn};
use crate::registry::{
    merged, AnalysisConfig, Direction, Metric, MetricDoc, MetricSpec, Provenance,
};
use crate::result::Outputs;
use crate::text::{is_blank, truncate_chars};
use serde::{Deserialize, Serialize};

pub const SPEC: MetricSpec = MetricSpec {
    module: module_path!(),
    family: "hygiene.preference",
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
        d("hygiene.preference.empty_side.count", "Preference pairs where the chosen or the rejected side has no assistant turn or an empty final assistant turn."),
        d("hygiene.preference.empty_side.rate", "hygiene.preference.empty_side.count / preference.pairs."),
        d("hygiene.preference.prompt_mismatch.count", "Preference pairs whose two sides answer different prompts: the turns before each side's final answer differ. The loader keeps the turns both sides share in the record's prompt, so this means a side holds its own user, system or tool turn, or an earlier assistant turn the other side does not have (hh-rlhf transcripts that diverge before the last exchange)."),
        d("hygiene.preference.prompt_mismatch.rate", "hygiene.preference.prompt_mismatch.count / preference.pairs."),
    ]
}

fn make(c: &AnalysisConfig) -> Box<dyn Metric> {
    Box::new(PreferenceHygiene {
        pairs: 0,
        empty: Check::new(
            "hygiene.preference.empty_side.count",
            "hygiene.preference.empty_side.rate",
            "Preference pairs with an empty side",
            c,
        ),
        mismatch: Check::new(
            "hygiene.preference.prompt_mismatch.count",
            "hygiene.preference.prompt_mismatch.rate",
            "Preference pairs whose sides answer different prompts",
            c,
        ),
    })
}

#[derive(Serialize, Deserialize)]
struct PreferenceHygiene {
    pairs: u64,
    empty: Check,
    mismatch: Check,
}

fn final_answer(side: &[Turn]) -> Option<&str> {
    side.iter()
        .rev()
        .find(|t| t.role == Role::Assistant)
        .map(|t| t.text.as_str())
}

/// What a side's final answer responds to beyond the shared prompt: every turn before it.
fn context(side: &[Turn]) -> &[Turn] {
    let last = side
        .iter()
        .rposition(|t| t.role == Role::Assistant)
        .unwrap_or(side.len());
    &side[..last]
}

impl Metric for PreferenceHygiene {
    fn observe(&mut self, r: &Record) {
        let Some(p) = &r.preference else { return };
        self.pairs += 1;
        let (c, j) = (final_answer(&p.chosen), final_answer(&p.rejected));
        if is_blank(c) || is_blank(j) {
            let which = match (is_blank(c), is_blank(j)) {
                (true, true) => "both sides are empty",
                (true, false) => "the chosen side is empty",
                _ => "the rejected side is empty",
            };
            let shown = if is_blank(c) { j } else { c };
            self.empty.hit(r, shown.unwrap_or(""), || which.to_string());
        }
        let (cc, rc) = (context(&p.chosen), context(&p.rejected));
        if cc != rc {
            let shown = format!(
                "chosen: {}\n---\nrejected: {}",
                side_text(&p.chosen),
                side_text(&p.rejected)
            );
            let first = cc
                .first()
                .or(rc.first())
                .expect("contexts differ, so one is non-empty");
            self.mismatch.hit(r, &shown, || {
                format!(
                    "the sides answer different conversations ({} vs {} turns before the final answer; first: {} \"{}\")",
                    cc.len(),
                    rc.len(),
                    first.role.as_str(),
                    truncate_chars(&first.text, 80)
                )
            });
        }
    }

    fn merge(&mut self, other: Box<dyn Metric>) {
        let o = merged::<PreferenceHygiene>(other);
        self.pairs += o.pairs;
        self.empty.merge(o.empty);
        self.mismatch.merge(o.mismatch);
    }

    crate::whole_state!();

    fn finish(self: Box<Self>, out: &mut Outputs) {
        self.empty.write(self.pairs, out);
        self.mismatch.write(self.pairs, out);
    }
}

fn side_text(side: &[Turn]) -> String {
    side.iter()
        .map(|t| format!("[{}] {}", t.role.as_str(), truncate_chars(&t.text, 60)))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{Origin, Preference};

    fn pair(k: u64, chosen: Vec<Turn>, rejected: Vec<Turn>) -> Record {
        let mut r = Record::new(
            format!("p{k}"),
            Origin {
                file: "f".into(),
                line: Some(k + 1),
                index: k,
                within: None,
            },
        );
        r.turns = vec![Turn::new(Role::User, "prompt")];
        r.preference = Some(Preference { chosen, rejected });
        r
    }

    #[test]
    fn empty_sides_and_diverging_prompts() {
        use Role::*;
        let a = |t: &str| Turn::new(Assistant, t);
        let u = |t: &str| Turn::new(User, t);
        let mut m = make(&AnalysisConfig::default());
        m.observe(&pair(0, vec![a("good")], vec![a("bad")]));
        m.observe(&pair(1, vec![a("good")], vec![a("  ")]));
        m.observe(&pair(2, vec![], vec![a("bad")]));
        m.observe(&pair(
            3,
            vec![a("x"), u("follow-up A"), a("good")],
            vec![a("y"), u("follow-up B"), a("bad")],
        ));
        m.observe(&pair(
            4,
            vec![a("good")],
            vec![u("a different question"), a("bad")],
        ));
        // hh-rlhf: one transcript has an extra assistant turn before its last answer.
        m.observe(&pair(
            5,
            vec![a("an earlier answer"), a("good")],
            vec![a("bad")],
        ));
        // Same context on both sides (not split off by a loader): not a mismatch.
        m.observe(&pair(
            6,
            vec![a("x"), u("q"), a("good")],
            vec![a("x"), u("q"), a("bad")],
        ));
        let mut plain = Record::new(
            "d",
            Origin {
                file: "f".into(),
                line: None,
                index: 5,
                within: None,
            },
        );
        plain.turns = vec![u("q"), a("r")];
        m.observe(&plain);
        let mut out = Outputs::default();
        m.finish(&mut out);
        assert_eq!(out.get("hygiene.preference.empty_side.count"), Some(2.0));
        assert_eq!(
            out.get("hygiene.preference.prompt_mismatch.count"),
            Some(3.0)
        );
        assert_eq!(
            out.get("hygiene.preference.prompt_mismatch.rate"),
            Some(3.0 / 7.0)
        );
    }

    #[test]
    fn merges_like_one_pass() {
        use crate::test_records::{assert_merges, record};
        use Role::*;
        let a = |t: &str| Turn::new(Assistant, t);
        let u = |t: &str| Turn::new(User, t);
        let records: Vec<_> = (0..30u64)
            .map(|i| match i % 5 {
                0 => pair(i, vec![a("good")], vec![a(" ")]),
                1 => pair(i, vec![a("good")], vec![u("another question"), a("bad")]),
                2 => pair(i, vec![], vec![u("x"), a("bad")]),
                3 => pair(i, vec![a("good")], vec![a("bad")]),
                _ => record(i, &[(User, "q"), (Assistant, "r")]),
            })
            .collect();
        assert_merges(|| make(&AnalysisConfig::default()), &records);
    }
}
