//! The canonical, role-aware record every loader produces and every metric consumes.

use serde::Serialize;
use std::fmt;
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    System,
    User,
    Assistant,
    Tool,
}

impl Role {
    /// Maps the role names seen in ShareGPT, OpenAI, LLaVA and tool-call data.
    /// Returns `None` for names we do not recognise so the loader can report them.
    pub fn parse(name: &str) -> Option<Role> {
        let n = name.trim().to_ascii_lowercase();
        Some(match n.as_str() {
            "system" | "developer" => Role::System,
            "human" | "user" | "prompter" | "question" | "instruction" => Role::User,
            "gpt" | "assistant" | "chatgpt" | "bing" | "bard" | "model" | "bot" | "ai"
            | "claude" | "gpt4" | "gpt-4" | "answer" | "function_call" | "response" => {
                Role::Assistant
            }
            "tool" | "function" | "observation" | "function_response" | "ipython"
            | "tool_response" => Role::Tool,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::System => "system",
            Role::User => "user",
            Role::Assistant => "assistant",
            Role::Tool => "tool",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Turn {
    pub role: Role,
    pub text: String,
}

impl Turn {
    pub fn new(role: Role, text: impl Into<String>) -> Self {
        Turn {
            role,
            text: text.into(),
        }
    }
}

/// Where a record came from, so every example and every skip can point back into the data.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Origin {
    pub file: Arc<str>,
    /// 1-based line number where the record starts, for text formats.
    pub line: Option<u64>,
    /// 0-based record index within the file (row for columnar formats).
    pub index: u64,
    /// The file's path below the dataset's root when that says more than its name
    /// (`en/train.jsonl` beside `zh/train.jsonl`): what sampling keys hash
    /// ([`crate::sample::record_key`]), so same-named shards in different folders never
    /// share keys. `None`: the file name alone is unique.
    #[serde(skip)]
    pub within: Option<Arc<str>>,
}

impl Origin {
    /// The record's stable position: its file's name, then its index in the file. What a
    /// metric keeps of a few records (examples, first sightings) it keeps by this key, so
    /// the choice does not depend on how the input was split or in which order chunks
    /// arrived ([`crate::registry::Metric::merge`]). Within one file it is input order.
    pub fn order_key(&self) -> (&str, u64) {
        (&self.file, self.index)
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}", self.file, line),
            None => write!(f, "{} row {}", self.file, self.index),
        }
    }
}

/// The two sides of a comparison (preference) sample. Each side holds the completion
/// turns that follow the shared prompt held in `Record::turns`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Preference {
    pub chosen: Vec<Turn>,
    pub rejected: Vec<Turn>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Demonstration data: one conversation to imitate.
    Demonstration,
    /// Comparison data: a prompt with chosen and rejected completions.
    Preference,
    /// Unpaired feedback (KTO): one conversation plus a desirable/undesirable label.
    Feedback,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Record {
    pub id: String,
    pub origin: Origin,
    pub system: Option<String>,
    /// Ordered non-system turns. For preference data, the shared prompt context only.
    pub turns: Vec<Turn>,
    pub task: Option<String>,
    /// The upper level of a two-level task label (`domain1` when `task` is
    /// `domain1 / domain2`); `None` for one-level labels.
    pub task_parent: Option<String>,
    /// Image references (paths, URLs, or `<bytes>` placeholders for embedded images).
    pub images: Vec<String>,
    /// Content keys of `images`, one per image in order, set by the `--image-root` stage
    /// (`ftqa report`, `ftqa dedup`): a hash of each decoded picture's pixels and size, or
    /// of its reference when it does not decode. Empty when nothing computed them: dedup
    /// then compares the references themselves ([`crate::dedup::images`]).
    #[serde(skip)]
    pub image_keys: Vec<u64>,
    pub videos: Vec<String>,
    pub preference: Option<Preference>,
    /// KTO desirability label.
    pub label: Option<bool>,
    /// The source bytes were not valid UTF-8 and were decoded lossily (U+FFFD for each
    /// bad sequence) rather than dropping the record.
    pub invalid_utf8: bool,
    /// How many reference answers the source gave when its answer was a list of them (the
    /// first is the response); 0 when it gave one response or none.
    pub references: usize,
}

impl Record {
    pub fn new(id: impl Into<String>, origin: Origin) -> Self {
        Record {
            id: id.into(),
            origin,
            system: None,
            turns: Vec::new(),
            task: None,
            images: Vec::new(),
            image_keys: Vec::new(),
            videos: Vec::new(),
            preference: None,
            label: None,
            invalid_utf8: false,
            task_parent: None,
            references: 0,
        }
    }

    pub fn kind(&self) -> Kind {
        if self.preference.is_some() {
            Kind::Preference
        } else if self.label.is_some() {
            Kind::Feedback
        } else {
            Kind::Demonstration
        }
    }

    /// The first user turn.
    pub fn instruction(&self) -> Option<&str> {
        self.turns
            .iter()
            .find(|t| t.role == Role::User)
            .map(|t| t.text.as_str())
    }

    /// The final assistant turn; for preference data, that of the chosen side.
    pub fn response(&self) -> Option<&str> {
        let turns = match &self.preference {
            Some(p) => &p.chosen,
            None => &self.turns,
        };
        turns
            .iter()
            .rev()
            .find(|t| t.role == Role::Assistant)
            .map(|t| t.text.as_str())
    }

    /// The final assistant turn of the rejected side, for preference data.
    pub fn rejected_response(&self) -> Option<&str> {
        self.preference.as_ref().and_then(|p| {
            p.rejected
                .iter()
                .rev()
                .find(|t| t.role == Role::Assistant)
                .map(|t| t.text.as_str())
        })
    }

    /// All turns of the sample as a model would see it: prompt turns then the chosen side.
    pub fn conversation(&self) -> impl Iterator<Item = &Turn> {
        let chosen: &[Turn] = match &self.preference {
            Some(p) => &p.chosen,
            None => &[],
        };
        self.turns.iter().chain(chosen.iter())
    }
}
