//! Instruction complexity per sample: semantic elements and the offline difficulty
//! estimate. The structure facts the estimate uses are reported by
//! [`super::structure`].

use super::difficulty::{estimate, ESTIMATE_METHOD};
use super::structure::{analyze, Structure};
use super::{count_elements_in, language_of, material, Elements, Language};
use crate::record::Record;
use crate::registry::{
    merged, AnalysisConfig, Direction, Metric, MetricDoc, MetricSpec, Provenance,
};
use crate::result::{Distribution, Example, ExampleGroup, Outputs};
use crate::stats::{rate, IntDist};
use crate::text::{truncate_chars, word_count};

pub const SPEC: MetricSpec = MetricSpec {
    module: module_path!(),
    family: "complexity.instruction",
    docs,
    make,
};

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
        d("complexity.instruction.elements_mean", "Mean number of semantic elements (predicates + arguments + constraints) per instruction (first user turn). The paper counts them with semantic role labelling; ftqa counts them offline with a rule-based tagger over a shipped English and Chinese lexicon, following fixtures/complexity/GUIDE.md. Embedded material (a passage, quoted text, code) counts as one argument. Its agreement with 186 hand-labelled instructions (Spearman at least 0.8 on the tuned, held-out and post-hoc splits, asserted by a test) is stated in the report's methods. Samples without an instruction are left out.", HigherIsBetter, Paper),
        d("complexity.instruction.elements_median", "Median elements per instruction.", HigherIsBetter, Companion),
        d("complexity.instruction.elements_p95", "95th percentile of elements per instruction.", Neutral, Companion),
        d("complexity.instruction.<part>_mean", "Mean predicates, arguments or constraints per instruction (part: predicates, arguments, constraints).", Neutral, Companion),
        d("complexity.instruction.analyzed", "Instructions whose elements were counted (samples with a non-empty first user turn).", Neutral, Basic),
        d("complexity.instruction.chinese_share", "Share of analysed instructions counted with the Chinese rules (Han characters are at least a quarter of the letters); the rest use the English rules.", Neutral, Basic),
        d("complexity.instruction.difficulty_mean", "The paper's instruction complexity index: mean 1–10 difficulty an LLM judge gives instruction-response pairs, guided by scored examples, the majority of 3 samples each. Only with --judge, on a uniform sample of --judge-sample records with a response; the model, sample and failures are in the methods. Not measured when no record has a response (\"the data has no responses\"): the judge rates pairs.", HigherIsBetter, Paper),
        d("complexity.instruction.difficulty_judged", "Sampled records the judge gave a valid score (with --judge).", Neutral, Basic),
        d("complexity.instruction.difficulty_failed", "Sampled records without a valid judge score after retries (with --judge).", LowerIsBetter, Basic),
        d("complexity.instruction.difficulty_estimate_mean", "Mean offline difficulty estimate, 1–10, on every sample: a documented heuristic from elements, reasoning, code, maths, multi-turn dependence and response length (see methods). Records without a response (prompt-only data) are estimated from the instruction alone: the response terms (chain-of-thought shown, response length) add nothing, so such data reads up to 1.5 lower than the same prompts with long reasoned answers. Not the paper's judged score, which is complexity.instruction.difficulty_mean.", HigherIsBetter, Companion),
    ]
}

fn make(c: &AnalysisConfig) -> Box<dyn Metric> {
    Box::new(InstructionComplexity {
        n: 0,
        elements: IntDist::default(),
        parts: [0; 3],
        chinese: 0,
        estimate_units: 0,
        estimate_bins: [0; 10],
        top: Vec::new(),
        max_examples: c.max_examples,
        chars: c.example_chars,
    })
}

/// Per-record facts shared with the judge phase (which reports the estimate beside the
/// judged score for the same records).
pub struct RecordComplexity {
    pub elements: Option<Elements>,
    pub language: Option<Language>,
    pub structure: Structure,
    pub estimate: f64,
}

pub fn record_complexity(r: &Record) -> RecordComplexity {
    let instruction = r.instruction().filter(|s| !s.trim().is_empty());
    let directive = instruction.map(material::split);
    let (elements, language) = match &directive {
        Some(d) => {
            let lang = language_of(&d.text);
            (Some(count_elements_in(d, lang)), Some(lang))
        }
        None => (None, None),
    };
    let structure = analyze(r, directive.as_ref().map_or("", |d| d.text.as_str()));
    let response_words = r.response().map_or(0, word_count);
    let estimate = estimate(&elements.unwrap_or_default(), &structure, response_words);
    RecordComplexity {
        elements,
        language,
        structure,
        estimate,
    }
}

/// Fixed-point units per difficulty point. The estimate moves in quarter points, so its
/// sum is an exact integer here and adds up the same in any order (an f64 sum of
/// per-record values would depend on how the input was split).
const ESTIMATE_UNITS: f64 = 1024.0;

/// A record's stable position ([`crate::record::Origin::order_key`]), owned.
type Position = (std::sync::Arc<str>, u64);

#[derive(serde::Serialize, serde::Deserialize)]
struct InstructionComplexity {
    n: u64,
    elements: IntDist,
    /// Sums of predicates, arguments, constraints.
    parts: [u64; 3],
    chinese: u64,
    /// Sum of the estimates in 1/ESTIMATE_UNITS points.
    estimate_units: u64,
    estimate_bins: [u64; 10],
    /// The most complex instructions: (elements, position, example), most elements first,
    /// then earliest by position, so the choice is the same under any split.
    top: Vec<(u32, Position, Example)>,
    max_examples: usize,
    chars: usize,
}

impl InstructionComplexity {
    /// Whether an instruction with `total` elements at `pos` ranks among the kept ones.
    fn ranks(&self, total: u32, pos: (&str, u64)) -> bool {
        self.max_examples > 0
            && (self.top.len() < self.max_examples
                || self
                    .top
                    .last()
                    .is_some_and(|(t, p, _)| total > *t || (total == *t && pos < (&*p.0, p.1))))
    }

    fn insert_top(&mut self, total: u32, pos: Position, ex: Example) {
        let at = self
            .top
            .partition_point(|(t, p, _)| *t > total || (*t == total && *p <= pos));
        self.top.insert(at, (total, pos, ex));
        self.top.truncate(self.max_examples);
    }

    fn offer_top(&mut self, total: u32, r: &Record, e: &Elements, text: &str) {
        if !self.ranks(total, r.origin.order_key()) {
            return;
        }
        let ex = Example {
            record_id: r.id.clone(),
            origin: r.origin.to_string(),
            text: truncate_chars(text, self.chars),
            note: Some(format!(
                "{} elements: {} predicates, {} arguments, {} constraints",
                total, e.predicates, e.arguments, e.constraints
            )),
        };
        self.insert_top(total, (r.origin.file.clone(), r.origin.index), ex);
    }
}

impl Metric for InstructionComplexity {
    fn observe(&mut self, r: &Record) {
        self.n += 1;
        let c = record_complexity(r);
        if let Some(e) = c.elements {
            let total = e.total();
            self.elements.add(u64::from(total));
            self.parts[0] += u64::from(e.predicates);
            self.parts[1] += u64::from(e.arguments);
            self.parts[2] += u64::from(e.constraints);
            self.chinese += u64::from(c.language == Some(Language::Chinese));
            self.offer_top(total, r, &e, r.instruction().unwrap_or(""));
        }
        self.estimate_units += (c.estimate * ESTIMATE_UNITS).round() as u64;
        self.estimate_bins[(c.estimate.round() as usize).clamp(1, 10) - 1] += 1;
    }

    fn merge(&mut self, other: Box<dyn Metric>) {
        let o: InstructionComplexity = merged(other);
        self.n += o.n;
        self.elements.merge(&o.elements);
        for (a, b) in self.parts.iter_mut().zip(o.parts) {
            *a += b;
        }
        self.chinese += o.chinese;
        self.estimate_units += o.estimate_units;
        for (a, b) in self.estimate_bins.iter_mut().zip(o.estimate_bins) {
            *a += b;
        }
        for (total, pos, ex) in o.top {
            if self.ranks(total, (&*pos.0, pos.1)) {
                self.insert_top(total, pos, ex);
            }
        }
    }

    crate::whole_state!();

    fn finish(self: Box<Self>, out: &mut Outputs) {
        if self.n == 0 {
            return;
        }
        let analyzed = self.elements.len();
        out.set("complexity.instruction.analyzed", analyzed as f64);
        if analyzed > 0 {
            let a = analyzed as f64;
            out.set_with_interval(
                "complexity.instruction.elements_mean",
                self.elements.mean().unwrap_or(0.0),
                self.elements.mean_interval(),
            );
            out.set(
                "complexity.instruction.elements_median",
                self.elements.median().unwrap_or(0.0),
            );
            out.set(
                "complexity.instruction.elements_p95",
                self.elements.quantile(0.95).unwrap_or(0) as f64,
            );
            for (name, sum) in ["predicates", "arguments", "constraints"]
                .iter()
                .zip(self.parts)
            {
                out.set(
                    format!("complexity.instruction.{name}_mean"),
                    sum as f64 / a,
                );
            }
            out.set(
                "complexity.instruction.chinese_share",
                rate(self.chinese, analyzed),
            );
            out.distributions.push(element_bars(&self.elements));
        }
        out.set(
            "complexity.instruction.difficulty_estimate_mean",
            self.estimate_units as f64 / ESTIMATE_UNITS / self.n as f64,
        );
        out.distributions.push(Distribution::Categorical {
            id: "complexity.instruction.difficulty_estimate".into(),
            title: "Offline difficulty estimate (1–10, not LLM-judged)".into(),
            x_label: "estimate (rounded)".into(),
            labels: (1..=10).map(|s| s.to_string()).collect(),
            counts: self.estimate_bins.to_vec(),
        });
        let examples: Vec<Example> = self.top.into_iter().map(|(_, _, e)| e).collect();
        if !examples.is_empty() {
            out.examples.push(ExampleGroup {
                metric: "complexity.instruction.elements_mean".into(),
                title: "Instructions with the most semantic elements".into(),
                examples,
            });
        }
        out.methods.insert(
            "complexity.elements".into(),
            format!(
                "Semantic elements counted offline on the first {} characters of each instruction: material (quotes, passages, code, data after a colon) becomes one argument; tokens are tagged predicate, argument or constraint by position rules over a shipped lexicon (about 1,100 English verbs with their inflections, Chinese verbs, words and function words segmented by forward maximum matching). {}",
                material::MAX_CHARS,
                super::agreement::methods_text()
            ),
        );
        out.methods.entry("complexity.difficulty".into()).or_insert_with(|| {
            format!("No --judge given, so the paper's LLM-judged score complexity.instruction.difficulty_mean is not reported; complexity.instruction.difficulty_estimate_mean is used instead. {ESTIMATE_METHOD}")
        });
    }
}

/// Elements per instruction as bars 0..=30 and "31+", trimmed after the last non-empty bar.
fn element_bars(d: &IntDist) -> Distribution {
    let mut counts: Vec<u64> = (0..=30u64).map(|v| d.count_of(v)).collect();
    counts.push(d.len() - counts.iter().sum::<u64>());
    let mut labels: Vec<String> = (0..=30).map(|v| v.to_string()).collect();
    labels.push("31+".into());
    let last = counts.iter().rposition(|&c| c > 0).unwrap_or(0);
    counts.truncate(last + 1);
    labels.truncate(last + 1);
    Distribution::Categorical {
        id: "complexity.instruction.elements".into(),
        title: "Semantic elements per instruction".into(),
        x_label: "predicates + arguments + constraints".into(),
        labels,
        counts,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::record::Role;

    use crate::test_records::record as rec;

    #[test]
    fn reports_elements_structure_and_estimate() {
        use Role::*;
        let mut m = make(&AnalysisConfig::default());
        m.observe(&rec(
            0,
            &[
                (User, "Tell me a joke."),
                (Assistant, "Why did the chicken cross the road?"),
            ],
        ));
        m.observe(&rec(
            1,
            &[
                (User, "What is the capital of France?"),
                (Assistant, "Paris."),
            ],
        ));
        m.observe(&rec(2, &[(Assistant, "orphan reply")]));
        let mut out = Outputs::default();
        m.finish(&mut out);
        assert_eq!(out.get("complexity.instruction.analyzed"), Some(2.0));
        assert_eq!(
            out.get("complexity.instruction.elements_mean"),
            Some(2.5),
            "2 and 3 elements"
        );
        assert_eq!(out.get("complexity.instruction.predicates_mean"), Some(1.0));
        assert!(
            out.get("complexity.instruction.difficulty_mean").is_none(),
            "only the judge sets the paper's score"
        );
        assert!(out
            .get("complexity.instruction.difficulty_estimate_mean")
            .is_some());
        assert!(out.methods["complexity.difficulty"].contains("No --judge"));
        assert!(out.methods["complexity.elements"].contains("held-out"));
        assert!(out
            .distributions
            .iter()
            .any(|d| d.id() == "complexity.instruction.elements"));
        let top = out
            .examples
            .iter()
            .find(|g| g.metric == "complexity.instruction.elements_mean")
            .unwrap();
        assert_eq!(top.examples[0].record_id, "r1");
    }

    #[test]
    fn prompt_only_data_keeps_instruction_complexity() {
        use Role::*;
        let mut m = make(&AnalysisConfig::default());
        m.observe(&rec(0, &[(User, "What is the capital of France?")]));
        m.observe(&rec(
            1,
            &[
                (User, "Solve 12 + 30 step by step."),
                (User, "Why is it that?"),
            ],
        ));
        let mut out = Outputs::default();
        m.finish(&mut out);
        assert_eq!(out.get("complexity.instruction.analyzed"), Some(2.0));
        assert!(out.get("complexity.instruction.elements_mean").is_some());
        assert!(out
            .get("complexity.instruction.difficulty_estimate_mean")
            .is_some());
    }

    /// Instructions of varied complexity, with ties in element counts (so the kept top
    /// examples depend on position), prompt-only, multi-turn and Chinese ones.
    pub(crate) fn varied_records() -> Vec<Record> {
        use Role::*;
        let instructions = [
            "Tell me a joke.",
            "What is the capital of France?",
            "Write a Python function that sorts a list of numbers, then explain step by step why it is correct in at most 100 words.",
            "Translate the following sentence into French: the cat sleeps on the warm sofa.",
            "用中文写一首关于大海的诗，不超过50字。",
            "Solve for x: 2x + 3 = 11. Show your work.",
            "Summarize the passage below as a bulleted list.\n\nThe river floods every spring and the farmers plant rice.",
            "",
        ];
        let answers = [
            "Sure.",
            "Let's think step by step. First, 2x = 8. Therefore x = 4.",
            "```python\ndef f(xs):\n    return sorted(xs)\n```",
        ];
        (0..36u64)
            .map(|i| {
                let inst = instructions[(i * 5 % 8) as usize];
                let ans = answers[(i % 3) as usize];
                match i % 6 {
                    0 => rec(i, &[(User, inst)]),
                    1 => rec(
                        i,
                        &[
                            (User, inst),
                            (Assistant, ans),
                            (User, "Why is that?"),
                            (Assistant, ans),
                            (User, "And then what about it?"),
                        ],
                    ),
                    _ => rec(i, &[(User, inst), (Assistant, ans)]),
                }
            })
            .collect()
    }

    #[test]
    fn merges_like_one_pass() {
        crate::test_records::assert_merges(|| make(&AnalysisConfig::default()), &varied_records());
    }
}
