//! Overlaid distributions for `ftqa compare`: the same distribution from several datasets
//! on one chart. Counts become shares of each dataset's total, so datasets of different
//! sizes can be read against each other.

use super::style::{self, AXIS, GRID};
use crate::format::format_compact;
use ftqa_metrics::result::Distribution;
use plotters::coord::Shift;
use plotters::prelude::*;

/// One colour per dataset, in dataset order (A is the report's usual bar blue).
pub const PALETTE: [RGBColor; 6] = [
    RGBColor(70, 120, 190),
    RGBColor(226, 132, 44),
    RGBColor(58, 160, 100),
    RGBColor(150, 100, 190),
    RGBColor(200, 70, 70),
    RGBColor(110, 110, 110),
];

/// Most categories drawn in an overlaid bar chart (those with the largest share anywhere).
pub const MAX_ROWS: usize = 15;

/// One dataset's version of a distribution.
pub struct Series<'a> {
    pub label: &'a str,
    pub dist: &'a Distribution,
}

pub fn colour(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// Renders overlaid series as a standalone SVG document.
pub fn overlay_svg(series: &[Series]) -> Result<String, String> {
    crate::font::ensure_font();
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, overlay_size(series)).into_drawing_area();
        draw(series, &root)?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(buf)
}

/// Renders overlaid series as a PNG file.
pub fn overlay_png(series: &[Series], path: &std::path::Path) -> Result<(), String> {
    crate::font::ensure_font();
    let root = BitMapBackend::new(path, overlay_size(series)).into_drawing_area();
    draw(series, &root)?;
    root.present()
        .map_err(|e| format!("{}: {e}", path.display()))
}

fn overlay_size(series: &[Series]) -> (u32, u32) {
    match series.first().map(|s| s.dist) {
        Some(Distribution::Categorical { .. }) => {
            let rows = category_rows(series).len() as u32;
            let per_row = 6 + 9 * series.len() as u32;
            (style::WIDTH, style::HEIGHT.max(110 + rows * per_row))
        }
        _ => (style::WIDTH, style::HEIGHT),
    }
}

fn draw<DB: DrawingBackend>(
    series: &[Series],
    root: &DrawingArea<DB, Shift>,
) -> Result<(), String> {
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let Some(first) = series.first() else {
        return super::draw_empty(root, "No data");
    };
    match first.dist {
        Distribution::Histogram { .. } => histograms(series, root),
        Distribution::Categorical { .. } => categories(series, root),
        Distribution::Scatter { .. } | Distribution::Treemap { .. } => {
            Err("maps and treemaps are shown per dataset, not overlaid".into())
        }
    }
}

/// Shares (0..1) of each count in its own total; all zeros when the total is 0.
pub fn shares(counts: &[u64]) -> Vec<f64> {
    let total: u64 = counts.iter().sum();
    counts
        .iter()
        .map(|&c| {
            if total == 0 {
                0.0
            } else {
                c as f64 / total as f64
            }
        })
        .collect()
}

/// The longest edge list when every series' edges are a prefix of it (the metrics crate
/// builds length bins as one geometric sequence, so this is the usual case).
fn common_edges<'a>(series: &[(&'a [f64], &'a [u64])]) -> Option<&'a [f64]> {
    let longest = series.iter().map(|s| s.0).max_by_key(|e| e.len())?;
    let prefix = series.iter().all(|(e, _)| {
        e.iter()
            .zip(longest)
            .all(|(a, b)| (a - b).abs() <= 1e-9 * a.abs().max(1.0))
    });
    prefix.then_some(longest)
}

fn histograms<DB: DrawingBackend>(
    series: &[Series],
    root: &DrawingArea<DB, Shift>,
) -> Result<(), String> {
    let Distribution::Histogram {
        title,
        x_label,
        log_x,
        ..
    } = series[0].dist
    else {
        return Err("mixed distribution kinds".into());
    };
    let data: Vec<(&[f64], &[u64])> = series
        .iter()
        .filter_map(|s| match s.dist {
            Distribution::Histogram { edges, counts, .. }
                if edges.len() == counts.len() + 1 && edges.iter().all(|e| e.is_finite()) =>
            {
                Some((edges.as_slice(), counts.as_slice()))
            }
            _ => None,
        })
        .collect();
    if data.len() != series.len() || data.iter().all(|d| d.1.iter().all(|&c| c == 0)) {
        return super::draw_empty(root, title);
    }
    // Geometric bins shared by every series: x is the bin index, as in single histograms.
    // Otherwise x is the value itself on a linear axis.
    let common = common_edges(&data).filter(|_| *log_x);
    let to_x = |edges: &[f64], i: usize| -> f64 {
        if common.is_some() {
            i as f64
        } else {
            edges[i]
        }
    };
    let (x0, x1) = match common {
        Some(e) => (0.0, (e.len() - 1) as f64),
        None => (
            data.iter().map(|d| d.0[0]).fold(f64::INFINITY, f64::min),
            data.iter()
                .map(|d| *d.0.last().unwrap())
                .fold(f64::NEG_INFINITY, f64::max),
        ),
    };
    if x1 <= x0 {
        return super::draw_empty(root, title);
    }
    let ymax = data.iter().flat_map(|d| shares(d.1)).fold(0.0, f64::max);
    let mut chart = ChartBuilder::on(root)
        .caption(style::title_text(title), style::title_style())
        .margin(12)
        .margin_right(24)
        .x_label_area_size(44)
        .y_label_area_size(56)
        // Headroom above the tallest step for the legend.
        .build_cartesian_2d(x0..x1, 0.0..(ymax * 1.3).max(1e-9))
        .map_err(|e| e.to_string())?;
    let edge_label = |v: &f64| -> String {
        match common {
            Some(e) => {
                let k = v.round();
                if (v - k).abs() < 1e-6 && k >= 0.0 && (k as usize) < e.len() {
                    format_compact(e[k as usize])
                } else {
                    String::new()
                }
            }
            None => format_compact(*v),
        }
    };
    let pct = |v: &f64| format!("{}%", format_compact(v * 100.0));
    let x_desc = if common.is_some() && !x_label.contains("log") {
        format!("{} (log scale)", style::plot_text(x_label, 48))
    } else {
        style::plot_text(x_label, 60)
    };
    chart
        .configure_mesh()
        .disable_x_mesh()
        .max_light_lines(1)
        .light_line_style(TRANSPARENT)
        .bold_line_style(GRID)
        .axis_style(AXIS)
        .x_labels(common.map(|e| e.len().min(11)).unwrap_or(9))
        .y_labels(6)
        .x_label_formatter(&edge_label)
        .y_label_formatter(&pct)
        .label_style(style::label_style())
        .axis_desc_style(style::desc_style())
        .x_desc(x_desc)
        .y_desc("share of samples")
        .draw()
        .map_err(|e| e.to_string())?;
    for (j, (s, (edges, counts))) in series.iter().zip(&data).enumerate() {
        // A step outline: flat across each bin, vertical between bins.
        let sh = shares(counts);
        let mut pts = Vec::with_capacity(sh.len() * 2 + 2);
        pts.push((to_x(edges, 0), 0.0));
        for (i, v) in sh.iter().enumerate() {
            pts.push((to_x(edges, i), *v));
            pts.push((to_x(edges, i + 1), *v));
        }
        pts.push((to_x(edges, sh.len()), 0.0));
        let c = colour(j);
        chart
            .draw_series(LineSeries::new(pts, c.stroke_width(2)))
            .map_err(|e| e.to_string())?
            .label(style::plot_text(s.label, 40))
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], c.filled()));
    }
    legend(&mut chart, SeriesLabelPosition::UpperRight)
}

/// Category labels ordered by their largest share in any series, at most [`MAX_ROWS`].
fn category_rows(series: &[Series]) -> Vec<String> {
    let mut best: Vec<(String, f64)> = Vec::new();
    for s in series {
        if let Distribution::Categorical { labels, counts, .. } = s.dist {
            for (l, sh) in labels.iter().zip(shares(counts)) {
                match best.iter_mut().find(|b| &b.0 == l) {
                    Some(b) => b.1 = b.1.max(sh),
                    None => best.push((l.clone(), sh)),
                }
            }
        }
    }
    // Stable sort keeps first-seen order among equal shares, so output is deterministic.
    best.sort_by(|a, b| b.1.total_cmp(&a.1));
    best.into_iter().take(MAX_ROWS).map(|b| b.0).collect()
}

/// A series' share of one category label (0 when it does not have the label).
pub fn share_of(d: &Distribution, label: &str) -> f64 {
    match d {
        Distribution::Categorical { labels, counts, .. } => {
            let sh = shares(counts);
            labels
                .iter()
                .position(|l| l == label)
                .map(|i| sh[i])
                .unwrap_or(0.0)
        }
        _ => 0.0,
    }
}

fn categories<DB: DrawingBackend>(
    series: &[Series],
    root: &DrawingArea<DB, Shift>,
) -> Result<(), String> {
    let Distribution::Categorical { title, x_label, .. } = series[0].dist else {
        return Err("mixed distribution kinds".into());
    };
    let rows = category_rows(series);
    let n = rows.len();
    let xmax = series
        .iter()
        .flat_map(|s| rows.iter().map(|r| share_of(s.dist, r)))
        .fold(0.0, f64::max);
    if n == 0 || xmax <= 0.0 {
        return super::draw_empty(root, title);
    }
    let shown: Vec<String> = rows
        .iter()
        .map(|l| {
            let l = style::plot_text(l, style::MAX_LABEL_CHARS);
            if l.is_empty() {
                "(empty)".into()
            } else {
                l
            }
        })
        .collect();
    let widest = shown.iter().map(|l| l.chars().count()).max().unwrap_or(0) as u32;
    let mut chart = ChartBuilder::on(root)
        .caption(style::title_text(title), style::title_style())
        .margin(12)
        .margin_right(24)
        .x_label_area_size(44)
        .y_label_area_size((widest * 7 + 16).clamp(40, 200))
        .build_cartesian_2d(0.0..xmax * 1.3, -0.5f64..(n as f64 - 0.5))
        .map_err(|e| e.to_string())?;
    // First (largest) category at the top.
    let row_y = |i: usize| (n - 1 - i) as f64;
    let cat = |v: &f64| {
        let k = v.round();
        if (v - k).abs() > 1e-6 || k < 0.0 || k as usize >= n {
            String::new()
        } else {
            shown[n - 1 - k as usize].clone()
        }
    };
    let pct = |v: &f64| format!("{}%", format_compact(v * 100.0));
    chart
        .configure_mesh()
        .disable_y_mesh()
        .max_light_lines(1)
        .light_line_style(TRANSPARENT)
        .bold_line_style(GRID)
        .axis_style(AXIS)
        .y_labels(n)
        .x_labels(6)
        .y_label_formatter(&cat)
        .x_label_formatter(&pct)
        .label_style(style::label_style())
        .axis_desc_style(style::desc_style())
        .x_desc("share of samples")
        .y_desc(style::plot_text(x_label, 40))
        .draw()
        .map_err(|e| e.to_string())?;
    let k = series.len() as f64;
    let band = 0.8 / k;
    for (j, s) in series.iter().enumerate() {
        let c = colour(j);
        let bars: Vec<_> = rows
            .iter()
            .enumerate()
            .map(|(i, r)| {
                // Dataset j's bar sits in the j-th slice of the row, top to bottom.
                let top = row_y(i) + 0.4 - band * j as f64;
                Rectangle::new(
                    [(0.0, top - band * 0.9), (share_of(s.dist, r), top)],
                    c.filled(),
                )
            })
            .collect();
        chart
            .draw_series(bars)
            .map_err(|e| e.to_string())?
            .label(style::plot_text(s.label, 40))
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], c.filled()));
    }
    // The largest categories are drawn at the top; the legend goes where bars are shortest.
    legend(&mut chart, SeriesLabelPosition::LowerRight)
}

fn legend<'a, DB: DrawingBackend + 'a, X: Ranged, Y: Ranged>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<X, Y>>,
    position: SeriesLabelPosition,
) -> Result<(), String> {
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.85))
        .border_style(GRID)
        .label_font(style::label_style())
        .draw()
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cat(labels: &[&str], counts: &[u64]) -> Distribution {
        Distribution::Categorical {
            id: "tasks.sizes".into(),
            title: "Tasks".into(),
            x_label: "task".into(),
            labels: labels.iter().map(|s| s.to_string()).collect(),
            counts: counts.to_vec(),
        }
    }

    #[test]
    fn rows_rank_by_largest_share_anywhere() {
        let a = cat(&["x", "y"], &[9, 1]);
        let b = cat(&["z", "y"], &[1, 1]);
        let s = [
            Series {
                label: "A",
                dist: &a,
            },
            Series {
                label: "B",
                dist: &b,
            },
        ];
        // x: 0.9 in A; y: 0.5 in B; z: 0.5 in B (y first: seen first).
        assert_eq!(category_rows(&s), ["x", "y", "z"]);
        assert!((share_of(&b, "x") - 0.0).abs() < 1e-12);
        let svg = overlay_svg(&s).unwrap();
        assert!(svg.contains("<svg"));
        // The legend names both datasets.
        let texts: Vec<&str> = svg
            .split("<text")
            .skip(1)
            .map(|t| {
                t.split('>')
                    .nth(1)
                    .unwrap_or("")
                    .split('<')
                    .next()
                    .unwrap_or("")
                    .trim()
            })
            .collect();
        assert!(texts.contains(&"A") && texts.contains(&"B"), "{texts:?}");
    }

    #[test]
    fn prefix_edges_share_an_axis() {
        let long = [0.0, 1.0, 2.0, 3.0, 5.0];
        let short = [0.0, 1.0, 2.0];
        let other = [0.0, 1.5, 2.0];
        assert!(common_edges(&[(&long, &[1, 1, 1, 1]), (&short, &[1, 1])]).is_some());
        assert!(common_edges(&[(&long, &[1, 1, 1, 1]), (&other, &[1, 1])]).is_none());
    }
}
