//! The paper's correctness index from an LLM judge: per sampled record, three judge samples
//! (a correct/incorrect verdict and a 1–10 score each) reduce to a majority verdict and a
//! median score ([`majority`]); [`write_judge`] aggregates them into
//! `correctness.judge.*`. The requests, cache and prompt live in the CLI crate
//! (`ftqa::judge::correctness`); this is the pure part.

use crate::complexity::difficulty::{score_histogram, JudgeRun};
use crate::record::Record;
use crate::registry::{AnalysisConfig, Direction, Metric, MetricDoc, MetricSpec, Provenance};
use crate::result::{Example, ExampleGroup, Outputs};
use crate::text::truncate_chars;

pub const SPEC: MetricSpec = MetricSpec {
    module: module_path!(),
    family: "correctness.judge",
    docs,
    make,
};

/// Why the index is missing without `--judge`.
pub const NEEDS_JUDGE: &str = "needs an LLM judge (--judge URL)";

/// The ids a run without a verdict marks not measured.
pub const HEADLINE: [&str; 2] = [
    "correctness.judge.correct_rate",
    "correctness.judge.score_mean",
];

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
        d("correctness.judge.correct_rate", "The paper's correctness index (Table 4's C, shown there as a percentage; stored here as a fraction like every *_rate id and rendered as a percentage): the share of judged samples whose majority verdict from an LLM judge is \"correct\". Each sampled instruction-response pair is judged 3 times with few-shot examples; a verdict needs at least 2 agreeing valid samples, otherwise the record counts as failed. Only with --judge, on the same uniform sample of --judge-sample records with a response as the difficulty judge. Departs from the paper: the judge sees no image and no generation-time description (ftqa's records carry none); it sees the system prompt, the earlier turns, the instruction and the response. Not measured without --judge or when no record has a response.", HigherIsBetter, Paper),
        d("correctness.judge.score_mean", "Mean 1–10 correctness score over judged samples: per sample, the median score of its valid judge samples (the lower middle of two). A correct verdict comes with 6–10, an incorrect one with 1–5; replies that break this are malformed.", HigherIsBetter, Companion),
        d("correctness.judge.judged", "Sampled records the correctness judge gave a majority verdict (with --judge).", Neutral, Basic),
        d("correctness.judge.failed", "Sampled records without a majority verdict: fewer than 2 agreeing valid samples after retries (failed requests, malformed replies, a 1–1 split).", LowerIsBetter, Basic),
    ]
}

fn make(_: &AnalysisConfig) -> Box<dyn Metric> {
    Box::new(crate::images::files::StageFed)
}

/// One sampled record and the valid judge samples it got: `(correct, score)`.
#[derive(Clone, Debug, Default)]
pub struct Judged {
    pub record_id: String,
    pub origin: String,
    /// The instruction the response answers (the last user turn before it).
    pub instruction: String,
    pub response: String,
    pub samples: Vec<(bool, u8)>,
}

/// What the correctness phase measured: the request side (shared with the difficulty
/// judge) and the sampled records in sample order.
#[derive(Clone, Debug, Default)]
pub struct CorrectnessRun {
    pub calls: JudgeRun,
    pub records: Vec<Judged>,
}

/// The majority of a record's valid samples: the verdict at least two of them share, with
/// the median of all valid scores (the lower middle value for an even count). `None` with
/// fewer than two valid samples or a 1–1 split: the paper takes the most frequent of three
/// results, and one sample, or two that disagree, have no such result.
pub fn majority(samples: &[(bool, u8)]) -> Option<(bool, u8)> {
    let correct = samples.iter().filter(|s| s.0).count();
    let incorrect = samples.len() - correct;
    let verdict = if correct >= 2 && correct > incorrect {
        true
    } else if incorrect >= 2 && incorrect > correct {
        false
    } else {
        return None;
    };
    let mut scores: Vec<u8> = samples.iter().map(|s| s.1).collect();
    scores.sort_unstable();
    Some((verdict, scores[(scores.len() - 1) / 2]))
}

/// Writes `correctness.judge.*`: rates, counts, the score distribution, the lowest-scored
/// samples (up to `max_examples`, texts cut to `chars`) and the methods note. With no
/// verdict at all the headline ids are not measured, with the reason.
pub fn write_judge(run: &CorrectnessRun, max_examples: usize, chars: usize, out: &mut Outputs) {
    let verdicts: Vec<Option<(bool, u8)>> =
        run.records.iter().map(|r| majority(&r.samples)).collect();
    let judged: Vec<(usize, bool, u8)> = verdicts
        .iter()
        .enumerate()
        .filter_map(|(k, v)| v.map(|(c, s)| (k, c, s)))
        .collect();
    let n = judged.len() as u64;
    let correct = judged.iter().filter(|j| j.1).count() as u64;
    out.set("correctness.judge.judged", n as f64);
    out.set(
        "correctness.judge.failed",
        (run.records.len() as u64 - n) as f64,
    );
    if n == 0 {
        let why = match &run.calls.aborted {
            Some(a) => format!("the LLM judge gave no verdict ({a})"),
            None => format!(
                "the LLM judge gave no verdict for any of the {} sampled records ({} failed requests, {} malformed replies)",
                run.records.len(),
                run.calls.failed_requests,
                run.calls.malformed
            ),
        };
        out.not_measured_all(HEADLINE, &why);
    } else {
        out.set_rate("correctness.judge.correct_rate", correct, n);
        let scores: Vec<u8> = judged.iter().map(|j| j.2).collect();
        let sum: f64 = scores.iter().map(|&s| f64::from(s)).sum();
        let sum_sq: f64 = scores.iter().map(|&s| f64::from(s).powi(2)).sum();
        out.set_with_interval(
            "correctness.judge.score_mean",
            sum / n as f64,
            crate::uncertainty::mean_interval(sum, sum_sq, n),
        );
        out.distributions.push(score_histogram(
            "correctness.judge.score",
            "LLM-judged response correctness (1–10)",
            &scores,
        ));
    }
    if let Some(group) = lowest_scored(run, &judged, max_examples, chars) {
        out.examples.push(group);
    }
    let aborted = run
        .calls
        .aborted
        .as_deref()
        .map(|a| format!(" The judge was stopped early: {a}."))
        .unwrap_or_default();
    let c = &run.calls;
    out.methods.insert(
        "correctness.judge".into(),
        format!(
            "correctness.judge.correct_rate is the paper's correctness index judged by an LLM: model {} at {}, prompt {} (few-shot examples; a correct/incorrect verdict and a 1–10 score per reply), the majority verdict of 3 samples per record (at least 2 agreeing valid samples; otherwise no verdict) and the median of their scores, on the same uniform deterministic sample of {} of {} records as the difficulty judge. Unlike the paper, the judge is given no generation-time description and no image (text only): it sees the system prompt, earlier turns, the instruction and the response. {} judged ({} correct), {} without a verdict; {}{}",
            c.model,
            c.endpoint,
            c.prompt_version,
            c.sampled,
            c.population,
            n,
            correct,
            run.records.len() as u64 - n,
            c.describe_requests(),
            aborted
        ),
    );
}

/// The judged samples with the lowest scores (incorrect before correct on equal scores,
/// then sample order), for the report.
fn lowest_scored(
    run: &CorrectnessRun,
    judged: &[(usize, bool, u8)],
    max: usize,
    chars: usize,
) -> Option<ExampleGroup> {
    let mut order: Vec<&(usize, bool, u8)> = judged.iter().collect();
    order.sort_by_key(|&&(k, correct, score)| (score, correct, k));
    let examples: Vec<Example> = order
        .into_iter()
        .take(max)
        .map(|&(k, correct, score)| {
            let r = &run.records[k];
            let agree = r.samples.iter().filter(|s| s.0 == correct).count();
            Example {
                record_id: r.record_id.clone(),
                origin: r.origin.clone(),
                text: format!(
                    "Instruction: {}\nResponse: {}",
                    truncate_chars(&r.instruction, chars),
                    truncate_chars(&r.response, chars)
                ),
                note: Some(format!(
                    "{} ({agree} of {} valid samples), score {score}/10",
                    if correct { "correct" } else { "incorrect" },
                    r.samples.len()
                )),
            }
        })
        .collect();
    (!examples.is_empty()).then(|| ExampleGroup {
        metric: "correctness.judge.score_mean".into(),
        title: "Lowest-scored samples (LLM correctness judge)".into(),
        examples,
    })
}

/// The record's facts an example needs, taken when the sampler keeps it.
pub fn judged_of(r: &Record, instruction: &str) -> Judged {
    Judged {
        record_id: r.id.clone(),
        origin: r.origin.to_string(),
        instruction: instruction.to_string(),
        response: r.response().unwrap_or_default().to_string(),
        samples: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn majority_needs_two_agreeing_samples() {
        assert_eq!(
            majority(&[(true, 9), (true, 7), (false, 2)]),
            Some((true, 7))
        );
        assert_eq!(
            majority(&[(false, 3), (true, 8), (false, 1)]),
            Some((false, 3))
        );
        assert_eq!(majority(&[(true, 10), (true, 6)]), Some((true, 6)));
        assert_eq!(majority(&[(true, 9), (false, 2)]), None, "a 1–1 split");
        assert_eq!(majority(&[(true, 9)]), None, "one sample is no majority");
        assert_eq!(majority(&[]), None);
    }

    fn rec(name: &str, samples: &[(bool, u8)]) -> Judged {
        Judged {
            record_id: name.into(),
            origin: format!("data.jsonl:{name}"),
            instruction: format!("<b>{name}</b>"),
            response: "r".into(),
            samples: samples.to_vec(),
        }
    }

    #[test]
    fn rates_scores_and_lowest_examples() {
        let run = CorrectnessRun {
            calls: JudgeRun {
                model: "m".into(),
                sampled: 4,
                population: 9,
                ..JudgeRun::default()
            },
            records: vec![
                rec("a", &[(true, 9), (true, 9), (true, 8)]),
                rec("b", &[(false, 2), (false, 4), (true, 7)]),
                rec("c", &[(true, 6)]),
                rec("d", &[(true, 7), (true, 7), (true, 7)]),
            ],
        };
        let mut out = Outputs::default();
        write_judge(&run, 2, 50, &mut out);
        assert_eq!(out.get("correctness.judge.judged"), Some(3.0));
        assert_eq!(out.get("correctness.judge.failed"), Some(1.0));
        assert_eq!(out.get("correctness.judge.correct_rate"), Some(2.0 / 3.0));
        assert_eq!(out.get("correctness.judge.score_mean"), Some(20.0 / 3.0));
        assert!(out.intervals.contains_key("correctness.judge.correct_rate"));
        let g = &out.examples[0];
        let ids: Vec<&str> = g.examples.iter().map(|e| e.record_id.as_str()).collect();
        assert_eq!(ids, ["b", "d"]);
        assert_eq!(
            g.examples[0].note.as_deref(),
            Some("incorrect (2 of 3 valid samples), score 4/10")
        );
        assert!(out.methods["correctness.judge"].contains("no image"));
    }

    #[test]
    fn no_verdict_is_not_measured_with_the_reason() {
        let run = CorrectnessRun {
            calls: JudgeRun {
                aborted: Some("the endpoint refused the request (HTTP 401)".into()),
                ..JudgeRun::default()
            },
            records: vec![rec("a", &[])],
        };
        let mut out = Outputs::default();
        write_judge(&run, 5, 50, &mut out);
        assert_eq!(out.get("correctness.judge.correct_rate"), None);
        assert!(out.not_measured["correctness.judge.score_mean"].contains("401"));
        assert_eq!(out.get("correctness.judge.failed"), Some(1.0));
        assert!(out.examples.is_empty());
    }
}
