//! Test helpers shared by the metric families' unit tests: a record from role-tagged
//! turns, and a metric's outputs after observing a list of records.

use crate::record::{Origin, Record, Role, Turn};
use crate::registry::Metric;
use crate::result::Outputs;

/// Record `r{i}` (file `f`, line `i + 1`) with the given turns.
pub(crate) fn record(i: u64, turns: &[(Role, &str)]) -> Record {
    let mut r = Record::new(
        format!("r{i}"),
        Origin {
            file: "f".into(),
            line: Some(i + 1),
            index: i,
        },
    );
    r.turns = turns.iter().map(|(role, t)| Turn::new(*role, *t)).collect();
    r
}

/// What `metric` reports after observing `records` in order.
pub(crate) fn outputs(mut metric: Box<dyn Metric>, records: &[Record]) -> Outputs {
    for r in records {
        metric.observe(r);
    }
    let mut out = Outputs::default();
    metric.finish(&mut out);
    out
}
