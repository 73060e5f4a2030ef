//! A resumable on-disk cache of judge replies: one JSON line per scored sample (or per task
//! label), appended and flushed as soon as the reply arrives, so an interrupted run loses at
//! most the requests in flight and the next run with the same cache only asks for the rest.
//! Difficulty scores, correctness verdicts and task labels share the file; their keys start
//! with different prompt versions, so they never collide.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use xxhash_rust::xxh3::Xxh3;

#[derive(Serialize, Deserialize)]
struct Line {
    key: String,
    sample: u8,
    score: u8,
    /// Correctness verdicts only (`judge::correctness`); difficulty lines have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    verdict: Option<bool>,
}

/// One judge sample as cached: a 1–10 score and, for correctness, the verdict
/// (`true` = correct).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sample {
    pub score: u8,
    pub verdict: Option<bool>,
}

/// A task label (`judge::tagger`).
#[derive(Serialize, Deserialize)]
struct LabelLine {
    key: String,
    label: String,
}

pub struct Cache {
    path: PathBuf,
    scores: HashMap<(String, u8), Sample>,
    labels: HashMap<String, String>,
    file: Option<File>,
}

/// The cache key of an instruction-response pair: prompt version, model and a hash of
/// the texts. A new prompt or another model never reuses old scores.
pub fn key(prompt_version: &str, model: &str, instruction: &str, response: &str) -> String {
    let mut h = Xxh3::new();
    for part in [instruction, response] {
        h.update(part.as_bytes());
        h.update(&[0xff]);
    }
    format!("{prompt_version}:{model}:{:032x}", h.digest128())
}

impl Cache {
    /// Reads what an earlier run stored. Unreadable lines (a write cut off by a crash)
    /// are skipped.
    pub fn open(path: &Path) -> std::io::Result<Cache> {
        let mut scores = HashMap::new();
        let mut labels = HashMap::new();
        if let Ok(f) = File::open(path) {
            for line in BufReader::new(f).lines() {
                let line = line?;
                if let Ok(l) = serde_json::from_str::<Line>(&line) {
                    let sample = Sample {
                        score: l.score,
                        verdict: l.verdict,
                    };
                    scores.insert((l.key, l.sample), sample);
                } else if let Ok(l) = serde_json::from_str::<LabelLine>(&line) {
                    labels.insert(l.key, l.label);
                }
            }
        }
        Ok(Cache {
            path: path.to_path_buf(),
            scores,
            labels,
            file: None,
        })
    }

    pub fn get(&self, key: &str, sample: u8) -> Option<u8> {
        self.get_sample(key, sample).map(|s| s.score)
    }

    /// A cached sample with its verdict, if any.
    pub fn get_sample(&self, key: &str, sample: u8) -> Option<Sample> {
        self.scores.get(&(key.to_string(), sample)).copied()
    }

    /// A cached task label.
    pub fn label(&self, key: &str) -> Option<&str> {
        self.labels.get(key).map(String::as_str)
    }

    /// Scores and labels held.
    pub fn len(&self) -> usize {
        self.scores.len() + self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.scores.is_empty() && self.labels.is_empty()
    }

    pub fn put(&mut self, key: &str, sample: u8, score: u8) -> std::io::Result<()> {
        self.put_sample(
            key,
            sample,
            Sample {
                score,
                verdict: None,
            },
        )
    }

    /// Stores a sample with its verdict, if any.
    pub fn put_sample(&mut self, key: &str, sample: u8, value: Sample) -> std::io::Result<()> {
        let line = serde_json::to_string(&Line {
            key: key.to_string(),
            sample,
            score: value.score,
            verdict: value.verdict,
        })
        .map_err(std::io::Error::other)?;
        self.append(&line)?;
        self.scores.insert((key.to_string(), sample), value);
        Ok(())
    }

    /// Stores a task label.
    pub fn put_label(&mut self, key: &str, label: &str) -> std::io::Result<()> {
        let line = serde_json::to_string(&LabelLine {
            key: key.to_string(),
            label: label.to_string(),
        })
        .map_err(std::io::Error::other)?;
        self.append(&line)?;
        self.labels.insert(key.to_string(), label.to_string());
        Ok(())
    }

    fn append(&mut self, line: &str) -> std::io::Result<()> {
        if self.file.is_none() {
            if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)?;
            }
            let mut f = OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.path)?;
            // A previous run may have died mid-line; start ours on a fresh one.
            if std::fs::metadata(&self.path)
                .map(|m| m.len() > 0)
                .unwrap_or(false)
                && !ends_with_newline(&self.path)
            {
                f.write_all(b"\n")?;
            }
            self.file = Some(f);
        }
        let f = self.file.as_mut().expect("opened above");
        f.write_all(line.as_bytes())?;
        f.write_all(b"\n")?;
        f.flush()
    }
}

fn ends_with_newline(path: &Path) -> bool {
    use std::io::{Read, Seek, SeekFrom};
    let Ok(mut f) = File::open(path) else {
        return true;
    };
    if f.seek(SeekFrom::End(-1)).is_err() {
        return true;
    }
    let mut b = [0u8; 1];
    f.read_exact(&mut b).is_ok() && b[0] == b'\n'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn survives_a_torn_last_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.jsonl");
        let mut c = Cache::open(&path).unwrap();
        c.put("k1", 0, 7).unwrap();
        c.put("k1", 1, 6).unwrap();
        drop(c);
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(br#"{"key":"k2","sam"#).unwrap();
        drop(f);
        let mut c = Cache::open(&path).unwrap();
        assert_eq!(
            (c.get("k1", 0), c.get("k1", 1), c.get("k2", 0)),
            (Some(7), Some(6), None)
        );
        c.put("k2", 0, 3).unwrap();
        let mut c = Cache::open(&path).unwrap();
        assert_eq!(c.len(), 3);
        // Task labels share the file without disturbing the scores.
        c.put_label("task:k3", "code generation").unwrap();
        let c = Cache::open(&path).unwrap();
        assert_eq!(c.len(), 4);
        assert_eq!(c.label("task:k3"), Some("code generation"));
        assert_eq!(c.get("k2", 0), Some(3));
        assert_ne!(key("v1", "m", "a", "b"), key("v2", "m", "a", "b"));
        assert_ne!(key("v1", "m", "ab", ""), key("v1", "m", "a", "b"));
    }

    #[test]
    fn verdicts_round_trip_and_difficulty_lines_have_none() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.jsonl");
        let mut c = Cache::open(&path).unwrap();
        c.put("d", 0, 4).unwrap();
        let v = Sample {
            score: 2,
            verdict: Some(false),
        };
        c.put_sample("c", 1, v).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.lines().next().unwrap().contains("verdict"), "{text}");
        let c = Cache::open(&path).unwrap();
        assert_eq!(c.get_sample("c", 1), Some(v));
        assert_eq!(c.get_sample("d", 0).unwrap().verdict, None);
    }
}
