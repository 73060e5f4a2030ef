//! `matching.clip.*`: the paper's matching degree, 100 × the cosine between CLIP's
//! embedding of "This is a picture about this conversation:" + the conversation and CLIP's
//! embedding of the image (paper 004, formula (2); Table 4 shows it on the 0–100 scale).
//!
//! Running CLIP is IO and costly, so it happens in the CLI's CLIP stage (src/clip/) on a
//! deterministic sample: [`ClipSample`] keeps the records with images whose seeded keys are
//! the smallest (bottom-k, [`crate::sample::BottomK`]), the stage scores them, and
//! [`ClipSample::finish`] aggregates. A state holds its candidates scored or not; scored
//! candidates merge by keeping the bottom-k of the union, which is the bottom-k of the
//! whole input, so parts (`ftqa report --partial`) merge exactly.

use crate::record::Record;
use crate::registry::{AnalysisConfig, Direction, Metric, MetricDoc, MetricSpec, Provenance};
use crate::result::{Distribution, Example, ExampleGroup, Outputs};
use crate::sample::{mix64, record_key, BottomK};
use serde::{Deserialize, Serialize};

pub const SPEC: MetricSpec = MetricSpec {
    module: module_path!(),
    family: "matching.clip",
    docs,
    make,
};

/// The paper's text prompt, put before the conversation.
pub const PROMPT: &str = "This is a picture about this conversation:";
/// Default `--clip-sample`: 1,000 scored records put the mean's 95% interval within about
/// ±0.4 points for a spread of 6 points (sd / sqrt(n) × 1.96), at 1,000 image and text
/// passes of CLIP.
pub const DEFAULT_SAMPLE: usize = 1_000;
/// Default `--clip-threshold`, on the 0–100 scale: LAION-5B kept English image–text pairs
/// whose CLIP ViT-B/32 cosine was at least 0.28 (Schuhmann et al., 2022), the best-known
/// published cut between matching and non-matching pairs for that model. It was set for
/// alt-text captions and for ViT-B/32; other CLIP models score on other scales.
pub const DEFAULT_THRESHOLD: f64 = 28.0;
/// Characters of the conversation kept per sampled record: far beyond what CLIP's 77
/// tokens cover, so truncating to tokens afterwards sees the same start.
pub const TEXT_CHARS: usize = 4_096;
/// Mixed into the sampling keys so this sample is drawn independently of the others.
const SEED: u64 = 0x636c_6970_6d64;
/// Histogram bins, at most.
const MAX_BINS: usize = 40;

pub const SCORE_MEAN: &str = "matching.clip.score_mean";
/// The ids that carry a score: what "not measured" marks.
pub const SCORE_IDS: [&str; 4] = [
    SCORE_MEAN,
    "matching.clip.score_median",
    "matching.clip.score_p5",
    "matching.clip.below_threshold_rate",
];

fn docs() -> Vec<MetricDoc> {
    use Direction::*;
    let d = |id, definition, direction, provenance| MetricDoc {
        id,
        definition,
        direction,
        provenance,
    };
    vec![
        d(SCORE_MEAN, "Matching degree (paper formula (2), Table 4 'MD'): mean over the scored records of 100 × cos(CLIP text embedding, CLIP image embedding). The text is \"This is a picture about this conversation:\" followed by the record's turns (instruction and response, `<image>` placeholders removed), truncated to the CLIP model's maximum positions (77 tokens for OpenAI CLIP, so mostly the first turn); a record with several images scores the mean over its images that could be read. Departs from the paper: the paper used a CLIP it tuned, ftqa runs the CLIP weights it is given (--clip-model-dir), so values compare only between reports made with the same weights. Needs --image-root and CLIP weights; computed on a seeded sample of the records with images (--clip-sample).", HigherIsBetter, Provenance::Paper),
        d("matching.clip.score_median", "Median of the per-record matching degree (mean of the two middle values for an even count).", HigherIsBetter, Provenance::Companion),
        d("matching.clip.score_p5", "5th percentile (nearest rank) of the per-record matching degree: how bad the worst-matching twentieth is.", HigherIsBetter, Provenance::Companion),
        d("matching.clip.below_threshold_rate", "Share of scored records whose matching degree is below --clip-threshold (default 28, LAION-5B's cut of CLIP ViT-B/32 cosine 0.28 for English pairs; set for captions and that model, so compare datasets at one threshold and one model).", LowerIsBetter, Provenance::Companion),
        d("matching.clip.scored", "Records of the CLIP sample that were scored (at least one of their images read and decoded).", Neutral, Provenance::Basic),
        d("matching.clip.unreadable", "Records of the CLIP sample none of whose images could be read (missing, corrupt, or not a file), so not scored.", LowerIsBetter, Provenance::Basic),
    ]
}

/// The registered state observes nothing: the CLIP stage holds a [`ClipSample`] and
/// writes these ids (the spec exists so they are documented and selected by
/// `--only`/`--skip`), as for `images.files`.
fn make(_: &AnalysisConfig) -> Box<dyn Metric> {
    Box::new(crate::images::files::StageFed)
}

/// What scoring one sampled record gave.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Outcome {
    /// 100 × cosine, the mean over `images` images that were read.
    Scored { score: f64, images: u32 },
    /// No image could be read; why (first few references and their problems).
    Unreadable(String),
}

/// A sampled record: what CLIP needs and what an example shows.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Candidate {
    pub record_id: String,
    /// `file:line` or `file row N`.
    pub origin: String,
    /// [`clip_text`]: the prompt and the conversation.
    pub text: String,
    /// The record's image references, as written in the data.
    pub images: Vec<String>,
    /// `None` until the stage scored it.
    pub outcome: Option<Outcome>,
}

/// The text CLIP encodes for a record: [`PROMPT`], a space, then the record's turns
/// (prompt turns and the chosen response) joined by spaces, `<image>` placeholders
/// removed, at most [`TEXT_CHARS`] characters.
pub fn clip_text(r: &Record) -> String {
    let turns: Vec<String> = r
        .conversation()
        .map(|t| t.text.replace("<image>", " "))
        .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|t| !t.is_empty())
        .collect();
    let text = format!("{PROMPT} {}", turns.join(" "));
    match text.char_indices().nth(TEXT_CHARS) {
        Some((i, _)) => text[..i].to_string(),
        None => text,
    }
}

/// The CLIP sample of a pass: record counts and the bottom-k candidates.
#[derive(Serialize, Deserialize)]
pub struct ClipSample {
    k: usize,
    seed: u64,
    records: u64,
    with_images: u64,
    sample: BottomK<Candidate>,
}

impl ClipSample {
    /// `k` records with images at most (`usize::MAX`: all); `seed` is `--sample-seed`.
    pub fn new(k: usize, seed: u64) -> Self {
        ClipSample {
            k,
            seed,
            records: 0,
            with_images: 0,
            sample: BottomK::new(k),
        }
    }

    pub fn observe(&mut self, r: &Record) {
        self.records += 1;
        if r.images.is_empty() {
            return;
        }
        self.with_images += 1;
        let key = mix64(record_key(r, self.seed) ^ SEED);
        if self.sample.accepts(key) {
            self.sample.offer(
                key,
                Candidate {
                    record_id: r.id.clone(),
                    origin: r.origin.to_string(),
                    text: clip_text(r),
                    images: r.images.clone(),
                    outcome: None,
                },
            );
        }
    }

    /// Folds in another part's state: the bottom-k of both, counts added.
    pub fn merge(&mut self, other: ClipSample) {
        self.records += other.records;
        self.with_images += other.with_images;
        self.sample.merge(other.sample);
    }

    pub fn records(&self) -> u64 {
        self.records
    }

    pub fn with_images(&self) -> u64 {
        self.with_images
    }

    /// Sampled records not scored yet.
    pub fn pending(&self) -> usize {
        self.sample
            .iter()
            .filter(|(_, c)| c.outcome.is_none())
            .count()
    }

    /// A copy with every unscored candidate scored by `score`, in key order (so a scorer
    /// that caches per image does the same work whatever the split).
    pub fn scored(&self, mut score: impl FnMut(&Candidate) -> Outcome) -> ClipSample {
        let mut kept: Vec<(u64, &Candidate)> = self.sample.iter().collect();
        kept.sort_unstable_by_key(|(k, _)| *k);
        let mut sample = BottomK::new(self.k);
        for (key, c) in kept {
            let mut c = c.clone();
            if c.outcome.is_none() {
                c.outcome = Some(score(&c));
            }
            sample.offer(key, c);
        }
        ClipSample {
            k: self.k,
            seed: self.seed,
            records: self.records,
            with_images: self.with_images,
            sample,
        }
    }

    /// Writes the scores of the scored candidates. The stage writes "not measured" itself
    /// where nothing could be scored for a reason of its own (no weights, no
    /// --image-root); this marks the case where every sampled record's images were
    /// unreadable.
    pub fn finish(self, c: &FinishSettings, out: &mut Outputs) {
        let sampled = self.sample.len();
        let mut scored: Vec<(f64, Candidate)> = Vec::new();
        let mut unreadable: Vec<Candidate> = Vec::new();
        for c in self.sample.into_sorted() {
            match &c.outcome {
                Some(Outcome::Scored { score, .. }) if score.is_finite() => {
                    scored.push((*score, c))
                }
                _ => unreadable.push(c),
            }
        }
        out.set("matching.clip.scored", scored.len() as f64);
        out.set("matching.clip.unreadable", unreadable.len() as f64);
        // The first unreadable record (in sample order) and why, for the user to look at.
        let first = unreadable
            .first()
            .and_then(|c| match &c.outcome {
                Some(Outcome::Unreadable(why)) => Some(format!("; first: {}: {why}", c.origin)),
                _ => None,
            })
            .unwrap_or_default();
        if scored.is_empty() {
            out.not_measured_all(
                SCORE_IDS,
                &format!(
                    "none of the images of the {sampled} sampled records could be read under --image-root{first}"
                ),
            );
            return;
        }
        let values: Vec<f64> = scored.iter().map(|(s, _)| *s).collect();
        let summary = Summary::of(&values, c.threshold);
        out.set_with_interval(
            SCORE_MEAN,
            summary.mean,
            crate::uncertainty::mean_interval(
                values.iter().sum(),
                values.iter().map(|v| v * v).sum(),
                values.len() as u64,
            ),
        );
        out.set("matching.clip.score_median", summary.median);
        out.set("matching.clip.score_p5", summary.p5);
        out.set_rate(
            "matching.clip.below_threshold_rate",
            summary.below,
            values.len() as u64,
        );
        out.distributions.push(histogram(&values));
        out.examples.extend(worst(scored, c));
        out.methods.insert(
            "matching.clip".into(),
            format!(
                "Matching degree (paper formula (2)): 100 × cos(text, image) with {}. Text: \"{PROMPT}\" + the record's turns, truncated to the model's {} tokens; images resized (shortest side, bicubic) and centre-cropped to {} px, normalised with the model's mean and std. A record with several images scores the mean over its readable images. Sample: {} of the {} records with images (of {} records), drawn with seeded keys (--clip-sample {}, --sample-seed); {} scored, {} with no readable image{first}. Threshold for matching.clip.below_threshold_rate: {}. {}",
                c.facts.model,
                c.facts.max_tokens,
                c.facts.image_size,
                sampled,
                self.with_images,
                self.records,
                if self.k == usize::MAX { "0 (all)".to_string() } else { self.k.to_string() },
                values.len(),
                unreadable.len(),
                c.threshold,
                "ftqa runs the CLIP weights it is given, not the paper's tuned CLIP: values compare only between reports made with the same weights."
            ),
        );
    }
}

/// The model that scored a sample, for the methods note; saved with a part's scores.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelFacts {
    /// The weights' folder and the device.
    pub model: String,
    /// Tokens per text (CLIP's maximum positions).
    pub max_tokens: usize,
    /// Side of the square image the model takes.
    pub image_size: usize,
}

/// What [`ClipSample::finish`] needs from the stage.
pub struct FinishSettings {
    pub facts: ModelFacts,
    pub threshold: f64,
    pub max_examples: usize,
    pub example_chars: usize,
}

/// Mean, median, 5th percentile and the count below a threshold.
#[derive(Debug, PartialEq)]
pub struct Summary {
    pub mean: f64,
    pub median: f64,
    pub p5: f64,
    pub below: u64,
}

impl Summary {
    /// Median: the mean of the two middle values for an even count; p5: nearest rank (the
    /// smallest value with at least 5% of the values at or below it), as
    /// [`crate::stats::IntDist::quantile`]. `values` must not be empty.
    pub fn of(values: &[f64], threshold: f64) -> Summary {
        let mut v = values.to_vec();
        v.sort_by(f64::total_cmp);
        let n = v.len();
        let rank = ((0.05 * n as f64).ceil() as usize).clamp(1, n);
        Summary {
            mean: v.iter().sum::<f64>() / n as f64,
            median: (v[(n - 1) / 2] + v[n / 2]) / 2.0,
            p5: v[rank - 1],
            below: v.iter().filter(|&&x| x < threshold).count() as u64,
        }
    }
}

/// Whole-number bins of equal width covering the scores, at most [`MAX_BINS`].
fn histogram(values: &[f64]) -> Distribution {
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min).floor();
    let hi = values
        .iter()
        .copied()
        .fold(f64::NEG_INFINITY, f64::max)
        .floor()
        + 1.0;
    let width = ((hi - lo) / MAX_BINS as f64).ceil().max(1.0);
    let bins = ((hi - lo) / width).ceil().max(1.0) as usize;
    let edges: Vec<f64> = (0..=bins).map(|i| lo + width * i as f64).collect();
    let mut counts = vec![0u64; bins];
    for &v in values {
        let i = (((v - lo) / width).floor() as usize).min(bins - 1);
        counts[i] += 1;
    }
    Distribution::Histogram {
        id: "matching.clip.score".into(),
        title: "CLIP matching degree per sampled record (100 × cosine)".into(),
        x_label: "matching degree".into(),
        edges,
        counts,
        log_x: false,
    }
}

/// The lowest-scoring records (ties by sample order), with their image file names.
fn worst(mut scored: Vec<(f64, Candidate)>, c: &FinishSettings) -> Option<ExampleGroup> {
    // A stable sort keeps the key order among equal scores.
    scored.sort_by(|a, b| a.0.total_cmp(&b.0));
    scored.truncate(c.max_examples);
    (!scored.is_empty()).then(|| ExampleGroup {
        metric: SCORE_MEAN.into(),
        title: "Worst-matching records (lowest CLIP score) and their images".into(),
        examples: scored
            .into_iter()
            .map(|(score, cand)| Example {
                record_id: cand.record_id,
                origin: cand.origin,
                text: crate::text::truncate_chars(&cand.text, c.example_chars),
                note: Some(format!(
                    "score {score:.2}; images: {}",
                    cand.images.join(", ")
                )),
            })
            .collect(),
    })
}

/// A [`ClipSample`] as the stage saves it: bytes for a partial result file.
pub fn save(s: &ClipSample) -> Result<Vec<u8>, String> {
    crate::state::encode(s)
}

pub fn load(saved: &[u8]) -> Result<ClipSample, String> {
    crate::state::decode(saved)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Role;
    use crate::test_records::record;

    fn records(n: u64) -> Vec<Record> {
        (0..n)
            .map(|i| {
                let mut r = record(
                    i,
                    &[
                        (Role::User, "<image>\nWhat is in the picture?"),
                        (Role::Assistant, "A red square."),
                    ],
                );
                // Every third record has no image.
                if i % 3 != 0 {
                    r.images = vec![format!("img/{i}.png")];
                }
                r
            })
            .collect()
    }

    /// A made-up scorer: the score follows from the image name.
    fn fake(c: &Candidate) -> Outcome {
        let n: f64 = c.images[0]
            .trim_start_matches("img/")
            .trim_end_matches(".png")
            .parse()
            .unwrap();
        if (n as u64).is_multiple_of(7) {
            Outcome::Unreadable("missing".into())
        } else {
            Outcome::Scored {
                score: n % 40.0,
                images: 1,
            }
        }
    }

    fn settings() -> FinishSettings {
        FinishSettings {
            facts: ModelFacts {
                model: "test".into(),
                max_tokens: 77,
                image_size: 224,
            },
            threshold: 28.0,
            max_examples: 3,
            example_chars: 300,
        }
    }

    fn finish(s: ClipSample) -> Outputs {
        let mut out = Outputs::default();
        s.finish(&settings(), &mut out);
        out
    }

    #[test]
    fn summary_known_answers() {
        let s = Summary::of(&[30.0, 10.0, 20.0, 40.0], 25.0);
        assert_eq!(
            s,
            Summary {
                mean: 25.0,
                median: 25.0,
                p5: 10.0,
                below: 2
            }
        );
        let v: Vec<f64> = (1..=40).map(f64::from).collect();
        let s = Summary::of(&v, 28.0);
        // Nearest rank of 5% of 40 values is the 2nd.
        assert_eq!((s.median, s.p5, s.below), (20.5, 2.0, 27));
        assert_eq!(Summary::of(&[7.0], 5.0).median, 7.0);
    }

    #[test]
    fn text_is_the_prompt_then_the_turns() {
        let r = &records(2)[1];
        assert_eq!(
            clip_text(r),
            "This is a picture about this conversation: What is in the picture? A red square."
        );
    }

    #[test]
    fn finish_writes_the_known_summary_and_examples() {
        let mut s = ClipSample::new(usize::MAX, 1);
        for r in records(30) {
            s.observe(&r);
        }
        assert_eq!((s.records(), s.with_images()), (30, 20));
        assert_eq!(s.pending(), 20);
        let s = s.scored(fake);
        assert_eq!(s.pending(), 0);
        let out = finish(s);
        // Images 1..29 not divisible by 3; 7, 14 and 28 are unreadable.
        let scores: Vec<f64> = (1..30)
            .filter(|i| i % 3 != 0 && i % 7 != 0)
            .map(|i| f64::from(i % 40))
            .collect();
        assert_eq!(scores.len(), 17);
        let want = Summary::of(&scores, 28.0);
        assert_eq!(out.get("matching.clip.scored"), Some(17.0));
        assert_eq!(out.get("matching.clip.unreadable"), Some(3.0));
        assert!((out.get(SCORE_MEAN).unwrap() - want.mean).abs() < 1e-12);
        assert_eq!(out.get("matching.clip.score_median"), Some(want.median));
        assert_eq!(out.get("matching.clip.score_p5"), Some(1.0));
        assert_eq!(
            out.get("matching.clip.below_threshold_rate"),
            Some(want.below as f64 / 17.0)
        );
        assert!(out.intervals.contains_key(SCORE_MEAN));
        let g = &out.examples[0];
        assert_eq!(g.examples.len(), 3);
        assert_eq!(
            g.examples[0].note.as_deref(),
            Some("score 1.00; images: img/1.png")
        );
        assert_eq!(
            g.examples[1].note.as_deref(),
            Some("score 2.00; images: img/2.png")
        );
        match &out.distributions[0] {
            Distribution::Histogram { counts, edges, .. } => {
                assert_eq!(counts.iter().sum::<u64>(), 17);
                assert_eq!(edges[0], 1.0);
                assert!(*edges.last().unwrap() > 29.0);
            }
            _ => panic!("not a histogram"),
        }
    }

    #[test]
    fn nothing_readable_is_not_measured() {
        let mut s = ClipSample::new(5, 1);
        for r in records(9) {
            s.observe(&r);
        }
        let out = finish(s.scored(|_| Outcome::Unreadable("missing".into())));
        for id in SCORE_IDS {
            assert!(out.not_measured[id].contains("none of the images"), "{id}");
            assert_eq!(out.get(id), None);
        }
    }

    /// Parts sampled and scored on their own, merged in any order, give what one pass
    /// gives: the sample is the bottom-k of the union, and scores do not depend on the part.
    #[test]
    fn parts_merge_like_one_pass() {
        let all = records(200);
        let one = {
            let mut s = ClipSample::new(25, 9);
            all.iter().for_each(|r| s.observe(r));
            s.scored(fake)
        };
        for cut in [1usize, 50, 133] {
            let (a, b) = all.split_at(cut);
            let part = |rs: &[Record]| {
                let mut s = ClipSample::new(25, 9);
                rs.iter().for_each(|r| s.observe(r));
                // Through the saved bytes, as a partial result file carries it.
                load(&save(&s.scored(fake)).unwrap()).unwrap()
            };
            let mut merged = part(b);
            merged.merge(part(a));
            assert_eq!(merged.pending(), 0);
            let (x, y) = (finish(merged), finish(one.scored(fake)));
            assert_eq!(x.metrics, y.metrics, "cut {cut}");
            assert_eq!(
                serde_json::to_string(&x.examples).unwrap(),
                serde_json::to_string(&y.examples).unwrap()
            );
        }
    }
}
