//! Task labels (from data and inferred), balance and instruction diversity through the
//! real binary, against known ground truth.

mod common;
use common::*;

#[test]
fn inferred_tasks_agree_with_known_shard_labels() {
    // Four tasks, one per shard file; inference ignores the file names and is scored on them.
    let tmp = tempfile::tempdir().unwrap();
    let r = report(
        &fixtures().join("shards"),
        tmp.path(),
        &["--infer-tasks", "always"],
    );
    let (ari, nmi) = (
        metric(&r, "tasks.inferred.ari").unwrap(),
        metric(&r, "tasks.inferred.nmi").unwrap(),
    );
    assert!(ari >= 0.8 && nmi >= 0.8, "ARI {ari}, NMI {nmi}");
    let k = metric(&r, "tasks.inferred.count").unwrap();
    assert!((3.0..=6.0).contains(&k), "k = {k}");
    assert!(r["dataset"]["task_source"]
        .as_str()
        .unwrap()
        .starts_with("inferred"));
}

#[test]
fn unlabelled_data_gets_named_inferred_tasks_and_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    let r = report(&fixtures().join("alpaca.json"), tmp.path(), &[]);
    assert!(
        r["dataset"]["task_source"]
            .as_str()
            .unwrap()
            .starts_with("inferred"),
        "{}",
        r["dataset"]
    );
    let k = metric(&r, "diversity.task.count").unwrap();
    // The generator planted six task kinds.
    assert!((4.0..=10.0).contains(&k), "k = {k}");
    assert!(r["methods"]["tasks"]
        .as_str()
        .unwrap()
        .contains("Inferred, not from the data"));
    let sizes = r["distributions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == "tasks.sizes")
        .unwrap();
    let labels: Vec<&str> = sizes["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    assert!(labels.iter().any(|l| l.contains("translate")), "{labels:?}");
    assert!(labels.iter().any(|l| l.contains("classify")), "{labels:?}");
}

#[test]
fn labelled_data_keeps_its_labels_and_a_perfectly_balanced_set_has_zero_variance() {
    let tmp = tempfile::tempdir().unwrap();
    let mut body = String::new();
    for (i, cat) in ["open_qa", "brainstorming", "summarization"]
        .iter()
        .cycle()
        .take(30)
        .enumerate()
    {
        body.push_str(&serde_json::json!({"instruction": format!("Question number {i} about {cat} topics"), "context": "", "response": format!("Answer {i}."), "category": cat}).to_string());
        body.push('\n');
    }
    let data = tmp.path().join("balanced.jsonl");
    std::fs::write(&data, body).unwrap();
    let r = report(&data, &tmp.path().join("o"), &[]);
    assert_eq!(r["dataset"]["task_source"], "column:category");
    assert_eq!(metric(&r, "diversity.task.count"), Some(3.0));
    assert_eq!(metric(&r, "balance.task.variance"), Some(0.0));
    assert_eq!(metric(&r, "balance.task.count_variance"), Some(0.0));
    assert_eq!(metric(&r, "balance.task.gini"), Some(0.0));
    assert!((metric(&r, "balance.task.normalized_entropy").unwrap() - 1.0).abs() < 1e-12);
    assert_eq!(
        metric(&r, "tasks.inferred.count"),
        None,
        "labelled data must not be re-labelled by default"
    );
}

#[test]
fn skewed_tasks_give_the_known_share_variance() {
    // 10 / 30 / 60 samples: shares 10, 30, 60 percentage points.
    let tmp = tempfile::tempdir().unwrap();
    let mut body = String::new();
    for (cat, n) in [("a", 10), ("b", 30), ("c", 60)] {
        for i in 0..n {
            body.push_str(&serde_json::json!({"question": format!("{cat} question {i}"), "answer": "yes", "task": cat}).to_string());
            body.push('\n');
        }
    }
    let data = tmp.path().join("skewed.jsonl");
    std::fs::write(&data, body).unwrap();
    let r = report(&data, &tmp.path().join("o"), &[]);
    let mean = 100.0 / 3.0;
    let want =
        ((10.0f64 - mean).powi(2) + (30.0f64 - mean).powi(2) + (60.0f64 - mean).powi(2)) / 3.0;
    assert!((metric(&r, "balance.task.variance").unwrap() - want).abs() < 1e-9);
    assert_eq!(metric(&r, "balance.task.max_min_ratio"), Some(6.0));
}

#[test]
fn instruction_diversity_counts_clusters_per_task() {
    let tmp = tempfile::tempdir().unwrap();
    // Task "x": two word groups that never co-occur -> 2 clusters. Task "y": one group -> 1.
    let rows = [
        ("x", "apple banana cherry"),
        ("x", "apple cherry"),
        ("x", "rocket planet orbit"),
        ("x", "planet orbit"),
        ("y", "violin cello piano"),
        ("y", "violin piano"),
    ];
    let body: String = rows
        .iter()
        .map(|(t, q)| {
            serde_json::json!({"question": q, "answer": "ok", "task": t}).to_string() + "\n"
        })
        .collect();
    let data = tmp.path().join("groups.jsonl");
    std::fs::write(&data, body).unwrap();
    let r = report(&data, &tmp.path().join("o"), &[]);
    assert_eq!(metric(&r, "diversity.instruction.clusters.x"), Some(2.0));
    assert_eq!(metric(&r, "diversity.instruction.clusters.y"), Some(1.0));
    assert_eq!(metric(&r, "diversity.instruction.clusters_mean"), Some(1.5));
}
