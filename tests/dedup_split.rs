//! `ftqa dedup` across machines (issue 14): signatures per shard (`--partial`), one
//! decision over all of them (`--merge`), kept records per shard (`--apply`) write
//! exactly what one `ftqa dedup` over the folder writes: the same kept rows, byte for
//! byte, and the same removed.jsonl.

mod common;

use std::path::{Path, PathBuf};

/// Eight shards with duplicates inside and across shards and a malformed line.
fn shards(dir: &Path) -> PathBuf {
    let lines = common::bench_lines(dir, 1600);
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let shards = dir.join("shards");
    std::fs::create_dir_all(&shards).unwrap();
    for i in 0..8 {
        let mut body: Vec<&str> = lines[i * 200..(i + 1) * 200].to_vec();
        // Copies of shard 0's records in later shards, and one inside the shard.
        body.extend_from_slice(&lines[i * 3..i * 3 + 5]);
        body.push(lines[i * 200 + 1]);
        if i == 5 {
            body.insert(3, "{\"instruction\": \"cut");
        }
        std::fs::write(
            shards.join(format!("part-{i}.jsonl")),
            body.join("\n") + "\n",
        )
        .unwrap();
    }
    shards
}

#[test]
fn three_steps_over_shards_write_what_one_run_writes() {
    let dir = tempfile::tempdir().unwrap();
    let shards = shards(dir.path());
    let bench = common::fixtures().join("dedup/bench_code.jsonl");
    let flags = [
        "--level",
        "semantic",
        "--decontaminate",
        "--benchmark",
        bench.to_str().unwrap(),
    ];

    let single = dir.path().join("single");
    let mut args = vec![
        "dedup",
        shards.to_str().unwrap(),
        "-o",
        single.to_str().unwrap(),
        "--quiet",
        "--no-progress",
    ];
    args.extend_from_slice(&flags);
    common::ftqa_ok(&args);

    let sigs: Vec<PathBuf> = (0..8)
        .map(|i| {
            let sig = dir.path().join(format!("sig{i}.ftqa"));
            let shard = shards.join(format!("part-{i}.jsonl"));
            let mut args = vec![
                "dedup",
                shard.to_str().unwrap(),
                "--partial",
                "-o",
                sig.to_str().unwrap(),
                "--quiet",
                "--no-progress",
            ];
            args.extend_from_slice(&flags);
            common::ftqa_ok(&args);
            sig
        })
        .collect();
    let planned = dir.path().join("plan");
    let mut args = vec![
        "dedup",
        "--merge",
        "-o",
        planned.to_str().unwrap(),
        "--quiet",
    ];
    // Any order of the signature files.
    for i in [3, 7, 0, 5, 1, 6, 2, 4] {
        args.push(sigs[i].to_str().unwrap());
    }
    common::ftqa_ok(&args);
    let plan = planned.join("plan.json");
    let split = dir.path().join("split");
    for i in 0..8 {
        let shard = shards.join(format!("part-{i}.jsonl"));
        common::ftqa_ok(&[
            "dedup",
            shard.to_str().unwrap(),
            "--apply",
            plan.to_str().unwrap(),
            "-o",
            split.to_str().unwrap(),
            "--quiet",
        ]);
    }

    let removed = std::fs::read_to_string(single.join("removed.jsonl")).unwrap();
    assert!(
        removed.contains("exact_duplicate") && removed.contains("unreadable"),
        "the data has duplicates and a bad line: {removed}"
    );
    assert_eq!(
        std::fs::read_to_string(planned.join("removed.jsonl")).unwrap(),
        removed,
        "removed.jsonl"
    );
    for i in 0..8 {
        let name = format!("part-{i}.jsonl");
        let a = std::fs::read(single.join(&name)).unwrap();
        let b = std::fs::read(split.join(&name)).unwrap();
        assert!(a == b, "{name}: kept rows differ");
        let input = std::fs::read(shards.join(&name)).unwrap();
        if i > 0 {
            assert!(a.len() < input.len(), "{name}: its copies were removed");
        }
    }

    // What must not happen.
    let out = dir.path().join("bad");
    let out = out.to_str().unwrap();
    let e = common::ftqa_fails(&[
        "dedup",
        "--merge",
        sigs[0].to_str().unwrap(),
        "--level",
        "exact",
        "-o",
        out,
    ]);
    assert!(e.contains("--level cannot be given with --merge"), "{e}");
    let e = common::ftqa_fails(&[
        "dedup",
        common::fixtures().join("sharegpt.jsonl").to_str().unwrap(),
        "--apply",
        plan.to_str().unwrap(),
        "-o",
        out,
    ]);
    assert!(e.contains("is not in the plan"), "{e}");
    let other = dir.path().join("other.ftqa");
    common::ftqa_ok(&[
        "dedup",
        shards.join("part-1.jsonl").to_str().unwrap(),
        "--partial",
        "-o",
        other.to_str().unwrap(),
        "--level",
        "exact",
        "--quiet",
    ]);
    let e = common::ftqa_fails(&[
        "dedup",
        "--merge",
        sigs[0].to_str().unwrap(),
        other.to_str().unwrap(),
        "-o",
        out,
    ]);
    assert!(e.contains("different settings"), "{e}");
    // A report part is not dedup signatures.
    let report_part = dir.path().join("report.ftqa");
    common::ftqa_ok(&[
        "report",
        shards.join("part-1.jsonl").to_str().unwrap(),
        "--partial",
        "-o",
        report_part.to_str().unwrap(),
        "--quiet",
        "--only",
        "length",
    ]);
    let e = common::ftqa_fails(&["dedup", "--merge", report_part.to_str().unwrap(), "-o", out]);
    assert!(e.contains("holds report state"), "{e}");
    let e = common::ftqa_fails(&["merge", sigs[0].to_str().unwrap(), "-o", out]);
    assert!(e.contains("holds dedup state"), "{e}");
}
