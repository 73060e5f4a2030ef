//! Honest tasks (issue 11): k-means clusters of instructions that have no task structure
//! are not reported as tasks, while clearly separate tasks still are. Runs the real binary
//! on generated data.

mod common;
use common::*;
use ftqa::fixtures::rng::Rng;
use std::path::{Path, PathBuf};

/// Pronounceable nonsense words: 2 to 4 random syllables.
fn vocabulary(rng: &mut Rng, n: usize) -> Vec<String> {
    const ONSETS: &[&str] = &[
        "b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "st", "tr",
        "pl", "gr", "sh",
    ];
    const VOWELS: &[&str] = &["a", "e", "i", "o", "u", "ai", "ou", "ea"];
    (0..n)
        .map(|_| {
            (0..2 + rng.below(3))
                .map(|_| {
                    format!(
                        "{}{}",
                        ONSETS[rng.below(ONSETS.len())],
                        VOWELS[rng.below(VOWELS.len())]
                    )
                })
                .collect()
        })
        .collect()
}

fn salad(rng: &mut Rng, vocab: &[String], min: usize, max: usize) -> String {
    let n = min + rng.below(max - min + 1);
    (0..n)
        .map(|_| vocab[rng.below(vocab.len())].as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

fn write_jsonl(path: &Path, rows: &[(String, Option<&str>)]) {
    let body: String = rows
        .iter()
        .map(|(q, task)| {
            let mut v = serde_json::json!({"instruction": q, "input": "", "output": "Done."});
            if let Some(t) = task {
                v["category"] = (*t).into();
            }
            v.to_string() + "\n"
        })
        .collect();
    std::fs::write(path, body).unwrap();
}

/// 600 instructions of random words: no task structure at all.
fn word_salad(dir: &Path) -> PathBuf {
    let mut rng = Rng::new(11);
    let vocab = vocabulary(&mut rng, 3_000);
    let rows: Vec<(String, Option<&str>)> = (0..600)
        .map(|_| (salad(&mut rng, &vocab, 6, 18), None))
        .collect();
    let path = dir.join("salad.jsonl");
    write_jsonl(&path, &rows);
    path
}

/// Four very different request templates around the same kind of random words.
fn planted_tasks(dir: &Path) -> PathBuf {
    let mut rng = Rng::new(12);
    let vocab = vocabulary(&mut rng, 3_000);
    let rows: Vec<(String, Option<&str>)> = (0..400)
        .map(|i| {
            let s = salad(&mut rng, &vocab, 3, 6);
            let q = match i % 4 {
                0 => format!("Translate the following sentence into French: {s}"),
                1 => format!("Write a Python function that sorts a list of {s} records"),
                2 => format!("Summarize this news article in two short sentences: {s}"),
                _ => format!(
                    "Classify the sentiment of this product review as positive or negative: {s}"
                ),
            };
            (q, None)
        })
        .collect();
    let path = dir.join("planted.jsonl");
    write_jsonl(&path, &rows);
    path
}

#[test]
fn word_salad_has_no_tasks_and_says_why() {
    let tmp = tempfile::tempdir().unwrap();
    let r = report(&word_salad(tmp.path()), &tmp.path().join("o"), &[]);
    let sil = metric(&r, "tasks.inferred.silhouette").unwrap();
    eprintln!("word salad: silhouette {sil}");
    assert!(sil < 0.10, "word salad silhouette {sil}");
    assert!(metric(&r, "tasks.inferred.count").is_some());
    // Not a task count: absent from the metrics, explained in not_measured.
    assert_eq!(metric(&r, "diversity.task.count"), None);
    let why = r["not_measured"]["diversity.task.count"].as_str().unwrap();
    assert!(
        why.contains("silhouette") && why.contains(&format!("{sil:.3}")) && why.contains("0.1"),
        "{why}"
    );
    for id in [
        "balance.task.variance",
        "balance.task.count_variance",
        "balance.task.normalized_entropy",
        "balance.task.gini",
        "balance.task.max_min_ratio",
    ] {
        assert_eq!(metric(&r, id), None, "{id}");
        assert_eq!(
            r["not_measured"][id],
            "skipped: no task labels and inferred tasks have no clear structure",
            "{id}"
        );
    }
    // No record was given an inferred label, and the report says so.
    assert_eq!(metric(&r, "tasks.labelled_rate"), Some(0.0));
    assert!(r["dataset"]["task_source"].is_null(), "{}", r["dataset"]);
    let methods = r["methods"]["tasks"].as_str().unwrap();
    assert!(
        methods.starts_with("No tasks inferred") && methods.contains("structure floor"),
        "{methods}"
    );
}

#[test]
fn clearly_separate_tasks_are_still_inferred() {
    let tmp = tempfile::tempdir().unwrap();
    let r = report(&planted_tasks(tmp.path()), &tmp.path().join("o"), &[]);
    let sil = metric(&r, "tasks.inferred.silhouette").unwrap();
    eprintln!("planted tasks: silhouette {sil}");
    assert!(sil >= 0.10, "planted tasks silhouette {sil}");
    assert_eq!(metric(&r, "diversity.task.count"), Some(4.0));
    assert!(metric(&r, "balance.task.variance").is_some());
    assert!(r["not_measured"].get("diversity.task.count").is_none());
    assert!(r["dataset"]["task_source"]
        .as_str()
        .unwrap()
        .starts_with("inferred"));
    assert!(metric(&r, "tasks.inferred.stability").unwrap() > 0.9);
}

#[test]
fn labelled_data_keeps_its_labels_when_inferred_tasks_have_no_structure() {
    // --infer-tasks always on labelled word salad: the clusters are scored against the
    // labels but do not replace them, so the task count is the data's.
    let tmp = tempfile::tempdir().unwrap();
    let mut rng = Rng::new(13);
    let vocab = vocabulary(&mut rng, 3_000);
    let names = ["a", "b", "c"];
    let rows: Vec<(String, Option<&str>)> = (0..300)
        .map(|i| (salad(&mut rng, &vocab, 6, 18), Some(names[i % 3])))
        .collect();
    let path = tmp.path().join("labelled_salad.jsonl");
    write_jsonl(&path, &rows);
    let r = report(&path, &tmp.path().join("o"), &["--infer-tasks", "always"]);
    assert!(metric(&r, "tasks.inferred.silhouette").unwrap() < 0.10);
    assert_eq!(metric(&r, "diversity.task.count"), Some(3.0));
    assert_eq!(r["dataset"]["task_source"], "column:category");
    assert!(metric(&r, "tasks.inferred.ari").unwrap().abs() < 0.1);
    assert!(r["not_measured"].get("balance.task.variance").is_none());
}

/// Too few instructions to infer tasks from (the LLaVA demo has 6): the reasons say so and
/// how to give labels, not only "no task labels".
#[test]
fn too_few_instructions_to_infer_tasks_say_so() {
    let tmp = tempfile::tempdir().unwrap();
    let mut rng = Rng::new(5);
    let vocab = vocabulary(&mut rng, 50);
    let rows: Vec<(String, Option<&str>)> = (0..6)
        .map(|_| (salad(&mut rng, &vocab, 4, 8), None))
        .collect();
    let path = tmp.path().join("six.jsonl");
    write_jsonl(&path, &rows);
    let r = report(&path, &tmp.path().join("o"), &[]);
    assert_eq!(metric(&r, "diversity.task.count"), None);
    let want = format!(
        "skipped: no task labels, and the data's 6 instructions are too few to infer tasks (inference needs at least {}); give the data a task column (--task-col)",
        ftqa_metrics::task_inference::MIN_TEXTS
    );
    assert_eq!(r["not_measured"]["diversity.task.count"], want.as_str());
    assert_eq!(r["not_measured"]["balance.task.variance"], want.as_str());
    // With --infer-tasks never nothing was tried, and the plain reason stays.
    let r = report(&path, &tmp.path().join("n"), &["--infer-tasks", "never"]);
    assert_eq!(
        r["not_measured"]["diversity.task.count"],
        "skipped: no task labels"
    );
}
