//! Video references per sample (vision-language data).

use crate::record::Record;
use crate::registry::{
    merged, AnalysisConfig, Direction, Metric, MetricDoc, MetricSpec, Provenance,
};
use crate::result::Outputs;
use crate::stats::rate;
use serde::{Deserialize, Serialize};

pub const SPEC: MetricSpec = MetricSpec {
    module: module_path!(),
    family: "videos",
    docs,
    make,
};

fn docs() -> Vec<MetricDoc> {
    vec![MetricDoc {
        id: "videos.sample_rate",
        definition: "Share of samples that reference at least one video.",
        direction: Direction::Neutral,
        provenance: Provenance::Basic,
    }]
}

fn make(_: &AnalysisConfig) -> Box<dyn Metric> {
    Box::new(Videos::default())
}

#[derive(Default, Serialize, Deserialize)]
struct Videos {
    n: u64,
    with_video: u64,
}

impl Metric for Videos {
    fn observe(&mut self, r: &Record) {
        self.n += 1;
        self.with_video += u64::from(!r.videos.is_empty());
    }

    fn merge(&mut self, other: Box<dyn Metric>) {
        let o: Videos = merged(other);
        self.n += o.n;
        self.with_video += o.with_video;
    }

    crate::whole_state!();

    fn finish(self: Box<Self>, out: &mut Outputs) {
        out.set("videos.sample_rate", rate(self.with_video, self.n));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Role;
    use crate::test_records::{assert_merges, outputs, record};

    fn records() -> Vec<Record> {
        (0..30u64)
            .map(|i| {
                let mut r = record(i, &[(Role::User, "<video> What happens?")]);
                r.videos = (0..i % 3).map(|k| format!("{i}_{k}.mp4")).collect();
                r
            })
            .collect()
    }

    #[test]
    fn share_of_samples_with_a_video() {
        let out = outputs(make(&AnalysisConfig::default()), &records());
        assert_eq!(out.get("videos.sample_rate"), Some(20.0 / 30.0));
    }

    #[test]
    fn merges_like_one_pass() {
        assert_merges(|| make(&AnalysisConfig::default()), &records());
    }
}
