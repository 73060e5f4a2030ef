//! Lengths of instructions and responses in characters and words.

use crate::record::Record;
use crate::registry::{AnalysisConfig, Direction, Metric, MetricDoc, MetricSpec, Provenance};
use crate::result::Outputs;
use crate::stats::IntDist;
use crate::text::{char_count, word_count};

pub const SPEC: MetricSpec = MetricSpec {
    family: "length",
    docs,
    make,
};

fn docs() -> Vec<MetricDoc> {
    vec![MetricDoc {
        id: "length.<field>.<unit>.<stat>",
        definition: "Length of each sample's field: instruction (first user turn), response (final assistant turn; the chosen one for preference data), rejected (final rejected turn) or system (system prompt, where present). Unit: chars (Unicode scalar values) or words (UAX #29 word segments containing a letter or digit, with each CJK character counted as one word). Stat: mean, median, p5, p95, min, max. Missing fields are not counted; empty ones count as 0.",
        direction: Direction::Neutral,
        provenance: Provenance::Basic,
    }]
}

fn make(_: &AnalysisConfig) -> Box<dyn Metric> {
    Box::new(Lengths::default())
}

#[derive(Default)]
struct FieldLengths {
    chars: IntDist,
    words: IntDist,
}

impl FieldLengths {
    fn add(&mut self, text: Option<&str>) {
        if let Some(t) = text {
            self.chars.add(char_count(t) as u64);
            self.words.add(word_count(t) as u64);
        }
    }
}

#[derive(Default)]
struct Lengths {
    instruction: FieldLengths,
    response: FieldLengths,
    rejected: FieldLengths,
    system: FieldLengths,
}

impl Metric for Lengths {
    fn observe(&mut self, r: &Record) {
        self.instruction.add(r.instruction());
        self.response.add(r.response());
        self.rejected.add(r.rejected_response());
        self.system.add(r.system.as_deref());
    }

    fn finish(self: Box<Self>, out: &mut Outputs) {
        let fields = [
            ("instruction", &self.instruction, true),
            ("response", &self.response, true),
            ("rejected", &self.rejected, true),
            ("system", &self.system, false),
        ];
        for (name, f, plot) in fields {
            f.chars.write_summary(&format!("length.{name}.chars"), out);
            f.words.write_summary(&format!("length.{name}.words"), out);
            if plot && !f.words.is_empty() {
                out.distributions.push(f.words.log_histogram(
                    &format!("length.{name}.words"),
                    &format!("{} length (words)", capitalise(name)),
                    "words (log scale)",
                ));
            }
        }
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}
