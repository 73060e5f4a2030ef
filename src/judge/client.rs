//! A minimal client for OpenAI-compatible chat endpoints (vLLM, llama.cpp, TGI, OpenAI).
//!
//! Failures are sorted by what retrying can fix: timeouts, dropped connections, 429, 5xx
//! and unreadable bodies are retried with exponential backoff; 401, 403 and 404 mean the
//! endpoint, model or key is wrong, so the whole judge phase stops instead of sending
//! hundreds of requests that will all fail the same way.

use serde_json::{json, Value};
use std::time::Duration;

pub struct Client {
    agent: ureq::Agent,
    chat_url: String,
    model: String,
    api_key: Option<String>,
    retries: u32,
    backoff: Duration,
}

#[derive(Debug)]
pub struct Reply {
    pub content: String,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    /// Attempts beyond the first this reply needed.
    pub retries: u32,
}

#[derive(Debug)]
pub enum CallError {
    /// Retrying cannot help and neither will the next request (bad URL, model or key).
    Fatal(String),
    /// This request failed after every retry.
    Failed { reason: String, retries: u32 },
}

/// `http://host:8000`, `http://host:8000/v1` and `…/v1/chat/completions` all name the
/// same endpoint; returns the chat-completions URL and the models URL.
pub fn endpoint_urls(base: &str) -> (String, String) {
    let b = base.trim().trim_end_matches('/');
    let root = b.strip_suffix("/chat/completions").unwrap_or(b);
    let root = if root.ends_with("/v1") {
        root.to_string()
    } else {
        format!("{root}/v1")
    };
    (format!("{root}/chat/completions"), format!("{root}/models"))
}

impl Client {
    pub fn new(
        chat_url: String,
        model: String,
        api_key: Option<String>,
        timeout: Duration,
        retries: u32,
        backoff: Duration,
    ) -> Self {
        let agent = ureq::AgentBuilder::new().timeout(timeout).build();
        Client {
            agent,
            chat_url,
            model,
            api_key,
            retries,
            backoff,
        }
    }

    fn request(&self, url: &str, method: &str) -> ureq::Request {
        let mut req = self
            .agent
            .request(method, url)
            .set("Content-Type", "application/json");
        if let Some(k) = &self.api_key {
            req = req.set("Authorization", &format!("Bearer {k}"));
        }
        req
    }

    /// One chat completion, with retries. `seed` makes sampled replies reproducible on
    /// servers that honour it.
    pub fn chat(&self, messages: &[Value], seed: u64) -> Result<Reply, CallError> {
        self.chat_with(messages, seed, 0.7, 16)
    }

    /// [`Client::chat`] with the sampling temperature and reply length chosen.
    pub fn chat_with(
        &self,
        messages: &[Value],
        seed: u64,
        temperature: f64,
        max_tokens: u32,
    ) -> Result<Reply, CallError> {
        let body = json!({
            "model": self.model,
            "messages": messages,
            "temperature": temperature,
            "max_tokens": max_tokens,
            "seed": seed,
        })
        .to_string();
        let mut last = String::new();
        for attempt in 0..=self.retries {
            if attempt > 0 {
                std::thread::sleep(self.backoff * 2u32.saturating_pow(attempt - 1));
            }
            match self.request(&self.chat_url, "POST").send_string(&body) {
                Ok(resp) => match resp
                    .into_string()
                    .map_err(|e| e.to_string())
                    .and_then(|s| parse_reply(&s))
                {
                    Ok((content, p, c)) => {
                        return Ok(Reply {
                            content,
                            prompt_tokens: p,
                            completion_tokens: c,
                            retries: attempt,
                        })
                    }
                    Err(e) => last = format!("unreadable reply: {e}"),
                },
                Err(ureq::Error::Status(code, resp)) => {
                    let text = resp.into_string().unwrap_or_default();
                    let detail = format!(
                        "HTTP {code}: {}",
                        text.chars().take(200).collect::<String>()
                    );
                    match code {
                        401 | 403 | 404 => return Err(CallError::Fatal(detail)),
                        408 | 429 | 500..=599 => last = detail,
                        _ => {
                            return Err(CallError::Failed {
                                reason: detail,
                                retries: attempt,
                            })
                        }
                    }
                }
                Err(ureq::Error::Transport(t)) => last = format!("transport: {t}"),
            }
        }
        Err(CallError::Failed {
            reason: last,
            retries: self.retries,
        })
    }

    /// The first model the server lists, for when no --judge-model was given.
    pub fn first_model(&self, models_url: &str) -> Result<String, String> {
        let resp = self
            .request(models_url, "GET")
            .call()
            .map_err(|e| e.to_string())?;
        let v: Value = serde_json::from_str(&resp.into_string().map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())?;
        v["data"][0]["id"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| "the server lists no models".to_string())
    }
}

/// The reply text and token usage of a chat-completions response body.
pub fn parse_reply(body: &str) -> Result<(String, u64, u64), String> {
    let v: Value = serde_json::from_str(body).map_err(|e| format!("not JSON ({e})"))?;
    let content = v["choices"][0]["message"]["content"]
        .as_str()
        .or_else(|| v["choices"][0]["text"].as_str())
        .ok_or_else(|| "no choices[0].message.content".to_string())?;
    let usage = &v["usage"];
    Ok((
        content.to_string(),
        usage["prompt_tokens"].as_u64().unwrap_or(0),
        usage["completion_tokens"].as_u64().unwrap_or(0),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_normalised() {
        let want = (
            "http://h:1/v1/chat/completions".to_string(),
            "http://h:1/v1/models".to_string(),
        );
        assert_eq!(endpoint_urls("http://h:1"), want);
        assert_eq!(endpoint_urls("http://h:1/v1/"), want);
        assert_eq!(endpoint_urls("http://h:1/v1/chat/completions"), want);
    }

    #[test]
    fn replies_are_read_or_rejected() {
        let ok = r#"{"choices":[{"message":{"role":"assistant","content":"Score: 6"}}],"usage":{"prompt_tokens":90,"completion_tokens":3}}"#;
        assert_eq!(parse_reply(ok).unwrap(), ("Score: 6".to_string(), 90, 3));
        assert!(parse_reply("<html>bad gateway</html>").is_err());
        assert!(parse_reply(r#"{"choices":[]}"#).is_err());
    }
}
