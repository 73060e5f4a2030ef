//! Hugging Face data, offline (issue 12): `hf://datasets/ORG/NAME[/CONFIG][@SPLIT]` from a
//! hub cache and a `datasets` cache built here, `save_to_disk` DatasetDict folders (one
//! report per split, `--split`), and `cache-*.arrow` files never read as data. Every cache
//! is built in a temporary folder and handed to the child process through its environment.

mod common;

use arrow_array::{ArrayRef, RecordBatch, StringArray};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

/// Each source's responses have their own word count, so a report's response length
/// range tells which sources it read: min = max = the code of the one source read.
const SOURCES: &[(&str, usize)] = &[
    ("en-train", 3),
    ("en-test", 4),
    ("fr-train", 5),
    ("fr-validation", 6),
    ("stale", 7),
    ("plain-train", 8),
    ("plain-test", 9),
    ("eo-test", 10),
    ("eo-validation", 11),
    ("legacy-train", 12),
    ("legacy-test", 13),
    ("decoy", 14),
    ("dict-train", 15),
    ("dict-test", 16),
    ("scripted-train", 17),
];

fn code(marker: &str) -> usize {
    SOURCES.iter().find(|(m, _)| *m == marker).unwrap().1
}

fn response(marker: &str) -> String {
    vec!["answer"; code(marker)].join(" ")
}

fn rows(marker: &str, n: usize) -> RecordBatch {
    let instr: Vec<String> = (0..n)
        .map(|i| format!("[{marker}] Explain item number {i} of the list in one sentence."))
        .collect();
    let out: Vec<String> = (0..n).map(|_| response(marker)).collect();
    RecordBatch::try_from_iter([
        (
            "instruction",
            Arc::new(StringArray::from(instr)) as ArrayRef,
        ),
        ("output", Arc::new(StringArray::from(out)) as ArrayRef),
    ])
    .unwrap()
}

fn mkdirs(path: &Path) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
}

fn write_parquet(path: &Path, marker: &str, n: usize) {
    mkdirs(path);
    let batch = rows(marker, n);
    let file = std::fs::File::create(path).unwrap();
    let mut w = parquet::arrow::ArrowWriter::try_new(file, batch.schema(), None).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
}

/// An Arrow IPC *stream*, as `datasets` writes its `.arrow` files.
fn write_arrow_stream(path: &Path, marker: &str, n: usize) {
    mkdirs(path);
    let batch = rows(marker, n);
    let file = std::fs::File::create(path).unwrap();
    let mut w = arrow_ipc::writer::StreamWriter::try_new(file, &batch.schema()).unwrap();
    w.write(&batch).unwrap();
    w.finish().unwrap();
}

fn write_jsonl(path: &Path, marker: &str, n: usize) {
    mkdirs(path);
    let text: String = (0..n)
        .map(|i| {
            serde_json::json!({
                "instruction": format!("[{marker}] Explain item number {i} of the {marker} list."),
                "output": response(marker),
            })
            .to_string()
                + "\n"
        })
        .collect();
    std::fs::write(path, text).unwrap();
}

fn write(path: &Path, text: &str) {
    mkdirs(path);
    std::fs::write(path, text).unwrap();
}

/// Writes the data into `blobs/` and links `snapshots/<rev>/<rel>` to it, as the hub does.
fn hub_file(repo: &Path, rev: &str, rel: &str, make: impl FnOnce(&Path)) {
    let blob = repo.join("blobs").join(format!(
        "{:x}",
        rel.bytes().fold(rev.len() as u64, |h, b| h
            .wrapping_mul(31)
            .wrapping_add(b as u64))
    ));
    make(&blob);
    let link = repo.join("snapshots").join(rev).join(rel);
    mkdirs(&link);
    std::os::unix::fs::symlink(&blob, &link).unwrap();
}

struct Caches {
    _tmp: tempfile::TempDir,
    /// HF_HOME: `hub/` and `datasets/` below it.
    home: PathBuf,
    dict: PathBuf,
}

fn build() -> Caches {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("hf-home");
    let hub = home.join("hub");

    // acme/chat: two configs, refs/main naming the current snapshot, a stale snapshot.
    let chat = hub.join("datasets--acme--chat");
    write(&chat.join("refs/main"), "1111aaaa\n");
    hub_file(&chat, "1111aaaa", "README.md", |p| {
        write(p, "---\nlicense: mit\n---\n# chat\n")
    });
    hub_file(&chat, "1111aaaa", "en/train-00000-of-00001.parquet", |p| {
        write_parquet(p, "en-train", 5)
    });
    hub_file(&chat, "1111aaaa", "en/test-00000-of-00001.parquet", |p| {
        write_parquet(p, "en-test", 2)
    });
    hub_file(&chat, "1111aaaa", "fr/train/0000.parquet", |p| {
        write_parquet(p, "fr-train", 4)
    });
    hub_file(&chat, "1111aaaa", "fr/validation/0000.parquet", |p| {
        write_parquet(p, "fr-validation", 3)
    });
    hub_file(&chat, "0000stale", "en/train-00000-of-00001.parquet", |p| {
        write_parquet(p, "stale", 11)
    });

    // acme/plain: one config, SPLIT.jsonl files, and a numbered data/ layout.
    let plain = hub.join("datasets--acme--plain");
    write(&plain.join("refs/main"), "2222bbbb");
    hub_file(&plain, "2222bbbb", "train.jsonl", |p| {
        write_jsonl(p, "plain-train", 6)
    });
    hub_file(&plain, "2222bbbb", "test.jsonl", |p| {
        write_jsonl(p, "plain-test", 2)
    });

    // acme/scripted: a loading script at refs/main, data only in the Parquet export.
    let scripted = hub.join("datasets--acme--scripted");
    write(&scripted.join("refs/main"), "4444dddd");
    write(&scripted.join("refs/convert/parquet"), "5555eeee");
    hub_file(&scripted, "4444dddd", "scripted.py", |p| {
        write(p, "# a loading script\n")
    });
    hub_file(&scripted, "5555eeee", "default/train/0000.parquet", |p| {
        write_parquet(p, "scripted-train", 3)
    });

    // acme/evalonly: no train split.
    let evalonly = hub.join("datasets--acme--evalonly");
    write(&evalonly.join("refs/main"), "3333cccc");
    hub_file(
        &evalonly,
        "3333cccc",
        "data/test-00000-of-00002.parquet",
        |p| write_parquet(p, "eo-test", 3),
    );
    hub_file(
        &evalonly,
        "3333cccc",
        "data/test-00001-of-00002.parquet",
        |p| write_parquet(p, "eo-test", 4),
    );
    hub_file(
        &evalonly,
        "3333cccc",
        "data/validation-00000-of-00001.parquet",
        |p| write_parquet(p, "eo-validation", 2),
    );

    // The datasets library's cache: acme/legacy is not in the hub cache.
    let prepared = home.join("datasets/acme___legacy/default/0.0.0/abcdef0123");
    write_arrow_stream(&prepared.join("legacy-train.arrow"), "legacy-train", 4);
    write_arrow_stream(
        &prepared.join("legacy-test-00000-of-00002.arrow"),
        "legacy-test",
        2,
    );
    write_arrow_stream(
        &prepared.join("legacy-test-00001-of-00002.arrow"),
        "legacy-test",
        1,
    );
    write_arrow_stream(&prepared.join("cache-9f8e7d6c5b4a.arrow"), "decoy", 50);
    write_arrow_stream(&prepared.join("cache-0a1b2c3d4e5f.arrow"), "decoy", 30);
    write(
        &prepared.join("dataset_info.json"),
        r#"{"description": ""}"#,
    );
    write(
        &home.join("datasets/_tmp_hf-home_datasets_acme___legacy_default_0.0.0_abcdef0123.lock"),
        "",
    );
    write(&prepared.with_extension("incomplete_info.lock"), "");

    // save_to_disk DatasetDict: train (5 + 4 rows in two shards) and test (3 rows).
    let dict = tmp.path().join("saved_dict");
    write(
        &dict.join("dataset_dict.json"),
        r#"{"splits": ["train", "test"]}"#,
    );
    for (split, shards) in [("train", &[5usize, 4][..]), ("test", &[3][..])] {
        let dir = dict.join(split);
        let total = shards.len();
        for (i, n) in shards.iter().enumerate() {
            write_arrow_stream(
                &dir.join(format!("data-{i:05}-of-{total:05}.arrow")),
                &format!("dict-{split}"),
                *n,
            );
        }
        write(
            &dir.join("dataset_info.json"),
            r#"{"citation": "", "features": {}}"#,
        );
        write(
            &dir.join("state.json"),
            r#"{"_data_files": [{"filename": "data-00000-of-00001.arrow"}], "_fingerprint": "x", "_split": null}"#,
        );
        write_arrow_stream(&dir.join("cache-deadbeef00.arrow"), "decoy", 40);
    }
    Caches {
        home,
        dict,
        _tmp: tmp,
    }
}

/// `ftqa ARGS` with only `HF_HOME` pointing at the test's caches.
fn run_with(caches: &Caches, args: &[&str], envs: &[(&str, &Path)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ftqa"));
    cmd.args(args)
        .current_dir(caches.home.parent().unwrap())
        .env("HF_HOME", &caches.home)
        .env("HOME", caches.home.parent().unwrap());
    for var in [
        "HF_HUB_CACHE",
        "HUGGINGFACE_HUB_CACHE",
        "HF_DATASETS_CACHE",
        "XDG_CACHE_HOME",
    ] {
        cmd.env_remove(var);
    }
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.output().expect("run ftqa")
}

fn run(caches: &Caches, args: &[&str]) -> Output {
    run_with(caches, args, &[])
}

/// `ftqa report INPUT -o OUT --only length --quiet EXTRA`; the parsed report.json.
fn report(caches: &Caches, input: &str, out: &str, extra: &[&str]) -> Value {
    let out_dir = caches.home.parent().unwrap().join(out);
    let mut args = vec![
        "report",
        input,
        "-o",
        out_dir.to_str().unwrap(),
        "--only",
        "length",
        "--quiet",
        "--no-progress",
    ];
    args.extend_from_slice(extra);
    let o = run(caches, &args);
    assert!(
        o.status.success(),
        "ftqa report {input} failed: {}",
        common::stderr(&o)
    );
    read_report(&out_dir)
}

fn read_report(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap()).unwrap()
}

fn total(r: &Value) -> u64 {
    r["records"]["total"].as_u64().unwrap()
}

fn files(r: &Value) -> Vec<String> {
    r["dataset"]["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap().to_string())
        .collect()
}

/// The report read `marker`'s records and no other source's.
fn assert_only(r: &Value, marker: &str) {
    let m = &r["metrics"];
    let range = (
        m["length.response.words.min"].as_f64(),
        m["length.response.words.max"].as_f64(),
    );
    let want = Some(code(marker) as f64);
    assert_eq!(range, (want, want), "not only {marker} was read");
}

fn fail(caches: &Caches, args: &[&str]) -> String {
    let o = run(caches, args);
    assert_eq!(o.status.code(), Some(2), "{args:?}: {}", common::stderr(&o));
    common::stderr(&o)
}

#[test]
fn hub_configs_and_splits_resolve_from_the_snapshot_refs_main_names() {
    let c = build();
    // assert_only also shows the stale snapshot (another code) was not read.
    let r = report(&c, "hf://datasets/acme/chat/en", "r-en", &[]);
    assert_eq!(total(&r), 5, "default split is train");
    assert_eq!(r["dataset"]["path"], "hf://datasets/acme/chat/en@train");
    assert_eq!(r["dataset"]["format"], "parquet");
    assert_only(&r, "en-train");
    let f = files(&r);
    assert_eq!(f.len(), 1);
    assert!(
        f[0].contains("snapshots/1111aaaa/en/train-00000-of-00001.parquet"),
        "{f:?}"
    );

    let r = report(&c, "hf://datasets/acme/chat/en@test", "r-en-test", &[]);
    assert_eq!(total(&r), 2);
    assert_eq!(r["dataset"]["path"], "hf://datasets/acme/chat/en@test");
    assert_only(&r, "en-test");

    // CONFIG/SPLIT/0000.parquet, the split given by --split, `dev` meaning validation.
    let r = report(
        &c,
        "hf://datasets/acme/chat/fr",
        "r-fr",
        &["--split", "dev"],
    );
    assert_eq!(total(&r), 3);
    assert_eq!(
        r["dataset"]["path"],
        "hf://datasets/acme/chat/fr@validation"
    );
    assert_only(&r, "fr-validation");

    let r = report(&c, "hf://datasets/acme/chat/fr@train", "r-fr-train", &[]);
    assert_eq!(total(&r), 4);
    assert_only(&r, "fr-train");
    // No task labels from shard names (0000.parquet).
    assert!(r["dataset"]["task_source"].is_null(), "{}", r["dataset"]);
}

#[test]
fn hub_split_files_and_numbered_shards() {
    let c = build();
    let r = report(&c, "hf://datasets/acme/plain", "r-plain", &[]);
    assert_eq!(total(&r), 6);
    assert_eq!(r["dataset"]["path"], "hf://datasets/acme/plain@train");
    assert_eq!(r["dataset"]["format"], "jsonl");
    assert_only(&r, "plain-train");

    let r = report(&c, "hf://datasets/acme/plain@test", "r-plain-test", &[]);
    assert_eq!(total(&r), 2);
    assert_only(&r, "plain-test");

    // refs/main has no data: the refs/convert/parquet snapshot is read.
    let r = report(&c, "hf://datasets/acme/scripted", "r-scripted", &[]);
    assert_eq!(total(&r), 3);
    assert_eq!(r["dataset"]["path"], "hf://datasets/acme/scripted@train");
    assert_only(&r, "scripted-train");

    // No train split: the split must be named; both numbered shards are one split.
    let err = fail(&c, &["report", "hf://datasets/acme/evalonly", "--quiet"]);
    assert!(err.contains("test, validation"), "{err}");
    assert!(err.contains("@SPLIT") && err.contains("--split"), "{err}");
    let r = report(&c, "hf://datasets/acme/evalonly@test", "r-eo", &[]);
    assert_eq!(total(&r), 7);
    assert_eq!(files(&r).len(), 2);
    assert!(r["dataset"]["task_source"].is_null());
    assert_only(&r, "eo-test");
}

#[test]
fn hub_cache_root_honours_hf_hub_cache() {
    let c = build();
    let out = c.home.parent().unwrap().join("r-env");
    // HF_HUB_CACHE wins over HF_HOME/hub: pointing it elsewhere hides acme/plain.
    let empty = c.home.parent().unwrap().join("empty-hub");
    std::fs::create_dir_all(&empty).unwrap();
    let o = run_with(
        &c,
        &[
            "report",
            "hf://datasets/acme/plain",
            "-o",
            out.to_str().unwrap(),
            "--quiet",
        ],
        &[("HF_HUB_CACHE", &empty)],
    );
    assert_eq!(o.status.code(), Some(2));
    let err = common::stderr(&o);
    assert!(
        err.contains(&empty.join("datasets--acme--plain").display().to_string()),
        "{err}"
    );
    assert!(err.contains("$HF_HUB_CACHE"), "{err}");

    let o = run_with(
        &c,
        &[
            "report",
            "hf://datasets/acme/plain",
            "-o",
            out.to_str().unwrap(),
            "--quiet",
            "--only",
            "length",
        ],
        &[("HF_HUB_CACHE", &c.home.join("hub"))],
    );
    assert!(o.status.success(), "{}", common::stderr(&o));
    assert_eq!(total(&read_report(&out)), 6);
}

#[test]
fn datasets_cache_is_the_fallback_and_skips_cache_files() {
    let c = build();
    let r = report(&c, "hf://datasets/acme/legacy", "r-legacy", &[]);
    assert_eq!(total(&r), 4);
    assert_eq!(r["dataset"]["path"], "hf://datasets/acme/legacy@train");
    assert_eq!(r["dataset"]["format"], "arrow");
    assert_only(&r, "legacy-train");

    let r = report(
        &c,
        "hf://datasets/acme/legacy/default@test",
        "r-legacy-test",
        &[],
    );
    assert_eq!(total(&r), 3);
    let f = files(&r);
    assert_eq!(f.len(), 2, "{f:?}");
    assert!(f.iter().all(|f| f.contains("legacy-test-0000")), "{f:?}");
    assert_only(&r, "legacy-test");

    // The prepared folder read directly: cache-*.arrow, dataset_info.json and locks are
    // not data, and the two remaining shard names are not task labels.
    let dir = c
        .home
        .join("datasets/acme___legacy/default/0.0.0/abcdef0123");
    let r = report(&c, dir.to_str().unwrap(), "r-legacy-dir", &[]);
    assert_eq!(total(&r), 7);
    assert!(
        files(&r).iter().all(|f| !f.contains("cache-")),
        "{:?}",
        files(&r)
    );
    let m = &r["metrics"];
    assert_eq!(m["length.response.words.min"], 12.0, "legacy-train");
    assert_eq!(
        m["length.response.words.max"], 13.0,
        "legacy-test; no decoy (14)"
    );
    assert!(r["dataset"]["task_source"].is_null(), "{}", r["dataset"]);

    let err = fail(
        &c,
        &["report", "hf://datasets/acme/legacy@validation", "--quiet"],
    );
    assert!(err.contains("no split `validation`"), "{err}");
    assert!(err.contains("test, train"), "{err}");
}

#[test]
fn missing_dataset_config_and_split_are_clear_errors() {
    let c = build();
    let err = fail(&c, &["report", "hf://datasets/acme/missing", "--quiet"]);
    assert!(err.contains("acme/missing"), "{err}");
    assert!(err.contains("not in the local Hugging Face cache"), "{err}");
    let hub = c.home.join("hub/datasets--acme--missing");
    let ds = c.home.join("datasets/acme___missing");
    assert!(err.contains(&hub.display().to_string()), "{err}");
    assert!(err.contains(&ds.display().to_string()), "{err}");
    assert!(
        err.contains("huggingface-cli download --repo-type dataset acme/missing"),
        "{err}"
    );

    let err = fail(&c, &["report", "hf://datasets/acme/chat", "--quiet"]);
    assert!(err.contains("several configs (en, fr)"), "{err}");

    let err = fail(&c, &["report", "hf://datasets/acme/chat/de", "--quiet"]);
    assert!(err.contains("no config `de`"), "{err}");
    assert!(err.contains("en, fr"), "{err}");

    let err = fail(
        &c,
        &["report", "hf://datasets/acme/chat/en@nope", "--quiet"],
    );
    assert!(err.contains("no split `nope`"), "{err}");
    assert!(err.contains("test, train"), "{err}");

    let err = fail(
        &c,
        &[
            "report",
            "hf://datasets/acme/chat/en@test",
            "--split",
            "train",
            "--quiet",
        ],
    );
    assert!(err.contains("--split"), "{err}");

    let err = fail(&c, &["report", "hf://acme/chat", "--quiet"]);
    assert!(err.contains("hf://datasets/ORG/NAME"), "{err}");
}

#[test]
fn dataset_dict_writes_one_report_per_split() {
    let c = build();
    let dict = c.dict.to_str().unwrap();
    let out = c.home.parent().unwrap().join("r-dict");
    let o = run(
        &c,
        &[
            "report",
            dict,
            "-o",
            out.to_str().unwrap(),
            "--only",
            "length",
            "--no-progress",
        ],
    );
    assert!(o.status.success(), "{}", common::stderr(&o));
    let err = common::stderr(&o);
    assert!(err.contains("one report per split"), "{err}");
    assert!(err.contains("train, test"), "{err}");
    let so = common::stdout(&o);
    assert!(
        so.contains(&out.join("train/report.html").display().to_string()),
        "{so}"
    );
    assert!(
        so.contains(&out.join("test/report.html").display().to_string()),
        "{so}"
    );
    assert!(!out.join("report.json").exists(), "the splits were merged");

    let train = read_report(&out.join("train"));
    assert_eq!(total(&train), 9);
    assert_eq!(files(&train).len(), 2);
    assert_eq!(
        train["dataset"]["path"],
        c.dict.join("train").display().to_string()
    );
    assert!(train["dataset"]["task_source"].is_null());
    assert_only(&train, "dict-train");
    let test = read_report(&out.join("test"));
    assert_eq!(total(&test), 3);
    assert_only(&test, "dict-test");

    // --split picks one; a split folder alone is a single Dataset.
    let r = report(&c, dict, "r-dict-test", &["--split", "test"]);
    assert_eq!(total(&r), 3);
    assert_only(&r, "dict-test");
    let single = c.dict.join("train");
    let r = report(&c, single.to_str().unwrap(), "r-dict-single", &[]);
    assert_eq!(total(&r), 9);

    let err = fail(&c, &["report", dict, "--split", "validation", "--quiet"]);
    assert!(
        err.contains("no split `validation`") && err.contains("train, test"),
        "{err}"
    );
}

#[test]
fn dataset_dict_needs_a_split_where_one_dataset_is_read() {
    let c = build();
    let dict = c.dict.to_str().unwrap();
    let err = fail(&c, &["dedup", dict, "--dry-run", "--no-progress"]);
    assert!(
        err.contains("DatasetDict") && err.contains("train, test"),
        "{err}"
    );
    assert!(err.contains("--split"), "{err}");
    let o = run(
        &c,
        &[
            "dedup",
            dict,
            "--dry-run",
            "--split",
            "test",
            "--no-progress",
        ],
    );
    assert!(o.status.success(), "{}", common::stderr(&o));

    let out = c.home.parent().unwrap().join("cmp");
    let err = fail(
        &c,
        &[
            "compare",
            dict,
            "hf://datasets/acme/plain",
            "-o",
            out.to_str().unwrap(),
            "--quiet",
        ],
    );
    assert!(err.contains("train, test"), "{err}");
}
