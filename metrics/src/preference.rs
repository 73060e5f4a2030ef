//! Basic facts of comparison (preference) data; feedback (KTO) labels are
//! [`crate::feedback`].

use crate::examples::ExampleSink;
use crate::record::Record;
use crate::registry::{
    merged, AnalysisConfig, Direction, Metric, MetricDoc, MetricSpec, Provenance,
};
use crate::result::Outputs;
use crate::stats::rate;
use crate::text::{char_count, normalize_for_dedup};
use serde::{Deserialize, Serialize};

pub const SPEC: MetricSpec = MetricSpec {
    module: module_path!(),
    family: "preference",
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
        d("preference.pairs", "Preference samples (a prompt with a chosen and a rejected completion).", Neutral),
        d("preference.identical_rate", "Share of pairs whose chosen and rejected final responses are equal after normalisation: they teach nothing.", LowerIsBetter),
        d("preference.chosen_longer_rate", "Share of pairs (with different lengths) where the chosen response has more characters than the rejected one. Far from 0.5 means a length bias a reward model can learn instead of quality.", Neutral),
    ]
}

fn make(c: &AnalysisConfig) -> Box<dyn Metric> {
    Box::new(PreferenceStats {
        pairs: 0,
        identical: 0,
        length_differs: 0,
        chosen_longer: 0,
        identical_examples: ExampleSink::new(
            "preference.identical_rate",
            "Chosen identical to rejected",
            c.max_examples,
            c.example_chars,
        ),
    })
}

#[derive(Serialize, Deserialize)]
struct PreferenceStats {
    pairs: u64,
    identical: u64,
    length_differs: u64,
    chosen_longer: u64,
    identical_examples: ExampleSink,
}

impl Metric for PreferenceStats {
    fn observe(&mut self, r: &Record) {
        if r.preference.is_none() {
            return;
        }
        self.pairs += 1;
        let chosen = r.response().unwrap_or("");
        let rejected = r.rejected_response().unwrap_or("");
        if normalize_for_dedup(chosen) == normalize_for_dedup(rejected) {
            self.identical += 1;
            self.identical_examples.push(r, chosen, None);
        }
        let (c, j) = (char_count(chosen), char_count(rejected));
        if c != j {
            self.length_differs += 1;
            self.chosen_longer += u64::from(c > j);
        }
    }

    fn merge(&mut self, other: Box<dyn Metric>) {
        let o: PreferenceStats = merged(other);
        self.pairs += o.pairs;
        self.identical += o.identical;
        self.length_differs += o.length_differs;
        self.chosen_longer += o.chosen_longer;
        self.identical_examples.merge(o.identical_examples);
    }

    crate::whole_state!();

    fn finish(self: Box<Self>, out: &mut Outputs) {
        if self.pairs > 0 {
            out.set("preference.pairs", self.pairs as f64);
            out.set(
                "preference.identical_rate",
                rate(self.identical, self.pairs),
            );
            out.set(
                "preference.chosen_longer_rate",
                rate(self.chosen_longer, self.length_differs),
            );
            out.examples.extend(self.identical_examples.into_group());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{Preference, Role, Turn};
    use crate::test_records::{assert_merges, record};

    #[test]
    fn merges_like_one_pass() {
        use Role::*;
        let sides = [
            "Same answer.",
            "same  answer.",
            "A longer answer here.",
            "No.",
        ];
        let records: Vec<Record> = (0..30u64)
            .map(|i| {
                let mut r = record(i, &[(User, "q")]);
                if i % 7 != 3 {
                    r.preference = Some(Preference {
                        chosen: vec![Turn::new(Assistant, sides[(i % 4) as usize])],
                        rejected: vec![Turn::new(Assistant, sides[(i / 2 % 4) as usize])],
                    });
                }
                r
            })
            .collect();
        assert_merges(|| make(&AnalysisConfig::default()), &records);
    }
}
