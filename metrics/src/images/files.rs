//! Referenced image files: do they exist, do they decode, at what resolution.
//!
//! Reading files is IO, so the checking happens in the CLI's `--image-root` phase
//! (src/image_check.rs); it hands each record's facts to [`ImageFiles`], which only
//! aggregates. The registered metric exists so the ids are documented with the rest; it
//! observes nothing itself.

use crate::examples::ExampleSink;
use crate::record::Record;
use crate::registry::{AnalysisConfig, Direction, Metric, MetricDoc, MetricSpec, Provenance};
use crate::result::Outputs;
use crate::stats::{rate, IntDist};

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
        d("hygiene.image_missing.count", "Samples referencing at least one missing image file (with --image-root).", LowerIsBetter),
        d("hygiene.image_missing.rate", "hygiene.image_missing.count / samples with at least one checked image reference.", LowerIsBetter),
        d("hygiene.image_corrupt.count", "Samples referencing at least one image file that does not decode (with --image-root).", LowerIsBetter),
        d("hygiene.image_corrupt.rate", "hygiene.image_corrupt.count / samples with at least one checked image reference.", LowerIsBetter),
        d("images.resolution.<side>.<stat>", "Pixel width or height (side: width, height, short_side) of the distinct images that decode; stat is mean, median, p5, p95, min or max.", Neutral),
        d("images.resolution.megapixels.mean", "Mean megapixels (width × height / 10^6) of the distinct images that decode.", Neutral),
    ]
}

fn make(_: &AnalysisConfig) -> Box<dyn Metric> {
    Box::new(Documented)
}

struct Documented;

impl Metric for Documented {
    fn observe(&mut self, _: &Record) {}
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
    /// First time this reference was seen in the run, so per-file statistics count each
    /// file once however many samples use it.
    pub first_seen: bool,
}

pub struct ImageFiles {
    root: String,
    samples: u64,
    missing_samples: u64,
    corrupt_samples: u64,
    files: [u64; 4],
    width: IntDist,
    height: IntDist,
    short_side: IntDist,
    pixels: f64,
    missing_examples: ExampleSink,
    corrupt_examples: ExampleSink,
}

impl ImageFiles {
    pub fn new(root: &str, c: &AnalysisConfig) -> Self {
        ImageFiles {
            root: root.to_string(),
            samples: 0,
            missing_samples: 0,
            corrupt_samples: 0,
            files: [0; 4],
            width: IntDist::default(),
            height: IntDist::default(),
            short_side: IntDist::default(),
            pixels: 0.0,
            missing_examples: ExampleSink::new(
                "hygiene.image_missing.count",
                "Samples referencing missing image files",
                c.max_examples,
                c.example_chars,
            ),
            corrupt_examples: ExampleSink::new(
                "hygiene.image_corrupt.count",
                "Samples referencing image files that do not decode",
                c.max_examples,
                c.example_chars,
            ),
        }
    }

    pub fn observe(&mut self, r: &Record, facts: &[ImageFact]) {
        let mut checked = false;
        let mut missing: Vec<&str> = Vec::new();
        let mut corrupt: Vec<(&str, &str)> = Vec::new();
        for f in facts {
            if f.first_seen {
                let slot = match &f.status {
                    ImageStatus::Ok { width, height } => {
                        self.width.add(u64::from(*width));
                        self.height.add(u64::from(*height));
                        self.short_side.add(u64::from((*width).min(*height)));
                        self.pixels += f64::from(*width) * f64::from(*height);
                        0
                    }
                    ImageStatus::Missing => 1,
                    ImageStatus::Corrupt(_) => 2,
                    ImageStatus::Unchecked => 3,
                };
                self.files[slot] += 1;
            }
            match &f.status {
                ImageStatus::Missing => missing.push(&f.reference),
                ImageStatus::Corrupt(why) => corrupt.push((&f.reference, why)),
                _ => {}
            }
            checked |= f.status != ImageStatus::Unchecked;
        }
        if !checked {
            return;
        }
        self.samples += 1;
        let shown = r.instruction().unwrap_or("");
        if !missing.is_empty() {
            self.missing_samples += 1;
            self.missing_examples
                .push(r, shown, Some(format!("missing: {}", missing.join(", "))));
        }
        if !corrupt.is_empty() {
            self.corrupt_samples += 1;
            let list: Vec<String> = corrupt
                .iter()
                .map(|(p, why)| format!("{p} ({why})"))
                .collect();
            self.corrupt_examples.push(
                r,
                shown,
                Some(format!("does not decode: {}", list.join(", "))),
            );
        }
    }

    pub fn finish(self, out: &mut Outputs) {
        let [ok, missing, corrupt, unchecked] = self.files;
        out.set("images.files.checked", (ok + missing + corrupt) as f64);
        out.set("images.files.ok", ok as f64);
        out.set("images.files.missing", missing as f64);
        out.set("images.files.corrupt", corrupt as f64);
        out.set("images.files.unchecked", unchecked as f64);
        if self.samples > 0 {
            out.set("hygiene.image_missing.count", self.missing_samples as f64);
            out.set(
                "hygiene.image_missing.rate",
                rate(self.missing_samples, self.samples),
            );
            out.set("hygiene.image_corrupt.count", self.corrupt_samples as f64);
            out.set(
                "hygiene.image_corrupt.rate",
                rate(self.corrupt_samples, self.samples),
            );
        }
        self.width.write_summary("images.resolution.width", out);
        self.height.write_summary("images.resolution.height", out);
        self.short_side
            .write_summary("images.resolution.short_side", out);
        if ok > 0 {
            out.set(
                "images.resolution.megapixels.mean",
                self.pixels / ok as f64 / 1e6,
            );
            out.distributions.push(self.short_side.log_histogram(
                "images.resolution.short_side",
                "Image resolution (shorter side, pixels)",
                "pixels",
            ));
        }
        out.examples.extend(self.missing_examples.into_group());
        out.examples.extend(self.corrupt_examples.into_group());
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Origin;

    fn fact(r: &str, status: ImageStatus, first: bool) -> ImageFact {
        ImageFact {
            reference: r.into(),
            status,
            first_seen: first,
        }
    }

    #[test]
    fn samples_and_files_are_counted_separately() {
        let mut agg = ImageFiles::new("/data", &AnalysisConfig::default());
        let r = Record::new(
            "a",
            Origin {
                file: "f".into(),
                line: Some(1),
                index: 0,
            },
        );
        agg.observe(
            &r,
            &[
                fact(
                    "a.png",
                    ImageStatus::Ok {
                        width: 40,
                        height: 30,
                    },
                    true,
                ),
                fact("gone.png", ImageStatus::Missing, true),
            ],
        );
        agg.observe(
            &r,
            &[fact(
                "a.png",
                ImageStatus::Ok {
                    width: 40,
                    height: 30,
                },
                false,
            )],
        );
        agg.observe(
            &r,
            &[
                fact("bad.jpg", ImageStatus::Corrupt("truncated".into()), true),
                fact("gone.png", ImageStatus::Missing, false),
            ],
        );
        agg.observe(&r, &[fact("http://x/y.png", ImageStatus::Unchecked, true)]);
        let mut out = Outputs::default();
        agg.finish(&mut out);
        assert_eq!(out.get("images.files.checked"), Some(3.0));
        assert_eq!(out.get("images.files.missing"), Some(1.0));
        assert_eq!(out.get("hygiene.image_missing.count"), Some(2.0));
        assert_eq!(out.get("hygiene.image_corrupt.count"), Some(1.0));
        assert_eq!(out.get("hygiene.image_missing.rate"), Some(2.0 / 3.0));
        assert_eq!(out.get("images.resolution.width.mean"), Some(40.0));
        assert_eq!(out.get("images.resolution.short_side.max"), Some(30.0));
    }
}
