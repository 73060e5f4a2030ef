//! The object/granularity (O/G) complexity index and its breakdown by granularity.

use super::objects::{analyze, ObjectFacts};
use crate::examples::ExampleSink;
use crate::record::Record;
use crate::registry::{
    merged, AnalysisConfig, Direction, Metric, MetricDoc, MetricSpec, Provenance,
};
use crate::result::{Distribution, Outputs};
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
        d("complexity.object.count_mean", "The paper's object/granularity (O/G) complexity index: mean number of objects a sample involves, summed over granularities: distinct concrete objects named in any turn (a shipped lexicon of COCO categories and common scene objects, English and Chinese, so 'dog' and '狗' are one), region references (coordinate boxes such as [x1, y1, x2, y2] in pixels or normalised, with x1 <= x2 and y1 <= y2, in samples with an image or video; <box>, <ref> without a box, <region>, PaliGemma <loc> quadruples, Kosmos-2 patch pairs, points), images, and video frames (distinct frames referred to; a video without frame references counts once). Measured on prompt-only data too, where only the prompts (and media) can name objects, so it reads lower than on the same prompts with answers: compare it between prompt-only and answered data with that in mind.", HigherIsBetter, Paper),
        d("complexity.object.count_median", "Median O/G count per sample.", HigherIsBetter, Companion),
        d("complexity.object.count_max", "Largest O/G count in one sample.", Neutral, Companion),
        d("complexity.object.granularity.<level>.mean", "Mean per sample at one granularity (level: object, region, image, frame); these add up to complexity.object.count_mean.", Neutral, Companion),
        d("complexity.object.granularity.<level>.sample_rate", "Share of samples with at least one item at this granularity.", Neutral, Basic),
    ]
}

fn make(c: &AnalysisConfig) -> Box<dyn Metric> {
    Box::new(ObjectComplexity {
        count: IntDist::default(),
        sums: [0; 4],
        present: [0; 4],
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
    count: IntDist,
    sums: [u64; 4],
    present: [u64; 4],
    region_examples: ExampleSink,
}

fn levels(f: &ObjectFacts) -> [u32; 4] {
    [f.objects, f.regions, f.images, f.frames.max(f.videos)]
}

impl Metric for ObjectComplexity {
    fn observe(&mut self, r: &Record) {
        let f = analyze(r);
        self.count.add(u64::from(f.total()));
        for (k, v) in levels(&f).into_iter().enumerate() {
            self.sums[k] += u64::from(v);
            self.present[k] += u64::from(v > 0);
        }
        if f.regions > 0 && self.region_examples.wants(r) {
            let text: Vec<&str> = r.conversation().map(|t| t.text.as_str()).collect();
            self.region_examples.push(
                r,
                &text.join("\n"),
                Some(format!(
                    "{} region references, {} objects named",
                    f.regions, f.objects
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
            title: "Objects per sample (all granularities)".into(),
            x_label: "objects".into(),
            labels,
            counts,
        });
        out.distributions.push(Distribution::Categorical {
            id: "complexity.object.granularity".into(),
            title: "Objects by granularity (all samples)".into(),
            x_label: "granularity".into(),
            labels: LEVELS.iter().map(|l| l.to_string()).collect(),
            counts: self.sums.to_vec(),
        });
        out.examples.extend(self.region_examples.into_group());
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
        // Sample a: cat + sofa (2 objects) + 1 region + 1 image = 4; sample b: 0.
        assert_eq!(out.get("complexity.object.count_mean"), Some(2.0));
        assert_eq!(
            out.get("complexity.object.granularity.object.mean"),
            Some(1.0)
        );
        assert_eq!(
            out.get("complexity.object.granularity.region.sample_rate"),
            Some(0.5)
        );
        assert_eq!(out.examples.len(), 1);
    }
}
