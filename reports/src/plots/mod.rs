//! Plots of [`Distribution`]s as SVG strings (inlined in the HTML) and PNG files.

mod bars;
mod histogram;
pub mod overlay;
pub mod scatter;
mod style;
pub mod treemap;

use crate::font::ensure_font;
use ftqa_metrics::result::Distribution;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::Path;

/// Renders a distribution as a standalone SVG document.
pub fn plot_svg(d: &Distribution) -> Result<String, String> {
    ensure_font();
    let size = plot_size(d);
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, size).into_drawing_area();
        draw(d, &root)?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(round_font_sizes(&buf))
}

/// plotters writes font sizes such as `14.516129032258064`; one decimal is plenty.
fn round_font_sizes(svg: &str) -> String {
    const KEY: &str = "font-size=\"";
    let mut out = String::with_capacity(svg.len());
    let mut rest = svg;
    while let Some(i) = rest.find(KEY) {
        let (head, tail) = rest.split_at(i + KEY.len());
        out.push_str(head);
        let end = tail.find('"').unwrap_or(tail.len());
        match tail[..end].parse::<f64>() {
            Ok(v) => {
                let r = format!("{:.1}", v);
                out.push_str(r.strip_suffix(".0").unwrap_or(&r));
            }
            Err(_) => out.push_str(&tail[..end]),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// Renders a distribution as a PNG file at `path`.
pub fn plot_png(d: &Distribution, path: &Path) -> Result<(), String> {
    ensure_font();
    let size = plot_size(d);
    let root = BitMapBackend::new(path, size).into_drawing_area();
    draw(d, &root)?;
    root.present()
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// Pixel size of the plot of `d`: tall enough for one row per category in bar charts.
pub fn plot_size(d: &Distribution) -> (u32, u32) {
    match d {
        Distribution::Histogram { .. } => (style::WIDTH, style::HEIGHT),
        Distribution::Scatter { .. } => (style::WIDTH + 150, 440),
        Distribution::Treemap { .. } => (style::WIDTH, 420),
        Distribution::Categorical { labels, counts, .. } => {
            let shown = bars::prepare(labels, counts);
            if bars::is_vertical(&shown) {
                (style::WIDTH, style::HEIGHT)
            } else {
                let rows = shown.len() as u32;
                (style::WIDTH, style::HEIGHT.max(90 + 22 * rows))
            }
        }
    }
}

fn draw<DB: DrawingBackend>(d: &Distribution, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    match d {
        Distribution::Histogram {
            title,
            x_label,
            edges,
            counts,
            log_x,
            ..
        } => histogram::draw(root, title, x_label, edges, counts, *log_x),
        Distribution::Categorical {
            title,
            x_label,
            labels,
            counts,
            ..
        } => bars::draw(
            root,
            title,
            x_label,
            &bars::prepare(labels, counts),
            bars::hidden(labels, counts),
        ),
        Distribution::Scatter {
            title,
            x_label,
            y_label,
            x,
            y,
            group,
            ..
        } => scatter::draw(root, title, x_label, y_label, (x, y, group)),
        Distribution::Treemap {
            title,
            labels,
            counts,
            notes,
            ..
        } => treemap::draw(root, title, labels, counts, notes),
    }
}

/// Draws a titled "No data" placeholder, for distributions with nothing to plot.
pub(crate) fn draw_empty<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
) -> Result<(), String> {
    let root = root
        .titled(&style::title_text(title), style::title_style())
        .map_err(|e| e.to_string())?;
    let (w, h) = root.dim_in_pixel();
    root.draw(&Text::new(
        "No data",
        (w as i32 / 2, h as i32 / 2),
        style::centered(style::label_style()),
    ))
    .map_err(|e| e.to_string())
}

/// Bin boundaries as labels, e.g. `10–20`, shared by the HTML data tables.
pub fn bin_label(lo: f64, hi: f64) -> String {
    format!(
        "{}–{}",
        crate::format::format_compact(lo),
        crate::format::format_compact(hi)
    )
}
