//! Partial result files (issue 14): `ftqa report SHARD --partial` on parts of a dataset,
//! then `ftqa merge`, writes the report one run over all shards writes, for any grouping
//! of the shards into parts and any order of the part files. And every way parts must not
//! merge is an error (exit 2) that says why.

mod common;

use serde_json::Value;
use std::path::{Path, PathBuf};

/// Eight shards of the benchmark generator's data (task column `category`), cut
/// unevenly, with a malformed line in one of them and records repeated across shards.
fn shards(dir: &Path) -> PathBuf {
    let lines = common::bench_lines(dir, 2400);
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let shards = dir.join("shards");
    std::fs::create_dir_all(&shards).unwrap();
    let cuts = [0, 100, 450, 700, 1200, 1300, 1800, 2100, lines.len()];
    for i in 0..8 {
        let mut body: Vec<&str> = lines[cuts[i]..cuts[i + 1]].to_vec();
        if i == 3 {
            body.insert(7, "{\"instruction\": \"cut short");
        }
        if i == 6 {
            // Copies of records of shard 0: exact duplicates across parts.
            body.extend_from_slice(&lines[10..40]);
        }
        std::fs::write(
            shards.join(format!("part-{i}.jsonl")),
            body.join("\n") + "\n",
        )
        .unwrap();
    }
    shards
}

/// report.json less what differs by construction: run facts (command, time) and the
/// dataset's path as given (a folder for one run, the parts' common folder for a merge).
fn comparable(out: &Path) -> Value {
    let mut json: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    let obj = json.as_object_mut().unwrap();
    obj.remove("run");
    obj["dataset"].as_object_mut().unwrap().remove("path");
    json
}

fn part(input: &str, out: &Path, extra: &[&str]) {
    let mut args = vec![
        "report",
        input,
        "--partial",
        "-o",
        out.to_str().unwrap(),
        "--quiet",
        "--no-progress",
    ];
    args.extend_from_slice(extra);
    common::ftqa_ok(&args);
}

fn merge(parts: &[PathBuf], out: &Path) {
    let mut args = vec!["merge"];
    args.extend(parts.iter().map(|p| p.to_str().unwrap()));
    args.extend(["-o", out.to_str().unwrap(), "--quiet"]);
    common::ftqa_ok(&args);
}

fn assert_same(single: &Value, merged: &Value, what: &str) {
    if single == merged {
        return;
    }
    let (a, b) = (single.as_object().unwrap(), merged.as_object().unwrap());
    for (k, v) in a {
        if b.get(k) != Some(v) {
            if let (Some(va), Some(vb)) = (v.as_object(), b.get(k).and_then(Value::as_object)) {
                let keys: Vec<&String> = va
                    .keys()
                    .chain(vb.keys())
                    .filter(|x| va.get(*x) != vb.get(*x))
                    .take(10)
                    .collect();
                panic!("{what}: `{k}` differs at {keys:?}");
            }
            panic!("{what}: `{k}` differs:\n{v}\nvs\n{:?}", b.get(k));
        }
    }
    panic!("{what}: the merged report has other keys");
}

#[test]
fn merged_parts_write_what_one_run_writes() {
    let dir = tempfile::tempdir().unwrap();
    let shards = shards(dir.path());
    let bench = common::fixtures().join("dedup/bench_code.jsonl");
    let bench = bench.to_str().unwrap();
    let flags = ["--benchmark", bench, "--sample-size", "600"];

    let single = dir.path().join("single");
    let mut args = vec![
        "report",
        shards.to_str().unwrap(),
        "-o",
        single.to_str().unwrap(),
        "--quiet",
        "--no-progress",
    ];
    args.extend_from_slice(&flags);
    common::ftqa_ok(&args);
    let single = comparable(&single);
    assert_eq!(single["records"]["skipped"], 1, "the malformed line");

    // One part per shard, merged in a shuffled order, on one thread and on several.
    let parts: Vec<PathBuf> = (0..8)
        .map(|i| {
            let p = dir.path().join(format!("p{i}.ftqa"));
            let shard = shards.join(format!("part-{i}.jsonl"));
            let threads = if i % 2 == 0 { "1" } else { "3" };
            let mut extra = flags.to_vec();
            extra.extend(["--threads", threads]);
            part(shard.to_str().unwrap(), &p, &extra);
            p
        })
        .collect();
    let shuffled: Vec<PathBuf> = [5, 0, 7, 2, 6, 1, 4, 3]
        .iter()
        .map(|&i| parts[i].clone())
        .collect();
    let merged = dir.path().join("merged");
    merge(&shuffled, &merged);
    assert_same(&single, &comparable(&merged), "8 parts");
    for f in ["report.md", "report.html"] {
        assert!(merged.join(f).is_file(), "{f} written");
    }

    // Two parts of four shards each, chosen by glob.
    let halves: Vec<PathBuf> = ["[0-3]", "[4-7]"]
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let p = dir.path().join(format!("h{i}.ftqa"));
            let glob = shards.join(format!("part-{g}.jsonl"));
            part(glob.to_str().unwrap(), &p, &flags);
            p
        })
        .collect();
    let merged2 = dir.path().join("merged2");
    merge(&halves, &merged2);
    assert_same(&single, &comparable(&merged2), "2 parts");

    // What must not merge.
    let p0 = parts[0].to_str().unwrap();
    let p1 = parts[1].to_str().unwrap();
    let out = dir.path().join("bad");
    let out = out.to_str().unwrap();

    let other = dir.path().join("other.ftqa");
    part(
        shards.join("part-1.jsonl").to_str().unwrap(),
        &other,
        &["--benchmark", bench, "--sample-size", "500"],
    );
    let e = common::ftqa_fails(&["merge", p0, other.to_str().unwrap(), "-o", out]);
    assert!(
        e.contains("different settings") && e.contains("--sample-size=600"),
        "{e}"
    );

    let e = common::ftqa_fails(&["merge", p0, p1, p0, "-o", out]);
    assert!(e.contains("is in two parts"), "{e}");

    let not_part = shards.join("part-0.jsonl");
    let e = common::ftqa_fails(&["merge", p0, not_part.to_str().unwrap(), "-o", out]);
    assert!(e.contains("not an ftqa partial result file"), "{e}");

    let bytes = std::fs::read(&parts[1]).unwrap();
    let cut = dir.path().join("cut.ftqa");
    std::fs::write(&cut, &bytes[..bytes.len() - 10]).unwrap();
    let e = common::ftqa_fails(&["merge", p0, cut.to_str().unwrap(), "-o", out]);
    assert!(e.contains("truncated or damaged"), "{e}");
}

#[test]
fn what_a_part_cannot_hold_is_refused_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("p.ftqa");
    let p = p.to_str().unwrap();
    // No task column: inference fits one model on the whole dataset's sample.
    let data = common::fixtures().join("sharegpt.jsonl");
    let e = common::ftqa_fails(&[
        "report",
        data.to_str().unwrap(),
        "--partial",
        "-o",
        p,
        "--quiet",
    ]);
    assert!(
        e.contains("cannot be split into parts") && e.contains("--infer-tasks never"),
        "{e}"
    );
    // The same data with inference off makes a part.
    part(
        data.to_str().unwrap(),
        Path::new(p),
        &["--infer-tasks", "never"],
    );
    // The LLM judge rates one sample of the whole dataset.
    let e = common::ftqa_fails(&[
        "report",
        data.to_str().unwrap(),
        "--partial",
        "-o",
        p,
        "--quiet",
        "--infer-tasks",
        "never",
        "--judge",
        "http://127.0.0.1:9/v1",
    ]);
    assert!(e.contains("--judge"), "{e}");
}

#[test]
fn shard_names_that_would_be_tasks_must_not_be_split_one_per_part() {
    // Shards named after tasks: a run over the folder labels records by file name, a part
    // of one file cannot.
    let dir = tempfile::tempdir().unwrap();
    let shards = common::fixtures().join("shards");
    let mut parts = Vec::new();
    for name in ["classify", "code", "summarize", "translate"] {
        let p = dir.path().join(format!("{name}.ftqa"));
        part(
            shards.join(format!("{name}.jsonl")).to_str().unwrap(),
            &p,
            &["--infer-tasks", "never"],
        );
        parts.push(p);
    }
    let mut args = vec!["merge"];
    args.extend(parts.iter().map(|p| p.to_str().unwrap()));
    let out = dir.path().join("m");
    args.extend(["-o", out.to_str().unwrap()]);
    let e = common::ftqa_fails(&args);
    assert!(e.contains("task labels from their names"), "{e}");
}
