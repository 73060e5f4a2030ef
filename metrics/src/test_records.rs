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
            within: None,
        },
    );
    r.turns = turns.iter().map(|(role, t)| Turn::new(*role, *t)).collect();
    r
}

/// `r` showing `images` (references).
pub(crate) fn with_images(mut r: Record, images: &[&str]) -> Record {
    r.images = images.iter().map(|s| s.to_string()).collect();
    r
}

/// `records` with their images taken away.
pub(crate) fn without_images(records: &[Record]) -> Vec<Record> {
    records
        .iter()
        .map(|r| with_images(r.clone(), &[]))
        .collect()
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

/// Checks the merge contract of [`Metric::merge`] on `records`: for k = 2, 3 and 7 parts,
/// cut contiguously and also dealt round-robin (so parts see records out of order), built
/// separately and merged in a shuffled order, the metric writes exactly what one pass
/// writes (compared as JSON, so every value, interval, example and note must match).
pub(crate) fn assert_merges(make: impl Fn() -> Box<dyn Metric>, records: &[Record]) {
    let one = serde_json::to_string(&outputs(make(), records)).unwrap();
    for k in [2usize, 3, 7] {
        for dealt in [false, true] {
            let parts: Vec<Vec<&Record>> = (0..k)
                .map(|p| {
                    if dealt {
                        records.iter().skip(p).step_by(k).collect()
                    } else {
                        let (n, len) = (records.len(), records.len().div_ceil(k));
                        records[(p * len).min(n)..((p + 1) * len).min(n)]
                            .iter()
                            .collect()
                    }
                })
                .collect();
            // A fixed shuffle of the part order: odd parts first, descending, then even.
            let mut order: Vec<usize> = (0..k).rev().filter(|p| p % 2 == 1).collect();
            order.extend((0..k).filter(|p| p % 2 == 0));
            // Every part also goes through a partial result file's round trip: saved, then
            // loaded into a fresh instance, as `ftqa merge` does.
            let mut states = order.iter().map(|&p| {
                let mut m = make();
                for r in &parts[p] {
                    m.observe(r);
                }
                let saved = m.save().expect("the state saves");
                let mut fresh = make();
                fresh.load(&saved).expect("the saved state loads");
                fresh
            });
            let mut merged = states.next().unwrap();
            for s in states {
                merged.merge(s);
            }
            let mut out = Outputs::default();
            merged.finish(&mut out);
            assert_eq!(
                serde_json::to_string(&out).unwrap(),
                one,
                "{k} parts ({}) merged differ from one pass",
                if dealt { "dealt" } else { "contiguous" }
            );
        }
    }
}
