//! Conversation depth: turns per sample and how many samples are multi-turn.

use crate::record::{Record, Role};
use crate::registry::{
    merged, AnalysisConfig, Direction, Metric, MetricDoc, MetricSpec, Provenance,
};
use crate::result::{Distribution, Outputs};
use crate::stats::{rate, IntDist};
use serde::{Deserialize, Serialize};

pub const SPEC: MetricSpec = MetricSpec {
    module: module_path!(),
    family: "turns",
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
        d("turns.<stat>", "Non-system turns per sample (the prompt plus the chosen side for preference data); stat is mean, median, p5, p95, min or max.", Neutral),
        d("turns.rounds.mean", "Mean number of user turns per sample (dialogue rounds). Consecutive user turns each count: a prompt-only record with two user turns in a row (an MT-Bench-style list of turns whose answers are not in the data) has 2 rounds. No order of roles is flagged as malformed.", Neutral),
        d("turns.multi_turn_rate", "Share of samples with more than one user turn, whether or not assistant turns come between them.", Neutral),
    ]
}

fn make(_: &AnalysisConfig) -> Box<dyn Metric> {
    Box::new(Turns::default())
}

#[derive(Default, Serialize, Deserialize)]
struct Turns {
    turns: IntDist,
    rounds: IntDist,
    multi: u64,
}

impl Metric for Turns {
    fn observe(&mut self, r: &Record) {
        let mut n = 0;
        let mut users = 0;
        for t in r.conversation() {
            n += 1;
            users += u64::from(t.role == Role::User);
        }
        self.turns.add(n);
        self.rounds.add(users);
        self.multi += u64::from(users > 1);
    }

    fn merge(&mut self, other: Box<dyn Metric>) {
        let o: Turns = merged(other);
        self.turns.merge(&o.turns);
        self.rounds.merge(&o.rounds);
        self.multi += o.multi;
    }

    crate::whole_state!();

    fn finish(self: Box<Self>, out: &mut Outputs) {
        self.turns.write_summary("turns", out);
        if let Some(m) = self.rounds.mean() {
            out.set("turns.rounds.mean", m);
        }
        out.set("turns.multi_turn_rate", rate(self.multi, self.turns.len()));
        if !self.turns.is_empty() {
            out.distributions.push(turn_bars(&self.turns));
        }
    }
}

/// Turns per sample as bars 1..=10 and "11+", since most data has few turns.
fn turn_bars(d: &IntDist) -> Distribution {
    let mut counts = vec![0u64; 12];
    for v in 0..=10u64 {
        counts[v as usize] = d.count_of(v);
    }
    counts[11] = d.len() - counts.iter().sum::<u64>();
    let mut labels: Vec<String> = (0..=10).map(|v| v.to_string()).collect();
    labels.push("11+".into());
    // Drop the empty leading "0" bar unless some samples really have no turns.
    let skip = usize::from(counts[0] == 0);
    Distribution::Categorical {
        id: "turns.per_sample".into(),
        title: "Turns per sample".into(),
        x_label: "turns".into(),
        labels: labels.split_off(skip),
        counts: counts.split_off(skip),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{Origin, Turn};

    fn rec(i: u64, roles: &[Role]) -> Record {
        let mut r = Record::new(
            format!("r{i}"),
            Origin {
                file: "f".into(),
                line: None,
                index: i,
                within: None,
            },
        );
        r.turns = roles.iter().map(|role| Turn::new(*role, "text")).collect();
        r
    }

    #[test]
    fn merges_like_one_pass() {
        use Role::*;
        let shapes: [&[Role]; 5] = [
            &[User],
            &[User, Assistant],
            &[User, User, User],
            &[User, Assistant, User, Assistant],
            &[],
        ];
        let records: Vec<Record> = (0..40)
            .map(|i| rec(i, shapes[(i * 3 % 5) as usize]))
            .collect();
        crate::test_records::assert_merges(|| make(&AnalysisConfig::default()), &records);
    }

    #[test]
    fn consecutive_user_turns_are_rounds_of_a_prompt_set() {
        use Role::*;
        let mut m = make(&AnalysisConfig::default());
        m.observe(&rec(0, &[User]));
        m.observe(&rec(1, &[User, User]));
        m.observe(&rec(2, &[User, Assistant, User, Assistant]));
        m.observe(&rec(3, &[User, User, User]));
        let mut out = Outputs::default();
        m.finish(&mut out);
        assert_eq!(out.get("turns.mean"), Some(2.5));
        assert_eq!(out.get("turns.max"), Some(4.0));
        assert_eq!(out.get("turns.rounds.mean"), Some(2.0));
        assert_eq!(out.get("turns.multi_turn_rate"), Some(0.75));
        assert!(out.not_measured.is_empty());
    }
}
