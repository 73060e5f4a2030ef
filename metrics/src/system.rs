//! How samples use system prompts.

use crate::record::Record;
use crate::registry::{AnalysisConfig, Direction, Metric, MetricDoc, MetricSpec, Provenance};
use crate::result::{Example, ExampleGroup, Outputs};
use crate::stats::rate;
use crate::text::{normalize_for_dedup, truncate_chars};
use std::collections::HashMap;

pub const SPEC: MetricSpec = MetricSpec {
    module: module_path!(),
    family: "system",
    docs,
    make,
};

/// Distinct prompts whose text is kept for the "most common" table; counts are kept for all.
const MAX_TRACKED_TEXTS: usize = 1_000;

fn docs() -> Vec<MetricDoc> {
    use Direction::*;
    let d = |id, definition| MetricDoc {
        id,
        definition,
        direction: Neutral,
        provenance: Provenance::Basic,
    };
    vec![
        d("system.usage_rate", "Share of samples with a non-empty system prompt."),
        d("system.distinct", "Distinct system prompts after normalisation (as in dedup.exact)."),
        d("system.top_share", "Share of samples with a system prompt that use the most common one. Near 1 means one fixed prompt."),
    ]
}

fn make(c: &AnalysisConfig) -> Box<dyn Metric> {
    Box::new(SystemPrompt {
        n: 0,
        used: 0,
        counts: HashMap::new(),
        texts: HashMap::new(),
        max_examples: c.max_examples,
        chars: c.example_chars,
    })
}

struct SystemPrompt {
    n: u64,
    used: u64,
    counts: HashMap<u64, (u64, u64)>,
    texts: HashMap<u64, (String, String, String)>,
    max_examples: usize,
    chars: usize,
}

impl Metric for SystemPrompt {
    fn observe(&mut self, r: &Record) {
        self.n += 1;
        let Some(sys) = r.system.as_deref().filter(|s| !s.trim().is_empty()) else {
            return;
        };
        self.used += 1;
        let key = xxhash_rust::xxh3::xxh3_64(normalize_for_dedup(sys).as_bytes());
        let e = self.counts.entry(key).or_insert((0, self.n));
        e.0 += 1;
        if self.texts.len() < MAX_TRACKED_TEXTS || self.texts.contains_key(&key) {
            self.texts.entry(key).or_insert_with(|| {
                (
                    truncate_chars(sys, self.chars),
                    r.id.clone(),
                    r.origin.to_string(),
                )
            });
        }
    }

    fn finish(self: Box<Self>, out: &mut Outputs) {
        out.set("system.usage_rate", rate(self.used, self.n));
        if self.used == 0 {
            return;
        }
        out.set("system.distinct", self.counts.len() as f64);
        let mut top: Vec<(&u64, &(u64, u64))> = self.counts.iter().collect();
        top.sort_by_key(|(_, (c, first))| (std::cmp::Reverse(*c), *first));
        out.set("system.top_share", rate(top[0].1 .0, self.used));
        let examples: Vec<Example> = top
            .iter()
            .filter_map(|(k, (c, _))| {
                self.texts.get(k).map(|(text, id, origin)| Example {
                    record_id: id.clone(),
                    origin: origin.clone(),
                    text: text.clone(),
                    note: Some(format!("used by {c} samples")),
                })
            })
            .take(self.max_examples)
            .collect();
        out.examples.push(ExampleGroup {
            metric: "system.top_share".into(),
            title: "Most common system prompts".into(),
            examples,
        });
    }
}
