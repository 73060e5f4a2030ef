//! Renders an ftqa [`Report`](ftqa_metrics::result::Report): `report.json`, a Markdown
//! summary, a self-contained HTML page with inline SVG plots, PNG plots, and a terminal
//! summary. Renderers only present what the report holds; they never compute metrics.

pub mod compare;
pub mod docs;
pub mod escape;
pub mod font;
pub mod format;
pub mod headline;
pub mod html;
mod html_indices;
mod html_scores;
pub mod indices;
pub mod json;
pub mod markdown;
pub mod per_task;
pub mod plots;
pub mod scorecard;
pub mod sections;
pub mod summary;
pub mod terminal;
pub mod write;

pub use escape::html_escape;
pub use html::{render_html, render_html_with};
pub use json::render_json;
pub use markdown::{render_markdown, render_markdown_with};
pub use plots::{plot_png, plot_svg};
pub use scorecard::{ScoreItem, Scorecard, Status};
pub use terminal::render_terminal;
pub use write::{write_report_dir, write_report_dir_with, Written};

#[cfg(test)]
mod tests;
