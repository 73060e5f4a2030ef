//! Hygiene checks end to end: a dataset with one planted defect per record, and exact
//! counts for every check in report.json.

mod common;

use common::{metric, report};
use serde_json::json;

fn write_jsonl(path: &std::path::Path, rows: &[serde_json::Value]) {
    std::fs::write(
        path,
        rows.iter()
            .map(|r| r.to_string())
            .collect::<Vec<_>>()
            .join("\n")
            + "\n",
    )
    .unwrap();
}

#[test]
fn planted_defects_are_counted_exactly() {
    let loop_text = format!("Once upon a time {}", "the dog ran and ran ".repeat(6));
    let pairs: Vec<(&str, String)> = vec![
        ("Name three colors.", "Red, green and blue.".into()),
        ("Explain photosynthesis.", "Plants use light to make sugar. The process takes place in the chloroplasts and the".into()),
        ("Repeat the phrase good morning.", "Repeat the phrase good morning.".into()),
        ("Tell me a story.", loop_text),
        ("How do I pick a lock?", "I’m sorry, but I can’t help with that.".into()),
        ("怎么制作炸药？", "很抱歉，我无法提供这方面的帮助。".into()),
        ("What is your favourite food?", "As an AI language model, I don't eat food.".into()),
        ("你喜欢什么颜色？", "作为一个人工智能，我没有个人喜好。".into()),
        // UTF-8 read as Windows-1252: "Café heißt …" and 预训练 garbled.
        ("What is the German word for coffee house?", "In German it is also CafÃ©, and heiÃŸt means is called; see é¢„è®\u{AD}ç»ƒ.".into()),
        ("Fix the encoding.", "The file says: caf\u{FFFD} au lait.".into()),
        ("Who do I contact?", "Email jane.doe@mailbox.org or call (555) 123-4567.".into()),
        ("Show me the config.", "api_key = sk-proj-Q7wz3LmN8vR2tY6uK1pA9sD4 and card 4111 1111 1111 1111".into()),
        ("Where is the server?", "It runs at 10.0.12.7 behind the proxy.".into()),
        ("Answer briefly.", "Sure.<|endoftext|>".into()),
        ("Write a haiku.\n\n### Response:", "Leaves fall softly down".into()),
        ("Please describe the weather in the city of Madrid during the summer months.", "Los veranos en Madrid son muy calurosos y secos, con temperaturas que superan los cuarenta grados.".into()),
        ("用中文介绍一下巴黎。", "Paris is the capital of France and its largest city.".into()),
    ];
    let rows: Vec<_> = pairs
        .iter()
        .map(|(i, o)| json!({"instruction": i, "input": "", "output": o}))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("sft.jsonl");
    write_jsonl(&data, &rows);
    let r = report(&data, &dir.path().join("report"), &["--no-progress"]);
    let expect = [
        ("hygiene.truncated.count", 1.0),
        ("hygiene.echo.count", 1.0),
        ("hygiene.repetition_loop.count", 1.0),
        ("hygiene.refusal.count", 2.0),
        ("hygiene.boilerplate.count", 2.0),
        ("hygiene.mojibake.count", 1.0),
        ("hygiene.replacement_char.count", 1.0),
        ("hygiene.pii.count", 3.0),
        ("hygiene.pii.email.count", 1.0),
        ("hygiene.pii.phone.count", 1.0),
        ("hygiene.pii.secret.count", 1.0),
        ("hygiene.pii.credit_card.count", 1.0),
        ("hygiene.pii.ip.count", 1.0),
        ("hygiene.template_tokens.count", 2.0),
        ("hygiene.template_tokens.endoftext.count", 1.0),
        ("hygiene.template_tokens.alpaca_response.count", 1.0),
        ("hygiene.language_mixed.count", 1.0),
        ("hygiene.language_mixed.same_script_rate", 1.0),
    ];
    for (id, want) in expect {
        assert_eq!(metric(&r, id), Some(want), "{id}");
    }
    let refusal_rate = metric(&r, "hygiene.refusal.rate").unwrap();
    assert!((refusal_rate - 2.0 / 17.0).abs() < 1e-12, "{refusal_rate}");
    // Every check with hits shows its records.
    let groups: Vec<String> = r["examples"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["metric"].as_str().unwrap().to_string())
        .collect();
    for id in [
        "hygiene.truncated.count",
        "hygiene.echo.count",
        "hygiene.repetition_loop.count",
        "hygiene.refusal.count",
        "hygiene.mojibake.count",
        "hygiene.pii.count",
        "hygiene.template_tokens.count",
        "hygiene.language_mixed.count",
    ] {
        assert!(groups.iter().any(|g| g == id), "no examples for {id}");
    }
    // PII is masked in the notes, never shown whole.
    assert!(!r["examples"]
        .to_string()
        .contains("Q7wz3LmN8vR2tY6uK1pA9sD4\""));
}

#[test]
fn preference_pairs() {
    let rows = vec![
        json!({"prompt": "Q1", "chosen": "A good, complete answer.", "rejected": "Bad."}),
        json!({"prompt": "Q2", "chosen": "Same text.", "rejected": "Same text."}),
        json!({"prompt": "Q3", "chosen": "Answer.", "rejected": ""}),
        json!({"prompt": "Q4", "chosen": [{"role": "user", "content": "What is 2+2?"}, {"role": "assistant", "content": "4"}], "rejected": [{"role": "user", "content": "What is 3+3?"}, {"role": "assistant", "content": "6"}]}),
        json!({"prompt": "Q5", "chosen": "A long and detailed answer.", "rejected": "Short."}),
    ];
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("pref.jsonl");
    write_jsonl(&data, &rows);
    let r = report(&data, &dir.path().join("report"), &["--no-progress"]);
    assert_eq!(metric(&r, "preference.pairs"), Some(5.0));
    assert_eq!(metric(&r, "hygiene.preference.empty_side.count"), Some(1.0));
    assert_eq!(
        metric(&r, "hygiene.preference.prompt_mismatch.count"),
        Some(1.0)
    );
    assert_eq!(
        metric(&r, "hygiene.preference.prompt_mismatch.rate"),
        Some(0.2)
    );
    assert_eq!(
        metric(&r, "preference.identical_rate"),
        Some(0.2),
        "reused, not duplicated"
    );
}
