//! Reading benchmark files for the contamination check (`--benchmark PATH`).
//!
//! Any format the loader reads works. Text fields are picked from the column names, so
//! no flags are needed for the usual layouts: the question is the first present of
//! [`QUESTION_FIELDS`], the answer the first present of [`ANSWER_FIELDS`]; chat-style rows
//! (`messages` / `conversations`) give their first user and last assistant turn.

use crate::load::raw::{data_files, RawEvent};
use crate::load::LoadOptions;
use anyhow::{bail, Context, Result};
use ftqa_metrics::contamination::{
    benchmark_name, BenchItem, Benchmark, BenchmarkIndex, ContaminationConfig,
};
use ftqa_metrics::embed::Embedder;
use ftqa_metrics::record::Role;
use serde_json::{Map, Value};
use std::sync::Arc;

pub const QUESTION_FIELDS: &[&str] = &[
    "question",
    "prompt",
    "problem",
    "input",
    "query",
    "instruction",
    "inputs",
    "text",
    "sentence",
    "context",
    "goal",
];
pub const ANSWER_FIELDS: &[&str] = &[
    "answer",
    "solution",
    "canonical_solution",
    "output",
    "response",
    "completion",
    "target",
    "targets",
    "answers",
];
const ID_FIELDS: &[&str] = &["task_id", "id", "idx", "question_id", "qid", "problem_id"];
const CHAT_FIELDS: &[&str] = &["messages", "conversations", "conversation"];

fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Array(items) => {
            let parts: Vec<String> = items
                .iter()
                .filter_map(|i| i.as_str().map(str::to_string))
                .collect();
            (!parts.is_empty()).then(|| parts.join("\n"))
        }
        _ => None,
    }
}

/// First user and last assistant text of a chat-style list of messages.
fn chat_of(v: &Value) -> Option<(String, Option<String>)> {
    let msgs = v.as_array()?;
    let mut q = None;
    let mut a = None;
    for m in msgs {
        let role = m
            .get("role")
            .or_else(|| m.get("from"))
            .and_then(Value::as_str)
            .and_then(Role::parse);
        let text = m
            .get("content")
            .or_else(|| m.get("value"))
            .and_then(text_of);
        match (role, text) {
            (Some(Role::User), Some(t)) if q.is_none() => q = Some(t),
            (Some(Role::Assistant), Some(t)) => a = Some(t),
            _ => {}
        }
    }
    q.map(|q| (q, a))
}

struct Picked {
    question: Option<&'static str>,
    answer: Option<&'static str>,
    chat: Option<&'static str>,
    id: Option<&'static str>,
}

fn pick(rows: &[Map<String, Value>]) -> Picked {
    let present = |f: &&str| rows.iter().any(|r| r.get(*f).and_then(text_of).is_some());
    let chat = CHAT_FIELDS
        .iter()
        .copied()
        .find(|f| rows.iter().any(|r| r.get(*f).and_then(chat_of).is_some()));
    let question = QUESTION_FIELDS.iter().copied().find(|f| present(f));
    let answer = ANSWER_FIELDS
        .iter()
        .copied()
        .find(|f| present(f) && Some(*f) != question);
    let id = ID_FIELDS.iter().copied().find(|f| {
        rows.iter()
            .any(|r| r.get(*f).is_some_and(|v| v.is_string() || v.is_number()))
    });
    Picked {
        question,
        answer,
        chat,
        id,
    }
}

/// Reads one benchmark file (or folder of shards) into items.
pub fn load(path: &str) -> Result<Benchmark> {
    let files = data_files(&LoadOptions {
        path: path.to_string(),
        ..LoadOptions::default()
    })
    .with_context(|| format!("reading benchmark {path}"))?;
    let mut rows: Vec<(Map<String, Value>, String, u64)> = Vec::new();
    for f in &files {
        for ev in f.rows()? {
            match ev {
                RawEvent::Row { row, line, index } => {
                    let at = match line {
                        Some(l) => format!("{}:{l}", f.name),
                        None => format!("{} row {index}", f.name),
                    };
                    rows.push((row, at, index));
                }
                RawEvent::Bad {
                    location, detail, ..
                } => {
                    bail!("benchmark {location}: {detail}; fix or remove this record (benchmarks are read strictly)")
                }
            }
        }
    }
    if rows.is_empty() {
        bail!("benchmark {path}: no records found");
    }
    let sample: Vec<Map<String, Value>> = rows.iter().take(200).map(|r| r.0.clone()).collect();
    let p = pick(&sample);
    if p.question.is_none() && p.chat.is_none() {
        let keys: Vec<&String> = sample[0].keys().collect();
        bail!(
            "benchmark {path}: no question field found (looked for {} or a messages list; the first record has {keys:?})",
            QUESTION_FIELDS.join(", ")
        );
    }
    let stem = files
        .first()
        .map(|f| f.stem.to_string())
        .unwrap_or_else(|| path.to_string());
    let mut items = Vec::with_capacity(rows.len());
    for (row, _at, index) in &rows {
        let id =
            p.id.and_then(|k| row.get(k))
                .and_then(text_of)
                .unwrap_or_else(|| index.to_string());
        let (question, answer) = match (
            p.question.and_then(|k| row.get(k)).and_then(text_of),
            p.chat,
        ) {
            (Some(q), _) => (q, p.answer.and_then(|k| row.get(k)).and_then(text_of)),
            (None, Some(c)) => match row.get(c).and_then(chat_of) {
                Some(qa) => qa,
                None => continue,
            },
            (None, None) => continue,
        };
        items.push(BenchItem {
            id,
            question,
            answer,
        });
    }
    let fields = match (p.question, p.chat) {
        (Some(q), _) => format!("question={q}, answer={}", p.answer.unwrap_or("none")),
        (None, Some(c)) => format!("question and answer from {c}"),
        (None, None) => unreachable!(),
    };
    Ok(Benchmark {
        name: benchmark_name(&stem),
        path: path.to_string(),
        fields,
        items,
    })
}

/// Reads every benchmark and builds the contamination index. Names are made unique.
pub fn index(
    paths: &[String],
    config: ContaminationConfig,
    embedder: Option<Arc<dyn Embedder>>,
) -> Result<Arc<BenchmarkIndex>> {
    let mut benchmarks: Vec<Benchmark> = Vec::new();
    for p in paths {
        let mut b = load(p)?;
        let base = b.name.clone();
        let mut k = 2;
        while benchmarks.iter().any(|o| o.name == b.name) {
            b.name = format!("{base}_{k}");
            k += 1;
        }
        benchmarks.push(b);
    }
    let idx = BenchmarkIndex::build(benchmarks, config, embedder).map_err(anyhow::Error::msg)?;
    Ok(Arc::new(idx))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn picks_gsm8k_and_humaneval_fields() {
        let g = json!({"question": "q", "answer": "a"});
        let p = pick(&[g.as_object().unwrap().clone()]);
        assert_eq!((p.question, p.answer), (Some("question"), Some("answer")));
        let h = json!({"task_id": "HumanEval/0", "prompt": "def f():", "canonical_solution": "  return 1", "test": "x", "entry_point": "f"});
        let p = pick(&[h.as_object().unwrap().clone()]);
        assert_eq!(
            (p.question, p.answer, p.id),
            (Some("prompt"), Some("canonical_solution"), Some("task_id"))
        );
        let c = json!({"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]});
        let p = pick(&[c.as_object().unwrap().clone()]);
        assert_eq!(p.chat, Some("messages"));
    }
}
