//! Writes the report directory: `report.json`, `report.md`, `report.html`, and
//! `plots/<distribution id>.svg` and `.png`.

use crate::html::render_html_with;
use crate::json::render_json;
use crate::markdown::render_markdown_with;
use crate::plots::{plot_png, plot_svg};
use crate::scorecard::Scorecard;
use ftqa_metrics::result::{Distribution, Report};
use std::collections::HashSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// The files [`write_report_dir`] wrote, in the order written.
#[derive(Clone, Debug, Default)]
pub struct Written {
    pub files: Vec<PathBuf>,
}

/// Creates `dir` (and parents) and writes every report file into it, replacing old ones.
pub fn write_report_dir(report: &Report, dir: &Path) -> io::Result<Written> {
    write_report_dir_with(report, dir, None)
}

/// [`write_report_dir`] with threshold results shown as traffic lights in the HTML and
/// Markdown (`ftqa report --config`, `ftqa check -o`).
pub fn write_report_dir_with(
    report: &Report,
    dir: &Path,
    scorecard: Option<&Scorecard>,
) -> io::Result<Written> {
    fs::create_dir_all(dir)?;
    let mut written = Written::default();
    let mut put = |name: &str, body: String| -> io::Result<()> {
        let path = dir.join(name);
        fs::write(&path, body)?;
        written.files.push(path);
        Ok(())
    };
    let mut json = render_json(report);
    json.push('\n');
    put("report.json", json)?;
    put("report.md", render_markdown_with(report, scorecard))?;
    put("report.html", render_html_with(report, scorecard))?;
    write_plots(
        &report.distributions.iter().collect::<Vec<_>>(),
        dir,
        &mut written,
    )?;
    Ok(written)
}

/// Writes `plots/<id>.svg` and `.png` for each distribution.
pub fn write_plots(
    distributions: &[&Distribution],
    dir: &Path,
    written: &mut Written,
) -> io::Result<()> {
    if !distributions.is_empty() {
        let plots = dir.join("plots");
        fs::create_dir_all(&plots)?;
        let mut used = HashSet::new();
        for d in distributions {
            let stem = unique_stem(&plot_file_stem(d.id()), &mut used);
            let svg_path = plots.join(format!("{stem}.svg"));
            let svg = plot_svg(d).map_err(|e| plot_error(d.id(), e))?;
            fs::write(&svg_path, svg)?;
            written.files.push(svg_path);
            let png_path = plots.join(format!("{stem}.png"));
            plot_png(d, &png_path).map_err(|e| plot_error(d.id(), e))?;
            written.files.push(png_path);
        }
    }
    Ok(())
}

fn plot_error(id: &str, e: String) -> io::Error {
    io::Error::other(format!("plot {id}: {e}"))
}

/// A file name stem for a distribution id: ASCII letters, digits, `.`, `_` and `-` only,
/// never starting with a dot.
pub fn plot_file_stem(id: &str) -> String {
    let s: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let s = s.trim_start_matches('.').to_string();
    if s.is_empty() {
        "plot".to_string()
    } else {
        s
    }
}

fn unique_stem(stem: &str, used: &mut HashSet<String>) -> String {
    let mut candidate = stem.to_string();
    let mut n = 2;
    while !used.insert(candidate.clone()) {
        candidate = format!("{stem}-{n}");
        n += 1;
    }
    candidate
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_stems_are_safe_and_unique() {
        assert_eq!(
            plot_file_stem("length.response.words"),
            "length.response.words"
        );
        assert_eq!(plot_file_stem("../x/<y>"), "_x__y_");
        let mut used = HashSet::new();
        assert_eq!(unique_stem("a", &mut used), "a");
        assert_eq!(unique_stem("a", &mut used), "a-2");
    }
}
