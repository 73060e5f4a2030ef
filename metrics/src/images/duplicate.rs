//! `images.duplicate`: images that several samples show with different instructions.
//!
//! Vision-language data often asks many questions about one picture (LLaVA asks several
//! per COCO image). That is information, not a defect: dedup keeps those samples, since
//! near and semantic duplicates need the same text *and* the same images
//! ([`crate::dedup::images`]). This family says how much of it there is, keyed the way
//! dedup keys images: by reference, or with `--image-root` by decoded content, so one
//! picture saved under two names counts as one image.
//!
//! Memory: per distinct image, its uses, the smallest instruction key seen and whether
//! another was seen (about 24 bytes plus map overhead); example texts for a fixed,
//! hash-chosen set of [`EXAMPLE_IMAGES`] images. Everything merges exactly: counts add,
//! "another instruction" is "either side saw two, or their smallest keys differ", and the
//! example set is the images with the smallest keys, each with its two earliest distinct
//! instructions by record position.

use crate::dedup::exact::key_of;
use crate::dedup::images::image_keys;
use crate::record::Record;
use crate::registry::{
    merged, AnalysisConfig, Direction, Metric, MetricDoc, MetricSpec, Provenance,
};
use crate::result::{Example, ExampleGroup, Outputs};
use crate::text::truncate_chars;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

pub const SPEC: MetricSpec = MetricSpec {
    module: module_path!(),
    family: "images.duplicate",
    docs,
    make,
};

/// Images whose example texts are kept: those with the smallest keys (a hash, so a
/// sample of the images that any split agrees on).
const EXAMPLE_IMAGES: usize = 1024;

fn docs() -> Vec<MetricDoc> {
    use Direction::*;
    let d = |id, definition| MetricDoc {
        id,
        definition,
        direction: Neutral,
        provenance: Provenance::Basic,
    };
    vec![
        d("images.duplicate.distinct", "Distinct images over all samples. Images are told apart by reference (the string the data gives), or with --image-root by decoded content (pixels and dimensions), so one picture saved under two file names is one image."),
        d("images.duplicate.images", "Distinct images that samples show with at least two different instructions (first user turns after NFKC, lower-casing and whitespace folding). Information, not a defect: many questions about one picture are normal in vision-language data, and dedup keeps them (near and semantic duplicates need the same text and the same images)."),
        d("images.duplicate.image_rate", "images.duplicate.images / images.duplicate.distinct."),
        d("images.duplicate.uses", "Image uses (a sample showing an image) of the images counted in images.duplicate.images: the samples that share their picture with a different question, counting a sample once per such image it shows (once each in the usual one-image sample)."),
        d("images.duplicate.use_rate", "images.duplicate.uses / all image uses."),
    ]
}

fn make(c: &AnalysisConfig) -> Box<dyn Metric> {
    Box::new(DuplicateImages {
        images: HashMap::new(),
        uses: 0,
        shown: BTreeMap::new(),
        max_examples: c.max_examples,
        chars: c.example_chars,
    })
}

/// What is kept per distinct image.
#[derive(Clone, Copy, Serialize, Deserialize)]
struct Seen {
    uses: u64,
    /// The smallest instruction key seen with the image (0: no instruction).
    instruction: u64,
    /// Whether an instruction other than `instruction` was seen with it.
    differs: bool,
}

impl Seen {
    fn merge(&mut self, o: Seen) {
        self.uses += o.uses;
        self.differs |= o.differs || o.instruction != self.instruction;
        self.instruction = self.instruction.min(o.instruction);
    }
}

/// One occurrence shown in an example: the earliest sample (by position) of one
/// instruction with the image.
#[derive(Clone, Serialize, Deserialize)]
struct Occurrence {
    pos: (Arc<str>, u64),
    instruction: u64,
    id: String,
    origin: String,
    reference: String,
    text: String,
}

#[derive(Serialize, Deserialize)]
struct DuplicateImages {
    images: HashMap<u64, Seen>,
    /// Image uses over all samples.
    uses: u64,
    /// For the [`EXAMPLE_IMAGES`] smallest image keys: the two earliest distinct
    /// instructions, by position.
    shown: BTreeMap<u64, Vec<Occurrence>>,
    max_examples: usize,
    chars: usize,
}

impl DuplicateImages {
    fn offer(&mut self, key: u64, occ: Vec<Occurrence>) {
        if !self.shown.contains_key(&key)
            && self.shown.len() >= EXAMPLE_IMAGES
            && self.shown.last_key_value().is_some_and(|(k, _)| key > *k)
        {
            return;
        }
        let list = self.shown.entry(key).or_default();
        for o in occ {
            match list.iter_mut().find(|x| x.instruction == o.instruction) {
                Some(x) if o.pos < x.pos => *x = o,
                Some(_) => {}
                None => list.push(o),
            }
        }
        list.sort_by(|a, b| a.pos.cmp(&b.pos));
        list.truncate(2);
        if self.shown.len() > EXAMPLE_IMAGES {
            self.shown.pop_last();
        }
    }
}

impl Metric for DuplicateImages {
    fn observe(&mut self, r: &Record) {
        if r.images.is_empty() {
            return;
        }
        let inst = r.instruction().unwrap_or("");
        let ik = key_of(inst).unwrap_or(0);
        for (key, reference) in image_keys(r).zip(&r.images) {
            self.uses += 1;
            let seen = Seen {
                uses: 1,
                instruction: ik,
                differs: false,
            };
            match self.images.get_mut(&key) {
                Some(s) => s.merge(seen),
                None => {
                    self.images.insert(key, seen);
                }
            }
            let wanted = self.shown.contains_key(&key)
                || self.shown.len() < EXAMPLE_IMAGES
                || self.shown.last_key_value().is_some_and(|(k, _)| key < *k);
            if wanted {
                let occ = Occurrence {
                    pos: (r.origin.file.clone(), r.origin.index),
                    instruction: ik,
                    id: r.id.clone(),
                    origin: r.origin.to_string(),
                    reference: reference.clone(),
                    text: truncate_chars(inst, self.chars),
                };
                self.offer(key, vec![occ]);
            }
        }
    }

    fn merge(&mut self, other: Box<dyn Metric>) {
        let o: DuplicateImages = merged(other);
        self.uses += o.uses;
        for (k, s) in o.images {
            match self.images.get_mut(&k) {
                Some(mine) => mine.merge(s),
                None => {
                    self.images.insert(k, s);
                }
            }
        }
        for (k, occ) in o.shown {
            self.offer(k, occ);
        }
    }

    crate::whole_state!();

    fn finish(self: Box<Self>, out: &mut Outputs) {
        if self.images.is_empty() {
            return;
        }
        let shared = self.images.values().filter(|s| s.differs);
        let (images, uses) = shared.fold((0u64, 0u64), |(n, u), s| (n + 1, u + s.uses));
        let distinct = self.images.len() as u64;
        out.set("images.duplicate.distinct", distinct as f64);
        out.set("images.duplicate.images", images as f64);
        out.set_rate("images.duplicate.image_rate", images, distinct);
        out.set("images.duplicate.uses", uses as f64);
        out.set_rate("images.duplicate.use_rate", uses, self.uses);
        // Examples: shared images among the kept ones, smallest key first.
        let examples: Vec<Example> = self
            .shown
            .iter()
            .filter(|(k, occ)| self.images[k].differs && occ.len() == 2)
            .take(self.max_examples)
            .map(|(k, occ)| {
                let (a, b) = (&occ[0], &occ[1]);
                let same_name = if a.reference == b.reference {
                    String::new()
                } else {
                    format!(" (there as {})", b.reference)
                };
                Example {
                    record_id: a.id.clone(),
                    origin: a.origin.clone(),
                    text: a.text.clone(),
                    note: Some(format!(
                        "image {} is shown by {} samples; also asked{same_name} by {} ({}): {}",
                        a.reference, self.images[k].uses, b.id, b.origin, b.text
                    )),
                }
            })
            .collect();
        if !examples.is_empty() {
            out.examples.push(ExampleGroup {
                metric: "images.duplicate.images".into(),
                title: "One image, different questions (information, not a defect)".into(),
                examples,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Role;
    use crate::test_records::{assert_merges, outputs, record, with_images};

    fn rec(i: u64, inst: &str, images: &[&str]) -> Record {
        with_images(
            record(i, &[(Role::User, inst), (Role::Assistant, "ok")]),
            images,
        )
    }

    #[test]
    fn counts_images_asked_about_in_different_words() {
        let records = [
            rec(0, "What is this?", &["a.png"]),
            rec(1, "what is  THIS?", &["a.png"]),
            rec(2, "What colour is the car?", &["b.png"]),
            rec(3, "How many cars?", &["b.png"]),
            rec(4, "Is it raining?", &["b.png", "c.png"]),
            rec(5, "Text only.", &[]),
        ];
        let out = outputs(make(&AnalysisConfig::default()), &records);
        // a.png: one question twice (a duplicate, not a shared image); b.png: three questions.
        assert_eq!(out.get("images.duplicate.distinct"), Some(3.0));
        assert_eq!(out.get("images.duplicate.images"), Some(1.0));
        assert_eq!(out.get("images.duplicate.uses"), Some(3.0));
        assert_eq!(out.get("images.duplicate.use_rate"), Some(0.5));
        let g = &out.examples[0];
        assert_eq!(g.examples.len(), 1);
        assert_eq!(g.examples[0].record_id, "r2");
        let note = g.examples[0].note.as_deref().unwrap();
        assert!(
            note.contains("b.png") && note.contains("How many cars?"),
            "{note}"
        );
    }

    #[test]
    fn content_keys_join_two_names_of_one_picture() {
        let mut a = rec(0, "What is this?", &["a.png"]);
        let mut b = rec(1, "Describe the scene.", &["copy_of_a.png"]);
        let out = outputs(make(&AnalysisConfig::default()), &[a.clone(), b.clone()]);
        assert_eq!(out.get("images.duplicate.images"), Some(0.0));
        a.image_keys = vec![9];
        b.image_keys = vec![9];
        let out = outputs(make(&AnalysisConfig::default()), &[a, b]);
        assert_eq!(out.get("images.duplicate.distinct"), Some(1.0));
        assert_eq!(out.get("images.duplicate.images"), Some(1.0));
        let note = out.examples[0].examples[0].note.clone().unwrap();
        assert!(note.contains("there as copy_of_a.png"), "{note}");
    }

    #[test]
    fn merges_like_one_pass() {
        let qs = [
            "What is this?",
            "Describe it.",
            "How many?",
            "what is THIS?",
        ];
        let records: Vec<Record> = (0..60u64)
            .map(|i| {
                let img = format!("{}.png", i % 13);
                let mut r = rec(i, qs[(i * 7 % 4) as usize], &[&img]);
                if i % 5 == 0 {
                    r.images.push(format!("{}.png", i % 3));
                }
                r
            })
            .collect();
        let c = AnalysisConfig {
            max_examples: 3,
            ..AnalysisConfig::default()
        };
        let out = outputs(make(&c), &records);
        assert!(out.get("images.duplicate.images").unwrap() >= 5.0);
        assert_merges(|| make(&c), &records);
    }
}
