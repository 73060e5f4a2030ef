//! The object/granularity (O/G) complexity index and its breakdown by granularity, on
//! the request side, with the response side reported beside it.
//!
//! Which side the paper counts: it defines O/G as "the complexity of the objects involved
//! in the instruction data" (section 3.1) and reports "the number of objects" (Table 4),
//! without naming a side. ftqa counts the request (system prompt, user and tool turns, and
//! the media), for two reasons. What the index is meant to capture is how many things a
//! task makes the model attend to, which the request fixes; objects an answer names grow
//! with the answer's length, so a dataset of long descriptions would score as complex as
//! one of many multi-object questions. And Table 4's values (1.3 to 2.0 objects per
//! sample, LLaVA 1.6) fit requests: LLaVA's detailed-description answers alone name far
//! more objects than that. The request side is also the same for prompt-only data and
//! the same prompts with answers, so the index compares across the two.

use super::objects::{analyze, ObjectFacts};
use crate::examples::ExampleSink;
use crate::record::Record;
use crate::registry::{
    merged, AnalysisConfig, Direction, Metric, MetricDoc, MetricSpec, Provenance,
};
use crate::result::{Distribution, Outputs, NO_RESPONSES};
use crate::stats::{rate, IntDist};

pub const SPEC: MetricSpec = MetricSpec {
    module: module_path!(),
    family: "complexity.object",
    docs,
    make,
};

/// Granularity levels, in the order they are reported.
const LEVELS: [&str; 4] = ["object", "region", "image", "frame"];

fn docs() -> Vec<MetricDoc> {
    use Direction::*;
    use Provenance::*;
    let d = |id, definition, direction, provenance| MetricDoc {
        id,
        definition,
        direction,
        provenance,
    };
    vec![
        d("complexity.object.count_mean", "The paper's object/granularity (O/G) complexity index, counted on the request side: mean number of objects a sample asks about, summed over granularities: distinct concrete objects named in the system prompt, user and tool turns (a shipped lexicon of COCO categories and common scene objects, English and Chinese, so 'dog' and '狗' are one), region references (coordinate boxes such as [x1, y1, x2, y2] in pixels or normalised, with x1 <= x2 and y1 <= y2, in samples with an image or video; <box>, <ref> without a box, <region>, PaliGemma <loc> quadruples, Kosmos-2 patch pairs, points), images (distinct references, so a picture listed once per <image> token counts once; the placeholder tokens when the record lists no references), and video frames (distinct frames referred to; a video without frame references counts once). Objects named only in answers are left out, so long descriptions do not inflate it (they show in complexity.object.response.count_mean); the paper names no side, and the module doc of complexity::object gives why ftqa counts the request. The same on prompt-only data as on the same prompts with answers.", HigherIsBetter, Paper),
        d("complexity.object.count_median", "Median O/G count per sample (request side).", HigherIsBetter, Companion),
        d("complexity.object.count_max", "Largest O/G count in one sample (request side).", Neutral, Companion),
        d("complexity.object.granularity.<level>.mean", "Mean per sample at one granularity on the request side (level: object, region, image, frame); these add up to complexity.object.count_mean.", Neutral, Companion),
        d("complexity.object.granularity.<level>.sample_rate", "Share of samples with at least one item at this granularity on the request side.", Neutral, Basic),
        d("complexity.object.response.count_mean", "Response side: mean number of objects, regions and frames the assistant turns name (distinct within a sample's answers), over samples with a response. Grows with answer length; set it beside complexity.object.count_mean to see whether a dataset's objects come from its questions or from its descriptions. Not measured on prompt-only data.", Neutral, Companion),
        d("complexity.object.response.count_median", "Median of the response-side count, over samples with a response.", Neutral, Companion),
        d("complexity.object.response.granularity.<level>.mean", "Response-side mean per sample with a response at one granularity (level: object, region, frame); these add up to complexity.object.response.count_mean.", Neutral, Companion),
    ]
}

fn make(c: &AnalysisConfig) -> Box<dyn Metric> {
    Box::new(ObjectComplexity {
        count: IntDist::default(),
        sums: [0; 4],
        present: [0; 4],
        response_count: IntDist::default(),
        response_sums: [0; 3],
        region_examples: ExampleSink::new(
            "complexity.object.granularity.region.mean",
            "Samples with region references (boxes, grounding tags)",
            c.max_examples,
            c.example_chars,
        ),
    })
}

#[derive(serde::Serialize, serde::Deserialize)]
struct ObjectComplexity {
    /// Request side, every sample.
    count: IntDist,
    sums: [u64; 4],
    present: [u64; 4],
    /// Response side, samples with a response only.
    response_count: IntDist,
    response_sums: [u64; 3],
    region_examples: ExampleSink,
}

fn levels(f: &ObjectFacts) -> [u32; 4] {
    [f.objects, f.regions, f.images, f.frames.max(f.videos)]
}

/// Granularities an answer can name: media are inputs, never part of a response.
const RESPONSE_LEVELS: [&str; 3] = ["object", "region", "frame"];

fn response_levels(f: &ObjectFacts) -> [u32; 3] {
    [f.objects, f.regions, f.frames]
}

impl Metric for ObjectComplexity {
    fn observe(&mut self, r: &Record) {
        let sides = analyze(r);
        let f = sides.request;
        self.count.add(u64::from(f.total()));
        for (k, v) in levels(&f).into_iter().enumerate() {
            self.sums[k] += u64::from(v);
            self.present[k] += u64::from(v > 0);
        }
        if sides.has_response {
            let levels = response_levels(&sides.response);
            self.response_count
                .add(levels.iter().map(|&v| u64::from(v)).sum());
            for (k, v) in levels.into_iter().enumerate() {
                self.response_sums[k] += u64::from(v);
            }
        }
        let regions = f.regions + sides.response.regions;
        if regions > 0 && self.region_examples.wants(r) {
            let text: Vec<&str> = r.conversation().map(|t| t.text.as_str()).collect();
            self.region_examples.push(
                r,
                &text.join("\n"),
                Some(format!(
                    "{regions} region references; {} objects named in the request, {} in the response",
                    f.objects, sides.response.objects
                )),
            );
        }
    }

    fn merge(&mut self, other: Box<dyn Metric>) {
        let o: ObjectComplexity = merged(other);
        self.count.merge(&o.count);
        for k in 0..LEVELS.len() {
            self.sums[k] += o.sums[k];
            self.present[k] += o.present[k];
        }
        self.response_count.merge(&o.response_count);
        for k in 0..RESPONSE_LEVELS.len() {
            self.response_sums[k] += o.response_sums[k];
        }
        self.region_examples.merge(o.region_examples);
    }

    crate::whole_state!();

    fn finish(self: Box<Self>, out: &mut Outputs) {
        let n = self.count.len();
        if n == 0 {
            return;
        }
        out.set_with_interval(
            "complexity.object.count_mean",
            self.count.mean().unwrap_or(0.0),
            self.count.mean_interval(),
        );
        out.set(
            "complexity.object.count_median",
            self.count.median().unwrap_or(0.0),
        );
        out.set(
            "complexity.object.count_max",
            self.count.max().unwrap_or(0) as f64,
        );
        for (k, level) in LEVELS.iter().enumerate() {
            out.set(
                format!("complexity.object.granularity.{level}.mean"),
                self.sums[k] as f64 / n as f64,
            );
            out.set(
                format!("complexity.object.granularity.{level}.sample_rate"),
                rate(self.present[k], n),
            );
        }
        let mut counts: Vec<u64> = (0..=20u64).map(|v| self.count.count_of(v)).collect();
        counts.push(n - counts.iter().sum::<u64>());
        let mut labels: Vec<String> = (0..=20).map(|v| v.to_string()).collect();
        labels.push("21+".into());
        let last = counts.iter().rposition(|&c| c > 0).unwrap_or(0);
        counts.truncate(last + 1);
        labels.truncate(last + 1);
        out.distributions.push(Distribution::Categorical {
            id: "complexity.object.count".into(),
            title: "Objects per request (all granularities)".into(),
            x_label: "objects".into(),
            labels,
            counts,
        });
        out.distributions.push(Distribution::Categorical {
            id: "complexity.object.granularity".into(),
            title: "Objects by granularity (requests, all samples)".into(),
            x_label: "granularity".into(),
            labels: LEVELS.iter().map(|l| l.to_string()).collect(),
            counts: self.sums.to_vec(),
        });
        out.examples.extend(self.region_examples.into_group());
        let answered = self.response_count.len();
        if answered == 0 {
            out.not_measured("complexity.object.response.count_mean", NO_RESPONSES);
            return;
        }
        out.set_with_interval(
            "complexity.object.response.count_mean",
            self.response_count.mean().unwrap_or(0.0),
            self.response_count.mean_interval(),
        );
        out.set(
            "complexity.object.response.count_median",
            self.response_count.median().unwrap_or(0.0),
        );
        for (k, level) in RESPONSE_LEVELS.iter().enumerate() {
            out.set(
                format!("complexity.object.response.granularity.{level}.mean"),
                self.response_sums[k] as f64 / answered as f64,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{Origin, Role, Turn};

    #[test]
    fn merges_like_one_pass() {
        let texts = [
            "<image>\nWhere is the cat? [0.1, 0.2, 0.5, 0.6]",
            "Hi",
            "The dog and the car are near the tree. <box>(10,20),(30,40)</box>",
            "狗在沙发上吗？",
        ];
        let records: Vec<Record> = (0..30u64)
            .map(|i| {
                let mut r = crate::test_records::record(
                    i,
                    &[
                        (Role::User, texts[(i % 4) as usize]),
                        (Role::Assistant, "On the sofa."),
                    ],
                );
                if i % 4 == 0 || i % 4 == 2 {
                    r.images = vec![format!("{i}.jpg")];
                }
                if i % 5 == 0 {
                    r.videos = vec![format!("{i}.mp4")];
                }
                r
            })
            .collect();
        crate::test_records::assert_merges(|| make(&AnalysisConfig::default()), &records);
    }

    #[test]
    fn count_is_the_sum_of_granularities() {
        let mut m = make(&AnalysisConfig::default());
        let mut r = Record::new(
            "a",
            Origin {
                file: "f".into(),
                line: Some(1),
                index: 0,
                within: None,
            },
        );
        r.turns = vec![
            Turn::new(
                Role::User,
                "<image>\nWhere is the cat? [0.1, 0.2, 0.5, 0.6]",
            ),
            Turn::new(Role::Assistant, "On the sofa."),
        ];
        r.images = vec!["1.jpg".into()];
        m.observe(&r);
        let mut r2 = Record::new(
            "b",
            Origin {
                file: "f".into(),
                line: Some(2),
                index: 1,
                within: None,
            },
        );
        r2.turns = vec![
            Turn::new(Role::User, "Hi"),
            Turn::new(Role::Assistant, "Hello"),
        ];
        m.observe(&r2);
        let mut out = Outputs::default();
        m.finish(&mut out);
        // Request of a: cat + 1 region + 1 image = 3 (the sofa is in the answer); b: 0.
        assert_eq!(out.get("complexity.object.count_mean"), Some(1.5));
        assert_eq!(
            out.get("complexity.object.granularity.object.mean"),
            Some(0.5)
        );
        // Responses: a names the sofa, b nothing.
        assert_eq!(out.get("complexity.object.response.count_mean"), Some(0.5));
        assert_eq!(
            out.get("complexity.object.response.granularity.object.mean"),
            Some(0.5)
        );
        assert_eq!(
            out.get("complexity.object.granularity.region.sample_rate"),
            Some(0.5)
        );
        assert_eq!(out.examples.len(), 1);
    }

    #[test]
    fn prompt_only_data_has_no_response_side() {
        let mut m = make(&AnalysisConfig::default());
        m.observe(&crate::test_records::record(
            0,
            &[(Role::User, "Is the dog on the sofa?")],
        ));
        let mut out = Outputs::default();
        m.finish(&mut out);
        assert_eq!(out.get("complexity.object.count_mean"), Some(2.0));
        assert_eq!(out.get("complexity.object.response.count_mean"), None);
        assert_eq!(
            out.not_measured
                .get("complexity.object.response.count_mean")
                .map(String::as_str),
            Some(crate::result::NO_RESPONSES)
        );
    }
}
