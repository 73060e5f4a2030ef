//! Instruction and response in different languages.
//!
//! Two checks. Across writing systems, on every record: the response has almost nothing
//! in the instruction's script (a Chinese question answered wholly in English). Unlike
//! `script.mixed_rate`, which compares dominant scripts, this ignores responses that
//! keep the instruction's language but gloss terms in another ("氢（Hydrogen）"). Within
//! one script (an English question answered in Spanish), scripts cannot tell, so both
//! sides' languages are identified; that is the slow step, so it runs on a uniform
//! deterministic sample: bottom-k over seeded keys of the records' positions, so the same
//! pairs are drawn however the input is split, and identification (in `finish`) runs in
//! parallel, gathered in sample order.

use crate::examples::ExampleSink;
use crate::record::Record;
use crate::registry::{
    merged, AnalysisConfig, Direction, Metric, MetricDoc, MetricSpec, Provenance,
};
use crate::result::{Example, ExampleGroup, Outputs, NO_RESPONSES};
use crate::sample::{record_key, BottomK};
use crate::text::{is_cjk_char, script_name, truncate_chars};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use unicode_script::{Script, UnicodeScript};

pub const SPEC: MetricSpec = MetricSpec {
    module: module_path!(),
    family: "hygiene.language_mixed",
    docs,
    make,
};

pub const SAMPLE: usize = 20_000;
const CHARS: usize = 400;
/// A response with less than this share of its words in the instruction's script does
/// not answer in the instruction's language.
const MIN_SHARE: f64 = 0.1;
/// Seeds the sampling key so this sample is independent of the `--sample-seed` one.
const SEED: u64 = 0x6c61_6e67_6d69_7864;

fn docs() -> Vec<MetricDoc> {
    let d = |id, definition, direction| MetricDoc {
        id,
        definition,
        direction,
        provenance: Provenance::Basic,
    };
    vec![
        d("hygiene.language_mixed.count", "Samples whose response is written in a different script from the instruction: less than 10% of the response's words are in the instruction's dominant script (a word is a run of letters, or one CJK character). Counted on every record; responses that look like code are not counted. Translation tasks are expected here; elsewhere the response usually ignores the prompt's language. Glossed terms (氢（Hydrogen）) do not count; for any difference of dominant script see script.mixed_rate. Every hygiene.language_mixed id is not measured when no record has a response (\"the data has no responses\").", Direction::LowerIsBetter),
        d("hygiene.language_mixed.rate", "hygiene.language_mixed.count / samples whose instruction and response both have letters.", Direction::LowerIsBetter),
        d("hygiene.language_mixed.same_script_rate", "Among sampled pairs whose instruction and response share a script used by many languages (Latin, Cyrillic, Arabic, Devanagari) and whose languages whatlang identifies reliably (first 400 characters each), the share in different languages (an English question answered in Spanish). Uniform deterministic sample of up to 20,000 samples.", Direction::LowerIsBetter),
        d("hygiene.language_mixed.same_script_identified", "Sampled same-script pairs whose two languages were both reliably identified (the denominator of same_script_rate).", Direction::Neutral),
    ]
}

fn make(c: &AnalysisConfig) -> Box<dyn Metric> {
    Box::new(LanguageMixed {
        with_response: 0,
        both: 0,
        cross: 0,
        cross_examples: ExampleSink::new(
            "hygiene.language_mixed.count",
            "Instruction and response in different languages",
            c.max_examples,
            c.example_chars,
        ),
        sample: BottomK::new(SAMPLE),
        max_examples: c.max_examples,
        chars: c.example_chars,
    })
}

#[derive(Serialize, Deserialize)]
struct Pair {
    id: String,
    origin: String,
    instruction: String,
    response: String,
}

#[derive(Serialize, Deserialize)]
struct LanguageMixed {
    with_response: u64,
    both: u64,
    cross: u64,
    /// The first cross-script pairs by record position.
    cross_examples: ExampleSink,
    sample: BottomK<Pair>,
    max_examples: usize,
    chars: usize,
}

/// Words per script: a run of letters of one script is one word; each CJK character
/// (Han, kana, Thai…) is one word, as in `text::word_count`.
pub fn script_words(s: &str) -> Vec<(&'static str, usize)> {
    let mut out: Vec<(&'static str, usize)> = Vec::new();
    let mut run: Option<Script> = None;
    for c in s.chars() {
        let sc = c.script();
        if !c.is_alphabetic() || matches!(sc, Script::Common | Script::Inherited | Script::Unknown)
        {
            run = None;
            continue;
        }
        if !is_cjk_char(c) && run == Some(sc) {
            continue;
        }
        run = Some(sc);
        let name = script_name(sc);
        match out.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 += 1,
            None => out.push((name, 1)),
        }
    }
    out
}

fn dominant(w: &[(&'static str, usize)]) -> Option<&'static str> {
    w.iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))
        .map(|(n, _)| *n)
}

fn share(w: &[(&'static str, usize)], script: &str) -> f64 {
    let total: usize = w.iter().map(|(_, c)| c).sum();
    let mine = w.iter().find(|(n, _)| *n == script).map_or(0, |(_, c)| *c);
    if total == 0 {
        0.0
    } else {
        mine as f64 / total as f64
    }
}

const MANY_LANGUAGE_SCRIPTS: &[&str] = &["latin", "cyrillic", "arabic", "devanagari"];

impl Metric for LanguageMixed {
    fn observe(&mut self, r: &Record) {
        self.with_response += u64::from(r.response().is_some());
        let (Some(i), Some(o)) = (r.instruction(), r.response()) else {
            return;
        };
        let (wi, wo) = (script_words(i), script_words(o));
        let (Some(si), Some(so)) = (dominant(&wi), dominant(&wo)) else {
            return;
        };
        self.both += 1;
        // Code is written in Latin letters whatever language the request was in.
        let code = si != so && crate::complexity::structure::looks_like_code(o);
        if si != so && share(&wo, si) < MIN_SHARE && !code {
            self.cross += 1;
            if self.cross_examples.wants(r) {
                let shown = format!(
                    "{}\n---\n{}",
                    truncate_chars(i, 150),
                    truncate_chars(o, 150)
                );
                let note = format!(
                    "instruction in {si} script, response in {so} ({:.0}% {si})",
                    share(&wo, si) * 100.0
                );
                self.cross_examples.push(r, &shown, Some(note));
            }
            return;
        }
        if si != so || !MANY_LANGUAGE_SCRIPTS.contains(&si) {
            return;
        }
        let key = record_key(r, SEED);
        if self.sample.accepts(key) {
            let pair = Pair {
                id: r.id.clone(),
                origin: r.origin.to_string(),
                instruction: truncate_chars(i, CHARS),
                response: truncate_chars(o, CHARS),
            };
            self.sample.offer(key, pair);
        }
    }

    fn merge(&mut self, other: Box<dyn Metric>) {
        let o = merged::<LanguageMixed>(other);
        self.with_response += o.with_response;
        self.both += o.both;
        self.cross += o.cross;
        self.cross_examples.merge(o.cross_examples);
        self.sample.merge(o.sample);
    }

    crate::whole_state!();

    fn finish(self: Box<Self>, out: &mut Outputs) {
        if self.with_response == 0 {
            out.not_measured_all(
                [
                    "hygiene.language_mixed.count",
                    "hygiene.language_mixed.rate",
                    "hygiene.language_mixed.same_script_rate",
                    "hygiene.language_mixed.same_script_identified",
                ],
                NO_RESPONSES,
            );
            return;
        }
        if self.both == 0 {
            return;
        }
        out.set("hygiene.language_mixed.count", self.cross as f64);
        out.set_rate("hygiene.language_mixed.rate", self.cross, self.both);
        let mut examples = self
            .cross_examples
            .into_group()
            .map_or_else(Vec::new, |g| g.examples);
        let sample = self.sample.into_sorted();
        // Identification is the slow step: in parallel, collected in sample order, so the
        // counts and the examples do not depend on the thread count.
        let langs: Vec<Option<(whatlang::Lang, whatlang::Lang)>> = sample
            .par_iter()
            .map(|p| {
                let a = whatlang::detect(&p.instruction)?;
                let b = whatlang::detect(&p.response)?;
                (a.is_reliable() && b.is_reliable()).then(|| (a.lang(), b.lang()))
            })
            .collect();
        let mut identified = 0u64;
        let mut differ = 0u64;
        for (p, (a, b)) in sample
            .iter()
            .zip(&langs)
            .filter_map(|(p, l)| Some((p, (*l)?)))
        {
            identified += 1;
            if a != b {
                differ += 1;
                if examples.len() < 2 * self.max_examples {
                    let shown = format!(
                        "{}\n---\n{}",
                        truncate_chars(&p.instruction, 150),
                        truncate_chars(&p.response, 150)
                    );
                    examples.push(Example {
                        record_id: p.id.clone(),
                        origin: p.origin.clone(),
                        text: truncate_chars(&shown, self.chars),
                        note: Some(format!(
                            "same script; instruction {}, response {} (sampled)",
                            a.code(),
                            b.code()
                        )),
                    });
                }
            }
        }
        out.set(
            "hygiene.language_mixed.same_script_identified",
            identified as f64,
        );
        out.set_rate(
            "hygiene.language_mixed.same_script_rate",
            differ,
            identified,
        );
        if !examples.is_empty() {
            out.examples.push(ExampleGroup {
                metric: "hygiene.language_mixed.count".into(),
                title: "Instruction and response in different languages".into(),
                examples,
            });
        }
        out.methods.insert(
            "hygiene.language_mixed".into(),
            format!(
                "Different scripts: every sample with letters on both sides ({}). Same script: languages identified by whatlang on the first {CHARS} characters of each side for a uniform deterministic sample of {} of the same-script pairs; {} were reliably identified on both sides.",
                self.both,
                sample.len(),
                identified
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{Origin, Role, Turn};

    fn run(pairs: &[(&str, &str)]) -> Outputs {
        let mut m = make(&AnalysisConfig::default());
        for (k, (i, o)) in pairs.iter().enumerate() {
            let mut r = Record::new(
                format!("r{k}"),
                Origin {
                    file: "f.jsonl".into(),
                    line: Some(k as u64 + 1),
                    index: k as u64,
                    within: None,
                },
            );
            r.turns = vec![Turn::new(Role::User, *i), Turn::new(Role::Assistant, *o)];
            m.observe(&r);
        }
        let mut out = Outputs::default();
        m.finish(&mut out);
        out
    }

    #[test]
    fn scripts_and_languages() {
        let out = run(&[
            ("列出五个欧洲国家。", "Here are five European countries: France, Germany, Italy, Spain and Portugal."),
            ("列出三种元素。", "1. 氢（Hydrogen, H） 2. 氦（Helium, He） 3. 锂（Lithium, Li）"),
            ("提供“vacillation”一词的定义。", "“Vacillation”是指在决定之间犹豫不决。"),
            ("Please describe the weather in the city of Madrid during the summer months.", "Los veranos en Madrid son muy calurosos y secos, con temperaturas que superan los cuarenta grados."),
            ("Please describe the weather in the city of London during the winter months.", "London winters are usually cold, grey and wet, with short days and frequent drizzle."),
            ("ok", "fine"),
            ("12345", "67890"),
        ]);
        assert_eq!(
            out.get("hygiene.language_mixed.count"),
            Some(1.0),
            "only the all-English answer to a Chinese question"
        );
        assert_eq!(
            out.get("hygiene.language_mixed.rate"),
            Some(1.0 / 6.0),
            "the digits-only pair has no letters"
        );
        assert_eq!(
            out.get("hygiene.language_mixed.same_script_identified"),
            Some(2.0),
            "ok/fine is too short to identify"
        );
        assert_eq!(
            out.get("hygiene.language_mixed.same_script_rate"),
            Some(0.5)
        );
        let g = &out.examples[0];
        assert_eq!(g.examples[0].record_id, "r0");
        assert_eq!(g.examples[0].origin, "f.jsonl:1");
        assert_eq!(g.examples[1].record_id, "r3");
    }

    #[test]
    fn words_per_script() {
        assert_eq!(
            script_words("Hello 世界 again"),
            vec![("latin", 2), ("han", 2)]
        );
    }

    #[test]
    fn merges_like_one_pass() {
        use crate::test_records::{assert_merges, record};
        use Role::*;
        let pairs = [
            ("列出五个欧洲国家。", "Here are five European countries: France, Germany, Italy, Spain and Portugal."),
            ("Please describe the weather in the city of Madrid during the summer months.", "Los veranos en Madrid son muy calurosos y secos, con temperaturas que superan los cuarenta grados."),
            ("Please describe the weather in the city of London during the winter months.", "London winters are usually cold, grey and wet, with short days and frequent drizzle."),
            ("列出三种元素。", "1. 氢（Hydrogen, H） 2. 氦（Helium, He） 3. 锂（Lithium, Li）"),
            ("12345", "67890"),
        ];
        let records: Vec<_> = (0..35u64)
            .map(|i| {
                let (q, a) = pairs[i as usize % pairs.len()];
                record(i, &[(User, q), (Assistant, a)])
            })
            .collect();
        let out = crate::test_records::outputs(make(&AnalysisConfig::default()), &records);
        assert_eq!(out.get("hygiene.language_mixed.count"), Some(7.0));
        assert_eq!(
            out.get("hygiene.language_mixed.same_script_identified"),
            Some(14.0)
        );
        assert_eq!(
            out.examples[0].examples.len(),
            10,
            "5 cross-script, 5 sampled"
        );
        assert_merges(|| make(&AnalysisConfig::default()), &records);
    }
}
