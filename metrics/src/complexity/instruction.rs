//! Instruction complexity per sample: semantic elements, structure, offline difficulty.

use super::difficulty::{estimate, ESTIMATE_METHOD};
use super::structure::{analyze, Structure};
use super::{count_elements_in, language_of, material, Elements, Language};
use crate::examples::ExampleSink;
use crate::record::Record;
use crate::registry::{AnalysisConfig, Direction, Metric, MetricDoc, MetricSpec, Provenance};
use crate::result::{Distribution, Example, ExampleGroup, Outputs, NO_RESPONSES};
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
        d("complexity.structure.dependence_depth_mean", "Mean depth of multi-turn dependence: 1 + the longest run of consecutive follow-up user turns that lean on earlier context (elliptical, continuing, or referring back: 'it', 'why?', 'what about…', '它', '那…呢'). 1 for single-turn samples.", Neutral, Basic),
        d("complexity.structure.dependence_depth_max", "Largest dependence depth in the data.", Neutral, Basic),
        d("complexity.structure.dependent_followup_rate", "Share of follow-up user turns (second and later) that depend on earlier context.", Neutral, Basic),
        d("complexity.structure.cot_rate", "Share of samples with a response (records.with_response) whose final response shows chain-of-thought: a step-by-step marker, numbered steps, <think>, GSM8K-style `####` answers or calculator annotations, or two different reasoning connectives (first/then/therefore, 首先/然后/因此). Not measured when no record has a response (\"the data has no responses\").", Neutral, Basic),
        d("complexity.structure.cot_request_rate", "Share of instructions that ask for reasoning (step by step, show your work, explain your reasoning, 一步一步, 解题过程).", Neutral, Basic),
        d("complexity.structure.format_constraint_rate", "Share of instructions with an explicit output-format constraint (JSON, table, bullet points, numbered list, 表格, 格式, 分点).", Neutral, Basic),
        d("complexity.structure.length_constraint_rate", "Share of instructions with an explicit length constraint (N words or sentences, briefly, concise, in detail, 不超过N字, 简要).", Neutral, Basic),
        d("complexity.structure.language_constraint_rate", "Share of instructions that state the output language or ask for translation (in French, translate, 用英文, 翻译).", Neutral, Basic),
        d("complexity.structure.code_rate", "Share of samples with code in the instruction or response (fenced blocks, code constructs, or several code-like lines); the instruction alone for records without a response.", Neutral, Basic),
        d("complexity.structure.math_rate", "Share of samples with mathematics: LaTeX, worked equations, algebra, or a maths word with numbers in the instruction.", Neutral, Basic),
    ]
}

fn make(c: &AnalysisConfig) -> Box<dyn Metric> {
    Box::new(InstructionComplexity {
        n: 0,
        with_response: 0,
        elements: IntDist::default(),
        parts: [0; 3],
        chinese: 0,
        estimate_sum: 0.0,
        estimate_bins: [0; 10],
        depth: IntDist::default(),
        followups: 0,
        dependent: 0,
        flags: [0; 7],
        top: Vec::new(),
        max_examples: c.max_examples,
        chars: c.example_chars,
        deep: ExampleSink::new(
            "complexity.structure.dependence_depth_mean",
            "Multi-turn samples with chained dependent follow-ups (depth 3 or more)",
            c.max_examples,
            c.example_chars,
        ),
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

struct InstructionComplexity {
    n: u64,
    /// Records with a response: the denominator of cot_rate.
    with_response: u64,
    elements: IntDist,
    /// Sums of predicates, arguments, constraints.
    parts: [u64; 3],
    chinese: u64,
    estimate_sum: f64,
    estimate_bins: [u64; 10],
    depth: IntDist,
    followups: u64,
    dependent: u64,
    /// cot, cot request, format, length, language, code, math.
    flags: [u64; 7],
    /// The most complex instructions: (elements, sequence, example), best first.
    top: Vec<(u32, u64, Example)>,
    max_examples: usize,
    chars: usize,
    deep: ExampleSink,
}

impl InstructionComplexity {
    fn offer_top(&mut self, total: u32, r: &Record, e: &Elements, text: &str) {
        let k = self.max_examples;
        if k == 0 || (self.top.len() >= k && self.top.last().is_some_and(|(t, _, _)| *t >= total)) {
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
        let pos = self
            .top
            .iter()
            .position(|(t, _, _)| *t < total)
            .unwrap_or(self.top.len());
        self.top.insert(pos, (total, self.n, ex));
        self.top.truncate(k);
    }
}

impl Metric for InstructionComplexity {
    fn observe(&mut self, r: &Record) {
        self.n += 1;
        self.with_response += u64::from(r.response().is_some());
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
        self.estimate_sum += c.estimate;
        self.estimate_bins[(c.estimate.round() as usize).clamp(1, 10) - 1] += 1;
        let s = c.structure;
        self.depth.add(u64::from(s.dependence_depth));
        self.followups += u64::from(s.followups);
        self.dependent += u64::from(s.dependent_followups);
        for (slot, on) in self.flags.iter_mut().zip([
            s.cot_response,
            s.cot_request,
            s.format_constraint,
            s.length_constraint,
            s.language_constraint,
            s.code,
            s.math,
        ]) {
            *slot += u64::from(on);
        }
        if s.dependence_depth >= 3 && self.deep.wants(r) {
            let shown: Vec<String> = r
                .conversation()
                .map(|t| format!("[{}] {}", t.role.as_str(), truncate_chars(&t.text, 80)))
                .collect();
            self.deep.push(
                r,
                &shown.join("\n"),
                Some(format!(
                    "depth {}, {} of {} follow-ups dependent",
                    s.dependence_depth, s.dependent_followups, s.followups
                )),
            );
        }
    }

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
            self.estimate_sum / self.n as f64,
        );
        out.distributions.push(Distribution::Categorical {
            id: "complexity.instruction.difficulty_estimate".into(),
            title: "Offline difficulty estimate (1–10, not LLM-judged)".into(),
            x_label: "estimate (rounded)".into(),
            labels: (1..=10).map(|s| s.to_string()).collect(),
            counts: self.estimate_bins.to_vec(),
        });
        out.set(
            "complexity.structure.dependence_depth_mean",
            self.depth.mean().unwrap_or(0.0),
        );
        out.set(
            "complexity.structure.dependence_depth_max",
            self.depth.max().unwrap_or(0) as f64,
        );
        out.set(
            "complexity.structure.dependent_followup_rate",
            rate(self.dependent, self.followups),
        );
        let names = [
            "cot_rate",
            "cot_request_rate",
            "format_constraint_rate",
            "length_constraint_rate",
            "language_constraint_rate",
            "code_rate",
            "math_rate",
        ];
        for (name, count) in names.iter().zip(self.flags) {
            let id = format!("complexity.structure.{name}");
            match *name {
                "cot_rate" if self.with_response == 0 => out.not_measured(id, NO_RESPONSES),
                "cot_rate" => out.set(id, rate(count, self.with_response)),
                _ => out.set(id, rate(count, self.n)),
            }
        }
        let examples: Vec<Example> = self.top.into_iter().map(|(_, _, e)| e).collect();
        if !examples.is_empty() {
            out.examples.push(ExampleGroup {
                metric: "complexity.instruction.elements_mean".into(),
                title: "Instructions with the most semantic elements".into(),
                examples,
            });
        }
        out.examples.extend(self.deep.into_group());
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
mod tests {
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
        assert_eq!(
            out.get("complexity.structure.dependence_depth_mean"),
            Some(2.0 / 3.0)
        );
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
        assert_eq!(out.get("complexity.structure.cot_request_rate"), Some(0.5));
        // Two user turns in a row: the follow-up leans on the first ("it").
        assert_eq!(
            out.get("complexity.structure.dependent_followup_rate"),
            Some(1.0)
        );
        assert_eq!(
            out.get("complexity.structure.dependence_depth_max"),
            Some(2.0)
        );
        assert!(out.get("complexity.structure.cot_rate").is_none());
        assert_eq!(
            out.not_measured["complexity.structure.cot_rate"],
            NO_RESPONSES
        );
    }

    #[test]
    fn cot_rate_is_over_records_with_a_response() {
        use Role::*;
        let mut m = make(&AnalysisConfig::default());
        m.observe(&rec(
            0,
            &[
                (User, "What is 2 + 3?"),
                (
                    Assistant,
                    "Let's think step by step. First, 2 + 3 = 5. Therefore the answer is 5.",
                ),
            ],
        ));
        m.observe(&rec(1, &[(User, "q"), (Assistant, "5")]));
        m.observe(&rec(2, &[(User, "What is 4 + 4?")]));
        m.observe(&rec(3, &[(User, "What is 5 + 5?")]));
        let mut out = Outputs::default();
        m.finish(&mut out);
        assert_eq!(out.get("complexity.structure.cot_rate"), Some(0.5));
        assert!(out.not_measured.is_empty());
    }
}
