//! Structural complexity of a sample: how far its turns depend on each other, whether
//! it reasons step by step, what output constraints the instruction states, and whether
//! it involves code or mathematics.

use crate::examples::ExampleSink;
use crate::record::{Record, Role};
use crate::registry::{
    merged, AnalysisConfig, Direction, Metric, MetricDoc, MetricSpec, Provenance,
};
use crate::result::{Outputs, NO_RESPONSES};
use crate::stats::{rate, IntDist};
use crate::text::truncate_chars;
use regex::Regex;
use std::sync::OnceLock;

pub const SPEC: MetricSpec = MetricSpec {
    module: module_path!(),
    family: "complexity.structure",
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
    Box::new(StructureStats {
        n: 0,
        with_response: 0,
        depth: IntDist::default(),
        followups: 0,
        dependent: 0,
        flags: [0; 7],
        deep: ExampleSink::new(
            "complexity.structure.dependence_depth_mean",
            "Multi-turn samples with chained dependent follow-ups (depth 3 or more)",
            c.max_examples,
            c.example_chars,
        ),
    })
}

/// The structure of a sample as the element counter sees its instruction: the
/// directive without embedded material (so a quoted passage asking for JSON is not a
/// format constraint).
pub fn record_structure(r: &Record) -> Structure {
    let directive = r
        .instruction()
        .filter(|s| !s.trim().is_empty())
        .map(super::material::split);
    analyze(r, directive.as_ref().map_or("", |d| d.text.as_str()))
}

#[derive(serde::Serialize, serde::Deserialize)]
struct StructureStats {
    n: u64,
    /// Records with a response: the denominator of cot_rate.
    with_response: u64,
    depth: IntDist,
    followups: u64,
    dependent: u64,
    /// cot, cot request, format, length, language, code, math.
    flags: [u64; 7],
    deep: ExampleSink,
}

impl Metric for StructureStats {
    fn observe(&mut self, r: &Record) {
        self.n += 1;
        self.with_response += u64::from(r.response().is_some());
        let s = record_structure(r);
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

    fn merge(&mut self, other: Box<dyn Metric>) {
        let o: StructureStats = merged(other);
        self.n += o.n;
        self.with_response += o.with_response;
        self.depth.merge(&o.depth);
        self.followups += o.followups;
        self.dependent += o.dependent;
        for (a, b) in self.flags.iter_mut().zip(o.flags) {
            *a += b;
        }
        self.deep.merge(o.deep);
    }

    crate::whole_state!();

    fn finish(self: Box<Self>, out: &mut Outputs) {
        if self.n == 0 {
            return;
        }
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
        out.examples.extend(self.deep.into_group());
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Structure {
    pub user_turns: u32,
    /// 1 + the longest run of consecutive follow-up user turns that lean on earlier
    /// context; 1 for a single-turn sample, 0 with no user turn.
    pub dependence_depth: u32,
    pub followups: u32,
    pub dependent_followups: u32,
    pub cot_response: bool,
    pub cot_request: bool,
    pub format_constraint: bool,
    pub length_constraint: bool,
    pub language_constraint: bool,
    pub code: bool,
    pub math: bool,
}

struct Patterns {
    cot_request: Regex,
    cot_explicit: Regex,
    cot_connective: Regex,
    format: Regex,
    length: Regex,
    language: Regex,
    code_line: Regex,
    code_inline: Regex,
    latex: Regex,
    arithmetic: Regex,
    math_words: Regex,
    followup_start: Regex,
    anaphor: Regex,
}

fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| {
        // ASCII word boundaries (?-u:\b): a Unicode \b makes the regex engine fall back to
        // its slowest matcher on any text with a non-ASCII character.
        let r = |s: &str| Regex::new(s).expect("structure pattern compiles");
        Patterns {
            cot_request: r(r"(?i)step[- ]by[- ]step|(?-u:\b)think (it )?through(?-u:\b)|(?-u:\b)let'?s think(?-u:\b)|explain your reasoning|show (your|the) (work|steps|reasoning)|(?-u:\b)justify(?-u:\b)|reasoning process|一步一步|逐步|解题过程|推理过程|思考过程|写出过程|详细步骤|说明理由"),
            cot_explicit: r(r"(?i)<think>|step[- ]by[- ]step|(?-u:\b)let'?s think(?-u:\b)|(?-u:\b)let us think(?-u:\b)|(?-u:\b)step \d+\s*[:.)]|^#### |\n#### |<<[^<>]*=[^<>]*>>|一步一步|第[一二三四五1-5]步"),
            cot_connective: r(r"(?i)(?-u:\b)(first(ly)?|second(ly)?|next|then|therefore|thus|hence|so the answer|finally|consequently)(?-u:\b)|首先|其次|然后|接着|因此|所以|综上|最后"),
            format: r(r"(?i)(?-u:\b)(json|yaml|csv|xml|markdown|table|bullet(ed)?( points?| list)?|numbered list|a list of|as a list|in the format|template|outline form|key-value)(?-u:\b)|表格|列表|json|格式|分点|要点|编号"),
            length: r(r"(?i)(?-u:\b)\d+\s*(words?|sentences?|paragraphs?|characters?|lines?|bullet points?|points|tokens)(?-u:\b)|(?-u:\b)(one|two|three|four|five|a single|a few) (words?|sentences?|paragraphs?|lines?)(?-u:\b)|(?-u:\b)(briefly|brief|concise(ly)?|short|succinct(ly)?|in detail|detailed|at most|at least|no more than|fewer than|less than|under \d+|word limit|tl;?dr)(?-u:\b)|\d+\s*字|字以内|不超过|一句话|两句话|三句话|简要|简短|简洁|详细|以内|左右"),
            language: r(r"(?i)(?-u:\b)(in|into|to) (english|chinese|mandarin|french|spanish|german|italian|portuguese|russian|japanese|korean|arabic|hindi|dutch|turkish|vietnamese)(?-u:\b)|(?-u:\b)translat(e|ion|ing)(?-u:\b)|(?-u:\b)(respond|reply|answer|write) in [a-z]+(?-u:\b)|用(英文|中文|英语|汉语|日语|法语)|翻译|(英文|中文|英语)(回答|回复|写)"),
            code_line: r(r"(?m)^\s*(def |class |import |from \S+ import|#include|public |private |function |return |for \(|if \(|while \(|var |let |const |SELECT |INSERT |UPDATE |CREATE TABLE|\}|</?[a-zA-Z][a-zA-Z0-9]*[ >/]|.*[;{]\s*$)"),
            code_inline: r(r"(?-u:\b)def \w+\(|(?-u:\b)function \w*\s*\(|console\.log\(|System\.out\.|#include\s*<|(?-u:\b)print\(|(?-u:\b)SELECT(?-u:\b)[^\n]{1,80}(?-u:\b)FROM(?-u:\b)|=>\s*\{|(?-u:\b)fn \w+\(|(?-u:\b)public static void(?-u:\b)"),
            latex: r(r"\\(frac|sqrt|sum|int|prod|lim|alpha|beta|theta|pi|cdot|times|leq|geq|neq|begin\{(equation|align))|\$[^$\n]{1,80}[\^_=][^$\n]{0,80}\$"),
            arithmetic: r(r"\d\s*[-+*/×÷^]\s*\(?\d[\d.]*\)?\s*=\s*-?\d|<<[^<>]*=[^<>]*>>|(?-u:\b)[xyzn]\s*[\^²³]|(?-u:\b)\d*[xy]\s*[-+]\s*\d+\s*=|(?-u:\b)solve for(?-u:\b)"),
            math_words: r(r"(?i)(?-u:\b)(equation|integral|derivative|probability|calculate|compute the (sum|product|value)|how many|how much|percent(age)?|average|ratio|theorem|prove that|polynomial|matrix|modulo)(?-u:\b)|方程|积分|导数|概率|计算|求解|多少|百分之|平均|比例|定理|证明"),
            followup_start: r(r"(?i)^\s*(and|but|so|also|then|now|ok(ay)?|great|thanks|thank you|what about|how about|why|what if|can you also|could you also|please also|continue|go on|more|another|again|same|instead)(?-u:\b)|^\s*(那|那么|为什么|继续|再|还有|另外|然后|好的|谢谢|可以再|能再|换)"),
            anaphor: r(r"(?i)(?-u:\b)(it|its|this|that|these|those|they|them|their|he|she|him|her|above|previous|earlier|again|same|instead|another|the answer|your answer|your response|the first|the second|the last|the one)(?-u:\b)|它|这个|那个|这些|那些|上面|刚才|之前|前面|其中|这样|呢[？?]?$"),
        }
    })
}

pub fn analyze(r: &Record, directive: &str) -> Structure {
    let p = patterns();
    let mut s = Structure::default();
    let mut run = 0u32;
    let mut longest = 0u32;
    for t in r.conversation().filter(|t| t.role == Role::User) {
        s.user_turns += 1;
        if s.user_turns == 1 {
            continue;
        }
        s.followups += 1;
        if depends_on_context(&t.text, p) {
            s.dependent_followups += 1;
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    s.dependence_depth = if s.user_turns == 0 { 0 } else { 1 + longest };

    let instruction = r.instruction().unwrap_or("");
    let response = r.response().unwrap_or("");
    s.cot_request = p.cot_request.is_match(directive);
    s.cot_response = is_cot(response, p);
    s.format_constraint = p.format.is_match(directive);
    s.length_constraint = p.length.is_match(directive);
    s.language_constraint = p.language.is_match(directive);
    s.code = is_code(instruction, p) || is_code(response, p);
    s.math = is_math(instruction, response, p);
    s
}

/// A follow-up leans on earlier turns when it is elliptical (very short), opens with a
/// continuation ("and", "what about", "为什么"), or refers back ("it", "the above", "它").
fn depends_on_context(text: &str, p: &Patterns) -> bool {
    let t = text.trim();
    crate::text::word_count(t) <= 4 || p.followup_start.is_match(t) || p.anaphor.is_match(t)
}

/// Explicit reasoning: a step-by-step marker, a `####` final answer or calculator
/// annotations (GSM8K), `<think>`, or at least two different reasoning connectives.
fn is_cot(response: &str, p: &Patterns) -> bool {
    if response.is_empty() {
        return false;
    }
    if p.cot_explicit.is_match(response) {
        return true;
    }
    let mut seen: Vec<String> = Vec::new();
    for m in p.cot_connective.find_iter(response) {
        let k = m.as_str().to_lowercase();
        if !seen.contains(&k) {
            seen.push(k);
            if seen.len() >= 2 {
                return true;
            }
        }
    }
    false
}

/// A fenced block, a recognisable code construct, or two or more code-like lines.
fn is_code(text: &str, p: &Patterns) -> bool {
    if text.contains("```") || p.code_inline.is_match(text) {
        return true;
    }
    p.code_line.find_iter(text).take(2).count() >= 2 && text.lines().count() >= 2
}

/// Whether a text is (mostly) code or markup, for checks that misfire on it.
pub fn looks_like_code(text: &str) -> bool {
    is_code(text, patterns())
}

/// LaTeX, a worked equation (`48/2 = 24`), algebra (`x^2`, `2x + 3 =`), or a maths word
/// together with a number.
fn is_math(instruction: &str, response: &str, p: &Patterns) -> bool {
    for t in [instruction, response] {
        if p.latex.is_match(t) || p.arithmetic.is_match(t) {
            return true;
        }
    }
    p.math_words.is_match(instruction) && instruction.chars().any(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{Origin, Turn};

    fn rec(turns: &[(Role, &str)]) -> Record {
        let mut r = Record::new(
            "r",
            Origin {
                file: "f".into(),
                line: Some(1),
                index: 0,
                within: None,
            },
        );
        r.turns = turns.iter().map(|(role, t)| Turn::new(*role, *t)).collect();
        r
    }

    fn st(turns: &[(Role, &str)]) -> Structure {
        let r = rec(turns);
        let d = super::super::material::split(r.instruction().unwrap_or(""));
        analyze(&r, &d.text)
    }

    use crate::test_records::{outputs, record};

    #[test]
    fn reports_over_samples_and_responses() {
        use Role::*;
        let out = outputs(
            make(&AnalysisConfig::default()),
            &[
                record(
                    0,
                    &[
                        (User, "What is 2 + 3?"),
                        (
                            Assistant,
                            "Let's think step by step. First, 2 + 3 = 5. Therefore the answer is 5.",
                        ),
                    ],
                ),
                record(1, &[(User, "q"), (Assistant, "5")]),
                record(2, &[(User, "What is 4 + 4?")]),
                record(3, &[(User, "Solve 12 + 30 step by step."), (User, "Why is it that?")]),
            ],
        );
        // cot_rate is over the records with a response.
        assert_eq!(out.get("complexity.structure.cot_rate"), Some(0.5));
        assert_eq!(out.get("complexity.structure.cot_request_rate"), Some(0.25));
        assert_eq!(
            out.get("complexity.structure.dependent_followup_rate"),
            Some(1.0)
        );
        assert_eq!(
            out.get("complexity.structure.dependence_depth_max"),
            Some(2.0)
        );
        assert!(out.not_measured.is_empty());
    }

    #[test]
    fn prompt_only_data_has_no_cot_rate() {
        let out = outputs(
            make(&AnalysisConfig::default()),
            &[record(0, &[(Role::User, "What is the capital of France?")])],
        );
        assert!(out.get("complexity.structure.cot_rate").is_none());
        assert_eq!(
            out.not_measured["complexity.structure.cot_rate"],
            NO_RESPONSES
        );
        assert_eq!(out.get("complexity.structure.math_rate"), Some(0.0));
    }

    #[test]
    fn merges_like_one_pass() {
        crate::test_records::assert_merges(
            || make(&AnalysisConfig::default()),
            &crate::complexity::instruction::tests::varied_records(),
        );
    }

    #[test]
    fn dependence_depth_counts_chained_followups() {
        use Role::*;
        let s = st(&[
            (User, "Who wrote Hamlet?"),
            (Assistant, "Shakespeare."),
            (User, "When was it written?"),
            (Assistant, "1600."),
            (User, "Why?"),
            (Assistant, "…"),
        ]);
        assert_eq!(
            (
                s.user_turns,
                s.followups,
                s.dependent_followups,
                s.dependence_depth
            ),
            (3, 2, 2, 3)
        );
        let s = st(&[
            (User, "Name a prime number."),
            (Assistant, "7"),
            (User, "Write a haiku about the sea in spring."),
            (Assistant, "…"),
        ]);
        assert_eq!((s.dependent_followups, s.dependence_depth), (0, 1));
        assert_eq!(
            st(&[(User, "hi"), (Assistant, "hello")]).dependence_depth,
            1
        );
    }

    #[test]
    fn reasoning_constraints_code_and_maths() {
        use Role::*;
        let s = st(&[
            (
                User,
                "Solve 2x + 3 = 11 step by step and answer in French, in under 50 words.",
            ),
            (Assistant, "First, subtract 3. Then divide by 2. #### 4"),
        ]);
        assert!(
            s.cot_request
                && s.cot_response
                && s.math
                && s.length_constraint
                && s.language_constraint
        );
        assert!(!s.code && !s.format_constraint);
        let s = st(&[
            (User, "Return the result as JSON."),
            (Assistant, "```python\nprint(1)\n```"),
        ]);
        assert!(s.format_constraint && s.code && !s.cot_response);
        let s = st(&[
            (User, "用Python写一个函数，不超过20行。"),
            (Assistant, "def f(x):\n    return x"),
        ]);
        assert!(s.code && s.length_constraint);
        let s = st(&[
            (User, "Tell me about Paris."),
            (Assistant, "Paris is the capital of France."),
        ]);
        assert_eq!(
            s,
            Structure {
                user_turns: 1,
                dependence_depth: 1,
                ..Structure::default()
            }
        );
    }
}
