//! `--image-root`: checks that every referenced image exists and decodes, and measures it.
//!
//! Each distinct reference is opened and fully decoded once (a truncated JPEG often has a
//! valid header, so reading the dimensions alone would miss it); the result is kept by
//! the reference's hash, so a dataset that reuses a few images across many samples costs
//! one decode per image. The facts go to the metrics of
//! `ftqa_metrics::images::files::image_metrics` (`images.files`, `images.resolution`,
//! `hygiene.image_missing`, `hygiene.image_corrupt`), which aggregate them.
//!
//! The same decode gives each image its content key ([`content_key`]), which the stage
//! sets on the records ([`Record::image_keys`]) before any metric sees them, so dedup
//! (`dedup.*`, and `ftqa dedup --image-root` through [`ImageChecker::annotate`]) and
//! `images.duplicate` tell pictures apart by their pixels rather than their file names.

use crate::load::LoadEvent;
use crate::stage::Stage;
use ftqa_metrics::dedup::images::reference_key;
use ftqa_metrics::images::files::{image_metrics, ImageFact, ImageMetric, ImageStatus};
use ftqa_metrics::record::Record;
use ftqa_metrics::registry::AnalysisConfig;
use ftqa_metrics::result::{DatasetInfo, Outputs};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use xxhash_rust::xxh3::{xxh3_64, Xxh3};

/// What the checker found for one reference: the status the metrics see, and the key
/// dedup compares the image by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inspected {
    pub status: ImageStatus,
    /// [`content_key`] of the decoded picture, or the reference's key
    /// ([`reference_key`]) when there is no picture (missing, corrupt, a URL).
    pub key: u64,
}

pub struct ImageChecker {
    root: PathBuf,
    seen: HashMap<u64, Inspected>,
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
        let checked: Vec<(u64, Inspected)> = todo
            .par_iter()
            .map(|&(key, reference)| (key, inspect(root, reference)))
            .collect();
        self.seen.extend(checked);
    }

    fn inspected(&mut self, reference: &str) -> &Inspected {
        self.seen
            .entry(xxh3_64(reference.as_bytes()))
            .or_insert_with(|| inspect(&self.root, reference))
    }

    pub fn check(&mut self, r: &Record) -> Vec<ImageFact> {
        r.images
            .iter()
            .map(|reference| ImageFact {
                reference: reference.clone(),
                status: self.inspected(reference).status.clone(),
            })
            .collect()
    }

    /// Decodes the batch's new images (in parallel) and sets every record's
    /// [`Record::image_keys`]: what `ftqa report`'s stage and `ftqa dedup --image-root` do
    /// before anything compares records.
    pub fn annotate(&mut self, batch: &mut [LoadEvent]) {
        self.prefetch(batch.iter().filter_map(|e| match e {
            LoadEvent::Record(r) => Some(r),
            LoadEvent::Skip(_) => None,
        }));
        for e in batch {
            if let LoadEvent::Record(r) = e {
                let keys: Vec<u64> = r.images.iter().map(|i| self.inspected(i).key).collect();
                r.image_keys = keys;
            }
        }
    }
}

/// The `images.files` pipeline stage ([`crate::stage`]), present with `--image-root`: it
/// checks each record's images and feeds `images.files.*`, `images.resolution.*`,
/// `hygiene.image_missing.*` and `hygiene.image_corrupt.*`, and gives records the content
/// keys `images.duplicate.*` and `dedup.*` compare by, so it runs when `--only`/`--skip`
/// select any of those, unless `--skip images.files` (or `images`; dedup then compares
/// images by reference). Deselected, it opens no file.
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
    /// The families whose image comparisons use the content keys it sets are fed too:
    /// with `--image-root`, `--only dedup.near` still compares pictures by content.
    fn feeds(&self) -> &'static [&'static str] {
        &[
            "images.files",
            "images.resolution",
            "hygiene.image_missing",
            "hygiene.image_corrupt",
            "images.duplicate",
            "dedup.exact",
            "dedup.near",
            "dedup.semantic",
        ]
    }
    fn annotate(&mut self, batch: &mut [LoadEvent]) -> anyhow::Result<()> {
        self.checker.annotate(batch);
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
    inspect(root, reference).status
}

/// Opens and decodes the image `reference` points to: its status and its key.
pub fn inspect(root: &Path, reference: &str) -> Inspected {
    let by_reference = |status| Inspected {
        status,
        key: reference_key(reference),
    };
    let Some(path) = resolve(root, reference) else {
        return by_reference(ImageStatus::Unchecked);
    };
    match std::fs::metadata(&path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return by_reference(ImageStatus::Missing)
        }
        Err(e) => return by_reference(ImageStatus::Corrupt(format!("cannot read: {e}"))),
        Ok(m) if m.is_dir() => return by_reference(ImageStatus::Corrupt("is a folder".into())),
        Ok(_) => {}
    }
    let decoded = image::io::Reader::open(&path)
        .and_then(|r| r.with_guessed_format())
        .map_err(|e| e.to_string())
        .and_then(|r| r.decode().map_err(|e| e.to_string()));
    match decoded {
        Ok(img) => Inspected {
            status: ImageStatus::Ok {
                width: img.width(),
                height: img.height(),
            },
            key: content_key(img),
        },
        Err(e) => by_reference(ImageStatus::Corrupt(e)),
    }
}

/// The key of a decoded picture: a hash of its width, height and pixels as 8-bit RGBA
/// (row by row). The same picture saved under two names, or re-saved losslessly (PNG
/// with other compression settings, RGB as RGBA with opaque alpha, lossless WebP or BMP),
/// has one key; a lossy re-encode (JPEG at another quality) changes pixels and so the
/// key, as does any resize or crop. Deeper-than-8-bit images are compared at 8 bits.
pub fn content_key(img: image::DynamicImage) -> u64 {
    let (w, h) = (img.width(), img.height());
    let rgba = img.into_rgba8();
    let mut x = Xxh3::new();
    x.update(b"pixels\0");
    x.update(&w.to_le_bytes());
    x.update(&h.to_le_bytes());
    x.update(rgba.as_raw());
    x.digest()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_keys_follow_pixels_and_size_not_files() {
        use image::{DynamicImage, Rgb, RgbImage};
        let rgb = RgbImage::from_fn(5, 3, |x, y| Rgb([x as u8 * 40, y as u8 * 70, 9]));
        let key = content_key(DynamicImage::ImageRgb8(rgb.clone()));
        // The same pixels stored as RGBA (opaque) are the same picture.
        let rgba = DynamicImage::ImageRgb8(rgb.clone()).to_rgba8();
        assert_eq!(key, content_key(DynamicImage::ImageRgba8(rgba)));
        let mut other = rgb.clone();
        other.put_pixel(0, 0, Rgb([1, 2, 3]));
        assert_ne!(key, content_key(DynamicImage::ImageRgb8(other)));
        // The same bytes in another shape are another picture.
        let reshaped = RgbImage::from_raw(3, 5, rgb.as_raw().clone()).unwrap();
        assert_ne!(key, content_key(DynamicImage::ImageRgb8(reshaped)));
        // On disk: one picture under two names has one key; a missing file is keyed by
        // its reference, never like a picture.
        let dir = tempfile::tempdir().unwrap();
        rgb.save(dir.path().join("a.png")).unwrap();
        rgb.save(dir.path().join("b.bmp")).unwrap();
        let a = inspect(dir.path(), "a.png");
        assert_eq!(
            a.status,
            ImageStatus::Ok {
                width: 5,
                height: 3
            }
        );
        assert_eq!(a.key, key);
        assert_eq!(inspect(dir.path(), "b.bmp").key, key);
        let gone = inspect(dir.path(), "gone.png");
        assert_eq!(gone.status, ImageStatus::Missing);
        assert_eq!(gone.key, reference_key("gone.png"));
    }

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
