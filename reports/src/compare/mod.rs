//! `ftqa compare`: rendering a [`Comparison`] of several reports as `compare.json`,
//! `compare.md`, `compare.html` and overlaid plots under `plots/`.

mod html;
mod markdown;
pub mod model;

pub use html::render_compare_html;
pub use markdown::{render_compare_markdown, render_compare_terminal};
pub use model::{Comparison, MetricRow, Verdict, COMPARE_LAYOUT_VERSION};

use crate::format::{format_number, format_value, value_kind, ValueKind};
use crate::plots::overlay::{overlay_png, overlay_svg, Series};
use crate::write::{plot_file_stem, Written};
use ftqa_metrics::result::Distribution;
use std::fs;
use std::io;
use std::path::Path;

/// The change from `a` to `b` for display: percentage points between two rates
/// (`+1.2 pp`), a signed number otherwise.
pub fn format_delta(id: &str, a: f64, b: f64) -> String {
    let d = b - a;
    let sign = if d > 0.0 {
        "+"
    } else if d < 0.0 {
        "−"
    } else {
        "±"
    };
    if value_kind(id, a) == ValueKind::Rate && value_kind(id, b) == ValueKind::Rate {
        format!("{sign}{} pp", format_number((d * 100.0).abs()))
    } else {
        format!("{sign}{}", format_value(id, d.abs()))
    }
}

/// One distribution id across the datasets that have it.
pub struct OverlayGroup<'a> {
    pub id: String,
    pub title: String,
    pub members: Vec<(String, &'a Distribution)>,
}

impl OverlayGroup<'_> {
    pub fn series(&self) -> Vec<Series<'_>> {
        self.members
            .iter()
            .map(|(label, dist)| Series { label, dist })
            .collect()
    }
}

/// Distributions grouped by id in first-seen order. Lengths, task shares, complexity and
/// every other distribution are overlaid the same way; a group whose members are of
/// different kinds keeps only those of the first member's kind.
pub fn overlay_groups(c: &Comparison) -> Vec<OverlayGroup<'_>> {
    let mut out: Vec<OverlayGroup> = Vec::new();
    for (i, r) in c.reports.iter().enumerate() {
        let label = c
            .datasets
            .get(i)
            .map(|d| d.label.clone())
            .unwrap_or_default();
        for d in &r.distributions {
            if !overlayable(d) {
                continue;
            }
            match out.iter_mut().find(|g| g.id == d.id()) {
                Some(g) => {
                    if std::mem::discriminant(g.members[0].1) == std::mem::discriminant(d) {
                        g.members.push((label.clone(), d));
                    }
                }
                None => out.push(OverlayGroup {
                    id: d.id().to_string(),
                    title: d.title().to_string(),
                    members: vec![(label.clone(), d)],
                }),
            }
        }
    }
    out
}

/// Counts per bin or category overlay as shares; point maps and treemaps do not.
pub(crate) fn overlayable(d: &Distribution) -> bool {
    matches!(
        d,
        Distribution::Histogram { .. } | Distribution::Categorical { .. }
    )
}

/// Creates `dir` and writes `compare.json`, `compare.md`, `compare.html` and
/// `plots/<id>.svg|png` (overlaid) into it.
pub fn write_compare_dir(c: &Comparison, dir: &Path) -> io::Result<Written> {
    fs::create_dir_all(dir)?;
    let mut written = Written::default();
    let mut put = |name: &str, body: String| -> io::Result<()> {
        let path = dir.join(name);
        fs::write(&path, body)?;
        written.files.push(path);
        Ok(())
    };
    let mut json = serde_json::to_string_pretty(c).map_err(io::Error::other)?;
    json.push('\n');
    put("compare.json", json)?;
    put("compare.md", render_compare_markdown(c))?;
    put("compare.html", render_compare_html(c))?;
    let groups = overlay_groups(c);
    if !groups.is_empty() {
        let plots = dir.join("plots");
        fs::create_dir_all(&plots)?;
        let mut used = std::collections::HashSet::new();
        for g in &groups {
            let mut stem = plot_file_stem(&g.id);
            let mut n = 2;
            while !used.insert(stem.clone()) {
                stem = format!("{}-{n}", plot_file_stem(&g.id));
                n += 1;
            }
            let series = g.series();
            let svg = overlay_svg(&series).map_err(io::Error::other)?;
            let p = plots.join(format!("{stem}.svg"));
            fs::write(&p, svg)?;
            written.files.push(p);
            let p = plots.join(format!("{stem}.png"));
            overlay_png(&series, &p).map_err(io::Error::other)?;
            written.files.push(p);
        }
    }
    Ok(written)
}

#[cfg(test)]
mod tests;
