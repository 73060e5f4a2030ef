//! The short list of headline metrics shown in the Markdown and terminal summaries, after
//! the paper's Table 4 indices (which [`crate::indices`] renders and this list leaves out).

use crate::docs::Docs;
use crate::per_task::is_per_task;
use ftqa_metrics::registry::PAPER_INDICES;
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
    "system.usage_rate",
    "images.sample_rate",
];

/// Near and semantic duplicate rates and contamination, shown when present after the exact
/// duplicate counts.
const DUPLICATES_AND_CONTAMINATION: &[&str] = &[
    "dedup.near.sample_rate",
    "dedup.semantic.sample_rate",
    "contamination.any.rate",
];

/// Hygiene rates shown: the largest non-zero ones.
const HYGIENE_RATES: usize = 3;

/// Headline metrics present in `metrics`, in display order, at most [`MAX_HEADLINE`]:
/// `records.*` (per-kind counts only for mixed data), duplicates (`dedup.exact.*`, near and
/// semantic rates), contamination, hygiene (`empty.*` and the largest hygiene rates), a few
/// lengths, turns, system prompts, images, and the top three script and language shares.
/// Table 4's indices and per-task ids are left out (they have their own tables).
pub fn headline<'a>(metrics: &'a BTreeMap<String, f64>) -> Vec<(&'a str, f64)> {
    let docs = Docs::load();
    let shown = |id: &str| !PAPER_INDICES.iter().any(|p| p.id == id) && !is_per_task(&docs, id);
    let mut out: Vec<(&str, f64)> = Vec::new();
    let by_prefix = |p: &str| -> Vec<(&str, f64)> {
        metrics
            .range(p.to_string()..)
            .take_while(|(k, _)| k.starts_with(p))
            .map(|(k, v)| (k.as_str(), *v))
            .filter(|(k, _)| shown(k))
            .collect()
    };
    let fixed = |ids: &[&str], out: &mut Vec<(&'a str, f64)>| {
        for id in ids {
            if let Some((k, v)) = metrics.get_key_value(*id) {
                if shown(k) {
                    out.push((k.as_str(), *v));
                }
            }
        }
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
    fixed(DUPLICATES_AND_CONTAMINATION, &mut out);
    out.extend(by_prefix("empty."));
    let mut hygiene: Vec<(&str, f64)> = by_prefix("hygiene.")
        .into_iter()
        .filter(|(id, v)| id.ends_with(".rate") && *v > 0.0)
        .collect();
    hygiene.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
    out.extend(hygiene.into_iter().take(HYGIENE_RATES));
    fixed(FIXED, &mut out);
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
    fn duplicates_contamination_hygiene_before_the_rest_and_no_paper_or_task_rows() {
        let mut m = BTreeMap::new();
        for (k, v) in [
            ("turns.mean", 2.0),
            ("diversity.task.count", 4.0),
            ("diversity.instruction.clusters.open_qa", 3.0),
            ("hygiene.refusal.rate", 0.02),
            ("hygiene.echo.rate", 0.0),
            ("contamination.any.rate", 0.01),
            ("dedup.near.sample_rate", 0.05),
            ("dedup.exact.sample_rate", 0.03),
            ("empty.response.rate", 0.0),
        ] {
            m.insert(k.to_string(), v);
        }
        let ids: Vec<&str> = headline(&m).into_iter().map(|r| r.0).collect();
        assert_eq!(
            ids,
            [
                "dedup.exact.sample_rate",
                "dedup.near.sample_rate",
                "contamination.any.rate",
                "empty.response.rate",
                "hygiene.refusal.rate",
                "turns.mean"
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
