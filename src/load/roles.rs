//! Column-role inference for shapes no named schema covers: which columns hold the user
//! side, which the assistant side, from their names and their content.
//!
//! The rules, in order (documented for users in the README, "Unknown shapes"):
//! 1. A column (top-level or nested up to three objects deep, as a dotted path) whose
//!    values are mostly lists of message objects (a role key and a content key) is the
//!    conversation. A list of `{question, answer}` or `{input, output}` pair objects is one
//!    too, and so is a list of plain strings under a conversation name (`conversations`,
//!    `dialog`, `data`), read as alternating user and assistant turns.
//! 2. Columns numbered per turn (`user_1`/`assistant_1`, `q1`/`a1`, `turn_1`, `turn_2`)
//!    are the conversation in number order; a neutral prefix (`turn`, `utterance`) makes
//!    user turns.
//! 3. Otherwise the user side is the best user-named column (`instruction`, `definition`,
//!    `prompt`, `question`, ... in several languages), followed by input-like columns
//!    (`input`, `context`, `passage`) in column order; the assistant side is the best
//!    assistant-named column (`output`, `target`, `answer`, `reference`, ...) that is
//!    present in at least 80% of the rows. The assistant side is chosen by name only: a
//!    column of unknown name is never taken for responses.
//! 4. A list of strings is multiple references when its name is an assistant name (the
//!    first is the response, the count is kept), and consecutive user turns otherwise.
//! 5. With no named user column, the first text column (a string column that is not an
//!    id, a label or metadata) is the user side, and a second one the assistant side;
//!    both with low confidence.
//! 6. No assistant side at all: a prompt-only dataset, which loads with every response
//!    metric "not measured".
//!
//! Confidence: `high` when every role came from an exact name and its values have the
//! expected shape in at least 90% of the sampled rows; `medium` when a role came from a
//! word inside a name, or values are less regular; `low` when a role came from content or
//! column order alone.

use ftqa_metrics::record::Role;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashSet};

use super::names::{is_conversation_name, leaf, numbered, role_of, NameRole};
use super::source::Row;
use super::turns::{CONTENT_KEYS, ROLE_KEYS};

/// How deep nested objects are searched for columns (`{"a": {"b": {"c": ...}}}`).
const MAX_DEPTH: usize = 3;
/// Share of sampled rows a value must have the expected shape in for `high` confidence.
const REGULAR: f64 = 0.9;
/// Share of sampled rows an answer-named column must be present in to be the responses:
/// a column most rows lack (MT-Bench's `reference`, given only for math, reasoning and
/// coding) is side material of a prompt set, not its responses.
const ANSWER_PRESENT: f64 = 0.8;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Confidence {
    Low,
    Medium,
    High,
}

impl Confidence {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}

/// Where each part of a record comes from in an inferred shape.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Layout {
    /// A list of message objects (any dialect `turns::parse_message` reads) or of
    /// `{user-ish: .., assistant-ish: ..}` pair objects.
    Conversation { path: String },
    /// A list of plain strings under a conversation name: user, assistant, user, ...
    Alternating { path: String },
    /// One column per turn, in turn order.
    TurnColumns { columns: Vec<(Role, String)> },
    /// A single exchange: user parts joined by blank lines (a list of strings among them
    /// becomes consecutive user turns), and an optional assistant side.
    Fields {
        user: Vec<String>,
        assistant: Option<String>,
    },
}

#[derive(Debug)]
pub(crate) struct Inference {
    pub layout: Layout,
    pub system: Option<String>,
    pub confidence: Confidence,
    /// One line per decision, for the report: `response ← target (a list: references)`.
    pub notes: Vec<String>,
}

/// `n` of `rows` as a share; 0 for no rows.
fn share(n: usize, rows: usize) -> f64 {
    if rows == 0 {
        0.0
    } else {
        n as f64 / rows as f64
    }
}

/// The shape of one column over the sample.
#[derive(Default, Debug)]
struct Profile {
    /// First position the column was seen at, for column order.
    order: usize,
    present: usize,
    strings: usize,
    string_lists: usize,
    message_lists: usize,
    pair_lists: usize,
    chars: usize,
    distinct: HashSet<u64>,
    /// Strings with a space or newline: sentences rather than codes.
    wordy: usize,
}

impl Profile {
    fn mean_len(&self) -> f64 {
        if self.strings == 0 {
            0.0
        } else {
            self.chars as f64 / self.strings as f64
        }
    }

    /// A short, repetitive string column: a label, not text to analyse.
    fn label_like(&self) -> bool {
        self.strings >= 10
            && (self.distinct.len() as f64) <= 0.5 * self.strings as f64
            && self.mean_len() < 40.0
    }

    /// Strings that read as prose: mostly several words.
    fn text_like(&self) -> bool {
        self.strings > 0 && self.wordy * 2 >= self.strings && !self.label_like()
    }
}

fn is_message(v: &Value) -> bool {
    v.as_object().is_some_and(|m| {
        ROLE_KEYS
            .iter()
            .any(|k| m.get(*k).is_some_and(Value::is_string))
            && CONTENT_KEYS.iter().any(|k| m.contains_key(*k))
    })
}

/// The user and assistant keys of a `{question: .., answer: ..}` pair object.
/// An input-named key (`{input, output}`, as in Capybara) serves when no request-named
/// one is there.
pub(crate) fn pair_keys(m: &Map<String, Value>) -> Option<(String, String)> {
    let mut user = None;
    let mut input = None;
    let mut assistant = None;
    for (k, v) in m {
        if !v.is_string() {
            continue;
        }
        match role_of(k) {
            Some((NameRole::User, _)) if user.is_none() => user = Some(k.clone()),
            Some((NameRole::UserExtra, _)) if input.is_none() => input = Some(k.clone()),
            Some((NameRole::Assistant, _)) if assistant.is_none() => assistant = Some(k.clone()),
            _ => {}
        }
    }
    Some((user.or(input)?, assistant?))
}

fn hash(s: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(s.as_bytes())
}

fn profile_value(p: &mut Profile, v: &Value) {
    if v.is_null() {
        return;
    }
    p.present += 1;
    match v {
        Value::String(s) => {
            p.strings += 1;
            p.chars += s.chars().count();
            if s.trim().contains([' ', '\n']) {
                p.wordy += 1;
            }
            if p.distinct.len() < 10_000 {
                p.distinct.insert(hash(s));
            }
        }
        Value::Array(items) if !items.is_empty() => {
            if items.iter().all(|x| x.is_string()) {
                p.string_lists += 1;
                for s in items.iter().filter_map(Value::as_str) {
                    if s.trim().contains([' ', '\n']) {
                        p.wordy += 1;
                    }
                }
            } else if items.iter().all(is_message) {
                p.message_lists += 1;
            } else if items
                .iter()
                .all(|x| x.as_object().is_some_and(|m| pair_keys(m).is_some()))
            {
                p.pair_lists += 1;
            }
        }
        _ => {}
    }
}

/// Every column of the sample, nested objects flattened to dotted paths.
fn profiles(rows: &[&Row]) -> BTreeMap<String, Profile> {
    fn walk(
        m: &Map<String, Value>,
        prefix: &str,
        depth: usize,
        out: &mut BTreeMap<String, Profile>,
    ) {
        for (k, v) in m {
            let path = if prefix.is_empty() {
                k.clone()
            } else {
                format!("{prefix}.{k}")
            };
            let next = out.len();
            let p = out.entry(path.clone()).or_insert_with(|| Profile {
                order: next,
                ..Profile::default()
            });
            profile_value(p, v);
            if let Value::Object(inner) = v {
                if depth + 1 < MAX_DEPTH {
                    walk(inner, &path, depth + 1, out);
                }
            }
        }
    }
    let mut out = BTreeMap::new();
    for row in rows {
        walk(row, "", 0, &mut out);
    }
    out
}

/// The role a column's path names: its last segment's, or, when that says nothing
/// (`answers.text`, `response.value`), its parent's.
fn path_role(path: &str) -> Option<(NameRole, bool)> {
    let mut segments = path.rsplit('.');
    let last = segments.next().unwrap_or(path);
    role_of(last).or_else(|| {
        let parent = segments.next()?;
        CONTENT_KEYS
            .contains(&last)
            .then(|| role_of(parent))
            .flatten()
    })
}

fn numbered_role(stem: &str) -> Option<Role> {
    match stem {
        "q" | "u" | "usr" => return Some(Role::User),
        "a" | "r" => return Some(Role::Assistant),
        "turn" | "utterance" | "message" | "msg" => return Some(Role::User),
        _ => {}
    }
    match role_of(stem)? {
        (NameRole::User, _) => Some(Role::User),
        (NameRole::Assistant, _) => Some(Role::Assistant),
        _ => None,
    }
}

pub(crate) fn infer(rows: &[&Row]) -> Option<Inference> {
    let n = rows.len();
    let cols = profiles(rows);
    let regular = |k: usize| share(k, n) >= REGULAR;
    let system = cols
        .iter()
        .find(|(k, p)| matches!(path_role(k), Some((NameRole::System, _))) && p.strings * 2 >= n)
        .map(|(k, _)| k.clone());

    // 1. A conversation column: the most regular one, nearest the top.
    let conversation = cols
        .iter()
        .filter(|(_, p)| (p.message_lists + p.pair_lists) * 2 >= n.max(1))
        .max_by(|a, b| {
            let ka = (a.1.message_lists + a.1.pair_lists, usize::MAX - a.1.order);
            let kb = (b.1.message_lists + b.1.pair_lists, usize::MAX - b.1.order);
            ka.cmp(&kb)
        });
    if let Some((path, p)) = conversation {
        let kind = if p.message_lists >= p.pair_lists {
            "a list of messages"
        } else {
            "a list of question/answer pairs"
        };
        let confidence = if regular(p.message_lists + p.pair_lists) {
            Confidence::High
        } else {
            Confidence::Medium
        };
        return Some(Inference {
            layout: Layout::Conversation { path: path.clone() },
            system,
            confidence,
            notes: vec![format!("{path}: {kind}")],
        });
    }

    // 1b. Plain strings under a conversation name alternate speakers.
    let alternating = cols
        .iter()
        .filter(|(k, p)| is_conversation_name(leaf(k)) && p.string_lists * 2 >= n.max(1))
        .min_by_key(|(_, p)| p.order);
    if let Some((path, p)) = alternating {
        return Some(Inference {
            layout: Layout::Alternating { path: path.clone() },
            system,
            confidence: if regular(p.string_lists) {
                Confidence::High
            } else {
                Confidence::Medium
            },
            notes: vec![format!(
                "{path}: a list of strings under a conversation name, read as alternating user and assistant turns"
            )],
        });
    }

    // 2. One column per turn.
    let mut turns: Vec<(u32, usize, Role, String)> = cols
        .iter()
        .filter(|(_, p)| p.strings > 0)
        .filter_map(|(k, p)| {
            let (stem, num) = numbered(k)?;
            let role = numbered_role(&stem)?;
            Some((num, p.order, role, k.clone()))
        })
        .collect();
    if turns.len() >= 2 {
        // Turn number first; within one number the user speaks before the assistant.
        turns.sort_by_key(|(num, order, role, _)| (*num, *role != Role::User, *order));
        let neutral = turns.iter().all(|(_, _, _, k)| {
            numbered(k).is_some_and(|(s, _)| {
                matches!(s.as_str(), "turn" | "utterance" | "message" | "msg")
            })
        });
        let columns: Vec<(Role, String)> = turns.into_iter().map(|(_, _, r, k)| (r, k)).collect();
        let shown: Vec<String> = columns
            .iter()
            .map(|(r, k)| format!("{k} ({})", r.as_str()))
            .collect();
        let mut notes = vec![format!("one column per turn: {}", shown.join(", "))];
        if neutral {
            notes.push(
                "numbered columns with neutral names are read as consecutive user turns"
                    .to_string(),
            );
        }
        return Some(Inference {
            layout: Layout::TurnColumns { columns },
            system,
            confidence: if neutral {
                Confidence::Low
            } else {
                Confidence::Medium
            },
            notes,
        });
    }

    // 3. A single exchange, by name.
    let usable = |p: &Profile| p.strings + p.string_lists > 0;
    let named = |want: NameRole| -> Vec<(&String, &Profile, bool)> {
        let mut v: Vec<(&String, &Profile, bool)> = cols
            .iter()
            .filter(|(_, p)| usable(p))
            .filter_map(|(k, p)| match path_role(k) {
                Some((r, exact)) if r == want => Some((k, p, exact)),
                _ => None,
            })
            .collect();
        // Exact names first, then the most present, then column order.
        v.sort_by(|a, b| {
            b.2.cmp(&a.2)
                .then(b.1.present.cmp(&a.1.present))
                .then(a.1.order.cmp(&b.1.order))
        });
        v
    };
    let mut notes = Vec::new();
    let mut confidence = Confidence::High;
    let mut lower = |c: Confidence| confidence = confidence.min(c);

    let users = named(NameRole::User);
    let extras = named(NameRole::UserExtra);
    let (assistants, rare): (Vec<_>, Vec<_>) = named(NameRole::Assistant)
        .into_iter()
        .partition(|(_, p, _)| share(p.present, n) >= ANSWER_PRESENT);
    for (k, p, _) in &rare {
        notes.push(format!(
            "{k} is present in only {:.0}% of the sampled rows, too few for responses (needs {:.0}%): not used",
            share(p.present, n) * 100.0,
            ANSWER_PRESENT * 100.0
        ));
    }
    let mut user: Vec<String> = Vec::new();
    if let Some((k, p, exact)) = users.first() {
        user.push((*k).clone());
        if !exact {
            lower(Confidence::Medium);
        }
        if !regular(p.strings + p.string_lists) {
            lower(Confidence::Medium);
        }
    }
    // Input-like columns follow the request, in column order; a second user-named
    // column (`instruction` + `question`) is material too.
    let mut more: Vec<(&String, &Profile)> = extras
        .iter()
        .map(|(k, p, _)| (*k, *p))
        .chain(users.iter().skip(1).map(|(k, p, _)| (*k, *p)))
        .collect();
    more.sort_by_key(|(_, p)| p.order);
    let mut assistant: Option<String> = None;
    if user.is_empty() {
        // An input-like column alone is the request.
        if let Some((k, _)) = more.first() {
            user.push((*k).clone());
            more.remove(0);
            lower(Confidence::Medium);
        }
    }
    if !user.is_empty() {
        user.extend(more.iter().map(|(k, _)| (*k).clone()));
        if let Some((k, p, exact)) = assistants.first() {
            assistant = Some((*k).clone());
            if !exact {
                lower(Confidence::Medium);
            }
            if !regular(p.strings + p.string_lists + p.message_lists) {
                lower(Confidence::Medium);
            }
        }
    } else {
        // 5. No name says which side is which: text columns in column order.
        let mut text: Vec<(&String, &Profile)> = cols
            .iter()
            .filter(|(k, p)| {
                let excluded = matches!(
                    path_role(k),
                    Some((NameRole::Meta | NameRole::Task | NameRole::System, _))
                );
                !excluded && (p.text_like() || p.string_lists * 2 >= n.max(1)) && p.present * 2 >= n
            })
            .collect();
        text.sort_by_key(|(_, p)| p.order);
        let Some((first, _)) = text.first() else {
            // A named assistant column alone (`answer` with no question) is still text.
            let (k, _, _) = named(NameRole::Assistant).into_iter().next()?;
            notes.push(format!(
                "instruction ← {k} (the only text column; no column names a request)"
            ));
            return Some(Inference {
                layout: Layout::Fields {
                    user: vec![k.clone()],
                    assistant: None,
                },
                system,
                confidence: Confidence::Low,
                notes,
            });
        };
        user.push((*first).clone());
        lower(Confidence::Low);
        notes.push(format!(
            "instruction ← {first}: no column is named like a request; the first text column was taken"
        ));
        if let Some((second, p)) = text.get(1) {
            if p.strings * 2 >= n {
                assistant = Some((*second).clone());
                notes.push(format!(
                    "response ← {second}: the second text column, by column order"
                ));
            }
        }
    }

    for k in &user {
        let p = &cols[k];
        if p.string_lists > p.strings {
            notes.push(format!(
                "{k}: a list of strings, read as consecutive user turns"
            ));
        }
    }
    match &assistant {
        Some(k) => {
            let p = &cols[k];
            if p.string_lists > p.strings {
                notes.push(format!(
                    "response ← {k}[0]: a list of strings under an answer name is read as reference answers; the first is the response and the count is kept"
                ));
            }
            let share = share(p.present, n);
            if share < REGULAR {
                notes.push(format!(
                    "{k} is present in {:.0}% of the sampled rows; rows without it are kept as prompts",
                    share * 100.0
                ));
            }
        }
        None => notes.push(
            "no response column: the dataset is read as prompts only, and response metrics are not measured"
                .to_string(),
        ),
    }
    // Columns that look like text but were given no role, so a user can remap them.
    let used: HashSet<&str> = user
        .iter()
        .chain(assistant.iter())
        .chain(system.iter())
        .map(String::as_str)
        .collect();
    let unused: Vec<&str> = cols
        .iter()
        .filter(|(k, p)| {
            !used.contains(k.as_str())
                && !used.iter().any(|u| k.starts_with(&format!("{u}.")))
                && !matches!(path_role(k), Some((NameRole::Task | NameRole::Meta, _)))
                && (p.text_like() || p.string_lists > 0)
        })
        .map(|(k, _)| k.as_str())
        .collect();
    if !unused.is_empty() {
        notes.push(format!("not used: {}", unused.join(", ")));
    }
    Some(Inference {
        layout: Layout::Fields { user, assistant },
        system,
        confidence,
        notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rows(vs: &[Value]) -> Vec<Row> {
        vs.iter()
            .map(|v| v.as_object().cloned().expect("object"))
            .collect()
    }

    fn infer_of(vs: &[Value]) -> Inference {
        let rows = rows(vs);
        let refs: Vec<&Row> = rows.iter().collect();
        infer(&refs).expect("inferred")
    }

    #[test]
    fn definition_input_target_with_reference_lists() {
        let v = json!({"definition": "Translate the sentence.", "input": "Hola amigo", "target": ["Hello friend", "Hi friend"], "subtask": "translation"});
        let inf = infer_of(&[v.clone(), v]);
        assert_eq!(
            inf.layout,
            Layout::Fields {
                user: vec!["definition".into(), "input".into()],
                assistant: Some("target".into()),
            }
        );
        assert_eq!(inf.confidence, Confidence::High);
        assert!(
            inf.notes.iter().any(|n| n.contains("reference answers")),
            "{:?}",
            inf.notes
        );
    }

    #[test]
    fn prompt_only_with_partial_reference() {
        let a = json!({"question_id": 81, "category": "writing", "turns": ["Write a blog post about Hawaii.", "Rewrite it starting every sentence with A."]});
        let b = json!({"question_id": 111, "category": "math", "turns": ["What is 2+2?", "And 3+3?"], "reference": ["4", "6"]});
        let inf = infer_of(&[a.clone(), a.clone(), a, b]);
        assert_eq!(
            inf.layout,
            Layout::Fields {
                user: vec!["turns".into()],
                assistant: None,
            }
        );
    }

    #[test]
    fn nested_conversation_and_turn_columns() {
        let v = json!({"conversation": {"turns": [{"role": "user", "content": "hi there"}, {"role": "assistant", "content": "hello you"}]}});
        let inf = infer_of(&[v]);
        assert_eq!(
            inf.layout,
            Layout::Conversation {
                path: "conversation.turns".into()
            }
        );
        let v = json!({"user_1": "hi there", "assistant_1": "hello you", "user_2": "how are you", "assistant_2": "fine thanks"});
        let inf = infer_of(&[v]);
        assert_eq!(
            inf.layout,
            Layout::TurnColumns {
                columns: vec![
                    (Role::User, "user_1".into()),
                    (Role::Assistant, "assistant_1".into()),
                    (Role::User, "user_2".into()),
                    (Role::Assistant, "assistant_2".into()),
                ]
            }
        );
    }

    #[test]
    fn unknown_names_fall_back_to_column_order_with_low_confidence() {
        let v = json!({"num": 3, "foo": "what is the capital of France", "bar": "Paris is the capital"});
        let inf = infer_of(&[v]);
        assert_eq!(
            inf.layout,
            Layout::Fields {
                user: vec!["foo".into()],
                assistant: Some("bar".into()),
            }
        );
        assert_eq!(inf.confidence, Confidence::Low);
        let rows = rows(&[json!({"a": 1, "b": true})]);
        let refs: Vec<&Row> = rows.iter().collect();
        assert!(infer(&refs).is_none());
    }
}
