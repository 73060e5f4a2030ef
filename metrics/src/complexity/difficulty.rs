//! Instruction difficulty on the paper's 1–10 scale: an offline estimate that is always
//! available, and the aggregation of LLM judge scores when `--judge` supplies them.
//!
//! The two are kept under different metric ids so that a report (or a comparison of two
//! reports) never mixes a heuristic with the paper's judged score.

use super::structure::Structure;
use super::Elements;
use crate::result::{Distribution, Outputs};

/// Offline difficulty estimate, 1–10. A documented heuristic, not a trained model: it
/// grows with the instruction's semantic elements and adds a point each for reasoning
/// (requested or shown), code, and maths, up to a point for chained multi-turn context
/// and up to a point for long responses.
pub fn estimate(e: &Elements, s: &Structure, response_words: usize) -> f64 {
    let mut d = 1.0 + f64::from(e.total().min(24)) / 4.0;
    if s.cot_request || s.cot_response {
        d += 1.0;
    }
    if s.code {
        d += 1.0;
    }
    if s.math {
        d += 1.0;
    }
    d += 0.5 * f64::from(s.dependence_depth.saturating_sub(1).min(2));
    d += match response_words {
        0..=149 => 0.0,
        150..=399 => 0.5,
        _ => 1.0,
    };
    d.clamp(1.0, 10.0)
}

pub const ESTIMATE_METHOD: &str = "Offline estimate (no LLM): 1 + min(elements, 24)/4, +1 if the sample reasons step by step (requested or shown), +1 for code, +1 for maths, +0.5 per chained dependent follow-up turn (at most 1), +0.5 for a response of 150–399 words or +1 for 400 or more; clamped to 1–10. A heuristic proxy on the paper's 1–10 scale, not the paper's LLM-judged score.";

/// The majority of a judge's samples; with no majority (all different), their median
/// (the lower middle value for an even count). `None` when no sample was valid.
pub fn majority(samples: &[u8]) -> Option<u8> {
    if samples.is_empty() {
        return None;
    }
    let mut counts = [0u8; 11];
    for &s in samples {
        counts[usize::from(s.min(10))] += 1;
    }
    let best = *counts.iter().max().unwrap_or(&0);
    if best >= 2 || samples.len() == 1 {
        // Ties between two repeated values cannot happen with three samples; with more,
        // the lower score wins so the result is deterministic.
        return counts.iter().position(|&c| c == best).map(|p| p as u8);
    }
    let mut v = samples.to_vec();
    v.sort_unstable();
    Some(v[(v.len() - 1) / 2])
}

/// What the judge phase measured, for the report. The request side (model, counts, tokens,
/// time, `aborted`) is shared with the correctness judge (`crate::correctness::judge`),
/// which leaves `scores` and `estimates` empty.
#[derive(Clone, Debug, Default)]
pub struct JudgeRun {
    pub model: String,
    pub endpoint: String,
    pub prompt_version: String,
    /// Samples drawn from the dataset for judging.
    pub sampled: usize,
    /// Records in the dataset.
    pub population: u64,
    /// Majority score per sampled record; `None` where no valid score came back.
    pub scores: Vec<Option<u8>>,
    /// Offline estimate for the same records, to report how the two agree.
    pub estimates: Vec<f64>,
    pub requests: u64,
    pub cached: u64,
    pub retries: u64,
    pub failed_requests: u64,
    pub malformed: u64,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub seconds: f64,
    /// Set when the judge could not be used at all (bad URL, refused, unauthorised).
    pub aborted: Option<String>,
}

impl JudgeRun {
    /// `12 requests (3 answered from the cache, …); 900 prompt + 36 completion tokens; 1.2 s.`
    pub fn describe_requests(&self) -> String {
        format!(
            "{} requests ({} answered from the cache, {} retries, {} failed, {} malformed replies); {} prompt + {} completion tokens; {:.1} s.",
            self.requests,
            self.cached,
            self.retries,
            self.failed_requests,
            self.malformed,
            self.prompt_tokens,
            self.completion_tokens,
            self.seconds
        )
    }
}

/// The distribution of judged 1–10 scores.
pub fn score_histogram(id: &str, title: &str, scores: &[u8]) -> Distribution {
    let mut counts = vec![0u64; 10];
    for &s in scores {
        counts[usize::from(s.clamp(1, 10)) - 1] += 1;
    }
    Distribution::Categorical {
        id: id.into(),
        title: title.into(),
        x_label: "score".into(),
        labels: (1..=10).map(|s| s.to_string()).collect(),
        counts,
    }
}

pub fn write_judge(run: &JudgeRun, out: &mut Outputs) {
    let scored: Vec<u8> = run.scores.iter().flatten().copied().collect();
    let failed = run.scores.iter().filter(|s| s.is_none()).count();
    out.set(
        "complexity.instruction.difficulty_judged",
        scored.len() as f64,
    );
    out.set("complexity.instruction.difficulty_failed", failed as f64);
    if !scored.is_empty() {
        let mean = scored.iter().map(|&s| f64::from(s)).sum::<f64>() / scored.len() as f64;
        let sum_sq: f64 = scored.iter().map(|&s| f64::from(s).powi(2)).sum();
        out.set_with_interval(
            "complexity.instruction.difficulty_mean",
            mean,
            crate::uncertainty::mean_interval(
                mean * scored.len() as f64,
                sum_sq,
                scored.len() as u64,
            ),
        );
        out.distributions.push(score_histogram(
            "complexity.instruction.difficulty",
            "LLM-judged instruction difficulty (1–10)",
            &scored,
        ));
    }
    let pairs: (Vec<f64>, Vec<f64>) = run
        .scores
        .iter()
        .zip(&run.estimates)
        .filter_map(|(s, e)| s.map(|s| (f64::from(s), *e)))
        .unzip();
    let agreement = if pairs.0.len() >= 3 {
        let rho = super::agreement::spearman(&pairs.0, &pairs.1);
        if rho.is_finite() {
            format!(
                " Spearman between the judge and the offline estimate on these samples: {rho:.3}."
            )
        } else {
            String::new()
        }
    } else {
        String::new()
    };
    let aborted = run
        .aborted
        .as_deref()
        .map(|a| format!(" The judge was stopped early: {a}."))
        .unwrap_or_default();
    out.methods.insert(
        "complexity.difficulty".into(),
        format!(
            "complexity.instruction.difficulty_mean is the paper's LLM-judged score: model {} at {}, prompt {} (scored examples, a 1–10 score), the majority of 3 samples per instruction-response pair (their median when all differ), on a uniform deterministic sample of {} of {} records. {} scored, {} without a valid score; {}{}{} The offline estimate complexity.instruction.difficulty_estimate_mean is reported beside it.",
            run.model,
            run.endpoint,
            run.prompt_version,
            run.sampled,
            run.population,
            scored.len(),
            failed,
            run.describe_requests(),
            agreement,
            aborted
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn majority_then_median() {
        assert_eq!(majority(&[7, 7, 3]), Some(7));
        assert_eq!(majority(&[2, 9, 5]), Some(5));
        assert_eq!(majority(&[4, 8]), Some(4));
        assert_eq!(majority(&[6]), Some(6));
        assert_eq!(majority(&[]), None);
    }

    #[test]
    fn estimate_is_bounded_and_monotone() {
        let s = Structure::default();
        let small = estimate(
            &Elements {
                predicates: 1,
                arguments: 1,
                constraints: 0,
            },
            &s,
            10,
        );
        let big = estimate(
            &Elements {
                predicates: 8,
                arguments: 12,
                constraints: 6,
            },
            &Structure {
                code: true,
                math: true,
                cot_response: true,
                dependence_depth: 4,
                ..s
            },
            1000,
        );
        assert!((small - 1.5).abs() < 1e-9);
        assert_eq!(big, 10.0);
    }

    #[test]
    fn judge_outputs_use_their_own_ids() {
        let run = JudgeRun {
            model: "m".into(),
            endpoint: "http://127.0.0.1".into(),
            prompt_version: "v1".into(),
            sampled: 3,
            population: 10,
            scores: vec![Some(4), None, Some(8)],
            estimates: vec![2.0, 3.0, 5.0],
            ..JudgeRun::default()
        };
        let mut out = Outputs::default();
        write_judge(&run, &mut out);
        assert_eq!(out.get("complexity.instruction.difficulty_mean"), Some(6.0));
        assert_eq!(
            out.get("complexity.instruction.difficulty_failed"),
            Some(1.0)
        );
        assert!(out.methods["complexity.difficulty"].contains("majority of 3"));
    }
}
