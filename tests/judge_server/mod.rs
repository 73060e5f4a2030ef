//! A fake OpenAI-compatible chat server on 127.0.0.1 for the judge tests: it answers
//! from a closure, can delay or drop replies, counts requests, and stops when dropped.
//! Every loop is bounded (accept deadline, read sizes) so a broken client cannot hang a
//! test.
#![allow(dead_code)]

use serde_json::Value;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

pub struct Reply {
    pub status: u16,
    pub body: String,
    pub delay: Duration,
}

impl Reply {
    pub fn ok(content: &str) -> Reply {
        let body = serde_json::json!({
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 100, "completion_tokens": 4, "total_tokens": 104}
        });
        Reply {
            status: 200,
            body: body.to_string(),
            delay: Duration::ZERO,
        }
    }
    pub fn status(status: u16, body: &str) -> Reply {
        Reply {
            status,
            body: body.to_string(),
            delay: Duration::ZERO,
        }
    }
    pub fn after(mut self, d: Duration) -> Reply {
        self.delay = d;
        self
    }
}

/// What the handler sees of a chat request.
pub struct Request {
    /// 0-based arrival number across the server's life.
    pub n: usize,
    pub path: String,
    pub method: String,
    pub body: Value,
    pub authorization: Option<String>,
}

impl Request {
    /// The instruction of the pair being scored (the last user message).
    pub fn instruction(&self) -> String {
        let last = self.body["messages"]
            .as_array()
            .and_then(|m| m.last())
            .and_then(|m| m["content"].as_str())
            .unwrap_or("");
        // A correctness prompt may put the system prompt and earlier turns first.
        let from = last.rfind("Instruction:\n").unwrap_or(0);
        last[from..]
            .split("\n\nResponse:")
            .next()
            .unwrap_or("")
            .trim_start_matches("Instruction:\n")
            .to_string()
    }
    pub fn seed(&self) -> u64 {
        self.body["seed"].as_u64().unwrap_or(0)
    }
    /// Whether this asks for a task label (ftqa's TagGPT-style tagger) rather than a
    /// difficulty score.
    pub fn is_task_prompt(&self) -> bool {
        self.body["messages"][0]["content"]
            .as_str()
            .is_some_and(|s| s.contains("type of task"))
    }
}

/// Answers a task-label request from a keyword planted in the instruction: the replies of
/// the first `(keyword, replies)` whose keyword the instruction contains, one of them picked
/// by a hash of the instruction (so a repeated instruction always gets the same reply, and
/// the spellings that ftqa must merge are spread over the sample). `Task: other` when no
/// keyword matches.
pub fn task_label_reply(r: &Request, table: &[(&str, &[&str])]) -> Reply {
    let instruction = r.instruction();
    let hash = instruction.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    match table.iter().find(|(k, _)| instruction.contains(k)) {
        Some((_, replies)) => Reply::ok(replies[(hash % replies.len() as u64) as usize]),
        None => Reply::ok("Task: other"),
    }
}

impl Request {
    /// Whether this asks for a correctness verdict rather than a difficulty score.
    pub fn is_correctness_prompt(&self) -> bool {
        self.body["messages"][0]["content"]
            .as_str()
            .is_some_and(|s| s.contains("correctness of responses"))
    }
}

/// Answers a correctness request from a marker planted in the instruction: the replies of
/// the first `(marker, replies)` whose marker the instruction contains, the one for this
/// request's sample (its seed, 0–2) picked from them. `Verdict: correct`, score 7, when no
/// marker matches.
pub fn verdict_reply(r: &Request, table: &[(&str, [&str; 3])]) -> Reply {
    let instruction = r.instruction();
    match table.iter().find(|(m, _)| instruction.contains(m)) {
        Some((_, replies)) => Reply::ok(replies[(r.seed() as usize).min(2)]),
        None => Reply::ok("Verdict: correct\nScore: 7"),
    }
}

pub struct FakeServer {
    pub url: String,
    pub hits: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
}

impl FakeServer {
    pub fn start<F>(handler: F) -> FakeServer
    where
        F: Fn(&Request) -> Reply + Send + Sync + 'static,
    {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        listener.set_nonblocking(true).expect("nonblocking");
        let url = format!("http://{}/v1", listener.local_addr().unwrap());
        let hits = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let handler = Arc::new(handler);
        let (h, s) = (hits.clone(), stop.clone());
        let handle = std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(120);
            let mut workers = Vec::new();
            while !s.load(Ordering::Relaxed) && Instant::now() < deadline {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let (h, handler) = (h.clone(), handler.clone());
                        workers.push(std::thread::spawn(move || serve(stream, &h, &*handler)));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(2)),
                }
            }
            for w in workers {
                let _ = w.join();
            }
        });
        FakeServer {
            url,
            hits,
            stop,
            handle: Some(handle),
        }
    }

    pub fn requests(&self) -> usize {
        self.hits.load(Ordering::Relaxed)
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

fn serve(
    mut stream: TcpStream,
    hits: &AtomicUsize,
    handler: &(dyn Fn(&Request) -> Reply + Send + Sync),
) {
    stream.set_nonblocking(false).ok();
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok();
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let header_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
        if buf.len() > 1 << 20 {
            return;
        }
    };
    let head = String::from_utf8_lossy(&buf[..header_end]).to_string();
    let mut lines = head.lines();
    let first = lines.next().unwrap_or("");
    let mut parts = first.split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let path = parts.next().unwrap_or("").to_string();
    let mut len = 0usize;
    let mut authorization = None;
    for l in lines {
        let lower = l.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length:") {
            len = v.trim().parse().unwrap_or(0);
        }
        if lower.starts_with("authorization:") {
            authorization = Some(l["authorization:".len()..].trim().to_string());
        }
    }
    while buf.len() < header_end + len && buf.len() < (8 << 20) {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let body: Value = serde_json::from_slice(&buf[header_end..(header_end + len).min(buf.len())])
        .unwrap_or(Value::Null);
    let n = hits.fetch_add(1, Ordering::Relaxed);
    let reply = if path.ends_with("/models") {
        Reply::status(
            200,
            r#"{"object":"list","data":[{"id":"fake-judge","object":"model"}]}"#,
        )
    } else {
        handler(&Request {
            n,
            path,
            method,
            body,
            authorization,
        })
    };
    if !reply.delay.is_zero() {
        std::thread::sleep(reply.delay);
    }
    let text = format!(
        "HTTP/1.1 {} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
        reply.status,
        reply.body.len(),
        reply.body
    );
    let _ = stream.write_all(text.as_bytes());
    let _ = stream.flush();
}
