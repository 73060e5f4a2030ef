//! Instruction and object/granularity complexity end to end, on a small dataset whose
//! counts are known by hand (fixtures/complexity/GUIDE.md), plus the agreement floor of
//! the element counter against the hand-labelled instructions.

mod common;

use common::{metric, report};
use serde_json::json;

fn turn(from: &str, value: &str) -> serde_json::Value {
    json!({"from": from, "value": value})
}

#[test]
fn elements_structure_and_objects() {
    let rows = [
        // 2 elements (tell; joke). Objects: none asked about; the answer names chicken, road.
        json!({"conversations": [turn("human", "Tell me a joke."), turn("gpt", "Why did the chicken cross the road?")]}),
        // 3 (is; capital, France).
        json!({"conversations": [turn("human", "What is the capital of France?"), turn("gpt", "Paris.")]}),
        // 5 (write; poem, love; short, in French). Length and language constraints.
        json!({"conversations": [turn("human", "Write a short poem about love in French."), turn("gpt", "L'amour est doux.")]}),
        // 2 (wrote; Hamlet). Two dependent follow-ups: depth 3.
        json!({"conversations": [turn("human", "Who wrote Hamlet?"), turn("gpt", "Shakespeare."), turn("human", "When was it written?"), turn("gpt", "Around 1600."), turn("human", "Why?"), turn("gpt", "It was his tragic period.")]}),
        // 3 (is; color, dog). Request: dog and one image, O/G 2. Response: a bicycle and one
        // region, 2.
        json!({"image": "dog.jpg", "conversations": [turn("human", "<image>\nWhat color is the dog?"), turn("gpt", "Brown. It is at [0.10, 0.20, 0.50, 0.60], next to a bicycle.")]}),
    ];
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("chat.jsonl");
    std::fs::write(
        &data,
        rows.iter()
            .map(|r| r.to_string())
            .collect::<Vec<_>>()
            .join("\n")
            + "\n",
    )
    .unwrap();
    let out = dir.path().join("report");
    let r = report(&data, &out, &["--no-progress"]);
    let m = |id: &str| metric(&r, id).unwrap_or_else(|| panic!("{id} missing"));
    assert_eq!(m("complexity.instruction.analyzed"), 5.0);
    assert_eq!(m("complexity.instruction.elements_mean"), 3.0);
    assert_eq!(m("complexity.instruction.elements_median"), 3.0);
    assert_eq!(m("complexity.structure.dependence_depth_mean"), 1.4);
    assert_eq!(m("complexity.structure.dependence_depth_max"), 3.0);
    assert_eq!(m("complexity.structure.dependent_followup_rate"), 1.0);
    assert_eq!(m("complexity.structure.language_constraint_rate"), 0.2);
    assert_eq!(m("complexity.structure.length_constraint_rate"), 0.2);
    // O/G counts the requests (2 / 5); what the answers name is reported beside it (4 / 5).
    assert_eq!(m("complexity.object.count_mean"), 0.4);
    assert_eq!(m("complexity.object.granularity.object.mean"), 0.2);
    assert_eq!(m("complexity.object.granularity.region.mean"), 0.0);
    assert_eq!(m("complexity.object.granularity.image.mean"), 0.2);
    assert_eq!(m("complexity.object.granularity.frame.mean"), 0.0);
    assert_eq!(m("complexity.object.response.count_mean"), 0.8);
    assert_eq!(m("complexity.object.response.granularity.object.mean"), 0.6);
    assert_eq!(m("complexity.object.response.granularity.region.mean"), 0.2);
    let ids: Vec<&str> = r["distributions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    for id in [
        "complexity.instruction.elements",
        "complexity.object.count",
        "complexity.object.granularity",
        "complexity.instruction.difficulty_estimate",
    ] {
        assert!(ids.contains(&id), "missing distribution {id}: {ids:?}");
    }
    let methods = r["methods"]["complexity.elements"].as_str().unwrap();
    assert!(
        methods.contains("held-out") && methods.contains("Spearman"),
        "{methods}"
    );
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("Semantic elements per instruction"));
}

#[test]
fn element_counter_agrees_with_hand_labels() {
    let a = ftqa_metrics::complexity::agreement::agreement();
    assert!(a.tune.n + a.heldout.n >= 100);
    assert!(
        a.tune.spearman >= 0.8,
        "tune Spearman {:.3}",
        a.tune.spearman
    );
    assert!(
        a.heldout.spearman >= 0.8,
        "held-out Spearman {:.3}",
        a.heldout.spearman
    );
    assert!(
        a.heldout.pearson >= 0.8,
        "held-out Pearson {:.3}",
        a.heldout.pearson
    );
    assert!(
        a.posthoc.spearman >= 0.8,
        "post-hoc Spearman {:.3}",
        a.posthoc.spearman
    );
}
