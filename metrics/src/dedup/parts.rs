//! The three role-aware views deduplicated separately, and how their texts are built.

use crate::record::Record;
use std::borrow::Cow;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// The first user turn.
    Instruction,
    /// The final assistant turn (the chosen side for preference data).
    Response,
    /// The whole conversation: system prompt and every turn, in order.
    Sample,
}

pub const PARTS: [Part; 3] = [Part::Instruction, Part::Response, Part::Sample];

impl Part {
    pub fn as_str(self) -> &'static str {
        match self {
            Part::Instruction => "instruction",
            Part::Response => "response",
            Part::Sample => "sample",
        }
    }

    pub fn parse(s: &str) -> Option<Part> {
        match s {
            "instruction" => Some(Part::Instruction),
            "response" => Some(Part::Response),
            "sample" | "conversation" => Some(Part::Sample),
            _ => None,
        }
    }

    pub fn text(self, r: &Record) -> Option<Cow<'_, str>> {
        match self {
            Part::Instruction => r.instruction().map(Cow::Borrowed),
            Part::Response => r.response().map(Cow::Borrowed),
            Part::Sample => {
                let mut s = String::new();
                for t in r
                    .system
                    .iter()
                    .map(String::as_str)
                    .chain(r.conversation().map(|t| t.text.as_str()))
                {
                    if !s.is_empty() {
                        s.push('\n');
                    }
                    s.push_str(t);
                }
                (!s.trim().is_empty()).then_some(Cow::Owned(s))
            }
        }
    }
}

/// Response length in characters: what the representative rule ranks by.
pub fn response_chars(r: &Record) -> u32 {
    r.response()
        .map_or(0, |s| s.chars().count().min(u32::MAX as usize) as u32)
}
