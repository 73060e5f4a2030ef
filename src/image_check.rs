//! `--image-root`: checks that every referenced image exists and decodes, and measures it.
//!
//! Each distinct reference is opened and fully decoded once (a truncated JPEG often has a
//! valid header, so reading the dimensions alone would miss it); the result is kept by
//! the reference's hash, so a dataset that reuses a few images across many samples costs
//! one decode per image. The facts go to the metrics of
//! `ftqa_metrics::images::files::image_metrics` (`images.files`, `images.resolution`,
//! `hygiene.image_missing`, `hygiene.image_corrupt`), which aggregate them.

use crate::stage::Stage;
use ftqa_metrics::images::files::{image_metrics, ImageFact, ImageMetric, ImageStatus};
use ftqa_metrics::record::Record;
use ftqa_metrics::registry::AnalysisConfig;
use ftqa_metrics::result::{DatasetInfo, Outputs};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use xxhash_rust::xxh3::xxh3_64;

pub struct ImageChecker {
    root: PathBuf,
    seen: HashMap<u64, ImageStatus>,
}

impl ImageChecker {
    pub fn new(root: &Path) -> Self {
        ImageChecker {
            root: root.to_path_buf(),
            seen: HashMap::new(),
        }
    }

    /// Opens and decodes, on the rayon pool (`--threads`), every image of `records` not
    /// seen before, so [`ImageChecker::check`] then finds them all decoded. Decoding is
    /// the expensive part of the stage and each file's result depends only on the file.
    pub fn prefetch<'a>(&mut self, records: impl Iterator<Item = &'a Record>) {
        use rayon::prelude::*;
        let mut todo: Vec<(u64, &str)> = Vec::new();
        let mut queued = std::collections::HashSet::new();
        for reference in records.flat_map(|r| r.images.iter()) {
            let key = xxh3_64(reference.as_bytes());
            if !self.seen.contains_key(&key) && queued.insert(key) {
                todo.push((key, reference));
            }
        }
        let root = &self.root;
        let checked: Vec<(u64, ImageStatus)> = todo
            .par_iter()
            .map(|&(key, reference)| (key, check_one(root, reference)))
            .collect();
        self.seen.extend(checked);
    }

    pub fn check(&mut self, r: &Record) -> Vec<ImageFact> {
        r.images
            .iter()
            .map(|reference| {
                let key = xxh3_64(reference.as_bytes());
                let status = self
                    .seen
                    .entry(key)
                    .or_insert_with(|| check_one(&self.root, reference))
                    .clone();
                ImageFact {
                    reference: reference.clone(),
                    status,
                }
            })
            .collect()
    }
}

/// The `images.files` pipeline stage ([`crate::stage`]), present with `--image-root`: it
/// checks each record's images and feeds `images.files.*`, `images.resolution.*`,
/// `hygiene.image_missing.*` and `hygiene.image_corrupt.*`, so it runs when
/// `--only`/`--skip` select any of those, unless `--skip images.files` (or `images`).
/// Deselected, it opens no file.
pub struct ImageStage {
    checker: ImageChecker,
    /// What the metrics were made from, to make fresh ones for saved states.
    root: String,
    analysis: AnalysisConfig,
    /// The fed metrics `--only`/`--skip` select, in registry order; all share one check
    /// per distinct image.
    metrics: Vec<Box<dyn ImageMetric>>,
}

impl ImageStage {
    pub fn new(root: &Path, analysis: &AnalysisConfig) -> Self {
        // A family runs when selected as a metric family is (`wants` also takes an
        // `--only` id inside it, as `crate::stage::selected` does for the stage).
        ImageStage {
            checker: ImageChecker::new(root),
            root: root.display().to_string(),
            analysis: analysis.clone(),
            metrics: image_metrics(&root.display().to_string(), analysis, |family| {
                analysis.wants(family)
            }),
        }
    }
}

impl Stage for ImageStage {
    fn name(&self) -> &'static str {
        "images.files"
    }
    fn feeds(&self) -> &'static [&'static str] {
        &[
            "images.files",
            "images.resolution",
            "hygiene.image_missing",
            "hygiene.image_corrupt",
        ]
    }
    fn annotate(&mut self, batch: &mut [crate::load::LoadEvent]) -> anyhow::Result<()> {
        self.checker.prefetch(batch.iter().filter_map(|e| match e {
            crate::load::LoadEvent::Record(r) => Some(r),
            crate::load::LoadEvent::Skip(_) => None,
        }));
        Ok(())
    }
    fn observe(&mut self, r: &Record) {
        let facts = self.checker.check(r);
        for m in &mut self.metrics {
            m.observe(r, &facts);
        }
    }
    /// The fed metrics' states, in order; the per-file lookup cache is not state.
    fn save(&self) -> Result<Vec<u8>, String> {
        let states = self
            .metrics
            .iter()
            .map(|m| m.save())
            .collect::<Result<Vec<_>, _>>()?;
        ftqa_metrics::state::encode(&states)
    }
    fn absorb(&mut self, saved: &[u8]) -> Result<(), String> {
        let states: Vec<Vec<u8>> = ftqa_metrics::state::decode(saved)?;
        let fresh = image_metrics(&self.root, &self.analysis, |f| self.analysis.wants(f));
        if states.len() != self.metrics.len() || fresh.len() != states.len() {
            return Err("the saved image metrics do not line up with these settings".into());
        }
        for ((m, mut f), bytes) in self.metrics.iter_mut().zip(fresh).zip(&states) {
            f.load(bytes)?;
            m.merge_box(f);
        }
        Ok(())
    }
    fn finish(self: Box<Self>, out: &mut Outputs, _: &mut DatasetInfo) -> Vec<String> {
        for m in self.metrics {
            m.finish(out);
        }
        Vec::new()
    }
}

/// Where a reference points: relative paths are under the root, `file://` URLs and
/// absolute paths are taken as they are; URLs and embedded bytes are not files.
pub fn resolve(root: &Path, reference: &str) -> Option<PathBuf> {
    let r = reference.trim();
    let lower = r.to_ascii_lowercase();
    if r.is_empty()
        || lower.starts_with("http://")
        || lower.starts_with("https://")
        || lower.starts_with("data:")
        || r.starts_with('<')
    {
        return None;
    }
    let r = r.strip_prefix("file://").unwrap_or(r);
    let p = Path::new(r);
    Some(if p.is_absolute() {
        p.to_path_buf()
    } else {
        root.join(p)
    })
}

pub fn check_one(root: &Path, reference: &str) -> ImageStatus {
    let Some(path) = resolve(root, reference) else {
        return ImageStatus::Unchecked;
    };
    match std::fs::metadata(&path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return ImageStatus::Missing,
        Err(e) => return ImageStatus::Corrupt(format!("cannot read: {e}")),
        Ok(m) if m.is_dir() => return ImageStatus::Corrupt("is a folder".into()),
        Ok(_) => {}
    }
    let decoded = image::io::Reader::open(&path)
        .and_then(|r| r.with_guessed_format())
        .map_err(|e| e.to_string())
        .and_then(|r| r.decode().map_err(|e| e.to_string()));
    match decoded {
        Ok(img) => ImageStatus::Ok {
            width: img.width(),
            height: img.height(),
        },
        Err(e) => ImageStatus::Corrupt(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_resolve_against_the_root() {
        let root = Path::new("/data");
        assert_eq!(
            resolve(root, "imgs/a.png"),
            Some(PathBuf::from("/data/imgs/a.png"))
        );
        assert_eq!(
            resolve(root, "/abs/b.jpg"),
            Some(PathBuf::from("/abs/b.jpg"))
        );
        assert_eq!(
            resolve(root, "file:///abs/c.jpg"),
            Some(PathBuf::from("/abs/c.jpg"))
        );
        assert_eq!(resolve(root, "https://x.org/d.png"), None);
        assert_eq!(resolve(root, "<bytes>"), None);
    }
}
