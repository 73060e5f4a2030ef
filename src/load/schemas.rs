//! The dataset schemas we understand and how each maps a row onto a canonical `Record`.
//!
//! A `Plan` is decided once per dataset (see `detect`), then applied to every row. Each
//! canonical field reads from a short list of candidate keys, so common spelling variants
//! (`output`/`response`, `conversations`/`messages`) need no re-detection per record.

use ftqa_metrics::record::{Preference, Record, Role, Turn};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;

use super::roles::{pair_keys, Layout};
use super::source::Row;
use super::turns::{
    collect_media, has_markers, parse_message, parse_messages, scalar_text, split_transcript, Fail,
    TurnSink, CONTENT_KEYS, HH_STYLE, ROLE_KEYS, TEXT_STYLES,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Schema {
    Alpaca,
    SelfInstruct,
    Dolly,
    Flan,
    ShareGpt,
    OpenAi,
    Llava,
    Preference,
    HhRlhf,
    Dpo,
    Kto,
    PromptCompletion,
    QuestionAnswer,
    Text,
    /// No named schema fits: columns were given roles by `roles::infer`.
    Inferred,
}

/// Schema names, as accepted by `--schema` and shown in `DatasetInfo::schema`.
pub const SCHEMAS: &[&str] = &[
    "alpaca",
    "self_instruct",
    "dolly",
    "flan",
    "sharegpt",
    "openai",
    "llava",
    "preference",
    "hh_rlhf",
    "dpo",
    "kto",
    "prompt_completion",
    "question_answer",
    "text",
    "inferred",
];

impl Schema {
    pub const ALL: [Schema; 15] = [
        Schema::Alpaca,
        Schema::SelfInstruct,
        Schema::Dolly,
        Schema::Flan,
        Schema::ShareGpt,
        Schema::OpenAi,
        Schema::Llava,
        Schema::Preference,
        Schema::HhRlhf,
        Schema::Dpo,
        Schema::Kto,
        Schema::PromptCompletion,
        Schema::QuestionAnswer,
        Schema::Text,
        Schema::Inferred,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Schema::Alpaca => "alpaca",
            Schema::SelfInstruct => "self_instruct",
            Schema::Dolly => "dolly",
            Schema::Flan => "flan",
            Schema::ShareGpt => "sharegpt",
            Schema::OpenAi => "openai",
            Schema::Llava => "llava",
            Schema::Preference => "preference",
            Schema::HhRlhf => "hh_rlhf",
            Schema::Dpo => "dpo",
            Schema::Kto => "kto",
            Schema::PromptCompletion => "prompt_completion",
            Schema::QuestionAnswer => "question_answer",
            Schema::Text => "text",
            Schema::Inferred => "inferred",
        }
    }
}

impl fmt::Display for Schema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A schema name or a common alias (`vicuna`, `chatml`, `hh-rlhf`, ...), case-insensitive.
pub fn parse_schema_name(s: &str) -> Option<Schema> {
    let n = s.trim().to_ascii_lowercase().replace(['-', ' '], "_");
    if let Some(schema) = Schema::ALL.iter().find(|x| x.name() == n) {
        return Some(*schema);
    }
    Some(match n.as_str() {
        "selfinstruct" => Schema::SelfInstruct,
        "share_gpt" | "vicuna" | "conversations" => Schema::ShareGpt,
        "chatml" | "messages" | "open_ai" => Schema::OpenAi,
        "hh" | "hhrlhf" | "anthropic_hh" => Schema::HhRlhf,
        "trl" | "pairwise" | "comparison" => Schema::Preference,
        "promptcompletion" | "completion" | "t0" => Schema::PromptCompletion,
        "qa" | "questionanswer" => Schema::QuestionAnswer,
        "infer" | "auto_columns" | "columns" => Schema::Inferred,
        _ => return None,
    })
}

/// Candidate source keys for each canonical part of a record, best first.
#[derive(Clone, Debug, Default)]
pub(crate) struct Keys {
    pub user: Vec<String>,
    pub input: Vec<String>,
    pub assistant: Vec<String>,
    pub conversation: Vec<String>,
    pub system: Vec<String>,
    pub history: Vec<String>,
    pub instances: Vec<String>,
    pub prompt: Vec<String>,
    pub chosen: Vec<String>,
    pub rejected: Vec<String>,
    pub label: Vec<String>,
    pub images: Vec<String>,
    pub videos: Vec<String>,
    pub text: Vec<String>,
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

impl Keys {
    pub(crate) fn defaults(schema: Schema) -> Keys {
        let mut k = Keys {
            system: names(&["system"]),
            images: names(&["images", "image"]),
            videos: names(&["videos", "video"]),
            ..Keys::default()
        };
        match schema {
            Schema::Alpaca => {
                k.user = names(&["instruction"]);
                k.input = names(&["input"]);
                k.assistant = names(&["output", "response"]);
                k.history = names(&["history"]);
            }
            Schema::SelfInstruct => {
                k.user = names(&["instruction"]);
                k.instances = names(&["instances"]);
            }
            Schema::Dolly => {
                k.user = names(&["instruction"]);
                k.input = names(&["context"]);
                k.assistant = names(&["response"]);
            }
            Schema::Flan => {
                k.user = names(&["inputs"]);
                k.assistant = names(&["targets"]);
            }
            Schema::ShareGpt | Schema::Llava => {
                k.conversation = names(&["conversations", "messages"]);
            }
            Schema::OpenAi => {
                k.conversation = names(&["messages", "conversations"]);
            }
            Schema::Preference | Schema::HhRlhf => {
                k.prompt = names(&["prompt"]);
                k.chosen = names(&["chosen"]);
                k.rejected = names(&["rejected"]);
            }
            Schema::Dpo => {
                k.conversation = names(&["conversations", "messages"]);
                k.chosen = names(&["chosen"]);
                k.rejected = names(&["rejected"]);
            }
            Schema::Kto => {
                k.conversation = names(&["messages", "conversations"]);
                k.prompt = names(&["prompt"]);
                k.assistant = names(&["completion"]);
                k.label = names(&["label"]);
            }
            Schema::PromptCompletion => {
                k.user = names(&["prompt"]);
                k.assistant = names(&["completion", "canonical_solution", "response"]);
            }
            Schema::QuestionAnswer => {
                k.user = names(&["question", "query"]);
                // Reading passages and answer options belong to the question (SQuAD-style
                // context, MMLU's choices).
                k.input = names(&["context", "choices", "options"]);
                k.assistant = names(&["answer", "response"]);
            }
            Schema::Text => {
                k.text = names(&["text"]);
            }
            // The layout, not the keys, says where the turns are.
            Schema::Inferred => {}
        }
        if schema == Schema::HhRlhf {
            k.prompt.clear();
        }
        k
    }
}

/// How every row of a dataset becomes a record.
#[derive(Clone, Debug)]
pub(crate) struct Plan {
    pub schema: Schema,
    pub keys: Keys,
    pub id_key: Option<String>,
    pub task_key: Option<String>,
    /// The upper level of a two-level task label (`domain1` over `domain2`).
    pub task_parent_key: Option<String>,
    /// Where the turns are, for [`Schema::Inferred`].
    pub layout: Option<Layout>,
}

/// The value under the first candidate key present (preferring non-null values), moved
/// out of the row. `None` when no candidate key exists at all.
pub(crate) fn take<'k>(row: &mut Row, keys: &'k [String]) -> Option<(&'k str, Value)> {
    let mut null_key = None;
    for k in keys {
        match lookup(row, k) {
            Some(Value::Null) if null_key.is_none() => null_key = Some(k.as_str()),
            Some(Value::Null) | None => {}
            Some(v) => return Some((k.as_str(), v.take())),
        }
    }
    null_key.map(|k| (k, Value::Null))
}

/// The value under `key`, or, when no column has that exact name and it is a dotted path
/// (`conversation.turns`), under the nested objects it names.
pub(crate) fn lookup<'r>(row: &'r mut Row, key: &str) -> Option<&'r mut Value> {
    if row.contains_key(key) || !key.contains('.') {
        return row.get_mut(key);
    }
    let mut parts = key.split('.');
    let mut v = row.get_mut(parts.next()?)?;
    for p in parts {
        v = v.as_object_mut()?.get_mut(p)?;
    }
    Some(v)
}

/// "`output`" or "`output` (or `response`)".
fn key_list(keys: &[String]) -> String {
    match keys {
        [] => "``".to_string(),
        [one] => format!("`{one}`"),
        [first, rest @ ..] => format!(
            "`{first}` (or {})",
            rest.iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Whether a list holds only scalars (strings, numbers, booleans, null): reference
/// answers, user turns or lines, never messages or nested lists.
fn all_scalars(items: &[Value]) -> bool {
    items.iter().all(|x| !x.is_array() && !x.is_object())
}

/// A request's text: a string (null is empty), or a list of strings one per line.
fn text_or_lines(v: Value, field: &str) -> Result<String, Fail> {
    match v {
        Value::Array(items) if all_scalars(&items) => {
            let mut lines = Vec::with_capacity(items.len());
            for (i, item) in items.into_iter().enumerate() {
                let what = format_args!("item {} of `{field}`", i + 1).to_string();
                lines.extend(scalar_text(item, &what)?);
            }
            Ok(lines.join("\n"))
        }
        v => Ok(scalar_text(v, format_args!("`{field}`"))?.unwrap_or_default()),
    }
}

/// Text that must be there: a missing key is a skip, null is an empty string.
fn required_text(row: &mut Row, keys: &[String]) -> Result<String, Fail> {
    match take(row, keys) {
        Some((k, v)) => Ok(scalar_text(v, format_args!("`{k}`"))?.unwrap_or_default()),
        None => Err(Fail::missing(key_list(keys))),
    }
}

fn optional_text(row: &mut Row, keys: &[String]) -> Result<Option<String>, Fail> {
    match take(row, keys) {
        Some((k, v)) => scalar_text(v, format_args!("`{k}`")),
        None => Ok(None),
    }
}

fn required<'k>(row: &mut Row, keys: &'k [String]) -> Result<(&'k str, Value), Fail> {
    take(row, keys).ok_or_else(|| Fail::missing(key_list(keys)))
}

fn sink(rec: &mut Record) -> TurnSink<'_> {
    TurnSink {
        turns: &mut rec.turns,
        system: &mut rec.system,
        images: &mut rec.images,
    }
}

/// A prompt in any of its shapes: a string, a message list, or one message object.
fn prompt_turns(v: Value, field: &str, rec: &mut Record) -> Result<(), Fail> {
    match v {
        Value::Array(_) | Value::Null => parse_messages(v, field, &mut sink(rec)),
        Value::Object(_) => parse_message(v, field, 0, &mut sink(rec)),
        v => {
            let text = scalar_text(v, format_args!("`{field}`"))?.unwrap_or_default();
            rec.turns.push(Turn::new(Role::User, text));
            Ok(())
        }
    }
}

/// A completion that follows a shared prompt: a string is one assistant turn.
fn completion_turns(
    v: Value,
    field: &str,
    system: &mut Option<String>,
    images: &mut Vec<String>,
) -> Result<Vec<Turn>, Fail> {
    let mut turns = Vec::new();
    let mut s = TurnSink {
        turns: &mut turns,
        system,
        images,
    };
    match v {
        Value::Array(_) => parse_messages(v, field, &mut s)?,
        Value::Object(_) => parse_message(v, field, 0, &mut s)?,
        v => {
            let text = scalar_text(v, format_args!("`{field}`"))?.unwrap_or_default();
            turns.push(Turn::new(Role::Assistant, text));
        }
    }
    Ok(turns)
}

/// A whole conversation given as one side of a comparison: a message list, or a string
/// that is either an HH-style transcript or a bare response.
fn whole_side(
    v: Value,
    field: &str,
    system: &mut Option<String>,
    images: &mut Vec<String>,
) -> Result<Vec<Turn>, Fail> {
    match v {
        Value::String(s) if has_markers(&s, &HH_STYLE) => {
            let t = split_transcript(&s, &HH_STYLE);
            if system.is_none() {
                *system = t.preamble;
            }
            Ok(t.turns)
        }
        v => completion_turns(v, field, system, images),
    }
}

/// Splits two full conversations into their shared prompt and the differing remainders.
/// Each side keeps at least its last turn, so identical sides still compare responses.
pub(crate) fn split_common(
    mut chosen: Vec<Turn>,
    mut rejected: Vec<Turn>,
) -> (Vec<Turn>, Vec<Turn>, Vec<Turn>) {
    let max = chosen.len().min(rejected.len()).saturating_sub(1);
    let n = chosen
        .iter()
        .zip(&rejected)
        .take(max)
        .take_while(|(a, b)| a == b)
        .count();
    let chosen_rest = chosen.split_off(n);
    rejected.drain(..n);
    (chosen, chosen_rest, rejected)
}

fn parse_label(v: Value, field: &str) -> Result<bool, Fail> {
    match &v {
        Value::Bool(b) => return Ok(*b),
        Value::Number(n) => match n.as_f64() {
            Some(1.0) => return Ok(true),
            Some(0.0) => return Ok(false),
            _ => {}
        },
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "desirable" => return Ok(true),
            "false" | "0" | "no" | "undesirable" => return Ok(false),
            _ => {}
        },
        Value::Null => return Err(Fail::missing(format_args!("`{field}`"))),
        _ => {}
    }
    Err(Fail::wrong_type(format_args!("`{field}`"), &v, "a boolean"))
}

impl Plan {
    /// Fills `rec` (already holding id, origin and task) from the row's content fields.
    pub(crate) fn map(&self, row: &mut Row, rec: &mut Record) -> Result<(), Fail> {
        match self.schema {
            Schema::Alpaca | Schema::Dolly | Schema::Flan | Schema::QuestionAnswer => {
                self.map_single(row, rec)?
            }
            Schema::SelfInstruct => self.map_self_instruct(row, rec)?,
            Schema::PromptCompletion => self.map_prompt_completion(row, rec)?,
            Schema::ShareGpt | Schema::OpenAi | Schema::Llava => {
                let (field, v) = required(row, &self.keys.conversation)?;
                parse_messages(v, field, &mut sink(rec))?;
            }
            Schema::Preference | Schema::HhRlhf => self.map_preference(row, rec)?,
            Schema::Dpo => {
                let (field, v) = required(row, &self.keys.conversation)?;
                parse_messages(v, field, &mut sink(rec))?;
                self.map_sides(row, rec)?;
            }
            Schema::Kto => self.map_kto(row, rec)?,
            Schema::Text => self.map_text(row, rec)?,
            Schema::Inferred => self.map_inferred(row, rec)?,
        }
        self.top_level_system(row, rec)?;
        self.media(row, rec)?;
        let sides_empty = rec
            .preference
            .as_ref()
            .is_none_or(|p| p.chosen.is_empty() && p.rejected.is_empty());
        if rec.turns.is_empty() && sides_empty {
            return Err(Fail::empty());
        }
        Ok(())
    }

    fn map_single(&self, row: &mut Row, rec: &mut Record) -> Result<(), Fail> {
        let k = &self.keys;
        if let Some((field, v)) = take(row, &k.history) {
            push_history(v, field, &mut rec.turns)?;
        }
        let mut user = match take(row, &k.user) {
            Some((field, v)) => text_or_lines(v, field)?,
            None => return Err(Fail::missing(key_list(&k.user))),
        };
        if let Some((field, v)) = take(row, &k.input) {
            let input = text_or_lines(v, field)?;
            if !input.trim().is_empty() {
                user.push_str("\n\n");
                user.push_str(&input);
            }
        }
        rec.turns.push(Turn::new(Role::User, user));
        // A request without its answer key is kept as a prompt (the report counts records
        // with responses), not dropped.
        match take(row, &k.assistant) {
            Some((afield, answer)) => push_answer(answer, afield, rec, true),
            None => Ok(()),
        }
    }

    fn map_self_instruct(&self, row: &mut Row, rec: &mut Record) -> Result<(), Fail> {
        let user = required_text(row, &self.keys.user)?;
        let (field, v) = required(row, &self.keys.instances)?;
        let first = match v {
            Value::Array(items) => items.into_iter().next(),
            Value::Null => None,
            other => {
                return Err(Fail::wrong_type(
                    format_args!("`{field}`"),
                    &other,
                    "a list",
                ))
            }
        };
        let mut inst = match first {
            Some(Value::Object(m)) => m,
            Some(other) => {
                return Err(Fail::wrong_type(
                    format_args!("`{field}[0]`"),
                    &other,
                    "an object",
                ))
            }
            None => return Err(Fail::missing(format_args!("`{field}[0]` (empty list)"))),
        };
        let input_key = ["input".to_string()];
        let output_key = ["output".to_string()];
        let input = optional_text(&mut inst, &input_key)?.unwrap_or_default();
        let output = match take(&mut inst, &output_key) {
            Some((_, v)) => {
                scalar_text(v, format_args!("`{field}[0].output`"))?.unwrap_or_default()
            }
            None => return Err(Fail::missing(format_args!("`{field}[0].output`"))),
        };
        let mut text = user;
        if !input.trim().is_empty() {
            text.push_str("\n\n");
            text.push_str(&input);
        }
        rec.turns.push(Turn::new(Role::User, text));
        rec.turns.push(Turn::new(Role::Assistant, output));
        Ok(())
    }

    fn map_prompt_completion(&self, row: &mut Row, rec: &mut Record) -> Result<(), Fail> {
        let (pfield, pv) = required(row, &self.keys.user)?;
        prompt_turns(pv, pfield, rec)?;
        if let Some((cfield, cv)) = take(row, &self.keys.assistant) {
            let completion = completion_turns(cv, cfield, &mut rec.system, &mut rec.images)?;
            rec.turns.extend(completion);
        }
        Ok(())
    }

    fn map_sides(&self, row: &mut Row, rec: &mut Record) -> Result<(), Fail> {
        let (cfield, cv) = required(row, &self.keys.chosen)?;
        let (rfield, rv) = required(row, &self.keys.rejected)?;
        let chosen = completion_turns(cv, cfield, &mut rec.system, &mut rec.images)?;
        let rejected = completion_turns(rv, rfield, &mut rec.system, &mut rec.images)?;
        rec.preference = Some(Preference { chosen, rejected });
        Ok(())
    }

    fn map_preference(&self, row: &mut Row, rec: &mut Record) -> Result<(), Fail> {
        match take(row, &self.keys.prompt) {
            Some((field, v)) if !v.is_null() => {
                prompt_turns(v, field, rec)?;
                self.map_sides(row, rec)
            }
            _ => {
                let (cfield, cv) = required(row, &self.keys.chosen)?;
                let (rfield, rv) = required(row, &self.keys.rejected)?;
                let chosen = whole_side(cv, cfield, &mut rec.system, &mut rec.images)?;
                let rejected = whole_side(rv, rfield, &mut rec.system, &mut rec.images)?;
                let (prompt, chosen, rejected) = split_common(chosen, rejected);
                rec.turns = prompt;
                rec.preference = Some(Preference { chosen, rejected });
                Ok(())
            }
        }
    }

    fn map_kto(&self, row: &mut Row, rec: &mut Record) -> Result<(), Fail> {
        match take(row, &self.keys.conversation) {
            Some((field, v)) if !v.is_null() || self.keys.prompt.is_empty() => {
                parse_messages(v, field, &mut sink(rec))?
            }
            _ => {
                let (pfield, pv) = required(row, &self.keys.prompt)?;
                prompt_turns(pv, pfield, rec)?;
                if let Some((cfield, cv)) = take(row, &self.keys.assistant) {
                    let completion =
                        completion_turns(cv, cfield, &mut rec.system, &mut rec.images)?;
                    rec.turns.extend(completion);
                }
            }
        }
        let (field, v) = required(row, &self.keys.label)?;
        rec.label = Some(parse_label(v, field)?);
        Ok(())
    }

    fn map_text(&self, row: &mut Row, rec: &mut Record) -> Result<(), Fail> {
        let text = required_text(row, &self.keys.text)?;
        let Some(style) = TEXT_STYLES.iter().find(|s| has_markers(&text, s)) else {
            return Err(Fail::new(
                "unrecognised_schema",
                "`text` has no instruction/response structure (no turn markers such as `### Human:`, `<|user|>`, `Human:` or `USER:`)".to_string(),
            ));
        };
        let t = split_transcript(&text, style);
        rec.turns = t.turns;
        rec.system = t.system.or(t.preamble);
        Ok(())
    }

    fn map_inferred(&self, row: &mut Row, rec: &mut Record) -> Result<(), Fail> {
        let Some(layout) = &self.layout else {
            return Err(Fail::new(
                "unrecognised_schema",
                "no column roles were inferred".to_string(),
            ));
        };
        match layout {
            Layout::Conversation { path } => {
                let (field, v) = required(row, std::slice::from_ref(path))?;
                conversation_turns(v, field, rec)
            }
            Layout::Alternating { path } => {
                let (field, v) = required(row, std::slice::from_ref(path))?;
                alternating_turns(v, field, rec)
            }
            Layout::TurnColumns { columns } => {
                let mut any = false;
                for (role, col) in columns {
                    let Some((field, v)) = take(row, std::slice::from_ref(col)) else {
                        continue;
                    };
                    any = true;
                    match role {
                        Role::Assistant => push_answer(v, field, rec, false)?,
                        _ => user_part(v, field, true, rec)?,
                    }
                }
                if any {
                    Ok(())
                } else {
                    Err(Fail::missing(key_list(
                        &columns.iter().map(|(_, c)| c.clone()).collect::<Vec<_>>(),
                    )))
                }
            }
            Layout::Fields { user, assistant } => {
                let mut any = false;
                for (i, col) in user.iter().enumerate() {
                    if let Some((field, v)) = take(row, std::slice::from_ref(col)) {
                        any |= !v.is_null();
                        user_part(v, field, i == 0, rec)?;
                    }
                }
                if !any {
                    return Err(Fail::missing(key_list(user)));
                }
                if let Some(col) = assistant {
                    if let Some((field, v)) = take(row, std::slice::from_ref(col)) {
                        push_answer(v, field, rec, false)?;
                    }
                }
                Ok(())
            }
        }
    }

    /// A top-level system prompt comes before one found at the start of the turns.
    fn top_level_system(&self, row: &mut Row, rec: &mut Record) -> Result<(), Fail> {
        if let Some(s) = optional_text(row, &self.keys.system)? {
            if !s.is_empty() {
                rec.system = Some(match rec.system.take() {
                    Some(lead) => format!("{s}\n\n{lead}"),
                    None => s,
                });
            }
        }
        Ok(())
    }

    fn media(&self, row: &mut Row, rec: &mut Record) -> Result<(), Fail> {
        if let Some((field, v)) = take(row, &self.keys.images) {
            collect_media(v, field, &mut rec.images)?;
        }
        if let Some((field, v)) = take(row, &self.keys.videos) {
            collect_media(v, field, &mut rec.videos)?;
        }
        Ok(())
    }

    /// Canonical field -> source key(s), for `DatasetInfo::mapping`. `seen` says whether
    /// a key occurs in the detection sample.
    pub(crate) fn mapping(&self, seen: &dyn Fn(&str) -> bool) -> BTreeMap<String, String> {
        let k = &self.keys;
        let pick = |keys: &[String]| keys.iter().find(|x| seen(x)).cloned();
        let first = |keys: &[String]| pick(keys).or_else(|| keys.first().cloned());
        let mut m = BTreeMap::new();
        let mut put = |field: &str, value: Option<String>| {
            if let Some(v) = value {
                m.insert(field.to_string(), v);
            }
        };
        match self.schema {
            Schema::Alpaca | Schema::Dolly | Schema::Flan | Schema::QuestionAnswer => {
                let user = first(&k.user).unwrap_or_default();
                put(
                    "instruction",
                    Some(match pick(&k.input) {
                        Some(input) => format!("{user}+{input}"),
                        None => user,
                    }),
                );
                put("response", first(&k.assistant));
                put("history", pick(&k.history));
            }
            Schema::SelfInstruct => {
                let user = first(&k.user).unwrap_or_default();
                let inst = first(&k.instances).unwrap_or_default();
                put("instruction", Some(format!("{user}+{inst}[0].input")));
                put("response", Some(format!("{inst}[0].output")));
            }
            Schema::PromptCompletion => {
                put("instruction", first(&k.user));
                put("response", first(&k.assistant));
            }
            Schema::ShareGpt | Schema::OpenAi | Schema::Llava => {
                put("turns", first(&k.conversation));
            }
            Schema::Preference | Schema::HhRlhf => {
                put(
                    "prompt",
                    Some(
                        pick(&k.prompt)
                            .unwrap_or_else(|| "common prefix of chosen/rejected".to_string()),
                    ),
                );
                put("chosen", first(&k.chosen));
                put("rejected", first(&k.rejected));
            }
            Schema::Dpo => {
                put("prompt", first(&k.conversation));
                put("chosen", first(&k.chosen));
                put("rejected", first(&k.rejected));
            }
            Schema::Kto => {
                put(
                    "turns",
                    Some(pick(&k.conversation).unwrap_or_else(|| {
                        let p = first(&k.prompt).unwrap_or_default();
                        match pick(&k.assistant) {
                            Some(c) => format!("{p}+{c}"),
                            None => p,
                        }
                    })),
                );
                put("label", first(&k.label));
            }
            Schema::Text => put(
                "turns",
                first(&k.text).map(|t| format!("{t} (split on turn markers)")),
            ),
            Schema::Inferred => match &self.layout {
                Some(Layout::Conversation { path }) => put("turns", Some(path.clone())),
                Some(Layout::Alternating { path }) => put(
                    "turns",
                    Some(format!("{path} (alternating user/assistant)")),
                ),
                Some(Layout::TurnColumns { columns }) => put(
                    "turns",
                    Some(
                        columns
                            .iter()
                            .map(|(r, c)| format!("{c} ({})", r.as_str()))
                            .collect::<Vec<_>>()
                            .join(", "),
                    ),
                ),
                Some(Layout::Fields { user, assistant }) => {
                    put("instruction", Some(user.join("+")));
                    put("response", assistant.clone());
                }
                None => {}
            },
        }
        put("system", pick(&k.system));
        put("images", pick(&k.images));
        put("videos", pick(&k.videos));
        put("id", self.id_key.clone());
        put(
            "task",
            match (&self.task_parent_key, &self.task_key) {
                (Some(p), Some(t)) => Some(format!("{p} / {t}")),
                (_, t) => t.clone(),
            },
        );
        m
    }
}

/// The assistant side of a single exchange: a string, a list of reference answers (the
/// first is the response; the count is kept in `Record::references`), or messages. Null
/// is an empty response when `null_is_empty` (named schemas, where the key is required),
/// else no response at all (inferred shapes, where prompts without answers are kept).
fn push_answer(v: Value, field: &str, rec: &mut Record, null_is_empty: bool) -> Result<(), Fail> {
    match v {
        Value::Null if null_is_empty => rec.turns.push(Turn::new(Role::Assistant, "")),
        Value::Null => {}
        Value::Array(items) if all_scalars(&items) => {
            let count = items.iter().filter(|x| !x.is_null()).count();
            if let Some(first) = items.into_iter().find(|x| !x.is_null()) {
                let text = scalar_text(first, format_args!("`{field}[0]`"))?.unwrap_or_default();
                rec.turns.push(Turn::new(Role::Assistant, text));
                rec.references = count;
            }
        }
        Value::Array(items) if items.iter().all(Value::is_object) => {
            parse_messages(Value::Array(items), field, &mut sink(rec))?
        }
        Value::Object(m) if ROLE_KEYS.iter().any(|k| m.contains_key(*k)) => {
            parse_message(Value::Object(m), field, 0, &mut sink(rec))?
        }
        // `{"text": [..], "answer_start": [..]}` (SQuAD): the references inside a wrapper.
        Value::Object(mut m)
            if CONTENT_KEYS.iter().any(|k| {
                m.get(*k)
                    .and_then(Value::as_array)
                    .is_some_and(|a| !a.is_empty() && a.iter().all(Value::is_string))
            }) =>
        {
            let key = CONTENT_KEYS
                .iter()
                .find(|k| m.get(**k).is_some_and(Value::is_array))
                .copied()
                .unwrap_or("text");
            let list = m.remove(key).unwrap_or_default();
            push_answer(list, field, rec, null_is_empty)?;
        }
        // `{"text": ...}` with no speaker: the answer's text in a wrapper.
        Value::Object(mut m)
            if CONTENT_KEYS
                .iter()
                .any(|k| m.get(*k).is_some_and(Value::is_string)) =>
        {
            let key = CONTENT_KEYS
                .iter()
                .find(|k| m.get(**k).is_some_and(Value::is_string))
                .copied()
                .unwrap_or("text");
            let text = scalar_text(
                m.remove(key).unwrap_or_default(),
                format_args!("`{field}.{key}`"),
            )?
            .unwrap_or_default();
            rec.turns.push(Turn::new(Role::Assistant, text));
        }
        v @ (Value::Array(_) | Value::Object(_)) => {
            return Err(Fail::wrong_type(
                format_args!("`{field}`"),
                &v,
                "a string, a list of reference answers or a list of messages",
            ))
        }
        v => {
            let text = scalar_text(v, format_args!("`{field}`"))?.unwrap_or_default();
            rec.turns.push(Turn::new(Role::Assistant, text));
        }
    }
    Ok(())
}

/// One user-side column of an inferred shape. The first (`lead`) starts the user side: a
/// string is the request, a list of strings consecutive user turns, a list of messages
/// the prompt turns. Later columns are material added to the last user turn: a string as
/// a paragraph, a list of strings one item per line.
fn user_part(v: Value, field: &str, lead: bool, rec: &mut Record) -> Result<(), Fail> {
    let last_user = |rec: &mut Record| -> Option<usize> {
        rec.turns.iter().rposition(|t| t.role == Role::User)
    };
    let text = match v {
        Value::Null => return Ok(()),
        Value::Array(items) if lead && all_scalars(&items) => {
            for (i, item) in items.into_iter().enumerate() {
                let what = format_args!("item {} of `{field}`", i + 1).to_string();
                if let Some(t) = scalar_text(item, &what)? {
                    rec.turns.push(Turn::new(Role::User, t));
                }
            }
            return Ok(());
        }
        v @ (Value::Array(_) | Value::Object(_)) if lead => return prompt_turns(v, field, rec),
        v => text_or_lines(v, field)?,
    };
    match last_user(rec) {
        Some(i) if !lead => {
            if !text.trim().is_empty() {
                let t = &mut rec.turns[i].text;
                t.push_str("\n\n");
                t.push_str(&text);
            }
        }
        _ => rec.turns.push(Turn::new(Role::User, text)),
    }
    Ok(())
}

/// A list of plain strings whose speakers alternate, the user first. Messages in the list
/// (a mixed list) are read as messages.
fn alternating_turns(v: Value, field: &str, rec: &mut Record) -> Result<(), Fail> {
    let items = match v {
        Value::Array(items) => items,
        Value::Null => return Ok(()),
        other => {
            return Err(Fail::wrong_type(
                format_args!("`{field}`"),
                &other,
                "a list",
            ))
        }
    };
    if items.iter().any(Value::is_object) {
        return parse_messages(Value::Array(items), field, &mut sink(rec));
    }
    for (i, item) in items.into_iter().enumerate() {
        let what = format_args!("item {} of `{field}`", i + 1).to_string();
        let text = scalar_text(item, &what)?.unwrap_or_default();
        let role = if i % 2 == 0 {
            Role::User
        } else {
            Role::Assistant
        };
        rec.turns.push(Turn::new(role, text));
    }
    Ok(())
}

/// A conversation of an inferred shape: messages, or `{question, answer}` pair objects.
fn conversation_turns(v: Value, field: &str, rec: &mut Record) -> Result<(), Fail> {
    let pairs = matches!(&v, Value::Array(items) if !items.is_empty() && items.iter().all(|x| {
        x.as_object().is_some_and(|m| {
            !ROLE_KEYS.iter().any(|k| m.contains_key(*k)) && pair_keys(m).is_some()
        })
    }));
    if !pairs {
        return parse_messages(v, field, &mut sink(rec));
    }
    let Value::Array(items) = v else {
        return Ok(());
    };
    for (i, item) in items.into_iter().enumerate() {
        let Value::Object(mut m) = item else {
            continue;
        };
        let Some((u, a)) = pair_keys(&m) else {
            continue;
        };
        let what = format_args!("item {} of `{field}`", i + 1).to_string();
        let user = scalar_text(m.remove(&u).unwrap_or_default(), &what)?.unwrap_or_default();
        let answer = scalar_text(m.remove(&a).unwrap_or_default(), &what)?.unwrap_or_default();
        rec.turns.push(Turn::new(Role::User, user));
        rec.turns.push(Turn::new(Role::Assistant, answer));
    }
    Ok(())
}

/// LLaMA-Factory's `history`: earlier `[user, assistant]` pairs.
fn push_history(v: Value, field: &str, turns: &mut Vec<Turn>) -> Result<(), Fail> {
    let pairs = match v {
        Value::Array(pairs) => pairs,
        Value::Null => return Ok(()),
        other => {
            return Err(Fail::wrong_type(
                format_args!("`{field}`"),
                &other,
                "a list",
            ))
        }
    };
    for (i, pair) in pairs.into_iter().enumerate() {
        let what = format_args!("item {} of `{field}`", i + 1).to_string();
        match pair {
            Value::Array(items) if items.len() == 2 => {
                let mut it = items.into_iter();
                let (u, a) = (it.next().unwrap_or_default(), it.next().unwrap_or_default());
                let u = scalar_text(u, &what)?.unwrap_or_default();
                let a = scalar_text(a, &what)?.unwrap_or_default();
                turns.push(Turn::new(Role::User, u));
                turns.push(Turn::new(Role::Assistant, a));
            }
            other => return Err(Fail::wrong_type(what, &other, "a [user, assistant] pair")),
        }
    }
    Ok(())
}
