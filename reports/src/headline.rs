//! The short list of headline metrics shown in the Markdown and terminal summaries.

use std::collections::BTreeMap;

/// Most headline rows shown.
pub const MAX_HEADLINE: usize = 25;

/// Fixed headline ids, shown when present, in this order after the prefix groups.
const FIXED: &[&str] = &[
    "length.instruction.words.mean",
    "length.instruction.words.median",
    "length.response.words.mean",
    "length.response.words.median",
    "turns.mean",
    "diversity.task.count",
    "system.usage_rate",
    "images.sample_rate",
];

/// Headline metrics present in `metrics`, in display order, at most [`MAX_HEADLINE`]:
/// `records.*` (per-kind counts only for mixed data), `dedup.exact.*`, `empty.*`, a few lengths, turns, tasks, system prompts,
/// images, and the top three script and language shares.
pub fn headline(metrics: &BTreeMap<String, f64>) -> Vec<(&str, f64)> {
    let mut out: Vec<(&str, f64)> = Vec::new();
    let by_prefix = |p: &str| -> Vec<(&str, f64)> {
        metrics
            .range(p.to_string()..)
            .take_while(|(k, _)| k.starts_with(p))
            .map(|(k, v)| (k.as_str(), *v))
            .collect()
    };
    // records.* with the main counts first; per-kind counts only when kinds are mixed.
    let mut records = by_prefix("records.");
    let kinds = records
        .iter()
        .filter(|(id, _)| id.starts_with("records.kind."))
        .count();
    if kinds < 2 {
        records.retain(|(id, _)| !id.starts_with("records.kind."));
    }
    let rank = |id: &str| match id {
        "records.total" => 0,
        "records.analyzed" => 1,
        "records.skipped" => 2,
        "records.skipped_rate" => 3,
        _ => 4,
    };
    records.sort_by_key(|(id, _)| rank(id));
    out.extend(records);
    out.extend(by_prefix("dedup.exact."));
    out.extend(by_prefix("empty."));
    for id in FIXED {
        if let Some((k, v)) = metrics.get_key_value(*id) {
            out.push((k.as_str(), *v));
        }
    }
    for family in ["script.", "language."] {
        let mut shares: Vec<(&str, f64)> = by_prefix(family)
            .into_iter()
            .filter(|(id, _)| id.ends_with(".share"))
            .collect();
        shares.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
        out.extend(shares.into_iter().take(3));
    }
    out.truncate(MAX_HEADLINE);
    out
}

/// Most rows in the terminal summary.
pub const MAX_TERMINAL: usize = 16;

/// The terminal's shorter headline: `records.*` is left out (the counts line says it) and so
/// is any count whose rate is also present (`empty.response.count` next to `.rate`).
pub fn terminal_headline(metrics: &BTreeMap<String, f64>) -> Vec<(&str, f64)> {
    let has_rate = |id: &str| {
        let sibling = if let Some(stem) = id.strip_suffix("_count") {
            format!("{stem}_rate")
        } else if let Some(stem) = id.strip_suffix(".count") {
            format!("{stem}.rate")
        } else {
            return false;
        };
        metrics.contains_key(&sibling)
    };
    let mut rows = headline(metrics);
    rows.retain(|(id, _)| !id.starts_with("records.") && !has_rate(id));
    rows.truncate(MAX_TERMINAL);
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_and_orders() {
        let mut m = BTreeMap::new();
        for (k, v) in [
            ("records.analyzed", 9.0),
            ("records.total", 10.0),
            ("script.latin.share", 0.7),
            ("script.han.share", 0.2),
            ("script.cyrillic.share", 0.05),
            ("script.arabic.share", 0.05),
            ("length.response.chars.mean", 5.0),
            ("turns.mean", 2.0),
        ] {
            m.insert(k.to_string(), v);
        }
        let ids: Vec<&str> = headline(&m).into_iter().map(|r| r.0).collect();
        assert_eq!(
            ids,
            [
                "records.total",
                "records.analyzed",
                "turns.mean",
                "script.latin.share",
                "script.han.share",
                "script.arabic.share"
            ]
        );
    }

    #[test]
    fn terminal_drops_counts_with_rates() {
        let mut m = BTreeMap::new();
        for k in [
            "records.total",
            "empty.response.count",
            "empty.response.rate",
            "dedup.exact.sample_count",
            "dedup.exact.sample_rate",
            "dedup.exact.response_count",
        ] {
            m.insert(k.to_string(), 1.0);
        }
        let ids: Vec<&str> = terminal_headline(&m).into_iter().map(|r| r.0).collect();
        assert_eq!(
            ids,
            [
                "dedup.exact.response_count",
                "dedup.exact.sample_rate",
                "empty.response.rate"
            ]
        );
    }
}
