//! Sources for the metric-truth harness: eight generated sources with unlike subjects (for
//! the test suite), and the real public sources in ../shared/data (for the benchmark).

use crate::fixtures::rng::Rng;

const NAMES: &[&str] = &[
    "Alice", "Bruno", "Chen", "Dara", "Emeka", "Farah", "Goran", "Hana", "Ivan", "Jun",
];
const CITIES: &[&str] = &[
    "Lisbon", "Oslo", "Nairobi", "Lima", "Osaka", "Quebec", "Perth", "Krakow", "Dakar", "Hanoi",
];
use crate::fixtures::text::ZH_TOPICS as ZH;

/// Eight unlike generated sources, `per` responses each (distinct within a source).
pub fn generated(per: usize, seed: u64) -> Vec<Vec<String>> {
    let mut rng = Rng::new(seed);
    let mut sources = Vec::new();
    for s in 0..8 {
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::with_capacity(per);
        let mut tries = 0;
        while out.len() < per && tries < per * 50 {
            tries += 1;
            let t = one(s, &mut rng);
            if seen.insert(t.clone()) {
                out.push(t);
            }
        }
        sources.push(out);
    }
    sources
}

fn one(source: usize, r: &mut Rng) -> String {
    let n = |r: &mut Rng, lo: usize, hi: usize| r.range(lo, hi);
    match source {
        0 => {
            let (a, b, m) = (n(r, 2, 99), n(r, 2, 99), n(r, 2, 9));
            format!("First add {a} and {b} to get {}. Then multiply the sum by {m}: {} × {m} = {}. The answer is {}.", a + b, a + b, (a + b) * m, (a + b) * m)
        }
        1 => {
            let f = r.pick(&[
                "filter_items",
                "keep_large",
                "select_values",
                "pick_numbers",
                "find_matches",
            ]);
            let op = r.pick(&[">", "<", ">=", "<=", "=="]);
            format!("```python\ndef {f}(values):\n    result = []\n    for v in values:\n        if v {op} {}:\n            result.append(v * {})\n    return result\n```", n(r, 0, 500), n(r, 2, 9))
        }
        2 => {
            let ing = r.pick(&[
                "flour", "butter", "sugar", "eggs", "cream", "yeast", "honey", "oats",
            ]);
            let ing2 = r.pick(&[
                "milk",
                "cinnamon",
                "vanilla",
                "salt",
                "cocoa",
                "almonds",
                "raisins",
                "lemon zest",
            ]);
            format!("Preheat the oven to {} degrees. Whisk the {ing} with the {ing2}, pour the batter into a greased tin and bake for {} minutes until golden.", 150 + 10 * n(r, 0, 10), n(r, 15, 60))
        }
        3 => {
            let (a, b) = (r.pick(ZH), r.pick(ZH));
            format!("{a}是一个重要的科学话题。它和{b}有密切的关系，研究人员用了{}年的时间才理解其中的原理。", n(r, 3, 200))
        }
        4 => {
            let p = r.pick(NAMES);
            let c = r.pick(CITIES);
            format!("{c} United beat the visitors {} to {} last night; {p} scored twice in the second half and the coach praised the defence.", n(r, 2, 6), n(r, 0, 1))
        }
        5 => {
            let cond = r.pick(&[
                "hypertension",
                "asthma",
                "migraine",
                "diabetes",
                "arthritis",
                "insomnia",
            ]);
            let drug = r.pick(&[
                "ibuprofen",
                "metformin",
                "salbutamol",
                "amlodipine",
                "melatonin",
                "paracetamol",
            ]);
            format!("Patients with {cond} may take {} mg of {drug} twice daily with food, and should see a doctor if symptoms persist beyond {} days.", 50 * n(r, 1, 20), n(r, 2, 14))
        }
        6 => {
            let c = r.pick(CITIES);
            let w = r.pick(&["sunny", "cloudy", "rainy", "windy", "foggy", "snowy"]);
            format!("Tomorrow in {c} will be {w}, with a high of {} degrees, a low of {} degrees and a {} percent chance of showers in the afternoon.", n(r, 5, 35), n(r, 0, 4), n(r, 0, 100))
        }
        _ => {
            let party = r.pick(&[
                "tenant",
                "buyer",
                "contractor",
                "licensee",
                "borrower",
                "supplier",
            ]);
            format!("Under clause {} of the agreement, the {party} must pay {} dollars within {} days of signing; late payment accrues interest at {} percent per annum.", n(r, 1, 40), 100 * n(r, 5, 900), n(r, 7, 90), n(r, 2, 12))
        }
    }
}

/// Real sources in `../shared/data`, unlike in subject, language and form: name and file
/// (or glob of shards), relative to the data folder, in ladder order: the issue's order
/// (maths, then code, then English and Chinese answers), then four more forms. The
/// benchmark loads their responses with ftqa's own loaders.
pub const REAL: &[(&str, &str)] = &[
    ("maths solutions (GSM8K)", "gsm8k_test.jsonl"),
    ("Python code (Code Alpaca)", "new_codealpaca.json.gz"),
    (
        "English answers (Alpaca en)",
        "llamafactory_alpaca_en_demo.json",
    ),
    (
        "Chinese answers (Alpaca zh)",
        "llamafactory_alpaca_zh_demo.json",
    ),
    (
        "dialogue replies (HH-RLHF)",
        "hh_rlhf_harmless_base_test.jsonl.gz",
    ),
    (
        "news summaries (T0 CNN/DailyMail)",
        "t0_train_50k_per_template/cnn_dailymail_3_0_0_*.jsonl.gz",
    ),
    (
        "generated questions (T0)",
        "t0_train_50k_per_template/*generate_question*.jsonl.gz",
    ),
    (
        "tool calls (Glaive)",
        "llamafactory_glaive_toolcall_en_demo.json",
    ),
];

/// An Alpaca-style dataset with a `task` column, drawn from the fixture generator's task
/// mix: two calls with different seeds are two samples of one distribution.
pub fn task_dataset(n: usize, seed: u64) -> Vec<serde_json::Value> {
    use crate::fixtures::text::{pair, TASKS};
    let mut rng = Rng::new(seed);
    (0..n)
        .map(|_| {
            let task = TASKS[rng.below(TASKS.len())];
            let (instruction, output) = pair(&mut rng, task);
            serde_json::json!({"instruction": instruction, "input": "", "output": output, "task": task})
        })
        .collect()
}

/// Instructions from the first `k` of eight templates whose words do not overlap, `n` in
/// all, one task: the instruction-diversity ladder (each template is its own region of
/// the element graph, so clusters must rise with `k`).
pub fn instruction_templates(k: usize, n: usize, seed: u64) -> Vec<String> {
    const T: &[(&str, &[&str], &[&str])] = &[
        (
            "Summarize the {} article about {} briefly.",
            &["long", "recent", "technical", "local"],
            &["elections", "vaccines", "tariffs", "wildfires"],
        ),
        (
            "Translate this {} sentence into {}.",
            &["formal", "casual", "poetic", "legal"],
            &["French", "German", "Japanese", "Swahili"],
        ),
        (
            "Write a Python function that {} a {}.",
            &["reverses", "sorts", "hashes", "validates"],
            &["string", "list", "dictionary", "matrix"],
        ),
        (
            "Solve for x when {} x equals {}.",
            &["twice", "thrice", "half", "squared"],
            &["twelve", "forty", "nine", "sixty"],
        ),
        (
            "Compose a {} poem about {}.",
            &["rhyming", "haiku", "sonnet", "limerick"],
            &["autumn", "oceans", "friendship", "mountains"],
        ),
        (
            "Classify the {} review as {}.",
            &["restaurant", "movie", "hotel", "product"],
            &["positive", "negative", "neutral", "mixed"],
        ),
        (
            "Plan a {} itinerary for {}.",
            &["weekend", "budget", "family", "hiking"],
            &["Lisbon", "Kyoto", "Patagonia", "Iceland"],
        ),
        (
            "Diagnose why my {} keeps {}.",
            &["laptop", "router", "printer", "dishwasher"],
            &["overheating", "disconnecting", "jamming", "leaking"],
        ),
    ];
    let mut rng = Rng::new(seed);
    (0..n)
        .map(|i| {
            let (t, a, b) = T[i % k.clamp(1, T.len())];
            t.replacen("{}", rng.pick::<&str>(a), 1)
                .replacen("{}", rng.pick::<&str>(b), 1)
        })
        .collect()
}
