//! The README workflow, as a new user runs it: `ftqa report` with a benchmark, `ftqa init`
//! from that report, `ftqa check` (fails: benchmark items were planted in the data), then
//! `ftqa dedup --decontaminate` and `ftqa check` on the cleaned data (passes).

mod common;

use common::{ftqa, stderr, stdout};
use std::io::Write;
use std::path::{Path, PathBuf};

const BENCH: &[(&str, &str)] = &[
    ("Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May. How many clips did Natalia sell altogether in April and May?", "Natalia sold 48/2 = 24 clips in May. She sold 48+24 = 72 clips altogether. #### 72"),
    ("Weng earns 12 dollars an hour for babysitting. Yesterday, she just did 50 minutes of babysitting. How much did she earn for that time on that day?", "Weng earns 12/60 = 0.2 dollars per minute. For 50 minutes she earned 0.2 x 50 = 10 dollars. #### 10"),
    ("Betty is saving money for a new wallet which costs 100 dollars. Betty has only half of the money she needs. Her parents decided to give her 15 dollars for that purpose, and her grandparents twice as much as her parents. How much more money does Betty need to buy the wallet?", "Betty has 50 dollars. Her grandparents give 30. She needs 100-50-15-30 = 5 more. #### 5"),
    ("James writes a 3-page letter to 2 different friends twice a week. How many pages does he write in a whole year if every week of the year is counted?", "He writes 3*2*2 = 12 pages a week, so 12*52 = 624 pages a year. #### 624"),
];

/// Clean records; three more carry benchmark questions.
const CLEAN: usize = 300;

const TOPICS: &[&str] = &[
    "rivers",
    "volcanoes",
    "bread baking",
    "chess openings",
    "tide pools",
    "compilers",
    "bird migration",
    "glaciers",
    "sourdough",
    "bicycles",
    "orchards",
    "telescopes",
    "beekeeping",
    "lighthouses",
    "origami",
    "coral reefs",
];
const ASKS: &[&str] = &[
    "Explain how",
    "Describe why",
    "Summarise what makes",
    "Write three tips about how",
    "Give a short history of how",
    "Compare two ways",
];
const DETAILS: &[&str] = &[
    "for a curious child",
    "in plain words",
    "for a field guide",
    "with one concrete example",
    "as a numbered list",
    "in under fifty words",
];

/// Deterministic pseudo-random picks (a small LCG), so the data is the same every run.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) as usize
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.next() % xs.len()]
    }
    /// A pronounceable made-up word: real datasets have large vocabularies, and with a small
    /// one the three planted questions alone would move the diversity metrics.
    fn word(&mut self) -> String {
        const SYL: &[&str] = &[
            "ka", "lo", "mi", "ren", "tu", "sa", "vo", "ne", "dri", "pa", "go", "shi", "bel",
            "tor", "ui", "fen",
        ];
        (0..2 + self.next() % 2).map(|_| self.pick(SYL)).collect()
    }
}

fn write_data(dir: &Path) -> (PathBuf, PathBuf) {
    let bench = dir.join("gsm8k_mini.jsonl");
    let mut f = std::fs::File::create(&bench).unwrap();
    for (q, a) in BENCH {
        writeln!(f, "{}", serde_json::json!({"question": q, "answer": a})).unwrap();
    }
    let data = dir.join("train.jsonl");
    let mut f = std::fs::File::create(&data).unwrap();
    let mut rng = Lcg(7);
    for i in 0..CLEAN {
        let (ask, topic, detail) = (rng.pick(ASKS), rng.pick(TOPICS), rng.pick(DETAILS));
        let (t2, t3) = (rng.pick(TOPICS), rng.pick(TOPICS));
        let words: Vec<String> = (0..6).map(|_| rng.word()).collect();
        let more: Vec<String> = (0..8).map(|_| rng.word()).collect();
        let category = ["science", "craft", "history"][i % 3];
        let row = serde_json::json!({
            "instruction": format!("{ask} {topic} {} work {detail}, {} and {} {}.", words[0], words[1], words[2], words[3..].join(" ")),
            "output": format!("{topic} relate to {t2} and {t3}: {} {} leads to {}.", more[..3].join(" "), words[4], more[3..].join(" ")),
            "category": category,
        });
        writeln!(f, "{row}").unwrap();
        // Plant three benchmark questions, verbatim, inside otherwise ordinary prompts.
        if i % 100 == 10 {
            let (q, _) = BENCH[i / 100];
            let row = serde_json::json!({
                // Inside an ordinary prompt, sharing its vocabulary, as leaked items usually are.
                "instruction": format!("{} {} {} work, then solve this: {q}", rng.pick(ASKS), rng.pick(TOPICS), words[0]),
                "output": format!("Let me work through it for item {i}. The answer follows from careful arithmetic."),
                "category": "science",
            });
            writeln!(f, "{row}").unwrap();
        }
    }
    (data, bench)
}

fn run(args: &[&str]) -> (i32, String) {
    let o = ftqa(args);
    (
        o.status.code().unwrap_or(-1),
        format!("{}{}", stdout(&o), stderr(&o)),
    )
}

#[test]
fn report_init_check_fails_on_contamination_then_passes_after_decontaminate() {
    let t = tempfile::tempdir().unwrap();
    let (data, bench) = write_data(t.path());
    let (data_s, bench_s) = (data.to_str().unwrap(), bench.to_str().unwrap());
    let rep = t.path().join("report");

    // 1. report, scanning the benchmark.
    let report = common::report(&data, &rep, &["--benchmark", bench_s, "--no-progress"]);
    assert!(
        (common::metric(&report, "contamination.any.rate").unwrap() - 3.0 / 303.0).abs() < 1e-9,
        "{}",
        report["metrics"]
    );

    // 2. init from that report: contamination held at zero, the benchmark remembered.
    let cfg = t.path().join("ftqa.toml");
    let (code, out) = run(&[
        "init",
        rep.join("report.json").to_str().unwrap(),
        "-o",
        cfg.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{out}");
    let text = std::fs::read_to_string(&cfg).unwrap();
    assert!(
        text.contains("\"contamination.any.rate\" = { max = 0 }"),
        "{text}"
    );
    assert!(text.contains(bench_s), "{text}");

    // 3. check fails, naming the contaminated records.
    let (code, out) = run(&[
        "check",
        data_s,
        "--config",
        cfg.to_str().unwrap(),
        "--no-progress",
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("FAIL contamination.any.rate = 0.99%"), "{out}");
    // The worst examples name the records (line 12 holds the first planted item) and the leaked span.
    assert!(
        out.contains("train.jsonl:12): natalia sold clips"),
        "worst examples: {out}"
    );
    assert!(out.contains("1 failed"), "only contamination fails: {out}");

    // 4. decontaminate (no dedup level: only benchmark items go).
    let clean = t.path().join("clean");
    let (code, out) = run(&[
        "dedup",
        data_s,
        "--level",
        "none",
        "--decontaminate",
        "--benchmark",
        bench_s,
        "-o",
        clean.to_str().unwrap(),
        "--no-progress",
    ]);
    assert_eq!(code, 0, "{out}");
    let cleaned = clean.join("train.jsonl");
    assert_eq!(
        std::fs::read_to_string(&cleaned).unwrap().lines().count(),
        CLEAN
    );

    // 5. the same check passes on the cleaned data.
    let (code, out) = run(&[
        "check",
        cleaned.to_str().unwrap(),
        "--config",
        cfg.to_str().unwrap(),
        "--no-progress",
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("ftqa check PASSED: 0 failed"), "{out}");
}
