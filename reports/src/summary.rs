//! Facts shared by the short summaries (Markdown and terminal).

use crate::format::{format_count, format_percent};
use ftqa_metrics::result::Report;

/// `format jsonl · schema alpaca (auto)` style fragments, unescaped.
pub fn dataset_facts(report: &Report) -> Vec<String> {
    let d = &report.dataset;
    let mut facts = Vec::new();
    if !d.format.is_empty() {
        let mut f = format!("format {}", d.format);
        if let Some(c) = &d.compression {
            f.push_str(&format!(" ({c})"));
        }
        facts.push(f);
    }
    if !d.schema.is_empty() {
        let mut s = format!("schema {}", d.schema);
        if !d.schema_source.is_empty() {
            s.push_str(&format!(" ({})", d.schema_source));
        }
        facts.push(s);
    }
    if d.files.len() > 1 {
        facts.push(format!("{} files", format_count(d.files.len() as u64)));
    }
    facts
}

/// `instruction ← definition+input · response ← target (confidence high)`: the columns
/// each canonical field came from, and how sure the loader is, unescaped.
pub fn mapping_line(report: &Report) -> Option<String> {
    let d = &report.dataset;
    if d.mapping.is_empty() {
        return None;
    }
    let fields: Vec<String> = d
        .mapping
        .iter()
        .map(|(k, src)| format!("{k} ← {src}"))
        .collect();
    let mut s = fields.join(" · ");
    if !d.mapping_confidence.is_empty() {
        s.push_str(&format!(" (confidence {})", d.mapping_confidence));
    }
    Some(s)
}

/// `1,000 total · 990 analyzed · 10 skipped (1%)`.
pub fn counts_line(report: &Report) -> String {
    let r = &report.records;
    let mut s = format!(
        "{} total · {} analyzed · {} skipped",
        format_count(r.total),
        format_count(r.analyzed),
        format_count(r.skipped)
    );
    if r.skipped > 0 && r.total > 0 {
        s.push_str(&format!(
            " ({})",
            format_percent(r.skipped as f64 / r.total as f64)
        ));
    }
    // Prompt-only or partly answered data: say how many records the response metrics saw.
    if let Some(with) = report.metrics.get("records.with_response") {
        if (*with as u64) < r.analyzed {
            s.push_str(&format!(
                " · {} with a response",
                format_count(*with as u64)
            ));
        }
    }
    s
}

/// Skip reasons, most frequent first: `(reason, count)`.
pub fn skip_reasons(report: &Report) -> Vec<(&str, u64)> {
    let mut v: Vec<(&str, u64)> = report
        .records
        .skipped_by_reason
        .iter()
        .map(|(k, c)| (k.as_str(), *c))
        .collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    v
}
