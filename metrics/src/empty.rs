//! Samples whose instruction or response is missing or whitespace only.

use crate::examples::ExampleSink;
use crate::record::Record;
use crate::registry::{
    merged, AnalysisConfig, Direction, Metric, MetricDoc, MetricSpec, Provenance,
};
use crate::result::{Outputs, NO_RESPONSES};
use crate::text::is_blank;
use serde::{Deserialize, Serialize};

pub const SPEC: MetricSpec = MetricSpec {
    module: module_path!(),
    family: "empty",
    docs,
    make,
};

fn docs() -> Vec<MetricDoc> {
    use Direction::*;
    let d = |id, definition| MetricDoc {
        id,
        definition,
        direction: LowerIsBetter,
        provenance: Provenance::Basic,
    };
    vec![
        d("empty.instruction.count", "Samples with no user turn or whose first user turn is empty or whitespace only."),
        d("empty.instruction.rate", "empty.instruction.count / records.analyzed."),
        d("empty.response.count", "Samples with a response whose final assistant turn (chosen side for preference data) is empty or whitespace only. Prompt-only records (no assistant turn, as in RL prompt sets and evaluation sets) are not empty responses: records.with_response counts the records that have one. Not measured when no record has a response (\"the data has no responses\")."),
        d("empty.response.rate", "empty.response.count / records.with_response."),
    ]
}

fn make(c: &AnalysisConfig) -> Box<dyn Metric> {
    Box::new(Empties {
        n: 0,
        with_response: 0,
        instruction: 0,
        response: 0,
        inst_examples: ExampleSink::new(
            "empty.instruction.count",
            "Empty instructions",
            c.max_examples,
            c.example_chars,
        ),
        resp_examples: ExampleSink::new(
            "empty.response.count",
            "Empty responses",
            c.max_examples,
            c.example_chars,
        ),
    })
}

#[derive(Serialize, Deserialize)]
struct Empties {
    n: u64,
    with_response: u64,
    instruction: u64,
    response: u64,
    inst_examples: ExampleSink,
    resp_examples: ExampleSink,
}

impl Metric for Empties {
    fn observe(&mut self, r: &Record) {
        self.n += 1;
        if is_blank(r.instruction()) {
            self.instruction += 1;
            self.inst_examples.push(
                r,
                r.response().unwrap_or(""),
                Some("response shown; instruction is empty".into()),
            );
        }
        if r.response().is_some() {
            self.with_response += 1;
        }
        if r.response().is_some_and(|t| t.trim().is_empty()) {
            self.response += 1;
            self.resp_examples.push(
                r,
                r.instruction().unwrap_or(""),
                Some("instruction shown; response is empty".into()),
            );
        }
    }

    fn merge(&mut self, other: Box<dyn Metric>) {
        let o: Empties = merged(other);
        self.n += o.n;
        self.with_response += o.with_response;
        self.instruction += o.instruction;
        self.response += o.response;
        self.inst_examples.merge(o.inst_examples);
        self.resp_examples.merge(o.resp_examples);
    }

    crate::whole_state!();

    fn finish(self: Box<Self>, out: &mut Outputs) {
        out.set("empty.instruction.count", self.instruction as f64);
        out.set_rate("empty.instruction.rate", self.instruction, self.n);
        if self.with_response == 0 {
            out.not_measured_all(
                ["empty.response.count", "empty.response.rate"],
                NO_RESPONSES,
            );
        } else {
            out.set("empty.response.count", self.response as f64);
            out.set_rate("empty.response.rate", self.response, self.with_response);
        }
        out.examples.extend(self.inst_examples.into_group());
        out.examples.extend(self.resp_examples.into_group());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Role;

    use crate::test_records::{outputs, record as rec};

    fn run(records: &[Record]) -> Outputs {
        outputs(make(&AnalysisConfig::default()), records)
    }

    #[test]
    fn empty_responses_are_counted_among_records_with_a_response() {
        use Role::*;
        let out = run(&[
            rec(0, &[(User, "q"), (Assistant, "a")]),
            rec(1, &[(User, "q"), (Assistant, "  ")]),
            rec(2, &[(User, "q")]),
            rec(3, &[(User, " "), (Assistant, "a")]),
        ]);
        assert_eq!(out.get("empty.response.count"), Some(1.0));
        assert_eq!(out.get("empty.response.rate"), Some(1.0 / 3.0));
        assert_eq!(out.get("empty.instruction.count"), Some(1.0));
        assert_eq!(out.get("empty.instruction.rate"), Some(0.25));
        let g = out
            .examples
            .iter()
            .find(|g| g.metric == "empty.response.count")
            .unwrap();
        assert_eq!(g.examples.len(), 1);
        assert_eq!(g.examples[0].record_id, "r1");
    }

    #[test]
    fn merges_like_one_pass() {
        use Role::*;
        let records: Vec<Record> = (0..30u64)
            .map(|i| match i % 5 {
                0 => rec(i, &[(User, " "), (Assistant, "a")]),
                1 => rec(i, &[(User, "q"), (Assistant, "  ")]),
                2 => rec(i, &[(User, "q")]),
                3 => rec(i, &[(Assistant, "")]),
                _ => rec(i, &[(User, "q"), (Assistant, "a")]),
            })
            .collect();
        crate::test_records::assert_merges(|| make(&AnalysisConfig::default()), &records);
    }

    #[test]
    fn prompt_only_data_has_no_empty_response_rate() {
        use Role::*;
        let out = run(&[
            rec(0, &[(User, "q")]),
            rec(1, &[(User, "q"), (User, "more")]),
        ]);
        for id in ["empty.response.count", "empty.response.rate"] {
            assert!(out.get(id).is_none(), "{id}");
            assert_eq!(out.not_measured[id], NO_RESPONSES);
        }
        assert_eq!(out.get("empty.instruction.rate"), Some(0.0));
    }
}
