//! Sizes, colours and text styles shared by all plots.

use crate::font::FONT_FAMILY;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

pub const WIDTH: u32 = 640;
pub const HEIGHT: u32 = 360;

/// Bar fill: a soft blue.
pub const BAR: RGBColor = RGBColor(108, 152, 212);
pub const GRID: RGBColor = RGBColor(230, 234, 240);
pub const AXIS: RGBColor = RGBColor(130, 138, 150);
pub const INK: RGBColor = RGBColor(45, 52, 64);
pub const MUTED: RGBColor = RGBColor(95, 104, 118);

/// Longest category label drawn before it is cut with `…`.
pub const MAX_LABEL_CHARS: usize = 24;

pub fn title_style() -> TextStyle<'static> {
    (FONT_FAMILY, 18).into_font().color(&INK)
}

pub fn label_style() -> TextStyle<'static> {
    (FONT_FAMILY, 12).into_font().color(&MUTED)
}

pub fn desc_style() -> TextStyle<'static> {
    (FONT_FAMILY, 13).into_font().color(&INK)
}

pub fn value_style() -> TextStyle<'static> {
    (FONT_FAMILY, 11).into_font().color(&MUTED)
}

pub fn centered(s: TextStyle<'static>) -> TextStyle<'static> {
    s.pos(Pos::new(HPos::Center, VPos::Center))
}

/// Text as drawn in a plot: control characters removed and cut to a readable length.
pub fn plot_text(s: &str, max: usize) -> String {
    crate::escape::truncate_chars(crate::escape::terminal_safe(s).trim(), max)
}

pub fn title_text(s: &str) -> String {
    plot_text(s, 64)
}
