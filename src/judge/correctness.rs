//! The paper's correctness index by LLM judge (issue 15): the `correctness.judge` stage.
//!
//! It draws the same records as the difficulty judge ([`super::JudgeSampler`], one seed),
//! asks the judge three times per record through the shared engine ([`super::ask`]) with
//! the prompt of [`super::correctness_prompt`], and hands the valid samples to the pure
//! aggregation in `ftqa_metrics::correctness::judge`. Replies are cached in the judge cache
//! under their own prompt version, so a rerun asks nothing again and an interrupted run
//! resumes. The stage is selected on its own: `--skip correctness` sends no correctness
//! request, `--only correctness` no difficulty request.

use super::cache::Sample;
use super::correctness_prompt::{self, record_text};
use super::{ask, JudgeConfig, Judging, Rubric};
use anyhow::Result;
use ftqa_metrics::correctness::judge::{
    judged_of, write_judge, CorrectnessRun, Judged, HEADLINE, NEEDS_JUDGE,
};
use ftqa_metrics::record::Record;
use ftqa_metrics::registry::AnalysisConfig;
use ftqa_metrics::result::{DatasetInfo, Outputs, NO_RESPONSES};

/// A sampled record: what the report shows of it, and what the judge is sent.
pub struct CorrectnessItem {
    pub judged: Judged,
    /// The user message describing the sample ([`correctness_prompt::sample_text`]); the
    /// cache key hashes it, so any change in what the judge sees asks again.
    pub prompt: String,
}

impl CorrectnessItem {
    pub fn of(r: &Record) -> Self {
        let (instruction, prompt) = record_text(r);
        CorrectnessItem {
            judged: judged_of(r, &instruction),
            prompt,
        }
    }
}

/// The correctness rubric for the shared request engine.
pub struct Correctness;

impl Rubric for Correctness {
    type Item = CorrectnessItem;
    const PHASE: &'static str = "judge (correctness)";
    const PROMPT_VERSION: &'static str = correctness_prompt::PROMPT_VERSION;
    /// `Verdict: incorrect` and `Score: 10` with room for a JSON reply's punctuation.
    const MAX_TOKENS: u32 = 32;
    fn key_texts(item: &CorrectnessItem) -> (&str, &str) {
        (&item.prompt, "")
    }
    fn messages(item: &CorrectnessItem) -> Vec<serde_json::Value> {
        correctness_prompt::messages(&item.prompt)
    }
    fn parse(reply: &str) -> Option<Sample> {
        correctness_prompt::parse_verdict(reply)
    }
}

/// Judges the sampled records. Never fails the report: problems end up in the run.
pub fn judge(config: &JudgeConfig, items: Vec<CorrectnessItem>, population: u64) -> CorrectnessRun {
    let (calls, samples) = ask::<Correctness>(config, &items, population);
    let records = items
        .into_iter()
        .zip(samples)
        .map(|(item, samples)| Judged {
            samples: samples
                .iter()
                .filter_map(|s| s.verdict.map(|v| (v, s.score)))
                .collect(),
            ..item.judged
        })
        .collect();
    CorrectnessRun { calls, records }
}

/// The `correctness.judge` pipeline stage ([`crate::stage`]).
pub struct CorrectnessStage {
    judging: Judging<CorrectnessItem>,
    max_examples: usize,
    example_chars: usize,
}

impl CorrectnessStage {
    pub fn new(config: Option<JudgeConfig>, analysis: &AnalysisConfig) -> Self {
        CorrectnessStage {
            judging: Judging::new(config),
            max_examples: analysis.max_examples,
            example_chars: analysis.example_chars,
        }
    }
}

impl crate::stage::Stage for CorrectnessStage {
    fn name(&self) -> &'static str {
        "correctness.judge"
    }
    fn feeds(&self) -> &'static [&'static str] {
        &["correctness.judge"]
    }
    fn prepare(&mut self, _: &crate::stage::StageContext) -> Result<()> {
        self.judging.prepare()
    }
    fn observe(&mut self, r: &Record) {
        self.judging.observe(r, CorrectnessItem::of);
    }
    /// Like the difficulty judge: two counts without a judge; refused in parts with one.
    fn save(&self) -> std::result::Result<Vec<u8>, String> {
        self.judging.save()
    }
    fn absorb(&mut self, saved: &[u8]) -> std::result::Result<(), String> {
        self.judging.absorb(saved)
    }
    fn finish(self: Box<Self>, out: &mut Outputs, _: &mut DatasetInfo) -> Vec<String> {
        let mut warnings = Vec::new();
        let j = self.judging;
        let (Some(config), Some(sample)) = (&j.config, j.sample) else {
            let why = if j.with_response == 0 {
                NO_RESPONSES
            } else {
                NEEDS_JUDGE
            };
            out.not_measured_all(HEADLINE, why);
            return warnings;
        };
        if j.with_response == 0 {
            out.not_measured_all(HEADLINE, NO_RESPONSES);
            warnings.push(format!(
                "LLM judge (correctness): not run, {NO_RESPONSES} (it judges responses)"
            ));
            return warnings;
        }
        let items = sample.into_items();
        if items.is_empty() {
            out.not_measured_all(
                HEADLINE,
                &format!(
                    "no record was sampled for the judge (--judge-sample {})",
                    config.sample
                ),
            );
            return warnings;
        }
        let run = judge(config, items, j.records);
        write_judge(&run, self.max_examples, self.example_chars, out);
        // A stopped judge, or one whose every reply was unusable, is also a warning.
        if let Some(why) = run
            .calls
            .aborted
            .as_deref()
            .or(out.not_measured.get(HEADLINE[0]).map(String::as_str))
        {
            warnings.push(format!("LLM judge (correctness): {why}"));
        }
        warnings
    }
}
