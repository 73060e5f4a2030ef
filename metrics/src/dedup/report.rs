//! Turning clusters into outputs: counts, rates, the size distribution and examples.

use super::clusters::Clusters;
use super::parts::Part;
use super::snippets::Snippets;
use crate::result::{Distribution, Example, ExampleGroup, Outputs};

/// Clusters listed with their members in the examples.
const EXAMPLE_CLUSTERS: usize = 3;
const SIZE_BUCKETS: &[(u64, u64, &str)] = &[
    (2, 2, "2"),
    (3, 3, "3"),
    (4, 4, "4"),
    (5, 9, "5-9"),
    (10, 99, "10-99"),
    (100, u64::MAX, "100+"),
];

/// What [`write_part`] writes about.
pub struct PartReport<'a> {
    /// Metric family: `dedup.near` or `dedup.semantic`.
    pub family: &'a str,
    /// `Near` or `Semantic`, for titles.
    pub kind: &'a str,
    pub part: Part,
    pub clusters: &'a Clusters,
    pub records: u64,
    pub snippets: Option<&'a Snippets>,
    pub max_examples: usize,
}

/// Writes `<family>.<part>_count`, `_rate`, and for the whole sample the cluster count,
/// largest size, size distribution and example clusters.
pub fn write_part(out: &mut Outputs, p: PartReport<'_>) {
    let PartReport {
        family,
        kind,
        part,
        clusters,
        records,
        snippets,
        max_examples,
    } = p;
    let removed = clusters.removed();
    out.set(format!("{family}.{}_count", part.as_str()), removed as f64);
    out.set_rate(format!("{family}.{}_rate", part.as_str()), removed, records);
    if part != Part::Sample {
        return;
    }
    out.set(format!("{family}.clusters"), clusters.clusters.len() as f64);
    out.set(
        format!("{family}.largest_cluster"),
        clusters
            .clusters
            .iter()
            .map(|c| c.members.len())
            .max()
            .unwrap_or(0) as f64,
    );
    let mut counts = vec![0u64; SIZE_BUCKETS.len()];
    for c in &clusters.clusters {
        let n = c.members.len() as u64;
        if let Some(i) = SIZE_BUCKETS
            .iter()
            .position(|&(lo, hi, _)| n >= lo && n <= hi)
        {
            counts[i] += 1;
        }
    }
    out.distributions.push(Distribution::Categorical {
        id: format!("{family}.cluster_sizes"),
        title: format!("{kind} duplicate clusters by size (whole samples)"),
        x_label: "samples in cluster".into(),
        labels: SIZE_BUCKETS.iter().map(|b| b.2.to_string()).collect(),
        counts,
    });
    for (rank, c) in clusters.largest(EXAMPLE_CLUSTERS).into_iter().enumerate() {
        let mut members: Vec<&(u32, f32)> = c.members.iter().collect();
        // Representative first, then the rest in input order.
        members.sort_by_key(|m| (m.0 != c.representative, m.0));
        let examples = members
            .into_iter()
            .take(max_examples.max(2))
            .map(|&(seq, sim)| {
                let snip = snippets.and_then(|s| s.get(seq));
                let note = if seq == c.representative {
                    "representative, kept (longest response, then first seen)".to_string()
                } else {
                    format!("similarity {sim:.2} to the representative; removed by dedup")
                };
                Example {
                    record_id: snip.map_or_else(|| format!("#{}", seq + 1), |s| s.id.clone()),
                    origin: snip.map_or_else(
                        || format!("analysed record #{}", seq + 1),
                        |s| s.origin.clone(),
                    ),
                    text: snip.map_or_else(
                        || "(text not retained for this record; see its position)".into(),
                        |s| s.text.clone(),
                    ),
                    note: Some(note),
                }
            })
            .collect();
        out.examples.push(ExampleGroup {
            metric: format!("{family}.sample_count"),
            title: format!(
                "{kind} duplicate cluster {} of {} samples (cluster id {})",
                rank + 1,
                c.members.len(),
                c.id
            ),
            examples,
        });
    }
}
