//! Groups metrics, plots and examples into report sections by metric family (the first
//! dotted segment of an id).

use ftqa_metrics::result::{Distribution, ExampleGroup, Report};

/// Known sections: anchor id, title, and the families they gather. The six quality areas
/// of the issue come first (diversity, complexity, balance, duplicates, contamination,
/// hygiene), then the descriptive statistics. A family added later by a new metric lands
/// in its area automatically when its prefix is listed here, and in its own section
/// (sorted after these) when it is not.
pub const KNOWN: &[(&str, &str, &[&str])] = &[
    ("diversity", "Diversity", &["diversity", "tasks", "task"]),
    ("complexity", "Complexity", &["complexity"]),
    ("balance", "Balance", &["balance"]),
    ("dedup", "Duplicates", &["dedup", "duplicates"]),
    ("contamination", "Contamination", &["contamination"]),
    ("hygiene", "Hygiene", &["hygiene", "empty"]),
    ("records", "Records", &["records"]),
    ("turns", "Turns", &["turns"]),
    ("length", "Lengths", &["length", "lengths"]),
    ("script", "Scripts", &["script"]),
    ("language", "Languages", &["language", "lang"]),
    ("system", "System prompts", &["system"]),
    (
        "images",
        "Images & video",
        &["images", "image", "videos", "video"],
    ),
    (
        "preference",
        "Preference & feedback",
        &["preference", "feedback"],
    ),
];

/// The quality areas, in display order: the first [`AREAS`] entries of [`KNOWN`].
pub const AREAS: usize = 6;

/// Anchor ids used by the fixed parts of the page.
pub const RESERVED_IDS: &[&str] = &[
    "overview", "contents", "indices", "scores", "warnings", "skipped", "methods",
];

pub struct Section<'a> {
    /// Anchor id (`#dedup`).
    pub id: String,
    pub title: String,
    /// Further anchor ids for other families gathered here (`#diversity` in `#tasks`).
    pub aliases: Vec<String>,
    pub metrics: Vec<(&'a str, f64)>,
    pub distributions: Vec<&'a Distribution>,
    pub examples: Vec<&'a ExampleGroup>,
}

/// First dotted segment of an id.
pub fn family(id: &str) -> &str {
    id.split('.').next().unwrap_or(id)
}

/// A safe HTML id: lowercase ASCII letters, digits, `-` and `_`, never a reserved id.
pub fn anchor_id(s: &str) -> String {
    let mut out: String = s
        .chars()
        .map(|c| {
            let c = c.to_ascii_lowercase();
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if out.is_empty() {
        out.push_str("section");
    }
    if RESERVED_IDS.contains(&out.as_str()) {
        out.insert_str(0, "family-");
    }
    out
}

/// The section (known index or anchor of an unknown family) a family belongs to.
pub fn section_key(fam: &str) -> String {
    KNOWN
        .iter()
        .find(|(_, _, fams)| fams.contains(&fam))
        .map(|(id, _, _)| id.to_string())
        .unwrap_or_else(|| anchor_id(fam))
}

/// Sections in display order: known families first, then others alphabetically. Only
/// sections with at least one metric, plot or example group are returned.
pub fn sections(report: &Report) -> Vec<Section<'_>> {
    let mut out: Vec<Section> = KNOWN
        .iter()
        .map(|(id, title, _)| Section {
            id: id.to_string(),
            title: title.to_string(),
            aliases: Vec::new(),
            metrics: Vec::new(),
            distributions: Vec::new(),
            examples: Vec::new(),
        })
        .collect();
    let mut families: Vec<&str> = Vec::new();
    fn index_of<'a>(out: &mut Vec<Section<'a>>, fam: &str) -> usize {
        let key = section_key(fam);
        if let Some(i) = out.iter().position(|s| s.id == key) {
            return i;
        }
        let mut title: String = fam.to_string();
        if let Some(first) = title.get(0..1) {
            title = first.to_uppercase() + &title[1..];
        }
        out.push(Section {
            id: key,
            title,
            aliases: Vec::new(),
            metrics: Vec::new(),
            distributions: Vec::new(),
            examples: Vec::new(),
        });
        out.len() - 1
    }
    for (id, v) in &report.metrics {
        let f = family(id);
        families.push(f);
        let i = index_of(&mut out, f);
        out[i].metrics.push((id.as_str(), *v));
    }
    for d in &report.distributions {
        let f = family(d.id());
        families.push(f);
        let i = index_of(&mut out, f);
        out[i].distributions.push(d);
    }
    for g in &report.examples {
        let f = family(&g.metric);
        families.push(f);
        let i = index_of(&mut out, f);
        out[i].examples.push(g);
    }
    for f in families {
        let key = section_key(f);
        let alias = anchor_id(f);
        if let Some(s) = out.iter_mut().find(|s| s.id == key) {
            if alias != s.id && !s.aliases.contains(&alias) {
                s.aliases.push(alias);
            }
        }
    }
    out.retain(|s| !(s.metrics.is_empty() && s.distributions.is_empty() && s.examples.is_empty()));
    // Unknown families were appended after the known ones: sort just those.
    let split = out
        .iter()
        .position(|s| !KNOWN.iter().any(|k| k.0 == s.id))
        .unwrap_or(out.len());
    out[split..].sort_by(|a, b| a.id.cmp(&b.id));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_are_safe() {
        assert_eq!(anchor_id("dedup"), "dedup");
        assert_eq!(anchor_id("a\"b<c"), "a-b-c");
        assert_eq!(anchor_id("methods"), "family-methods");
    }
}
