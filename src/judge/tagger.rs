//! LLM task labels, the paper's route (section 4.2 tagged tasks with TagGPT, a zero-shot
//! LLM labeler): each instruction of a seeded sample is sent once, with a zero-shot prompt
//! asking for a short task tag. Replies are cached like difficulty scores (same file, keys
//! under [`TAG_PROMPT_VERSION`]), so a rerun asks nothing again. Merging the tags and
//! spreading them to every record is pure code in
//! `ftqa_metrics::task_inference::tagging`.

use super::cache;
use super::client::{self, CallError, Client};
use super::JudgeConfig;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

/// Part of every cache key: changing the prompt must change this.
pub const TAG_PROMPT_VERSION: &str = "ftqa-task-tag-v1";

/// Characters of the instruction sent to the tagger (the task is said near the start;
/// long pasted material adds cost, not information).
pub const MAX_CHARS: usize = 1_500;

/// Words a usable tag may have.
const MAX_TAG_WORDS: usize = 6;

const SYSTEM: &str = "You label the instructions of an instruction-tuning dataset with the type of task they ask for. Reply with one short task label, a lower-case phrase of one to four words that names the kind of task, not its topic or subject matter (for example: summarization, translation, code generation, open question answering, sentiment classification, creative writing, math word problem, information extraction). Use the most general label that still tells the task apart. Reply in the form `Task: LABEL` and nothing else.";

/// The chat messages for one instruction: the zero-shot system prompt, then the instruction.
pub fn messages(instruction: &str) -> Vec<Value> {
    let clipped = match instruction.char_indices().nth(MAX_CHARS) {
        Some((i, _)) => &instruction[..i],
        None => instruction,
    };
    vec![
        json!({"role": "system", "content": SYSTEM}),
        json!({"role": "user", "content": format!("Instruction:\n{clipped}")}),
    ]
}

/// Reads a tag from a reply: `Task: code generation`, or a bare short phrase. Quotes,
/// markdown and a final full stop are dropped; a reply of more than six words (an
/// explanation, a refusal) is no tag.
pub fn parse_label(reply: &str) -> Option<String> {
    let lower = reply.to_lowercase();
    let after = match lower.find("task:") {
        Some(i) => &lower[i + 5..],
        None => lower.as_str(),
    };
    let line = after.lines().map(str::trim).find(|l| !l.is_empty())?;
    let tag = line
        .trim_matches(|c: char| c.is_whitespace() || "`*\"'.:;-_[]()".contains(c))
        .trim();
    let words = tag.split_whitespace().count();
    (words > 0 && words <= MAX_TAG_WORDS && tag.chars().count() <= 80).then(|| tag.to_string())
}

/// What the tagging pass did, for the methods section and warnings.
#[derive(Debug, Default)]
pub struct TagRun {
    pub endpoint: String,
    pub model: String,
    /// One tag per instruction sent, in input order; `None` where none was usable.
    pub labels: Vec<Option<String>>,
    pub requests: u64,
    pub cached: u64,
    pub retries: u64,
    pub failed: u64,
    pub malformed: u64,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub seconds: f64,
    /// Why tagging stopped early (endpoint refused, no model, cache unusable).
    pub aborted: Option<String>,
}

impl TagRun {
    pub fn labelled(&self) -> usize {
        self.labels.iter().flatten().count()
    }

    /// One sentence on the requests, for the methods section.
    pub fn describe(&self) -> String {
        format!(
            "{} of {} instructions tagged by {} at {} (prompt {TAG_PROMPT_VERSION}, zero-shot, temperature 0): {} requests, {} answered from the cache, {} retries, {} failed, {} malformed replies, {} prompt + {} completion tokens, {:.1} s.",
            self.labelled(),
            self.labels.len(),
            self.model,
            self.endpoint,
            self.requests,
            self.cached,
            self.retries,
            self.failed,
            self.malformed,
            self.prompt_tokens,
            self.completion_tokens,
            self.seconds
        )
    }
}

/// Tags each instruction. Never fails the report: problems end up in the returned run.
pub fn tag(config: &JudgeConfig, instructions: &[String]) -> TagRun {
    let started = Instant::now();
    let (chat_url, models_url) = client::endpoint_urls(&config.endpoint);
    let mut out = TagRun {
        endpoint: config.endpoint.clone(),
        labels: vec![None; instructions.len()],
        ..TagRun::default()
    };
    let (model, mut cache) = match super::open_session(config, &chat_url, &models_url) {
        Ok(s) => s,
        Err(why) => {
            out.aborted = Some(why);
            out.seconds = started.elapsed().as_secs_f64();
            return out;
        }
    };
    out.model = model.clone();
    let keys: Vec<String> = instructions
        .iter()
        .map(|i| cache::key(TAG_PROMPT_VERSION, &model, i, ""))
        .collect();
    let mut jobs = Vec::new();
    for (k, key) in keys.iter().enumerate() {
        match cache.label(key) {
            Some(l) => {
                out.labels[k] = Some(l.to_string());
                out.cached += 1;
            }
            None => jobs.push(k),
        }
    }
    let client = Client::new(
        chat_url,
        model,
        config.api_key.clone(),
        config.timeout,
        config.retries,
        config.backoff,
    );
    let next = AtomicUsize::new(0);
    let abort = AtomicBool::new(false);
    let (requests, retries, failed, malformed, ptok, ctok) = (
        AtomicU64::new(0),
        AtomicU64::new(0),
        AtomicU64::new(0),
        AtomicU64::new(0),
        AtomicU64::new(0),
        AtomicU64::new(0),
    );
    let fatal: Mutex<Option<String>> = Mutex::new(None);
    let cache_error: Mutex<Option<String>> = Mutex::new(None);
    let labels = Mutex::new(std::mem::take(&mut out.labels));
    let cache_mx = Mutex::new(&mut cache);
    std::thread::scope(|scope| {
        for _ in 0..config.concurrency.min(jobs.len()).max(1) {
            scope.spawn(|| loop {
                if abort.load(Ordering::Relaxed) {
                    break;
                }
                let Some(&k) = jobs.get(next.fetch_add(1, Ordering::Relaxed)) else {
                    break;
                };
                requests.fetch_add(1, Ordering::Relaxed);
                match client.chat_with(&messages(&instructions[k]), 0, 0.0, 24) {
                    Ok(reply) => {
                        retries.fetch_add(u64::from(reply.retries), Ordering::Relaxed);
                        ptok.fetch_add(reply.prompt_tokens, Ordering::Relaxed);
                        ctok.fetch_add(reply.completion_tokens, Ordering::Relaxed);
                        match parse_label(&reply.content) {
                            Some(label) => {
                                if let Err(e) = cache_mx
                                    .lock()
                                    .expect("cache lock")
                                    .put_label(&keys[k], &label)
                                {
                                    cache_error
                                        .lock()
                                        .expect("error lock")
                                        .get_or_insert(e.to_string());
                                }
                                labels.lock().expect("labels lock")[k] = Some(label);
                            }
                            None => {
                                malformed.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                    }
                    Err(CallError::Failed { retries: r, .. }) => {
                        retries.fetch_add(u64::from(r), Ordering::Relaxed);
                        failed.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(CallError::Fatal(reason)) => {
                        failed.fetch_add(1, Ordering::Relaxed);
                        fatal.lock().expect("fatal lock").get_or_insert(reason);
                        abort.store(true, Ordering::Relaxed);
                    }
                }
            });
        }
    });
    out.labels = labels.into_inner().expect("labels lock");
    out.requests = requests.into_inner();
    out.retries = retries.into_inner();
    out.failed = failed.into_inner();
    out.malformed = malformed.into_inner();
    out.prompt_tokens = ptok.into_inner();
    out.completion_tokens = ctok.into_inner();
    out.seconds = started.elapsed().as_secs_f64();
    out.aborted = match (
        fatal.into_inner().expect("fatal lock"),
        cache_error.into_inner().expect("error lock"),
    ) {
        (Some(f), _) => Some(format!("the endpoint refused the request ({f})")),
        (None, Some(c)) => Some(format!(
            "task labels could not be cached in {} ({c})",
            config.cache.display()
        )),
        _ => None,
    };
    if config.progress {
        eprintln!(
            "judge task labels: {}/{} tagged · {} cached · {} failed · {} malformed · {:.1} s",
            out.labelled(),
            out.labels.len(),
            out.cached,
            out.failed,
            out.malformed,
            out.seconds
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_tags() {
        assert_eq!(
            parse_label("Task: Code generation").as_deref(),
            Some("code generation")
        );
        assert_eq!(
            parse_label("**Task:** `summarization`.").as_deref(),
            Some("summarization")
        );
        assert_eq!(
            parse_label("  translation\n").as_deref(),
            Some("translation")
        );
        assert_eq!(
            parse_label("Task:\n\"open question answering\"").as_deref(),
            Some("open question answering")
        );
        assert_eq!(
            parse_label(
                "I am sorry, but I cannot determine what kind of task this instruction is."
            ),
            None
        );
        assert_eq!(parse_label("Task: "), None);
        assert_eq!(parse_label(""), None);
    }

    #[test]
    fn prompt_is_zero_shot_and_clips_the_instruction() {
        let m = messages(&"x".repeat(MAX_CHARS + 50));
        assert_eq!(m.len(), 2);
        assert!(m[0]["content"].as_str().unwrap().contains("Task: LABEL"));
        let user = m[1]["content"].as_str().unwrap();
        assert_eq!(user.len(), "Instruction:\n".len() + MAX_CHARS);
    }
}
