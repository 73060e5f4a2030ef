//! The `matching.clip` pipeline stage ([`crate::stage`]): keeps a seeded sample of the
//! records with images during the pass ([`ClipSample`]), and scores it with CLIP after the
//! pass (or, in a part, when the part is saved). It runs when `--only`/`--skip` select
//! `matching.clip`; without `--image-root` it samples nothing and says why the ids are not
//! measured.
//!
//! Parts (`ftqa report --partial`): each part scores its own bottom-k sample when it is
//! saved; `ftqa merge` keeps the bottom-k of the parts' scored candidates, which is the
//! bottom-k of the whole dataset, so the merged report equals one run's. A part that found
//! no weights saves why, and the merged report says so instead of scoring a subset.

use super::ClipConfig;
use crate::stage::{Stage, StageContext};
use ftqa_metrics::matching::clip::{ClipSample, FinishSettings, ModelFacts, SCORE_IDS};
use ftqa_metrics::record::Record;
use ftqa_metrics::registry::AnalysisConfig;
use ftqa_metrics::result::{DatasetInfo, Outputs};
use std::path::{Path, PathBuf};

/// Why the ids are not measured without `--image-root`.
pub const NO_IMAGE_ROOT: &str =
    "needs the image files: pass --image-root DIR (the folder image paths are relative to)";
/// Why they are not measured on data without images.
pub const NO_IMAGES: &str = "the data references no images";

pub struct ClipStage {
    config: ClipConfig,
    root: Option<PathBuf>,
    max_examples: usize,
    example_chars: usize,
    sample: ClipSample,
    /// Where the weights are, once looked up (`Err`: why there are none).
    weights: Option<Result<PathBuf, String>>,
    /// Why the sample cannot be scored, as a part saved it.
    unmeasured: Option<String>,
    /// The model that scored the sample (this run's, or the first part's).
    facts: Option<ModelFacts>,
    /// Print progress on stderr while scoring (on a real model that takes minutes).
    progress: bool,
}

impl ClipStage {
    pub fn new(
        config: &ClipConfig,
        root: Option<&Path>,
        analysis: &AnalysisConfig,
        progress: bool,
    ) -> Self {
        ClipStage {
            // Without images to read there is nothing to score, so nothing to keep.
            sample: ClipSample::new(
                if root.is_some() { config.sample } else { 0 },
                analysis.sample_seed,
            ),
            config: config.clone(),
            root: root.map(Path::to_path_buf),
            max_examples: analysis.max_examples,
            example_chars: analysis.example_chars,
            weights: None,
            unmeasured: None,
            facts: None,
            progress,
        }
    }

    /// Looks the weights up (once): an explicit folder without them is an error, none
    /// found anywhere is a reason.
    fn locate(&mut self) -> anyhow::Result<()> {
        if self.weights.is_none() {
            let flag = self.config.model_dir.as_deref();
            self.weights = Some(match super::locate::find(flag) {
                Ok(d) => Ok(d),
                Err(e) if super::locate::explicit(flag) => return Err(e),
                // One line: "looked in: A: not there; B: not there. Point ftqa at ...".
                Err(e) => Err(format!("{e:#}")
                    .replace(":\n  ", ": ")
                    .replace("\n  ", "; ")
                    .replace('\n', ". ")),
            });
        }
        Ok(())
    }

    /// The sample with every candidate scored, and the model that scored it; `Err` says
    /// why it cannot be scored.
    fn score(&self, weights: &Path) -> Result<(ClipSample, ModelFacts), String> {
        score_sample(
            &self.sample,
            weights,
            self.root.as_deref().unwrap_or(Path::new(".")),
            self.progress,
        )
    }
}

#[cfg(feature = "transformer")]
fn score_sample(
    sample: &ClipSample,
    weights: &Path,
    root: &Path,
    progress: bool,
) -> Result<(ClipSample, ModelFacts), String> {
    use ftqa_metrics::matching::clip::Outcome;
    use std::collections::HashMap;
    let mut line = ScoringProgress::new(progress, sample.pending(), weights);
    let enc = super::model::ClipEncoder::load(weights).map_err(|e| {
        format!(
            "the CLIP weights in {} do not load: {e:#}",
            weights.display()
        )
    })?;
    let facts = ModelFacts {
        model: enc.describe(),
        max_tokens: enc.max_tokens,
        image_size: enc.preprocess.crop as usize,
    };
    // One pass of the image tower per distinct image.
    let mut images: HashMap<String, Result<Vec<f32>, String>> = HashMap::new();
    let scored = sample.scored(|c| {
        line.tick();
        let mut cosines = Vec::new();
        let mut problems = Vec::new();
        let mut text: Option<Vec<f32>> = None;
        for reference in &c.images {
            let emb = images
                .entry(reference.clone())
                .or_insert_with(|| image_embedding(&enc, root, reference));
            let v = match emb {
                Ok(v) => v,
                Err(why) => {
                    problems.push(format!("{reference}: {why}"));
                    continue;
                }
            };
            if text.is_none() {
                match enc.embed_text(&c.text) {
                    Ok(t) => text = Some(t),
                    Err(e) => return Outcome::Unreadable(format!("the text: {e:#}")),
                }
            }
            cosines.push(cosine(text.as_deref().unwrap_or_default(), v));
        }
        if cosines.is_empty() {
            problems.truncate(3);
            return Outcome::Unreadable(problems.join("; "));
        }
        Outcome::Scored {
            score: 100.0 * cosines.iter().sum::<f64>() / cosines.len() as f64,
            images: cosines.len() as u32,
        }
    });
    line.finish(images.len());
    Ok((scored, facts))
}

/// What CLIP will score and from which weights, a bar on a terminal
/// ([`crate::progress::Progress`]), and the time taken: on a CPU a real CLIP takes a
/// sizeable fraction of a second per record.
#[cfg(feature = "transformer")]
struct ScoringProgress {
    enabled: bool,
    bar: crate::progress::Progress,
    done: usize,
    started: std::time::Instant,
}

#[cfg(feature = "transformer")]
impl ScoringProgress {
    fn new(enabled: bool, total: usize, weights: &Path) -> Self {
        let enabled = enabled && total > 0;
        if enabled {
            eprintln!(
                "matching degree (CLIP): scoring {total} sampled records with {} (--clip-sample sets how many; --skip matching leaves it out)",
                weights.display()
            );
        }
        ScoringProgress {
            enabled,
            bar: crate::progress::Progress::count(enabled, total as u64, "records"),
            done: 0,
            started: std::time::Instant::now(),
        }
    }

    /// Called as each record's scoring starts.
    fn tick(&mut self) {
        self.bar.inc();
        self.done += 1;
    }

    fn finish(&self, images: usize) {
        self.bar.finish();
        if self.enabled {
            eprintln!(
                "matching degree (CLIP): {} records, {images} distinct images, in {:.1} s",
                self.done,
                self.started.elapsed().as_secs_f64()
            );
        }
    }
}

#[cfg(not(feature = "transformer"))]
fn score_sample(
    _: &ClipSample,
    _: &Path,
    _: &Path,
    _: bool,
) -> Result<(ClipSample, ModelFacts), String> {
    Err("this ftqa was built without the `transformer` feature, which runs CLIP".into())
}

#[cfg(feature = "transformer")]
fn image_embedding(
    enc: &super::model::ClipEncoder,
    root: &Path,
    reference: &str,
) -> Result<Vec<f32>, String> {
    let path = crate::image_check::resolve(root, reference)
        .ok_or("not a file (a URL or embedded bytes)")?;
    if !path.exists() {
        return Err(format!("missing ({})", path.display()));
    }
    let img = super::preprocess::open(&path)?;
    enc.embed_image(&img).map_err(|e| format!("{e:#}"))
}

/// Cosine of two vectors, in f64.
pub fn cosine(a: &[f32], b: &[f32]) -> f64 {
    let dot: f64 = a.iter().zip(b).map(|(x, y)| *x as f64 * *y as f64).sum();
    let na: f64 = a.iter().map(|x| (*x as f64).powi(2)).sum::<f64>().sqrt();
    let nb: f64 = b.iter().map(|x| (*x as f64).powi(2)).sum::<f64>().sqrt();
    dot / (na * nb)
}

/// What a part saves: why it could not score (if so), the model that scored, the sample.
type Saved = (Option<String>, Option<ModelFacts>, Vec<u8>);

impl Stage for ClipStage {
    fn name(&self) -> &'static str {
        "matching.clip"
    }
    fn feeds(&self) -> &'static [&'static str] {
        &["matching.clip"]
    }
    fn prepare(&mut self, _: &StageContext) -> anyhow::Result<()> {
        if self.root.is_some() {
            self.locate()?;
        }
        Ok(())
    }
    fn observe(&mut self, r: &Record) {
        self.sample.observe(r);
    }
    /// Scores the part's sample, so the merge needs neither the images nor the weights.
    fn save(&self) -> Result<Vec<u8>, String> {
        let bytes = |s: &ClipSample| ftqa_metrics::matching::clip::save(s);
        let saved: Saved = match &self.weights {
            _ if self.sample.pending() == 0 => (None, self.facts.clone(), bytes(&self.sample)?),
            Some(Ok(dir)) => match self.score(dir) {
                Ok((scored, facts)) => (None, Some(facts), bytes(&scored)?),
                Err(why) => (Some(why), None, bytes(&self.sample)?),
            },
            Some(Err(why)) => (Some(why.clone()), None, bytes(&self.sample)?),
            None => (None, None, bytes(&self.sample)?),
        };
        ftqa_metrics::state::encode(&saved)
    }
    fn absorb(&mut self, saved: &[u8]) -> Result<(), String> {
        let (why, facts, bytes): Saved = ftqa_metrics::state::decode(saved)?;
        let part = ftqa_metrics::matching::clip::load(&bytes)?;
        self.sample.merge(part);
        self.unmeasured = self.unmeasured.take().or(why);
        self.facts = self.facts.take().or(facts);
        Ok(())
    }
    fn finish(mut self: Box<Self>, out: &mut Outputs, _: &mut DatasetInfo) -> Vec<String> {
        let mut warnings = Vec::new();
        let why = if self.sample.with_images() == 0 {
            Some(NO_IMAGES.to_string())
        } else if self.root.is_none() {
            Some(NO_IMAGE_ROOT.to_string())
        } else if let Some(why) = self.unmeasured.take() {
            Some(format!("a part could not score its sample: {why}"))
        } else if self.sample.pending() == 0 {
            None
        } else {
            // A merge was never prepared: look the weights up now.
            let found = match self.locate() {
                Ok(()) => self.weights.clone().unwrap_or_else(|| Err(String::new())),
                Err(e) => Err(format!("{e:#}")),
            };
            match found.and_then(|dir| self.score(&dir)) {
                Ok((scored, facts)) => {
                    self.sample = scored;
                    self.facts = Some(facts);
                    None
                }
                Err(why) => Some(why),
            }
        };
        if let Some(why) = why {
            if self.root.is_some() && self.sample.with_images() > 0 {
                warnings.push(format!("matching degree (CLIP) not measured: {why}"));
            }
            out.not_measured_all(SCORE_IDS, &why);
            return warnings;
        }
        let facts = self.facts.clone().unwrap_or(ModelFacts {
            model: "CLIP".into(),
            max_tokens: 0,
            image_size: 0,
        });
        let settings = FinishSettings {
            facts,
            threshold: self.config.threshold,
            max_examples: self.max_examples,
            example_chars: self.example_chars,
        };
        self.sample.finish(&settings, out);
        warnings
    }
}
