//! Histograms: one bar per bin. Geometric (log) bins get equal widths with edge labels.

use super::style::{self, AXIS, BAR, GRID};
use crate::format::format_compact;
use plotters::coord::Shift;
use plotters::prelude::*;

pub fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    x_label: &str,
    edges: &[f64],
    counts: &[u64],
    log_x: bool,
) -> Result<(), String> {
    let n = counts.len();
    let valid = n > 0 && edges.len() == n + 1 && edges.iter().all(|e| e.is_finite());
    if !valid || counts.iter().all(|&c| c == 0) {
        return super::draw_empty(root, title);
    }
    let ymax = counts.iter().copied().max().unwrap_or(0);
    let ytop = ymax + ymax / 10 + 1;
    // Metrics may already say "(log scale)" in the label; say it once.
    let x_desc = if log_x && !x_label.contains("log") {
        format!("{} (log scale)", style::plot_text(x_label, 48))
    } else {
        style::plot_text(x_label, 60)
    };

    // Log bins: x is the bin index, so geometric bins are equally wide (a log axis that also
    // copes with a first edge of 0); tick labels show the bin edges. Linear bins: x is the value.
    let (x0, x1) = if log_x {
        (0.0, n as f64)
    } else {
        (edges[0], edges[n])
    };
    if x1 <= x0 {
        return super::draw_empty(root, title);
    }
    let mut chart = ChartBuilder::on(root)
        .caption(style::title_text(title), style::title_style())
        .margin(12)
        .margin_right(24)
        .x_label_area_size(44)
        .y_label_area_size(56)
        .build_cartesian_2d(x0..x1, 0u64..ytop)
        .map_err(|e| e.to_string())?;

    let edge_label = |v: &f64| -> String {
        if log_x {
            let k = v.round();
            if (v - k).abs() < 1e-6 && k >= 0.0 && (k as usize) <= n {
                format_compact(edges[k as usize])
            } else {
                String::new()
            }
        } else {
            format_compact(*v)
        }
    };
    let count_label = |v: &u64| format_compact(*v as f64);
    chart
        .configure_mesh()
        .disable_x_mesh()
        .max_light_lines(1)
        .light_line_style(TRANSPARENT)
        .bold_line_style(GRID)
        .axis_style(AXIS)
        .x_labels(if log_x { (n + 1).min(11) } else { 9 })
        .y_labels(6)
        .x_label_formatter(&edge_label)
        .y_label_formatter(&count_label)
        .label_style(style::label_style())
        .axis_desc_style(style::desc_style())
        .x_desc(x_desc)
        .y_desc("count")
        .draw()
        .map_err(|e| e.to_string())?;

    let bars = counts
        .iter()
        .enumerate()
        .filter(|(_, &c)| c > 0)
        .map(|(i, &c)| {
            let (lo, hi) = if log_x {
                (i as f64, i as f64 + 1.0)
            } else {
                (edges[i], edges[i + 1])
            };
            let mut r = Rectangle::new([(lo, 0u64), (hi, c)], BAR.filled());
            r.set_margin(0, 0, 1, 1);
            r
        });
    chart.draw_series(bars).map_err(|e| e.to_string())?;
    Ok(())
}
