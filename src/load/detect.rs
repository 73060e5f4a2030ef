//! Deciding, once per dataset, which schema and which columns to use: by majority vote
//! over a sample of rows, or from the user's explicit flags.

use anyhow::{anyhow, bail, Result};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

use super::files::{shard_names_are_tasks, DataFile};
use super::roles::{self, Confidence};
use super::schemas::{parse_schema_name, Keys, Plan, Schema, SCHEMAS};
use super::source::Row;
use super::task_columns::{self, value_at};
use super::turns::{has_markers, HH_STYLE, TEXT_STYLES};
use super::ColumnMap;

const ID_COLUMNS: &[&str] = &["id", "idx", "uid", "sample_id", "task_id"];
const MEDIA_KEYS: &[&str] = &["images", "image", "videos", "video"];

/// The schema one row looks like, if any. Order matters: more specific shapes first,
/// `text` only as a last resort.
pub(crate) fn classify(row: &Row) -> Option<Schema> {
    let has = |k: &str| row.get(k).is_some_and(|v| !v.is_null());
    // A list of plain strings is not a message list (LIMA's `conversations`): role
    // inference reads it as alternating turns.
    let conv = ["conversations", "messages"].into_iter().find(|k| {
        row.get(*k)
            .and_then(Value::as_array)
            .is_some_and(|a| a.first().is_none_or(|m| !m.is_string()))
    });
    if has("chosen") && has("rejected") {
        if conv.is_some() {
            return Some(Schema::Dpo);
        }
        if has("prompt") {
            return Some(Schema::Preference);
        }
        let transcript = row["chosen"]
            .as_str()
            .is_some_and(|s| has_markers(s, &HH_STYLE));
        return Some(if transcript {
            Schema::HhRlhf
        } else {
            Schema::Preference
        });
    }
    if let Some(conv) = conv {
        if has("label") {
            return Some(Schema::Kto);
        }
        if MEDIA_KEYS.iter().any(|k| has(k)) {
            return Some(Schema::Llava);
        }
        return Some(if conv == "conversations" {
            Schema::ShareGpt
        } else {
            Schema::OpenAi
        });
    }
    if has("prompt") && has("completion") && has("label") {
        return Some(Schema::Kto);
    }
    if has("instruction") {
        if has("instances") {
            return Some(Schema::SelfInstruct);
        }
        if has("context") && has("response") {
            return Some(Schema::Dolly);
        }
        if has("output") || has("response") {
            return Some(Schema::Alpaca);
        }
    }
    if has("inputs") && has("targets") {
        return Some(Schema::Flan);
    }
    if has("prompt") && (has("completion") || has("canonical_solution") || has("response")) {
        return Some(Schema::PromptCompletion);
    }
    if (has("question") && has("answer")) || (has("query") && has("response")) {
        return Some(Schema::QuestionAnswer);
    }
    if row.get("text").is_some_and(Value::is_string) {
        return Some(Schema::Text);
    }
    None
}

/// Key statistics over the detection sample.
pub(crate) struct Sample<'a> {
    rows: &'a [&'a Row],
    present: HashMap<&'a str, usize>,
}

impl<'a> Sample<'a> {
    pub(crate) fn new(rows: &'a [&'a Row]) -> Self {
        let mut present: HashMap<&str, usize> = HashMap::new();
        for row in rows {
            for (k, v) in row.iter() {
                if !v.is_null() {
                    *present.entry(k.as_str()).or_default() += 1;
                }
            }
        }
        Sample { rows, present }
    }

    pub(crate) fn seen(&self, key: &str) -> bool {
        self.present.contains_key(key)
    }

    /// Whether at least half the sample has a usable value of this kind under `key`.
    fn mostly(&self, key: &str, ok: impl Fn(&Value) -> bool) -> bool {
        let n = self
            .rows
            .iter()
            .filter(|r| r.get(key).is_some_and(&ok))
            .count();
        n > 0 && n * 2 >= self.rows.len()
    }

    fn first_value(&self, key: &str) -> Option<&Value> {
        self.rows
            .iter()
            .find_map(|r| r.get(key).filter(|v| !v.is_null()))
    }

    /// "instruction (100), output (100), ..." for error messages.
    fn describe_keys(&self) -> String {
        let mut keys: Vec<(&str, usize)> = self.present.iter().map(|(k, n)| (*k, *n)).collect();
        keys.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let shown: Vec<String> = keys
            .iter()
            .take(30)
            .map(|(k, n)| format!("{k} ({n})"))
            .collect();
        let more = keys.len().saturating_sub(30);
        let mut s = shown.join(", ");
        if more > 0 {
            s.push_str(&format!(", and {more} more"));
        }
        if s.is_empty() {
            s.push_str("none");
        }
        s
    }

    /// The majority schema of the sample.
    fn vote(&self) -> Option<Schema> {
        self.vote_share().map(|(s, _)| s)
    }

    /// The majority schema and the share of sampled rows that have its shape.
    fn vote_share(&self) -> Option<(Schema, f64)> {
        let mut counts: HashMap<Schema, usize> = HashMap::new();
        for row in self.rows {
            if let Some(s) = classify(row) {
                *counts.entry(s).or_default() += 1;
            }
        }
        Schema::ALL
            .iter()
            .filter_map(|s| counts.get(s).map(|n| (*s, *n)))
            .fold(None, |best: Option<(Schema, usize)>, (s, n)| match best {
                Some((_, m)) if m >= n => best,
                _ => Some((s, n)),
            })
            .map(|(s, n)| (s, n as f64 / self.rows.len().max(1) as f64))
    }
}

/// How sure a named-schema match is: the share of sampled rows with the schema's shape.
fn vote_confidence(share: f64) -> Confidence {
    if share >= 0.9 {
        Confidence::High
    } else if share >= 0.5 {
        Confidence::Medium
    } else {
        Confidence::Low
    }
}

pub(crate) struct Detection {
    pub plan: Plan,
    pub schema_source: &'static str,
    pub mapping: BTreeMap<String, String>,
    /// `high`, `medium` or `low`; `given` when flags named the schema or the columns.
    pub confidence: &'static str,
    /// How the mapping was chosen, one decision per line (inferred shapes).
    pub notes: Vec<String>,
    pub task_source: Option<String>,
    pub shard_tasks: bool,
    pub warnings: Vec<String>,
}

fn structural_flags(cols: &ColumnMap) -> bool {
    [
        &cols.instruction,
        &cols.input,
        &cols.response,
        &cols.messages,
        &cols.prompt,
        &cols.chosen,
        &cols.rejected,
    ]
    .iter()
    .any(|c| c.is_some())
}

/// The schema closest to what the column flags describe.
fn schema_from_flags(cols: &ColumnMap, sample: &Sample) -> Option<Schema> {
    if cols.chosen.is_some() || cols.rejected.is_some() {
        if cols.messages.is_some() {
            return Some(Schema::Dpo);
        }
        if cols.prompt.is_some() {
            return Some(Schema::Preference);
        }
        let chosen = cols.chosen.as_deref().unwrap_or("chosen");
        let transcript = sample
            .first_value(chosen)
            .and_then(Value::as_str)
            .is_some_and(|s| has_markers(s, &HH_STYLE));
        return Some(if transcript {
            Schema::HhRlhf
        } else {
            Schema::Preference
        });
    }
    if let Some(messages) = &cols.messages {
        if cols.images.is_some() || MEDIA_KEYS.iter().any(|k| sample.seen(k)) {
            return Some(Schema::Llava);
        }
        if sample.seen("label") {
            return Some(Schema::Kto);
        }
        let sharegpt = sample
            .first_value(messages)
            .and_then(Value::as_array)
            .and_then(|a| a.first())
            .is_some_and(|m| m.get("from").is_some() || m.get("value").is_some());
        return Some(if sharegpt {
            Schema::ShareGpt
        } else {
            Schema::OpenAi
        });
    }
    if cols.instruction.is_some() || cols.input.is_some() {
        return Some(Schema::Alpaca);
    }
    if cols.prompt.is_some() {
        return Some(if sample.seen("label") {
            Schema::Kto
        } else {
            Schema::PromptCompletion
        });
    }
    sample.vote()
}

fn apply_overrides(schema: Schema, cols: &ColumnMap, keys: &mut Keys) {
    let one = |c: &String| vec![c.clone()];
    if let Some(c) = &cols.instruction {
        keys.user = one(c);
    }
    if let Some(c) = &cols.input {
        keys.input = one(c);
    }
    if let Some(c) = &cols.response {
        keys.assistant = one(c);
    }
    if let Some(c) = &cols.messages {
        keys.conversation = one(c);
    }
    if let Some(c) = &cols.system {
        keys.system = one(c);
    }
    if let Some(c) = &cols.prompt {
        if schema == Schema::PromptCompletion {
            keys.user = one(c);
        } else {
            keys.prompt = one(c);
        }
    }
    if let Some(c) = &cols.chosen {
        keys.chosen = one(c);
    }
    if let Some(c) = &cols.rejected {
        keys.rejected = one(c);
    }
    if let Some(c) = &cols.images {
        keys.images = one(c);
    }
}

fn flag_columns(cols: &ColumnMap) -> Vec<(&'static str, &String)> {
    [
        ("instruction", &cols.instruction),
        ("input", &cols.input),
        ("response", &cols.response),
        ("messages", &cols.messages),
        ("system", &cols.system),
        ("id", &cols.id),
        ("images", &cols.images),
        ("prompt", &cols.prompt),
        ("chosen", &cols.chosen),
        ("rejected", &cols.rejected),
    ]
    .into_iter()
    .filter_map(|(name, c)| c.as_ref().map(|c| (name, c)))
    .collect()
}

fn unrecognised(path: &str, sample: &Sample) -> anyhow::Error {
    anyhow!(
        "{path}: no text column found in the first {} records (no named schema fits, and no column holds prose, a list of strings or a list of messages).\n  keys seen: {}\n  supported schemas: {}\n  name one with --schema NAME, or map the columns explicitly (e.g. --instruction-col/--response-col, --messages-col, or --prompt-col/--chosen-col/--rejected-col)",
        sample.rows.len(),
        sample.describe_keys(),
        SCHEMAS.join(", ")
    )
}

pub(crate) fn detect(
    path: &str,
    rows: &[&Row],
    schema_flag: Option<&str>,
    cols: &ColumnMap,
    files: &[DataFile],
) -> Result<Detection> {
    let sample = Sample::new(rows);
    let forced =
        match schema_flag {
            Some(s) => Some(parse_schema_name(s).ok_or_else(|| {
                anyhow!("unknown schema `{s}`; supported: {}", SCHEMAS.join(", "))
            })?),
            None => None,
        };
    let mut inferred = None;
    let mut confidence = Confidence::High;
    let (schema, schema_source) = match forced {
        Some(Schema::Inferred) => {
            inferred = Some(roles::infer(rows).ok_or_else(|| unrecognised(path, &sample))?);
            (Schema::Inferred, "flags")
        }
        Some(s) => (s, "flags"),
        None if structural_flags(cols) => (
            schema_from_flags(cols, &sample).ok_or_else(|| unrecognised(path, &sample))?,
            "flags",
        ),
        None => match sample.vote_share() {
            Some((Schema::Text, _)) if !text_has_markers(rows) => match roles::infer(rows) {
                Some(inf) => {
                    inferred = Some(inf);
                    (Schema::Inferred, "auto")
                }
                None => (Schema::Text, "auto"),
            },
            Some((s, share)) => {
                confidence = vote_confidence(share);
                (s, "auto")
            }
            None => {
                inferred = Some(roles::infer(rows).ok_or_else(|| unrecognised(path, &sample))?);
                (Schema::Inferred, "auto")
            }
        },
    };
    if !rows.is_empty() {
        let mut given = flag_columns(cols);
        let task_parts: Vec<String> = cols
            .task
            .iter()
            .flat_map(|t| t.split(',').map(|p| p.trim().to_string()))
            .collect();
        given.extend(task_parts.iter().map(|c| ("task", c)));
        for (what, col) in given {
            if !rows.iter().any(|r| value_at(r, col).is_some()) {
                bail!(
                    "{path}: column `{col}` (given for {what}) is not in the data; keys seen: {}",
                    sample.describe_keys()
                );
            }
        }
    }
    let mut keys = Keys::defaults(schema);
    apply_overrides(schema, cols, &mut keys);
    let mut notes = Vec::new();
    let layout = inferred.map(|inf| {
        if let (Some(sys), None) = (&inf.system, &cols.system) {
            keys.system = vec![sys.clone()];
        }
        confidence = inf.confidence;
        notes = inf.notes;
        inf.layout
    });

    let is_id = |v: &Value| v.is_string() || v.is_number();
    let tasks = task_columns::find(rows, cols.task.as_deref());
    let task_key = tasks.task;
    let id_key = cols.id.clone().or_else(|| {
        ID_COLUMNS
            .iter()
            .find(|k| sample.mostly(k, is_id))
            .map(|k| k.to_string())
    });
    let shard_tasks = task_key.is_none() && shard_names_are_tasks(files);
    let task_source = match (&tasks.parent, &task_key) {
        (Some(p), Some(k)) => Some(format!("columns:{p}/{k} (two levels)")),
        (None, Some(k)) => Some(format!("column:{k}")),
        _ if shard_tasks => Some("shard file names".to_string()),
        _ => None,
    };

    let mut warnings = Vec::new();
    if schema == Schema::Text && !text_has_markers(rows) {
        warnings.push(format!(
            "{path}: the records are plain `text` with no turn markers in the first {} records; such records have no instruction/response structure and are skipped",
            rows.len()
        ));
    }

    let plan = Plan {
        schema,
        keys,
        id_key,
        task_key,
        task_parent_key: tasks.parent,
        layout,
    };
    let mapping = plan.mapping(&|k| sample.seen(k));
    Ok(Detection {
        plan,
        schema_source,
        mapping,
        confidence: if schema_source == "flags" {
            "given"
        } else {
            confidence.name()
        },
        notes,
        task_source,
        shard_tasks,
        warnings,
    })
}

/// Whether any sampled `text` value has turn markers a transcript can be split on.
fn text_has_markers(rows: &[&Row]) -> bool {
    rows.iter().any(|r| {
        r.get("text")
            .and_then(Value::as_str)
            .is_some_and(|t| TEXT_STYLES.iter().any(|s| has_markers(t, s)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn row(v: Value) -> Row {
        match v {
            Value::Object(m) => m,
            _ => unreachable!(),
        }
    }

    #[test]
    fn classification_of_each_shape() {
        let cases = [
            (
                json!({"instruction": "a", "input": "", "output": "b"}),
                Schema::Alpaca,
            ),
            (json!({"instruction": "a", "response": "b"}), Schema::Alpaca),
            (
                json!({"instruction": "a", "instances": []}),
                Schema::SelfInstruct,
            ),
            (
                json!({"instruction": "a", "context": "", "response": "b", "category": "qa"}),
                Schema::Dolly,
            ),
            (json!({"inputs": "a", "targets": "b"}), Schema::Flan),
            (
                json!({"conversations": [{"from": "human", "value": "a"}]}),
                Schema::ShareGpt,
            ),
            (
                json!({"messages": [{"role": "user", "content": "a"}]}),
                Schema::OpenAi,
            ),
            (json!({"messages": [], "images": ["a.png"]}), Schema::Llava),
            (
                json!({"image": "a.png", "conversations": []}),
                Schema::Llava,
            ),
            (
                json!({"prompt": "a", "chosen": "b", "rejected": "c"}),
                Schema::Preference,
            ),
            (json!({"chosen": [], "rejected": []}), Schema::Preference),
            (
                json!({"chosen": "\n\nHuman: a\n\nAssistant: b", "rejected": "x"}),
                Schema::HhRlhf,
            ),
            (
                json!({"conversations": [], "chosen": {}, "rejected": {}}),
                Schema::Dpo,
            ),
            (json!({"messages": [], "label": true}), Schema::Kto),
            (
                json!({"prompt": "a", "completion": "b", "label": false}),
                Schema::Kto,
            ),
            (
                json!({"prompt": "a", "completion": "b"}),
                Schema::PromptCompletion,
            ),
            (
                json!({"task_id": "x", "prompt": "a", "canonical_solution": "b"}),
                Schema::PromptCompletion,
            ),
            (
                json!({"question": "a", "answer": "b"}),
                Schema::QuestionAnswer,
            ),
            (
                json!({"text": "### Human: a ### Assistant: b"}),
                Schema::Text,
            ),
        ];
        for (v, want) in cases {
            assert_eq!(classify(&row(v.clone())), Some(want), "{v}");
        }
        assert_eq!(classify(&row(json!({"foo": 1}))), None);
    }

    #[test]
    fn majority_vote_and_unrecognised_error() {
        let rows: Vec<Row> = vec![
            row(json!({"instruction": "a", "output": "b"})),
            row(json!({"instruction": "a", "output": "b"})),
            row(json!({"question": "a", "answer": "b"})),
        ];
        let refs: Vec<&Row> = rows.iter().collect();
        let d = detect("x", &refs, None, &ColumnMap::default(), &[]).unwrap();
        assert_eq!(d.plan.schema, Schema::Alpaca);
        assert_eq!(d.schema_source, "auto");
        assert_eq!(d.mapping["instruction"], "instruction");
        assert_eq!(d.mapping["response"], "output");

        let rows = [row(json!({"foo": 1, "bar": 2}))];
        let refs: Vec<&Row> = rows.iter().collect();
        let err = detect("data.jsonl", &refs, None, &ColumnMap::default(), &[])
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("data.jsonl"), "{err}");
        assert!(err.contains("bar (1), foo (1)"), "{err}");
        assert!(err.contains("alpaca, self_instruct"), "{err}");
        assert!(err.contains("--schema"), "{err}");
    }

    #[test]
    fn flags_pick_columns_and_validate_them() {
        let rows = [row(json!({"q": "a", "a": "b", "sys": "s", "cat": "math"}))];
        let refs: Vec<&Row> = rows.iter().collect();
        let cols = ColumnMap {
            instruction: Some("q".into()),
            response: Some("a".into()),
            system: Some("sys".into()),
            task: Some("cat".into()),
            ..ColumnMap::default()
        };
        let d = detect("x", &refs, None, &cols, &[]).unwrap();
        assert_eq!(d.plan.schema, Schema::Alpaca);
        assert_eq!(d.schema_source, "flags");
        assert_eq!(d.task_source.as_deref(), Some("column:cat"));
        assert_eq!(d.mapping["instruction"], "q");
        assert_eq!(d.mapping["response"], "a");
        assert_eq!(d.mapping["system"], "sys");

        let cols = ColumnMap {
            messages: Some("dialog".into()),
            ..ColumnMap::default()
        };
        let err = detect("x", &refs, None, &cols, &[])
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("`dialog`"), "{err}");

        let err = detect("x", &refs, Some("nope"), &ColumnMap::default(), &[])
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("unknown schema `nope`"), "{err}");
    }

    #[test]
    fn task_and_id_columns_are_found_by_priority() {
        let rows = [row(json!({
            "instruction": "a", "output": "b", "source": "s", "category": "c", "idx": 7
        }))];
        let refs: Vec<&Row> = rows.iter().collect();
        let d = detect("x", &refs, None, &ColumnMap::default(), &[]).unwrap();
        assert_eq!(d.plan.task_key.as_deref(), Some("category"));
        assert_eq!(d.plan.id_key.as_deref(), Some("idx"));
        assert_eq!(d.task_source.as_deref(), Some("column:category"));
    }
}
