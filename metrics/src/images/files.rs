//! Referenced image files: how many distinct files were looked up, and what was found.
//!
//! Reading files is IO, so the checking happens in the CLI's `--image-root` stage
//! (src/image_check.rs), once per distinct reference; it hands each record's facts to the
//! [`ImageMetric`]s of [`image_metrics`], which only aggregate: `images.files` (here),
//! [`crate::hygiene::image_missing`], [`crate::hygiene::image_corrupt`] and
//! [`crate::images::resolution`]. Their registered specs exist so the ids are documented
//! with the rest and selected by `--only`/`--skip`; they observe nothing themselves.

use crate::record::Record;
use crate::registry::{
    merged, AnalysisConfig, Direction, Metric, MetricDoc, MetricSpec, Provenance,
};
use crate::result::Outputs;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use xxhash_rust::xxh3::xxh3_64;

pub const SPEC: MetricSpec = MetricSpec {
    module: module_path!(),
    family: "images.files",
    docs,
    make,
};

fn docs() -> Vec<MetricDoc> {
    use Direction::*;
    let d = |id, definition, direction| MetricDoc {
        id,
        definition,
        direction,
        provenance: Provenance::Basic,
    };
    vec![
        d("images.files.checked", "Distinct image references looked up under --image-root (relative paths are resolved against it; absolute paths are used as they are).", Neutral),
        d("images.files.ok", "Distinct referenced images that exist and decode.", Neutral),
        d("images.files.missing", "Distinct referenced images with no file at the resolved path.", LowerIsBetter),
        d("images.files.corrupt", "Distinct referenced images whose file exists but does not decode (truncated, not an image, unsupported format), by the `image` crate.", LowerIsBetter),
        d("images.files.unchecked", "Distinct references that are not files (http(s) URLs, embedded bytes), not looked up.", Neutral),
    ]
}

fn make(_: &AnalysisConfig) -> Box<dyn Metric> {
    Box::new(StageFed)
}

/// The registered state of a family the `--image-root` stage feeds: it observes no record
/// itself (the stage's [`ImageMetric`]s do), so it has nothing to merge, save or write.
#[derive(Serialize, Deserialize)]
pub struct StageFed;

impl Metric for StageFed {
    fn observe(&mut self, _: &Record) {}
    fn merge(&mut self, other: Box<dyn Metric>) {
        let StageFed = merged(other);
    }
    crate::whole_state!();
    fn finish(self: Box<Self>, _: &mut Outputs) {}
}

/// What the checker found for one image reference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ImageStatus {
    Ok {
        width: u32,
        height: u32,
    },
    Missing,
    Corrupt(String),
    /// A URL or embedded bytes: not a file to look up.
    Unchecked,
}

#[derive(Clone, Debug)]
pub struct ImageFact {
    pub reference: String,
    pub status: ImageStatus,
}

impl ImageFact {
    /// The key per-file statistics count a file by, once however many samples use it
    /// and however the records were split: a reference always has the same status.
    pub fn key(&self) -> u64 {
        xxh3_64(self.reference.as_bytes())
    }
}

/// Whether a sample has at least one image reference that was looked up: the
/// denominator of the per-sample hygiene rates.
pub fn any_checked(facts: &[ImageFact]) -> bool {
    facts.iter().any(|f| f.status != ImageStatus::Unchecked)
}

/// A metric fed by the `--image-root` stage with each record and the facts about its
/// images. States merge, save and load like [`Metric`] states (any split, any order, same
/// output).
pub trait ImageMetric: Send + std::any::Any {
    fn observe(&mut self, r: &Record, facts: &[ImageFact]);
    fn merge(&mut self, other: Self)
    where
        Self: Sized;
    /// The state, for a partial result file, as [`Metric::save`].
    fn save(&self) -> Result<Vec<u8>, String>;
    /// Replaces the state of this fresh instance with a saved one, as [`Metric::load`].
    fn load(&mut self, saved: &[u8]) -> Result<(), String>;
    /// [`ImageMetric::merge`] through the trait object (the stage holds boxes): folds in
    /// another instance of the same metric ([`merged_image`] recovers its type).
    fn merge_box(&mut self, other: Box<dyn ImageMetric>);
    fn finish(self: Box<Self>, out: &mut Outputs);
}

/// The concrete state behind another instance of the same image metric. Merging two
/// different metrics is a bug in the caller, hence the panic.
pub fn merged_image<T: ImageMetric>(other: Box<dyn ImageMetric>) -> T {
    let any: Box<dyn std::any::Any> = other;
    match any.downcast::<T>() {
        Ok(t) => *t,
        Err(_) => panic!(
            "merge of {} with a different image metric",
            std::any::type_name::<T>()
        ),
    }
}

/// The metrics the stage feeds, in registry order, those whose family `wanted` rejects
/// left out.
pub fn image_metrics(
    root: &str,
    c: &AnalysisConfig,
    wanted: impl Fn(&str) -> bool,
) -> Vec<Box<dyn ImageMetric>> {
    let mut m: Vec<Box<dyn ImageMetric>> = Vec::new();
    if wanted(SPEC.family) {
        m.push(Box::new(FileCounts::new(root)));
    }
    if wanted(crate::hygiene::image_missing::SPEC.family) {
        m.push(Box::new(crate::hygiene::image_missing::new(c)));
    }
    if wanted(crate::hygiene::image_corrupt::SPEC.family) {
        m.push(Box::new(crate::hygiene::image_corrupt::new(c)));
    }
    if wanted(crate::images::resolution::SPEC.family) {
        m.push(Box::new(crate::images::resolution::Resolution::default()));
    }
    m
}

/// `images.files.*`: distinct references by what was found.
pub struct FileCounts {
    root: String,
    /// Reference key -> ok, missing, corrupt or unchecked (0..4). A set of distinct
    /// files, so merging is a union; only counts reach the outputs.
    files: HashMap<u64, u8>,
}

impl FileCounts {
    pub fn new(root: &str) -> Self {
        FileCounts {
            root: root.to_string(),
            files: HashMap::new(),
        }
    }
}

impl ImageMetric for FileCounts {
    fn merge_box(&mut self, other: Box<dyn crate::images::files::ImageMetric>) {
        self.merge(crate::images::files::merged_image::<Self>(other));
    }
    fn observe(&mut self, _: &Record, facts: &[ImageFact]) {
        for f in facts {
            let slot = match &f.status {
                ImageStatus::Ok { .. } => 0,
                ImageStatus::Missing => 1,
                ImageStatus::Corrupt(_) => 2,
                ImageStatus::Unchecked => 3,
            };
            self.files.insert(f.key(), slot);
        }
    }

    fn merge(&mut self, other: Self) {
        self.files.extend(other.files);
    }

    /// The distinct files by key, sorted so the same state saves the same bytes; the root
    /// is a setting.
    fn save(&self) -> Result<Vec<u8>, String> {
        let mut files: Vec<(u64, u8)> = self.files.iter().map(|(k, s)| (*k, *s)).collect();
        files.sort_unstable();
        crate::state::encode(&files)
    }

    fn load(&mut self, saved: &[u8]) -> Result<(), String> {
        let files: Vec<(u64, u8)> = crate::state::decode(saved)?;
        self.files = files.into_iter().collect();
        Ok(())
    }

    fn finish(self: Box<Self>, out: &mut Outputs) {
        let mut counts = [0u64; 4];
        for slot in self.files.values() {
            counts[usize::from(*slot)] += 1;
        }
        let [ok, missing, corrupt, unchecked] = counts;
        out.set("images.files.checked", (ok + missing + corrupt) as f64);
        out.set("images.files.ok", ok as f64);
        out.set("images.files.missing", missing as f64);
        out.set("images.files.corrupt", corrupt as f64);
        out.set("images.files.unchecked", unchecked as f64);
        out.methods.insert(
            "images.files".into(),
            format!(
                "--image-root {}: {} distinct image files looked up ({ok} decode, {missing} missing, {corrupt} corrupt), {unchecked} references not looked up (URLs or embedded bytes). Each file is opened and fully decoded once with the image crate (PNG, JPEG, GIF, WebP, BMP).",
                self.root,
                ok + missing + corrupt
            ),
        );
    }
}

/// Test support shared by the stage-fed metrics: a stand-in checker and an adapter that
/// drives an [`ImageMetric`] as a [`Metric`], so `assert_merges` applies.
#[cfg(test)]
pub(crate) mod testing {
    use super::*;
    use crate::record::Role;

    /// What a checker would find, read off the reference's name: `missing…`, `bad…`,
    /// `http…`, else a decodable image whose size follows from the name.
    pub(crate) fn fake_facts(r: &Record) -> Vec<ImageFact> {
        r.images
            .iter()
            .map(|reference| {
                let status = if reference.starts_with("missing") {
                    ImageStatus::Missing
                } else if reference.starts_with("bad") {
                    ImageStatus::Corrupt("truncated".into())
                } else if reference.starts_with("http") {
                    ImageStatus::Unchecked
                } else {
                    let h = xxh3_64(reference.as_bytes());
                    ImageStatus::Ok {
                        width: 16 + (h % 2000) as u32,
                        height: 16 + (h / 2000 % 1500) as u32,
                    }
                };
                ImageFact {
                    reference: reference.clone(),
                    status,
                }
            })
            .collect()
    }

    pub(crate) struct Fed<M>(pub M);

    impl<M: ImageMetric> Metric for Fed<M> {
        fn observe(&mut self, r: &Record) {
            self.0.observe(r, &fake_facts(r));
        }
        fn merge(&mut self, other: Box<dyn Metric>) {
            let o: Fed<M> = merged(other);
            self.0.merge(o.0);
        }
        fn save(&self) -> Result<Vec<u8>, String> {
            self.0.save()
        }
        fn load(&mut self, saved: &[u8]) -> Result<(), String> {
            self.0.load(saved)
        }
        fn finish(self: Box<Self>, out: &mut Outputs) {
            Box::new(self.0).finish(out)
        }
    }

    /// Samples reusing files across records, with every kind of status.
    pub(crate) fn records() -> Vec<Record> {
        let pool = [
            "a.png",
            "b.jpg",
            "missing1.png",
            "bad1.jpg",
            "c.webp",
            "missing2.png",
            "http://x.org/d.png",
            "bad2.png",
            "e.png",
        ];
        (0..40u64)
            .map(|i| {
                let mut r = crate::test_records::record(i, &[(Role::User, "<image> Describe.")]);
                r.images = (0..i % 3 + 1)
                    .map(|k| pool[((i * 7 + k * 3) % pool.len() as u64) as usize].to_string())
                    .collect();
                r
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::testing::*;
    use super::*;
    use crate::test_records::{assert_merges, outputs};

    #[test]
    fn counts_distinct_files_once() {
        let out = outputs(Box::new(Fed(FileCounts::new("/data"))), &records());
        // a, b, c, e decode; two missing; two corrupt; one URL.
        assert_eq!(out.get("images.files.checked"), Some(8.0));
        assert_eq!(out.get("images.files.ok"), Some(4.0));
        assert_eq!(out.get("images.files.missing"), Some(2.0));
        assert_eq!(out.get("images.files.corrupt"), Some(2.0));
        assert_eq!(out.get("images.files.unchecked"), Some(1.0));
        assert!(out.methods["images.files"].contains("--image-root /data"));
    }

    #[test]
    fn merges_like_one_pass() {
        assert_merges(|| Box::new(Fed(FileCounts::new("/data"))), &records());
    }

    #[test]
    fn the_registered_state_saves_nothing() {
        assert_merges(|| make(&AnalysisConfig::default()), &records());
        assert_eq!(make(&AnalysisConfig::default()).save(), Ok(Vec::new()));
    }
}
