//! Metric documentation lookups (definition, direction, provenance) from the registry.

use ftqa_metrics::registry::{all_docs, find_doc, Direction, MetricDoc, Provenance};

/// All metric docs, loaded once per rendering.
pub struct Docs(Vec<MetricDoc>);

impl Docs {
    pub fn load() -> Self {
        Docs(all_docs())
    }

    /// Every doc entry, in registry order.
    pub fn all(&self) -> &[MetricDoc] {
        &self.0
    }

    /// The doc entry for a concrete id: an exact entry if there is one, else the matching
    /// pattern with the most literal segments (so `turns.multi_turn_rate` is not taken by
    /// `turns.<stat>`), the earliest registered on ties.
    pub fn get(&self, id: &str) -> Option<&MetricDoc> {
        self.find(id).map(|(_, d)| d)
    }

    /// Position of the id's doc entry in registry order, for sorting metrics the way their
    /// families document them; undocumented ids sort last.
    pub fn rank(&self, id: &str) -> usize {
        self.find(id).map(|(i, _)| i).unwrap_or(usize::MAX)
    }

    fn find(&self, id: &str) -> Option<(usize, &MetricDoc)> {
        find_doc(&self.0, id)
    }
}

/// `↑`, `↓` or `–`.
pub fn arrow(d: Direction) -> &'static str {
    match d {
        Direction::HigherIsBetter => "↑",
        Direction::LowerIsBetter => "↓",
        Direction::Neutral => "–",
    }
}

pub fn direction_words(d: Direction) -> &'static str {
    match d {
        Direction::HigherIsBetter => "higher is better",
        Direction::LowerIsBetter => "lower is better",
        Direction::Neutral => "descriptive: neither direction is better",
    }
}

/// `paper`, `companion` or `basic`.
pub fn provenance_name(p: Provenance) -> &'static str {
    match p {
        Provenance::Paper => "paper",
        Provenance::Companion => "companion",
        Provenance::Basic => "basic",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefers_the_most_specific_doc() {
        let docs = Docs::load();
        if let Some(d) = docs.get("turns.multi_turn_rate") {
            assert_eq!(d.id, "turns.multi_turn_rate");
        }
        if let Some(d) = docs.get("turns.mean") {
            assert_eq!(d.id, "turns.<stat>");
        }
        assert!(docs.rank("records.total") < docs.rank("records.analyzed"));
        assert_eq!(docs.rank("no.such.metric"), usize::MAX);
    }
}
