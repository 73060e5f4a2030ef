//! Renders an ftqa [`Report`](ftqa_metrics::result::Report): `report.json`, a Markdown
//! summary, a self-contained HTML page with inline SVG plots, PNG plots, and a terminal
//! summary. Renderers only present what the report holds; they never compute metrics.

pub mod docs;
pub mod escape;
pub mod font;
pub mod format;
pub mod headline;
pub mod html;
pub mod json;
pub mod markdown;
pub mod plots;
pub mod sections;
pub mod summary;
pub mod terminal;
pub mod write;

pub use escape::html_escape;
pub use html::render_html;
pub use json::render_json;
pub use markdown::render_markdown;
pub use plots::{plot_png, plot_svg};
pub use terminal::render_terminal;
pub use write::{write_report_dir, Written};

#[cfg(test)]
mod tests;
