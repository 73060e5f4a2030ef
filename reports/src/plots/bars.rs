//! Bar charts of categorical counts: vertical for a few short labels, horizontal otherwise.

use super::style::{self, AXIS, BAR, GRID};
use crate::format::{format_compact, format_count};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Most categories drawn; the axis title says how many more there are (the HTML data
/// table under each plot lists them all).
pub const MAX_BARS: usize = 40;

/// Labels as drawn (cleaned and cut to 24 chars) with their counts, capped at [`MAX_BARS`].
pub fn prepare(labels: &[String], counts: &[u64]) -> Vec<(String, u64)> {
    labels
        .iter()
        .zip(counts)
        .take(MAX_BARS)
        .map(|(l, &c)| {
            let l = style::plot_text(l, style::MAX_LABEL_CHARS);
            (
                if l.is_empty() {
                    "(empty)".to_string()
                } else {
                    l
                },
                c,
            )
        })
        .collect()
}

/// Categories left out of the plot by [`MAX_BARS`].
pub fn hidden(labels: &[String], counts: &[u64]) -> usize {
    counts.len().min(labels.len()).saturating_sub(MAX_BARS)
}

/// Whether the rows fit as vertical bars with horizontal labels under each bar.
pub fn is_vertical(rows: &[(String, u64)]) -> bool {
    let widest = rows.iter().map(|r| r.0.chars().count()).max().unwrap_or(0);
    !rows.is_empty() && rows.len() <= 24 && rows.len() * (widest * 8 + 10) <= 540
}

pub fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    x_label: &str,
    rows: &[(String, u64)],
    hidden: usize,
) -> Result<(), String> {
    if rows.is_empty() || rows.iter().all(|r| r.1 == 0) {
        return super::draw_empty(root, title);
    }
    let count_desc = if hidden > 0 {
        format!("count ({hidden} more categories not shown)")
    } else {
        "count".to_string()
    };
    if is_vertical(rows) {
        vertical(root, title, x_label, rows, &count_desc)
    } else {
        horizontal(root, title, x_label, rows, &count_desc)
    }
}

/// The row label at an integer position of the category axis, else nothing.
fn label_at(rows: &[(String, u64)], v: f64, reversed: bool) -> String {
    let k = v.round();
    if (v - k).abs() > 1e-6 || k < 0.0 || k as usize >= rows.len() {
        return String::new();
    }
    let i = if reversed {
        rows.len() - 1 - k as usize
    } else {
        k as usize
    };
    rows[i].0.clone()
}

fn vertical<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    x_label: &str,
    rows: &[(String, u64)],
    count_desc: &str,
) -> Result<(), String> {
    let n = rows.len();
    let ymax = rows.iter().map(|r| r.1).max().unwrap_or(0);
    let ytop = ymax + ymax / 8 + 1;
    let mut chart = ChartBuilder::on(root)
        .caption(style::title_text(title), style::title_style())
        .margin(12)
        .margin_right(24)
        .x_label_area_size(44)
        .y_label_area_size(56)
        .build_cartesian_2d(-0.5f64..(n as f64 - 0.5), 0u64..ytop)
        .map_err(|e| e.to_string())?;
    let cat = |v: &f64| label_at(rows, *v, false);
    let count_label = |v: &u64| format_compact(*v as f64);
    chart
        .configure_mesh()
        .disable_x_mesh()
        .max_light_lines(1)
        .light_line_style(TRANSPARENT)
        .bold_line_style(GRID)
        .axis_style(AXIS)
        .x_labels(n)
        .y_labels(6)
        .x_label_formatter(&cat)
        .y_label_formatter(&count_label)
        .label_style(style::label_style())
        .axis_desc_style(style::desc_style())
        .x_desc(style::plot_text(x_label, 60))
        .y_desc(count_desc)
        .draw()
        .map_err(|e| e.to_string())?;
    chart
        .draw_series(rows.iter().enumerate().map(|(i, r)| {
            let x = i as f64;
            Rectangle::new([(x - 0.36, 0u64), (x + 0.36, r.1)], BAR.filled())
        }))
        .map_err(|e| e.to_string())?;
    if n <= 16 {
        let at_top = style::value_style().pos(Pos::new(HPos::Center, VPos::Bottom));
        chart
            .draw_series(
                rows.iter()
                    .enumerate()
                    .filter(|(_, r)| r.1 > 0)
                    .map(|(i, r)| Text::new(format_count(r.1), (i as f64, r.1), at_top.clone())),
            )
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

fn horizontal<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    x_label: &str,
    rows: &[(String, u64)],
    count_desc: &str,
) -> Result<(), String> {
    let n = rows.len();
    let xmax = rows.iter().map(|r| r.1).max().unwrap_or(0);
    // Room at the right for the count printed after each bar.
    let xtop = xmax + xmax / 5 + 1;
    let widest = rows.iter().map(|r| r.0.chars().count()).max().unwrap_or(0) as u32;
    let mut chart = ChartBuilder::on(root)
        .caption(style::title_text(title), style::title_style())
        .margin(12)
        .margin_right(24)
        .x_label_area_size(44)
        .y_label_area_size((widest * 7 + 16).clamp(40, 200))
        .build_cartesian_2d(0u64..xtop, -0.5f64..(n as f64 - 0.5))
        .map_err(|e| e.to_string())?;
    // First category at the top.
    let cat = |v: &f64| label_at(rows, *v, true);
    let count_label = |v: &u64| format_compact(*v as f64);
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
        .x_label_formatter(&count_label)
        .label_style(style::label_style())
        .axis_desc_style(style::desc_style())
        .x_desc(count_desc)
        .y_desc(style::plot_text(x_label, 40))
        .draw()
        .map_err(|e| e.to_string())?;
    let row_y = |i: usize| (n - 1 - i) as f64;
    chart
        .draw_series(rows.iter().enumerate().map(|(i, r)| {
            let y = row_y(i);
            Rectangle::new([(0u64, y - 0.34), (r.1, y + 0.34)], BAR.filled())
        }))
        .map_err(|e| e.to_string())?;
    let after = style::value_style().pos(Pos::new(HPos::Left, VPos::Center));
    chart
        .draw_series(rows.iter().enumerate().map(|(i, r)| {
            // A small gap after the bar end, in data units.
            let x = r.1 + xtop / 100;
            Text::new(format_count(r.1), (x, row_y(i)), after.clone())
        }))
        .map_err(|e| e.to_string())?;
    Ok(())
}
