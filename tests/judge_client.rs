//! The LLM judge against a fake OpenAI-compatible server on 127.0.0.1: majority of three
//! samples, malformed replies, timeouts and 5xx with retries, fatal errors, the
//! concurrency limit, model discovery, the API key header and the resumable cache.

mod judge_server;

use ftqa::judge::{run, Item, JudgeConfig};
use judge_server::{FakeServer, Reply, Request};
use std::collections::HashSet;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn config(url: &str, cache: &Path) -> JudgeConfig {
    JudgeConfig {
        endpoint: url.to_string(),
        model: Some("fake-judge".into()),
        sample: 10,
        task_sample: 0,
        concurrency: 3,
        timeout: Duration::from_millis(2_000),
        retries: 2,
        backoff: Duration::from_millis(5),
        cache: cache.to_path_buf(),
        api_key: None,
        progress: false,
    }
}

fn items(names: &[&str]) -> Vec<Item> {
    names
        .iter()
        .map(|n| Item {
            instruction: n.to_string(),
            response: format!("answer to {n}"),
            estimate: 3.0,
        })
        .collect()
}

/// alpha: 7, 7, 3 (majority 7); beta: 2, 9, 5 (no majority: median 5); gamma: never a score.
fn scripted(r: &Request) -> Reply {
    let s = r.seed() as usize;
    match r.instruction().as_str() {
        "alpha" => Reply::ok(&format!("Score: {}", [7, 7, 3][s])),
        "beta" => Reply::ok(&format!("Score: {}", [2, 9, 5][s])),
        _ => Reply::ok("I would rather not say."),
    }
}

#[test]
fn majority_of_three_and_malformed_replies() {
    let server = FakeServer::start(scripted);
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        &config(&server.url, &dir.path().join("c.jsonl")),
        items(&["alpha", "beta", "gamma"]),
        50,
    );
    assert_eq!(out.scores, vec![Some(7), Some(5), None]);
    assert_eq!(
        (out.requests, out.cached, out.malformed, out.failed_requests),
        (9, 0, 3, 0)
    );
    assert_eq!((out.prompt_tokens, out.completion_tokens), (900, 36));
    assert_eq!(out.model, "fake-judge");
    assert_eq!(out.population, 50);
    assert!(out.aborted.is_none());
}

#[test]
fn the_cache_makes_runs_resumable() {
    let server = FakeServer::start(scripted);
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("nested/cache.jsonl");
    let first = run(
        &config(&server.url, &cache),
        items(&["alpha", "beta", "gamma"]),
        3,
    );
    assert_eq!(first.requests, 9);
    assert_eq!(
        std::fs::read_to_string(&cache).unwrap().lines().count(),
        6,
        "only valid scores are cached"
    );
    let before = server.requests();
    let second = run(
        &config(&server.url, &cache),
        items(&["alpha", "beta", "gamma"]),
        3,
    );
    assert_eq!(second.scores, first.scores);
    assert_eq!(
        (second.cached, second.requests),
        (6, 3),
        "only gamma's unscored samples are asked again"
    );
    assert_eq!(server.requests() - before, 3);
    // Another model never reuses these scores.
    let mut other = config(&server.url, &cache);
    other.model = Some("another-model".into());
    assert_eq!(run(&other, items(&["alpha"]), 1).cached, 0);
}

#[test]
fn timeouts_and_server_errors_are_retried() {
    let first_attempt: Arc<Mutex<HashSet<(String, u64)>>> = Arc::default();
    let seen = first_attempt.clone();
    let server = FakeServer::start(move |r| {
        let fresh = seen.lock().unwrap().insert((r.instruction(), r.seed()));
        match (fresh, r.instruction().as_str()) {
            (true, "slow") => Reply::ok("Score: 4").after(Duration::from_millis(1_500)),
            (true, "flaky") => Reply::status(503, "overloaded"),
            (true, "garbled") => Reply::status(200, "<html>proxy error</html>"),
            _ => Reply::ok("Score: 4"),
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(&server.url, &dir.path().join("c.jsonl"));
    cfg.timeout = Duration::from_millis(400);
    let started = Instant::now();
    let out = run(&cfg, items(&["slow", "flaky", "garbled"]), 3);
    assert_eq!(out.scores, vec![Some(4), Some(4), Some(4)]);
    assert_eq!(
        out.retries, 9,
        "each of the 9 requests needed exactly one retry"
    );
    assert_eq!((out.failed_requests, out.malformed), (0, 0));
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[test]
fn gives_up_after_the_retries() {
    let server = FakeServer::start(|_| Reply::status(500, "boom"));
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        &config(&server.url, &dir.path().join("c.jsonl")),
        items(&["a", "b"]),
        2,
    );
    assert_eq!(out.scores, vec![None, None]);
    assert_eq!(out.failed_requests, 6);
    assert_eq!(out.retries, 12, "2 retries for each of 6 requests");
    assert_eq!(server.requests(), 18);
    assert!(
        out.aborted.is_none(),
        "server errors are not the user's configuration"
    );
}

#[test]
fn unauthorised_stops_the_phase() {
    let server = FakeServer::start(|_| Reply::status(401, r#"{"error":"bad key"}"#));
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(&server.url, &dir.path().join("c.jsonl"));
    cfg.concurrency = 1;
    let out = run(&cfg, items(&["a", "b", "c", "d"]), 4);
    assert_eq!(server.requests(), 1, "no further requests after a 401");
    assert!(out.aborted.as_deref().unwrap().contains("401"));
    assert!(out.scores.iter().all(Option::is_none));
}

#[test]
fn concurrency_is_limited() {
    let in_flight = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let (f, p) = (in_flight.clone(), peak.clone());
    let server = FakeServer::start(move |_| {
        let now = f.fetch_add(1, Ordering::SeqCst) + 1;
        p.fetch_max(now, Ordering::SeqCst);
        std::thread::sleep(Duration::from_millis(60));
        f.fetch_sub(1, Ordering::SeqCst);
        Reply::ok("Score: 5")
    });
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(&server.url, &dir.path().join("c.jsonl"));
    cfg.concurrency = 2;
    let out = run(&cfg, items(&["a", "b", "c", "d"]), 4);
    assert_eq!(out.scores, vec![Some(5); 4]);
    assert!(
        peak.load(Ordering::SeqCst) <= 2,
        "peak {}",
        peak.load(Ordering::SeqCst)
    );
}

/// The Authorization header and the model of one request.
type Seen = (Option<String>, String);

#[test]
fn discovers_the_model_and_sends_the_key() {
    let auth: Arc<Mutex<Vec<Seen>>> = Arc::default();
    let a = auth.clone();
    let server = FakeServer::start(move |r| {
        a.lock().unwrap().push((
            r.authorization.clone(),
            r.body["model"].as_str().unwrap_or("").to_string(),
        ));
        Reply::ok("Score: 8")
    });
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(&server.url, &dir.path().join("c.jsonl"));
    cfg.model = None;
    cfg.api_key = Some("test-key-123".into());
    let out = run(&cfg, items(&["x"]), 1);
    assert_eq!(out.model, "fake-judge", "taken from GET /v1/models");
    assert_eq!(out.scores, vec![Some(8)]);
    let seen = auth.lock().unwrap();
    assert_eq!(seen.len(), 3);
    assert!(seen
        .iter()
        .all(|(k, m)| k.as_deref() == Some("Bearer test-key-123") && m == "fake-judge"));
}

#[test]
fn an_unreachable_endpoint_is_reported_not_fatal() {
    // Bind and drop a listener so the port is (almost certainly) closed.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(
        &format!("http://127.0.0.1:{port}/v1"),
        &dir.path().join("c.jsonl"),
    );
    cfg.retries = 1;
    let out = run(&cfg, items(&["a"]), 1);
    assert_eq!(out.scores, vec![None]);
    assert_eq!(out.failed_requests, 3);
}
