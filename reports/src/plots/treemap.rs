//! Treemaps: parts of a whole as rectangles with areas proportional to their size, laid
//! out by the squarified algorithm (Bruls, Huizing and van Wijk 2000) so that rectangles
//! stay close to square and their labels readable.

use super::style::{self, INK, MUTED};
use crate::format::format_count;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Pastel fills, cycled; dark text stays readable on every one.
const FILLS: [RGBColor; 8] = [
    RGBColor(198, 219, 239),
    RGBColor(253, 208, 162),
    RGBColor(199, 233, 192),
    RGBColor(218, 218, 235),
    RGBColor(252, 187, 161),
    RGBColor(204, 235, 197),
    RGBColor(254, 230, 206),
    RGBColor(208, 209, 230),
];

/// A rectangle `(x, y, width, height)`.
pub type Rect = (f64, f64, f64, f64);

/// Lays `values` (descending works best; zeros get empty rectangles) into the rectangle
/// `area`, one rectangle per value in input order, areas proportional to the values.
pub fn squarify(values: &[f64], area: Rect) -> Vec<Rect> {
    let (mut x, mut y, mut w, mut h) = area;
    let total: f64 = values.iter().filter(|v| **v > 0.0).sum();
    let mut out = vec![(x, y, 0.0, 0.0); values.len()];
    if total <= 0.0 || w <= 0.0 || h <= 0.0 {
        return out;
    }
    let scale = w * h / total;
    let items: Vec<(usize, f64)> = values
        .iter()
        .enumerate()
        .filter(|(_, v)| **v > 0.0)
        .map(|(i, v)| (i, v * scale))
        .collect();
    let mut start = 0;
    while start < items.len() {
        let short = w.min(h);
        let mut end = start + 1;
        let mut best = worst(&items[start..end], short);
        while end < items.len() {
            let next = worst(&items[start..end + 1], short);
            if next > best {
                break;
            }
            best = next;
            end += 1;
        }
        let row = &items[start..end];
        let sum: f64 = row.iter().map(|r| r.1).sum();
        if w >= h {
            // A column along the left edge.
            let cw = if h > 0.0 { sum / h } else { 0.0 };
            let mut cy = y;
            for &(i, v) in row {
                let rh = if cw > 0.0 { v / cw } else { 0.0 };
                out[i] = (x, cy, cw, rh);
                cy += rh;
            }
            x += cw;
            w -= cw;
        } else {
            // A row along the top edge.
            let rh = if w > 0.0 { sum / w } else { 0.0 };
            let mut cx = x;
            for &(i, v) in row {
                let cw = if rh > 0.0 { v / rh } else { 0.0 };
                out[i] = (cx, y, cw, rh);
                cx += cw;
            }
            y += rh;
            h -= rh;
        }
        start = end;
    }
    out
}

/// The worst aspect ratio of a row of areas laid along a side of length `short`.
fn worst(row: &[(usize, f64)], short: f64) -> f64 {
    let sum: f64 = row.iter().map(|r| r.1).sum();
    let (mut lo, mut hi) = (f64::MAX, 0f64);
    for r in row {
        lo = lo.min(r.1);
        hi = hi.max(r.1);
    }
    let (s2, w2) = (sum * sum, short * short);
    (w2 * hi / s2).max(s2 / (w2 * lo))
}

/// Cuts `s` to what fits in `px` pixels of 11-12 px text (about 6.5 px per character).
fn fit(s: &str, px: f64) -> String {
    let chars = ((px - 8.0) / 6.5).floor();
    if chars < 3.0 {
        return String::new();
    }
    style::plot_text(s, chars as usize)
}

pub fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    labels: &[String],
    counts: &[u64],
    notes: &[String],
) -> Result<(), String> {
    let total: u64 = counts.iter().sum();
    if labels.is_empty() || total == 0 {
        return super::draw_empty(root, title);
    }
    let area = root
        .titled(&style::title_text(title), style::title_style())
        .map_err(|e| e.to_string())?;
    let (pw, ph) = area.dim_in_pixel();
    let margin = 8.0;
    let values: Vec<f64> = counts.iter().map(|&c| c as f64).collect();
    let rects = squarify(
        &values,
        (
            margin,
            2.0,
            pw as f64 - 2.0 * margin,
            ph as f64 - margin - 2.0,
        ),
    );
    let top_left = Pos::new(HPos::Left, VPos::Top);
    let name_style = (crate::font::FONT_FAMILY, 12)
        .into_font()
        .color(&INK)
        .pos(top_left);
    let small = (crate::font::FONT_FAMILY, 11)
        .into_font()
        .color(&MUTED)
        .pos(top_left);
    for (i, &(x, y, w, h)) in rects.iter().enumerate() {
        if w <= 0.0 || h <= 0.0 {
            continue;
        }
        let (x0, y0) = (x.round() as i32, y.round() as i32);
        let (x1, y1) = ((x + w).round() as i32, (y + h).round() as i32);
        area.draw(&Rectangle::new(
            [(x0, y0), (x1, y1)],
            FILLS[i % FILLS.len()].filled(),
        ))
        .map_err(|e| e.to_string())?;
        area.draw(&Rectangle::new([(x0, y0), (x1, y1)], WHITE.stroke_width(2)))
            .map_err(|e| e.to_string())?;
        let share = 100.0 * counts[i] as f64 / total as f64;
        let lines = [
            (fit(&labels[i], w), name_style.clone()),
            (
                fit(&format!("{} ({share:.1}%)", format_count(counts[i])), w),
                small.clone(),
            ),
            (
                fit(notes.get(i).map_or("", String::as_str), w),
                small.clone(),
            ),
        ];
        let mut ty = y0 + 4;
        for (text, st) in lines {
            if text.is_empty() || ty + 13 > y1 {
                break;
            }
            area.draw(&Text::new(text, (x0 + 4, ty), st))
                .map_err(|e| e.to_string())?;
            ty += 15;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn areas_are_proportional_and_tile_the_rectangle() {
        let values = [50.0, 25.0, 12.0, 8.0, 5.0, 0.0];
        let rects = squarify(&values, (0.0, 0.0, 200.0, 100.0));
        let total: f64 = values.iter().sum();
        for (v, r) in values.iter().zip(&rects) {
            assert!((r.2 * r.3 - v / total * 20_000.0).abs() < 1e-6, "{v} {r:?}");
            assert!(r.0 >= -1e-9 && r.1 >= -1e-9);
            assert!(
                r.0 + r.2 <= 200.0 + 1e-6 && r.1 + r.3 <= 100.0 + 1e-6,
                "{r:?}"
            );
        }
        // No two rectangles overlap.
        for i in 0..rects.len() {
            for j in i + 1..rects.len() {
                let (a, b) = (rects[i], rects[j]);
                let ox = (a.0 + a.2).min(b.0 + b.2) - a.0.max(b.0);
                let oy = (a.1 + a.3).min(b.1 + b.3) - a.1.max(b.1);
                assert!(ox <= 1e-6 || oy <= 1e-6, "{a:?} overlaps {b:?}");
            }
        }
    }

    #[test]
    fn squarified_rectangles_stay_near_square() {
        // Six equal parts in a 3:2 rectangle tile as a 3x2 grid of squares.
        let rects = squarify(&[1.0; 6], (0.0, 0.0, 300.0, 200.0));
        for r in rects {
            let ratio = r.2.max(r.3) / r.2.min(r.3);
            assert!(ratio < 1.6, "{r:?}");
        }
    }
}
