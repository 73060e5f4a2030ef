//! The one font every plot uses, embedded so plots render without system fonts.
//!
//! DejaVu Sans (Bitstream Vera licence, see `assets/DejaVuSans-LICENSE`) is registered with
//! plotters' ab_glyph backend under the family name [`FONT_FAMILY`]. The generic name
//! `sans-serif` is used on purpose: bitmap plots get DejaVu Sans, and SVG plots say
//! `font-family="sans-serif"`, which every browser can resolve.

use plotters::style::FontStyle;
use std::sync::Once;

/// Family name under which the embedded font is registered; use it for all plot text.
pub const FONT_FAMILY: &str = "sans-serif";

static FONT_BYTES: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");
static REGISTER: Once = Once::new();

/// Registers the embedded font (once per process). Call before drawing anything.
pub fn ensure_font() {
    REGISTER.call_once(|| {
        // The bytes are a known-good TTF compiled into the binary; failure would be a build bug.
        if plotters::style::register_font(FONT_FAMILY, FontStyle::Normal, FONT_BYTES).is_err() {
            panic!("embedded DejaVuSans.ttf could not be parsed");
        }
    });
}
