//! A progress bar on stderr for long runs; invisible when stderr is not a terminal.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;

pub struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    pub fn new(enabled: bool, total_bytes: u64) -> Self {
        if !enabled || !std::io::stderr().is_terminal() || total_bytes == 0 {
            return Progress { bar: None };
        }
        Progress {
            bar: Some(bar(
                total_bytes,
                "{spinner} {bar:30} {bytes}/{total_bytes} {msg} ({eta})",
            )),
        }
    }

    /// A bar counting `total` items of some work after the pass (`what`, e.g. "records"),
    /// advanced with [`Progress::inc`].
    pub fn count(enabled: bool, total: u64, what: &str) -> Self {
        if !enabled || !std::io::stderr().is_terminal() || total == 0 {
            return Progress { bar: None };
        }
        let bar = bar(total, "{spinner} {bar:30} {pos}/{len} {msg} ({eta})");
        bar.set_message(what.to_string());
        Progress { bar: Some(bar) }
    }

    pub fn inc(&self) {
        if let Some(b) = &self.bar {
            b.inc(1);
        }
    }

    pub fn set(&self, bytes: u64, records: u64) {
        if let Some(b) = &self.bar {
            b.set_position(bytes);
            b.set_message(format!("{records} records"));
        }
    }

    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

/// A bar of `total` on stderr, redrawn at most 4 times a second.
fn bar(total: u64, template: &str) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr_with_hz(4));
    bar.set_style(
        ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}
