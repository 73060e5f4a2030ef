//! Collecting a few evidence records per metric, in input order (deterministic).

use crate::record::Record;
use crate::result::{Example, ExampleGroup};
use crate::text::truncate_chars;

pub struct ExampleSink {
    metric: &'static str,
    title: &'static str,
    max: usize,
    chars: usize,
    examples: Vec<Example>,
}

impl ExampleSink {
    pub fn new(metric: &'static str, title: &'static str, max: usize, chars: usize) -> Self {
        ExampleSink {
            metric,
            title,
            max,
            chars,
            examples: Vec::new(),
        }
    }

    pub fn wants_more(&self) -> bool {
        self.examples.len() < self.max
    }

    pub fn push(&mut self, rec: &Record, text: &str, note: Option<String>) {
        if self.wants_more() {
            self.examples.push(Example {
                record_id: rec.id.clone(),
                origin: rec.origin.to_string(),
                text: truncate_chars(text, self.chars),
                note,
            });
        }
    }

    pub fn into_group(self) -> Option<ExampleGroup> {
        (!self.examples.is_empty()).then(|| ExampleGroup {
            metric: self.metric.to_string(),
            title: self.title.to_string(),
            examples: self.examples,
        })
    }
}
