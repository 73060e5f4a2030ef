//! The "Scores" overview of `report.html`: one card per quality area with its key metrics,
//! and, when a config was given, every threshold as a traffic light.

use crate::docs::{arrow, Docs};
use crate::escape::html_escape as e;
use crate::format::format_value;
use crate::html::{light, metric_anchor, value_cell};
use crate::per_task::is_per_task;
use crate::scorecard::{Scorecard, Status};
use crate::sections::{family, section_key, Section, AREAS, KNOWN};
use ftqa_metrics::registry::{Direction, Provenance};
use ftqa_metrics::result::Interval;
use std::collections::BTreeMap;
use std::fmt::Write;

/// Metrics shown on an area card.
const CARD_METRICS: usize = 3;

pub(crate) fn scores(
    h: &mut String,
    secs: &[Section],
    card: Option<&Scorecard>,
    docs: &Docs,
    intervals: &BTreeMap<String, Interval>,
) {
    h.push_str("<section id=\"scores\">\n<h2>Scores</h2>\n");
    if let Some(c) = card {
        thresholds(h, c);
    } else {
        h.push_str(
            "<p class=\"muted\">No thresholds were given. Run <code>ftqa init</code> to write a \
             starter <code>ftqa.toml</code>, then <code>ftqa report DATA --config ftqa.toml</code> \
             for traffic lights.</p>\n",
        );
    }
    h.push_str("<div class=\"areas\">\n");
    for (id, title, _) in &KNOWN[..AREAS] {
        let sec = secs.iter().find(|s| s.id == *id);
        area_card(h, id, title, sec, card, docs, intervals);
    }
    h.push_str("</div>\n</section>\n");
}

fn thresholds(h: &mut String, c: &Scorecard) {
    let _ = writeln!(
        h,
        "<p class=\"verdict {}\">{} of {} thresholds pass · {} fail · {} warn <span class=\"muted\">(from <code>{}</code>)</span></p>",
        if c.passed() { "pass" } else { "fail" },
        c.count(Status::Pass),
        c.items.len(),
        c.count(Status::Fail),
        c.count(Status::Warn),
        e(&c.source)
    );
    if c.items.is_empty() {
        return;
    }
    h.push_str(
        "<table class=\"scores\">\n<thead><tr><th></th><th>Metric</th><th class=\"num\">Value</th>\
         <th>Threshold</th><th>Note</th></tr></thead>\n<tbody>\n",
    );
    // Failures first, then warnings, then passes: what needs attention is on top.
    let mut items: Vec<_> = c.items.iter().collect();
    items.sort_by_key(|i| match i.status {
        Status::Fail => 0,
        Status::Warn => 1,
        Status::Pass => 2,
    });
    for i in items {
        let value = i
            .value
            .map(|v| e(&format_value(&i.id, v)))
            .unwrap_or_else(|| "<span class=\"muted\">not measured</span>".into());
        let _ = writeln!(
            h,
            "<tr class=\"{}\"><td>{}</td><td><a href=\"#{}\"><code>{}</code></a></td><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>",
            i.status.name(),
            light(i.status, &i.rule),
            e(&metric_anchor(&i.id)),
            e(&i.id),
            value,
            e(&i.rule),
            e(&i.message)
        );
    }
    h.push_str("</tbody>\n</table>\n");
}

/// The worst status among thresholds on metrics of this area.
fn area_status(area: &str, card: Option<&Scorecard>) -> Option<Status> {
    let items = card?
        .items
        .iter()
        .filter(|i| section_key(family(&i.id)) == area);
    items.map(|i| i.status).max_by_key(|s| match s {
        Status::Pass => 0,
        Status::Warn => 1,
        Status::Fail => 2,
    })
}

fn area_card(
    h: &mut String,
    id: &str,
    title: &str,
    sec: Option<&Section>,
    card: Option<&Scorecard>,
    docs: &Docs,
    intervals: &BTreeMap<String, Interval>,
) {
    let status = area_status(id, card);
    let class = status.map(|s| s.name()).unwrap_or("none");
    let _ = write!(h, "<div class=\"area {class}\"><h3>");
    if let Some(s) = status {
        h.push_str(&light(s, "worst threshold in this area"));
    }
    match sec {
        Some(_) => {
            let _ = write!(h, "<a href=\"#{}\">{}</a></h3>", e(id), e(title));
        }
        None => {
            let _ = writeln!(
                h,
                "{}</h3><p class=\"muted\">Not measured in this run.</p></div>",
                e(title)
            );
            return;
        }
    }
    let key = key_metrics(sec.map(|s| s.metrics.as_slice()).unwrap_or(&[]), docs);
    if key.is_empty() {
        h.push_str("<p class=\"muted\">Plots and examples only.</p>");
    } else {
        h.push_str("<ul>");
        for (mid, v) in key {
            let dir = docs.get(mid).map(|d| arrow(d.direction)).unwrap_or("");
            let _ = write!(
                h,
                "<li><a href=\"#{}\"><code>{}</code></a> <strong>{}</strong> <span class=\"muted\">{}</span></li>",
                e(&metric_anchor(mid)),
                e(mid),
                value_cell(mid, v, intervals.get(mid)),
                dir
            );
        }
        h.push_str("</ul>");
    }
    h.push_str("</div>\n");
}

/// The metrics that best summarise an area: those with a direction first (paper metrics,
/// then companions, then the rest), size-dependent counts and per-instance breakdowns last,
/// in registry order within each rank. Per-task ids are never picked (they have their own
/// table).
pub fn key_metrics<'a>(metrics: &[(&'a str, f64)], docs: &Docs) -> Vec<(&'a str, f64)> {
    let mut rows: Vec<(&str, f64)> = metrics.to_vec();
    rows.retain(|(id, _)| !is_per_task(docs, id));
    rows.sort_by_cached_key(|(id, _)| {
        let doc = docs.get(id);
        let directional = doc.is_some_and(|d| d.direction != Direction::Neutral);
        let prov = match doc.map(|d| d.provenance) {
            Some(Provenance::Paper) => 0,
            Some(Provenance::Companion) => 1,
            _ => 2,
        };
        let per_instance = doc.is_some_and(|d| d.id.contains('<'));
        let count = id.ends_with("count");
        (
            !directional,
            per_instance || count,
            prov,
            docs.rank(id),
            id.to_string(),
        )
    });
    rows.truncate(CARD_METRICS);
    rows
}
