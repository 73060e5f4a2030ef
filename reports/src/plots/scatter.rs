//! Scatter maps of grouped points (the 2-D map of response embeddings): one colour per
//! group for the largest groups, one shared colour for the rest, light grey for noise.

use super::style::{self, AXIS, GRID};
use crate::format::format_count;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Groups that get their own colour; groups are size ranks, so these are the largest.
pub const COLOURED_GROUPS: usize = 10;

/// Tableau-10: distinguishable, and readable for the common colour-vision deficiencies.
const PALETTE: [RGBColor; COLOURED_GROUPS] = [
    RGBColor(78, 121, 167),
    RGBColor(242, 142, 43),
    RGBColor(225, 87, 89),
    RGBColor(118, 183, 178),
    RGBColor(89, 161, 79),
    RGBColor(237, 201, 72),
    RGBColor(176, 122, 161),
    RGBColor(255, 157, 167),
    RGBColor(156, 117, 95),
    RGBColor(186, 176, 172),
];
/// Pixels of the legend column at the right of the plot.
const LEGEND_WIDTH: u32 = 150;
const OTHER: RGBColor = RGBColor(120, 130, 150);
const NOISE: RGBColor = RGBColor(205, 208, 214);

/// Legend name of a group id (`-1` is noise; ids past the coloured ones share one entry).
pub fn group_name(g: i32) -> String {
    if g < 0 {
        "noise".into()
    } else if (g as usize) < COLOURED_GROUPS {
        format!("cluster {}", g + 1)
    } else {
        format!("clusters {}+", COLOURED_GROUPS + 1)
    }
}

fn colour(g: i32) -> RGBColor {
    if g < 0 {
        NOISE
    } else {
        PALETTE.get(g as usize).copied().unwrap_or(OTHER)
    }
}

/// Points per legend entry, in legend order (clusters by rank, the shared entry, noise).
pub fn legend_counts(group: &[i32]) -> Vec<(String, u64)> {
    let mut keys: Vec<i32> = group
        .iter()
        .map(|&g| {
            if g < 0 {
                -1
            } else {
                g.min(COLOURED_GROUPS as i32)
            }
        })
        .collect();
    keys.sort_unstable_by_key(|&g| if g < 0 { i32::MAX } else { g });
    let mut out: Vec<(String, u64)> = Vec::new();
    let mut last = None;
    for k in keys {
        if last == Some(k) {
            if let Some(e) = out.last_mut() {
                e.1 += 1;
            }
        } else {
            out.push((group_name(k), 1));
            last = Some(k);
        }
    }
    out
}

fn padded(lo: f32, hi: f32) -> std::ops::Range<f32> {
    let pad = ((hi - lo) * 0.05).max(1e-3);
    (lo - pad)..(hi + pad)
}

pub fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    x_label: &str,
    y_label: &str,
    pts: (&[f32], &[f32], &[i32]),
) -> Result<(), String> {
    let (x, y, group) = pts;
    let n = x.len().min(y.len()).min(group.len());
    let finite: Vec<usize> = (0..n)
        .filter(|&i| x[i].is_finite() && y[i].is_finite())
        .collect();
    if finite.is_empty() {
        return super::draw_empty(root, title);
    }
    let (mut x0, mut x1, mut y0, mut y1) = (f32::MAX, f32::MIN, f32::MAX, f32::MIN);
    for &i in &finite {
        x0 = x0.min(x[i]);
        x1 = x1.max(x[i]);
        y0 = y0.min(y[i]);
        y1 = y1.max(y[i]);
    }
    // The legend gets its own column at the right, so it never hides points.
    let root = root
        .titled(&style::title_text(title), style::title_style())
        .map_err(|e| e.to_string())?;
    let (w, _) = root.dim_in_pixel();
    let (plot_area, legend_area) = root.split_horizontally(w.saturating_sub(LEGEND_WIDTH));
    let mut chart = ChartBuilder::on(&plot_area)
        .margin(8)
        .x_label_area_size(40)
        .y_label_area_size(48)
        .build_cartesian_2d(padded(x0, x1), padded(y0, y1))
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .max_light_lines(1)
        .light_line_style(TRANSPARENT)
        .bold_line_style(GRID)
        .axis_style(AXIS)
        .x_labels(5)
        .y_labels(5)
        .x_label_formatter(&|v| format!("{v:.2}"))
        .y_label_formatter(&|v| format!("{v:.2}"))
        .label_style(style::label_style())
        .axis_desc_style(style::desc_style())
        .x_desc(style::plot_text(x_label, 60))
        .y_desc(style::plot_text(y_label, 40))
        .draw()
        .map_err(|e| e.to_string())?;
    // Noise first and the largest clusters last, so clusters stay visible on top.
    let mut order = finite;
    order.sort_by_key(|&i| std::cmp::Reverse(if group[i] < 0 { i32::MAX } else { group[i] }));
    let legend = legend_counts(group);
    let text = style::value_style().pos(Pos::new(HPos::Left, VPos::Center));
    for (row, (name, count)) in legend.iter().enumerate() {
        let pts: Vec<usize> = order
            .iter()
            .copied()
            .filter(|&i| &group_name(group[i]) == name)
            .collect();
        let Some(&first) = pts.first() else { continue };
        let c = colour(group[first]);
        let radius = if group[first] < 0 { 2 } else { 3 };
        chart
            .draw_series(
                pts.iter()
                    .map(|&i| Circle::new((x[i], y[i]), radius, c.mix(0.8).filled())),
            )
            .map_err(|e| e.to_string())?;
        let ly = 24 + 18 * row as i32;
        legend_area
            .draw(&Circle::new((12, ly), 4, c.filled()))
            .map_err(|e| e.to_string())?;
        legend_area
            .draw(&Text::new(
                format!("{name} ({})", format_count(*count)),
                (22, ly),
                text.clone(),
            ))
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}
