//! Samples whose instruction or response is missing or whitespace only.

use crate::examples::ExampleSink;
use crate::record::Record;
use crate::registry::{AnalysisConfig, Direction, Metric, MetricDoc, MetricSpec, Provenance};
use crate::result::Outputs;
use crate::text::is_blank;

pub const SPEC: MetricSpec = MetricSpec {
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
        d("empty.response.count", "Samples with no assistant turn or whose final assistant turn (chosen side for preference data) is empty or whitespace only."),
        d("empty.response.rate", "empty.response.count / records.analyzed."),
    ]
}

fn make(c: &AnalysisConfig) -> Box<dyn Metric> {
    Box::new(Empties {
        n: 0,
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

struct Empties {
    n: u64,
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
        if is_blank(r.response()) {
            self.response += 1;
            self.resp_examples.push(
                r,
                r.instruction().unwrap_or(""),
                Some("instruction shown; response is empty".into()),
            );
        }
    }

    fn finish(self: Box<Self>, out: &mut Outputs) {
        out.set("empty.instruction.count", self.instruction as f64);
        out.set_rate("empty.instruction.rate", self.instruction, self.n);
        out.set("empty.response.count", self.response as f64);
        out.set_rate("empty.response.rate", self.response, self.n);
        out.examples.extend(self.inst_examples.into_group());
        out.examples.extend(self.resp_examples.into_group());
    }
}
