//! Turning JSON values into turns: message lists in their many dialects, content-part
//! lists, media references, and plain-text transcripts with turn markers.

use ftqa_metrics::record::{Role, Turn};
use serde_json::{Map, Value};
use std::fmt::Display;

use super::source::describe;

/// Why a record could not be mapped: a stable reason category plus a readable detail.
#[derive(Debug)]
pub(crate) struct Fail {
    pub reason: &'static str,
    pub detail: String,
    /// For `unknown_role`: the role name, so the loader can warn once per name.
    pub role: Option<String>,
}

impl Fail {
    pub(crate) fn new(reason: &'static str, detail: String) -> Fail {
        Fail {
            reason,
            detail,
            role: None,
        }
    }

    pub(crate) fn missing(what: impl Display) -> Fail {
        Fail::new("missing_field", format!("missing field {what}"))
    }

    pub(crate) fn wrong_type(what: impl Display, v: &Value, expected: &str) -> Fail {
        Fail::new(
            "wrong_type",
            format!("{what} is {}, expected {expected}", describe(v)),
        )
    }

    pub(crate) fn empty() -> Fail {
        Fail::new("empty_conversation", "empty conversation".to_string())
    }
}

/// The text of a scalar: numbers and booleans are stringified, null is `None`.
pub(crate) fn scalar_text(v: Value, what: impl Display) -> Result<Option<String>, Fail> {
    match v {
        Value::String(s) => Ok(Some(s)),
        Value::Null => Ok(None),
        Value::Number(n) => Ok(Some(n.to_string())),
        Value::Bool(b) => Ok(Some(b.to_string())),
        other => Err(Fail::wrong_type(what, &other, "a string")),
    }
}

fn take_key(m: &mut Map<String, Value>, key: &str) -> Option<Value> {
    m.get_mut(key).map(Value::take)
}

/// Where parsed turns go. A system message before any other turn becomes the record's
/// system prompt; later ones stay in place as system turns.
pub(crate) struct TurnSink<'a> {
    pub turns: &'a mut Vec<Turn>,
    pub system: &'a mut Option<String>,
    pub images: &'a mut Vec<String>,
}

impl TurnSink<'_> {
    fn push(&mut self, role: Role, text: String) {
        if role == Role::System && self.turns.is_empty() {
            match self.system {
                Some(s) => {
                    s.push_str("\n\n");
                    s.push_str(&text);
                }
                None => *self.system = Some(text),
            }
        } else {
            self.turns.push(Turn { role, text });
        }
    }
}

/// A list of messages in ShareGPT (`from`/`value`) or OpenAI (`role`/`content`) form.
/// Null is an empty list.
pub(crate) fn parse_messages(v: Value, field: &str, sink: &mut TurnSink) -> Result<(), Fail> {
    match v {
        Value::Array(items) => {
            sink.turns.reserve(items.len());
            for (i, item) in items.into_iter().enumerate() {
                parse_message(item, field, i, sink)?;
            }
            Ok(())
        }
        Value::Null => Ok(()),
        other => Err(Fail::wrong_type(
            format_args!("`{field}`"),
            &other,
            "a list",
        )),
    }
}

/// Keys naming a message's speaker: ShareGPT, OpenAI, then dialogue corpora's spellings.
pub(crate) const ROLE_KEYS: &[&str] = &["from", "role", "speaker", "author", "sender"];
/// Keys holding a message's text, in the same order.
pub(crate) const CONTENT_KEYS: &[&str] = &["value", "content", "text", "message", "utterance"];

/// One message object. `i` is its 0-based position, for messages.
pub(crate) fn parse_message(
    item: Value,
    field: &str,
    i: usize,
    sink: &mut TurnSink,
) -> Result<(), Fail> {
    let turn_no = i + 1;
    let mut m = match item {
        Value::Object(m) => m,
        other => {
            return Err(Fail::wrong_type(
                format_args!("turn {turn_no} of `{field}`"),
                &other,
                "an object",
            ))
        }
    };
    let role_value = ROLE_KEYS
        .iter()
        .find_map(|k| take_key(&mut m, k).filter(|v| !v.is_null()));
    let role_name = match role_value {
        Some(Value::String(s)) => s,
        Some(other) => {
            return Err(Fail::wrong_type(
                format_args!("the role in turn {turn_no} of `{field}`"),
                &other,
                "a string",
            ))
        }
        None => {
            return Err(Fail::missing(format_args!(
                "`from` or `role` in turn {turn_no} of `{field}`"
            )))
        }
    };
    let Some(role) = Role::parse(&role_name) else {
        return Err(Fail {
            reason: "unknown_role",
            detail: format!("unknown role `{role_name}` in turn {turn_no} of `{field}`"),
            role: Some(role_name),
        });
    };
    let content = CONTENT_KEYS.iter().find_map(|k| take_key(&mut m, k));
    let text = match content {
        Some(Value::String(s)) => s,
        Some(Value::Array(parts)) => parse_parts(parts, field, turn_no, sink.images)?,
        // OpenAI tool calls carry no content; their arguments are the turn's text.
        Some(Value::Null) | None if m.get("tool_calls").is_some_and(|v| !v.is_null()) => m
            .get("tool_calls")
            .map(Value::to_string)
            .unwrap_or_default(),
        Some(Value::Null) => String::new(),
        None => {
            return Err(Fail::missing(format_args!(
                "`value` or `content` in turn {turn_no} of `{field}`"
            )))
        }
        Some(v @ (Value::Number(_) | Value::Bool(_))) => v.to_string(),
        Some(other) => {
            return Err(Fail::wrong_type(
                format_args!("the content of turn {turn_no} of `{field}`"),
                &other,
                "a string or a list of content parts",
            ))
        }
    };
    sink.push(role, text);
    Ok(())
}

/// OpenAI / Hugging Face content parts: text parts joined by newlines, image parts into
/// `images`. Parts of other kinds (audio, files) carry no text we analyse.
fn parse_parts(
    parts: Vec<Value>,
    field: &str,
    turn_no: usize,
    images: &mut Vec<String>,
) -> Result<String, Fail> {
    let mut text = String::new();
    let push = |s: &str, text: &mut String| {
        if !text.is_empty() {
            text.push('\n');
        }
        text.push_str(s);
    };
    for part in parts {
        match part {
            Value::String(s) => push(&s, &mut text),
            Value::Object(mut p) => {
                let kind = p
                    .get("type")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                match kind.as_str() {
                    "image_url" | "input_image" | "image" | "image_file" => {
                        let payload = take_key(&mut p, &kind).filter(|v| !v.is_null());
                        let reference = match payload {
                            Some(v) => media_ref(v),
                            None => media_ref(Value::Object(p)),
                        };
                        images.extend(reference);
                    }
                    _ => {
                        if let Some(t) = take_key(&mut p, "text") {
                            let what = format_args!("a text part of turn {turn_no} of `{field}`");
                            if let Some(s) = scalar_text(t, what)? {
                                push(&s, &mut text);
                            }
                        }
                    }
                }
            }
            Value::Null => {}
            other => {
                return Err(Fail::wrong_type(
                    format_args!("a content part of turn {turn_no} of `{field}`"),
                    &other,
                    "an object",
                ))
            }
        }
    }
    Ok(text)
}

/// A path, URL or placeholder for one image/video reference in its common encodings:
/// a string, `{"url": ..}`, or Hugging Face's `{"path": .., "bytes": ..}`.
pub(crate) fn media_ref(v: Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s),
        Value::Object(mut m) => {
            for key in ["url", "path", "image_url", "image", "video"] {
                match take_key(&mut m, key) {
                    Some(Value::String(s)) if !s.is_empty() => return Some(s),
                    Some(inner @ Value::Object(_)) => return media_ref(inner),
                    _ => {}
                }
            }
            match take_key(&mut m, "bytes") {
                Some(Value::String(s)) if s.starts_with('<') => Some(s),
                // Base64 text: four characters per three bytes.
                Some(Value::String(s)) => {
                    Some(format!("<embedded image: {} bytes>", s.len() / 4 * 3))
                }
                Some(Value::Array(b)) => Some(format!("<embedded image: {} bytes>", b.len())),
                _ => None,
            }
        }
        _ => None,
    }
}

/// An `images`/`image` (or video) column: one reference or a list of them.
pub(crate) fn collect_media(v: Value, field: &str, out: &mut Vec<String>) -> Result<(), Fail> {
    match v {
        Value::Null => Ok(()),
        Value::String(s) => {
            if !s.is_empty() {
                out.push(s);
            }
            Ok(())
        }
        Value::Array(items) => {
            for (i, item) in items.into_iter().enumerate() {
                match item {
                    Value::String(_) | Value::Object(_) => out.extend(media_ref(item)),
                    Value::Null => {}
                    other => {
                        return Err(Fail::wrong_type(
                            format_args!("item {} of `{field}`", i + 1),
                            &other,
                            "a path or an image object",
                        ))
                    }
                }
            }
            Ok(())
        }
        v @ Value::Object(_) => {
            out.extend(media_ref(v));
            Ok(())
        }
        other => Err(Fail::wrong_type(
            format_args!("`{field}`"),
            &other,
            "a path or a list of paths",
        )),
    }
}

/// How a plain-text transcript marks its turns. A marker with no role continues the
/// previous user turn (Alpaca's `### Input:`).
pub(crate) struct Style {
    pub markers: &'static [(&'static str, Option<Role>)],
    /// End-of-turn tokens of the template, not part of the content.
    pub strip: &'static [&'static str],
}

/// Anthropic HH-RLHF transcripts.
pub(crate) const HH_STYLE: Style = Style {
    markers: &[
        ("\n\nHuman:", Some(Role::User)),
        ("\n\nAssistant:", Some(Role::Assistant)),
    ],
    strip: &[],
};

/// Transcript styles tried, in order, on single-`text` datasets.
pub(crate) const TEXT_STYLES: &[Style] = &[
    Style {
        markers: &[
            ("### Human:", Some(Role::User)),
            ("### Assistant:", Some(Role::Assistant)),
            ("### System:", Some(Role::System)),
        ],
        strip: &[],
    },
    Style {
        markers: &[
            ("<|system|>", Some(Role::System)),
            ("<|user|>", Some(Role::User)),
            ("<|assistant|>", Some(Role::Assistant)),
        ],
        strip: &["</s>", "<|end|>", "<|endoftext|>"],
    },
    Style {
        markers: &[
            ("<|im_start|>system", Some(Role::System)),
            ("<|im_start|>user", Some(Role::User)),
            ("<|im_start|>assistant", Some(Role::Assistant)),
        ],
        strip: &["<|im_end|>"],
    },
    HH_STYLE,
    Style {
        markers: &[
            ("### Instruction:", Some(Role::User)),
            ("### Input:", None),
            ("### Response:", Some(Role::Assistant)),
        ],
        strip: &[],
    },
    Style {
        markers: &[
            ("USER:", Some(Role::User)),
            ("ASSISTANT:", Some(Role::Assistant)),
        ],
        strip: &["</s>"],
    },
];

#[derive(Debug, Default, PartialEq)]
pub(crate) struct Transcript {
    /// Text before the first marker (e.g. a Vicuna system line).
    pub preamble: Option<String>,
    pub system: Option<String>,
    pub turns: Vec<Turn>,
}

/// Marker hits in order, without overlaps. A marker that starts with a blank line also
/// matches, without it, at the very start of the text.
fn marker_hits(text: &str, style: &Style) -> Vec<(usize, usize, Option<Role>)> {
    let mut hits = Vec::new();
    let lead = text.len() - text.trim_start().len();
    for &(pat, role) in style.markers {
        hits.extend(
            text.match_indices(pat)
                .map(|(p, _)| (p, p + pat.len(), role)),
        );
        if let Some(bare) = pat.strip_prefix("\n\n") {
            if text[lead..].starts_with(bare) {
                hits.push((lead, lead + bare.len(), role));
            }
        }
    }
    hits.sort_unstable_by_key(|h| h.0);
    let mut kept: Vec<(usize, usize, Option<Role>)> = Vec::with_capacity(hits.len());
    for h in hits {
        if kept.last().is_none_or(|last| h.0 >= last.1) {
            kept.push(h);
        }
    }
    kept
}

/// Whether the text has at least one user and one assistant marker of this style.
pub(crate) fn has_markers(text: &str, style: &Style) -> bool {
    let found = |want: Role| {
        style.markers.iter().any(|&(pat, role)| {
            role == Some(want)
                && (text.contains(pat)
                    || pat
                        .strip_prefix("\n\n")
                        .is_some_and(|bare| text.trim_start().starts_with(bare)))
        })
    };
    found(Role::User) && found(Role::Assistant)
}

pub(crate) fn split_transcript(text: &str, style: &Style) -> Transcript {
    let hits = marker_hits(text, style);
    let mut out = Transcript::default();
    let first = hits.first().map_or(text.len(), |h| h.0);
    let pre = text[..first].trim();
    if !pre.is_empty() {
        out.preamble = Some(pre.to_string());
    }
    for (i, &(_, end, role)) in hits.iter().enumerate() {
        let stop = hits.get(i + 1).map_or(text.len(), |h| h.0);
        let mut content = text[end..stop].trim();
        for tok in style.strip {
            content = content.strip_suffix(tok).unwrap_or(content).trim_end();
        }
        match role {
            Some(Role::System) => {
                out.system = Some(match out.system.take() {
                    Some(s) => format!("{s}\n\n{content}"),
                    None => content.to_string(),
                })
            }
            Some(role) => out.turns.push(Turn::new(role, content)),
            None => match out.turns.last_mut() {
                Some(last) if last.role == Role::User => {
                    if !content.is_empty() {
                        last.text.push_str("\n\n");
                        last.text.push_str(content);
                    }
                }
                _ => out.turns.push(Turn::new(Role::User, content)),
            },
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    type Parsed = (Vec<Turn>, Option<String>, Vec<String>);

    fn parse(v: Value) -> Result<Parsed, Fail> {
        let (mut turns, mut system, mut images) = (Vec::new(), None, Vec::new());
        let mut sink = TurnSink {
            turns: &mut turns,
            system: &mut system,
            images: &mut images,
        };
        parse_messages(v, "messages", &mut sink)?;
        Ok((turns, system, images))
    }

    #[test]
    fn sharegpt_and_openai_dialects() {
        let (turns, system, _) = parse(json!([
            {"from": "system", "value": "be nice"},
            {"from": "human", "value": "hi"},
            {"role": "assistant", "content": 42},
            {"from": "function_call", "value": "{}"},
            {"from": "observation", "value": null},
        ]))
        .unwrap();
        assert_eq!(system.as_deref(), Some("be nice"));
        assert_eq!(
            turns,
            vec![
                Turn::new(Role::User, "hi"),
                Turn::new(Role::Assistant, "42"),
                Turn::new(Role::Assistant, "{}"),
                Turn::new(Role::Tool, ""),
            ]
        );
    }

    #[test]
    fn content_parts_split_text_and_images() {
        let (turns, _, images) = parse(json!([
            {"role": "user", "content": [
                {"type": "text", "text": "look"},
                {"type": "image_url", "image_url": {"url": "http://x/a.png"}},
                {"type": "image", "image": "b.png"},
                {"type": "image"},
                {"type": "text", "text": "here"}
            ]},
            {"role": "assistant", "content": [{"type": "text", "text": "ok"}]}
        ]))
        .unwrap();
        assert_eq!(turns[0].text, "look\nhere");
        assert_eq!(turns[1].text, "ok");
        assert_eq!(images, vec!["http://x/a.png", "b.png"]);
    }

    #[test]
    fn bad_messages_explain_themselves() {
        let e = parse(json!(3)).unwrap_err();
        assert_eq!(e.reason, "wrong_type");
        assert_eq!(e.detail, "`messages` is a number, expected a list");
        let e = parse(json!([{"from": "narrator", "value": "x"}])).unwrap_err();
        assert_eq!(e.reason, "unknown_role");
        assert_eq!(e.role.as_deref(), Some("narrator"));
        let e = parse(json!([{"from": "human", "value": {"a": 1}}])).unwrap_err();
        assert_eq!(e.reason, "wrong_type");
        let e = parse(json!([{"value": "x"}])).unwrap_err();
        assert_eq!(e.reason, "missing_field");
    }

    #[test]
    fn media_references_in_all_encodings() {
        let mut out = Vec::new();
        collect_media(
            json!(["a.jpg", {"path": "b.jpg", "bytes": null}, {"path": null, "bytes": "<embedded image: 9 bytes>"}, null]),
            "images",
            &mut out,
        )
        .unwrap();
        assert_eq!(out, vec!["a.jpg", "b.jpg", "<embedded image: 9 bytes>"]);
        assert!(collect_media(json!(5), "images", &mut out).is_err());
    }

    #[test]
    fn hh_transcripts_split_into_turns() {
        let t = split_transcript(
            "\n\nHuman: hi there\n\nAssistant: hello\n\nHuman: bye\n\nAssistant:",
            &HH_STYLE,
        );
        assert_eq!(
            t.turns,
            vec![
                Turn::new(Role::User, "hi there"),
                Turn::new(Role::Assistant, "hello"),
                Turn::new(Role::User, "bye"),
                Turn::new(Role::Assistant, ""),
            ]
        );
        let t = split_transcript("Human: a\n\nAssistant: b", &HH_STYLE);
        assert_eq!(t.turns.len(), 2);
    }

    #[test]
    fn text_styles() {
        let alpaca = "Below is an instruction.\n\n### Instruction:\nAdd.\n\n### Input:\n1 2\n\n### Response:\n3";
        let style = TEXT_STYLES.iter().find(|s| has_markers(alpaca, s)).unwrap();
        let t = split_transcript(alpaca, style);
        assert_eq!(t.preamble.as_deref(), Some("Below is an instruction."));
        assert_eq!(
            t.turns,
            vec![
                Turn::new(Role::User, "Add.\n\n1 2"),
                Turn::new(Role::Assistant, "3")
            ]
        );
        let chatml = "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nQ<|im_end|>\n<|im_start|>assistant\nA<|im_end|>";
        let style = TEXT_STYLES.iter().find(|s| has_markers(chatml, s)).unwrap();
        let t = split_transcript(chatml, style);
        assert_eq!(t.system.as_deref(), Some("S"));
        assert_eq!(
            t.turns,
            vec![Turn::new(Role::User, "Q"), Turn::new(Role::Assistant, "A")]
        );
        assert!(!TEXT_STYLES.iter().any(|s| has_markers("just prose", s)));
    }
}
