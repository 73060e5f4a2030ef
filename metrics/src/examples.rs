//! Collecting a few evidence records per metric: the first ones by stable record position
//! ([`crate::record::Origin::order_key`]), so the choice is the same however the input is
//! split or merged (deterministic for any thread count).

use crate::record::Record;
use crate::result::{Example, ExampleGroup};
use crate::text::truncate_chars;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::sync::Arc;

/// Serialisable for partial result files; the names are `Cow` so a loaded sink owns them.
#[derive(Serialize, Deserialize)]
pub struct ExampleSink {
    metric: Cow<'static, str>,
    title: Cow<'static, str>,
    max: usize,
    chars: usize,
    /// Kept examples with their position key, sorted by it.
    examples: Vec<((Arc<str>, u64), Example)>,
}

impl ExampleSink {
    pub fn new(metric: &'static str, title: &'static str, max: usize, chars: usize) -> Self {
        ExampleSink {
            metric: Cow::Borrowed(metric),
            title: Cow::Borrowed(title),
            max,
            chars,
            examples: Vec::new(),
        }
    }

    /// Whether `rec` would be kept: lets callers skip building the text and note.
    pub fn wants(&self, rec: &Record) -> bool {
        self.examples.len() < self.max
            || self
                .examples
                .last()
                .is_some_and(|(k, _)| rec.origin.order_key() < (&*k.0, k.1))
    }

    pub fn push(&mut self, rec: &Record, text: &str, note: Option<String>) {
        if !self.wants(rec) {
            return;
        }
        let key = (rec.origin.file.clone(), rec.origin.index);
        let example = Example {
            record_id: rec.id.clone(),
            origin: rec.origin.to_string(),
            text: truncate_chars(text, self.chars),
            note,
        };
        self.insert(key, example);
    }

    fn insert(&mut self, key: (Arc<str>, u64), example: Example) {
        // After equal keys: two examples from one record stay in the order they were found.
        let at = self
            .examples
            .partition_point(|(k, _)| (&*k.0, k.1) <= (&*key.0, key.1));
        self.examples.insert(at, (key, example));
        self.examples.truncate(self.max);
    }

    /// Keeps the first examples of both sinks: the same as one pass over both inputs.
    pub fn merge(&mut self, other: ExampleSink) {
        for (key, example) in other.examples {
            self.insert(key, example);
        }
    }

    pub fn into_group(self) -> Option<ExampleGroup> {
        (!self.examples.is_empty()).then(|| ExampleGroup {
            metric: self.metric.to_string(),
            title: self.title.to_string(),
            examples: self.examples.into_iter().map(|(_, e)| e).collect(),
        })
    }
}
