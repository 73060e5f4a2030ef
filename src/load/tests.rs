//! End-to-end loader tests: real files in a temporary directory, through `Loader`.

use super::*;
use arrow_array::builder::{BinaryBuilder, ListBuilder, StringBuilder, StructBuilder};
use arrow_array::types::Int32Type;
use arrow_array::{ArrayRef, DictionaryArray, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Fields};
use ftqa_metrics::record::{Preference, Role, Turn};
use serde_json::json;
use std::io::Write;
use std::path::{Path, PathBuf};

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&path, bytes).unwrap();
    path
}

fn jsonl(values: &[Value]) -> Vec<u8> {
    let mut out = Vec::new();
    for v in values {
        out.extend_from_slice(v.to_string().as_bytes());
        out.push(b'\n');
    }
    out
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

struct Loaded {
    info: DatasetInfo,
    records: Vec<Record>,
    skips: Vec<Skip>,
    warnings: Vec<String>,
    read_all: bool,
}

fn load_with(opts: LoadOptions) -> Loaded {
    let mut loader = Loader::open(&opts).unwrap_or_else(|e| panic!("{e:#}"));
    let (mut records, mut skips) = (Vec::new(), Vec::new());
    for event in loader.by_ref() {
        match event {
            LoadEvent::Record(r) => records.push(r),
            LoadEvent::Skip(s) => skips.push(s),
        }
    }
    Loaded {
        info: loader.info().clone(),
        read_all: loader.bytes_read() == loader.bytes_total(),
        warnings: loader.take_warnings(),
        records,
        skips,
    }
}

fn load(path: &Path) -> Loaded {
    load_with(LoadOptions {
        path: path.display().to_string(),
        ..LoadOptions::default()
    })
}

fn load_one(dir: &Path, name: &str, v: Value) -> Loaded {
    load(&write(dir, name, &jsonl(&[v])))
}

fn u(s: &str) -> Turn {
    Turn::new(Role::User, s)
}
fn a(s: &str) -> Turn {
    Turn::new(Role::Assistant, s)
}

fn only_record(l: &Loaded) -> &Record {
    assert!(l.skips.is_empty(), "unexpected skips: {:?}", l.skips);
    assert_eq!(l.records.len(), 1);
    &l.records[0]
}

#[test]
fn alpaca_with_input_system_and_history() {
    let dir = tempfile::tempdir().unwrap();
    let l = load_one(
        dir.path(),
        "a.jsonl",
        json!({"instruction": "Add", "input": "1 2", "output": "3", "system": "math",
               "history": [["hi", "hello"]]}),
    );
    let r = only_record(&l);
    assert_eq!(l.info.schema, "alpaca");
    assert_eq!(l.info.schema_source, "auto");
    assert_eq!(l.info.format, "jsonl");
    assert_eq!(r.turns, vec![u("hi"), a("hello"), u("Add\n\n1 2"), a("3")]);
    assert_eq!(r.system.as_deref(), Some("math"));
    assert_eq!(r.id, "a:0");
    assert_eq!(l.info.mapping["instruction"], "instruction+input");
    assert_eq!(l.info.mapping["response"], "output");
    assert_eq!(l.info.mapping["history"], "history");

    let l = load_one(
        dir.path(),
        "b.jsonl",
        json!({"instruction": "Say hi", "input": "", "response": "hi"}),
    );
    assert_eq!(only_record(&l).turns, vec![u("Say hi"), a("hi")]);
    assert_eq!(l.info.mapping["response"], "response");
}

#[test]
fn self_instruct_dolly_flan_qa_and_prompt_completion() {
    let dir = tempfile::tempdir().unwrap();
    let l = load_one(
        dir.path(),
        "si.jsonl",
        json!({"id": "seed_task_0", "instruction": "Sum", "instances": [{"input": "1 1", "output": "2"}, {"input": "x", "output": "y"}]}),
    );
    let r = only_record(&l);
    assert_eq!(l.info.schema, "self_instruct");
    assert_eq!(r.turns, vec![u("Sum\n\n1 1"), a("2")]);
    assert_eq!(r.id, "seed_task_0");

    let l = load_one(
        dir.path(),
        "dolly.jsonl",
        json!({"instruction": "Who?", "context": "ctx", "response": "me", "category": "open_qa"}),
    );
    let r = only_record(&l);
    assert_eq!(l.info.schema, "dolly");
    assert_eq!(r.turns, vec![u("Who?\n\nctx"), a("me")]);
    assert_eq!(r.task.as_deref(), Some("open_qa"));
    assert_eq!(l.info.task_source.as_deref(), Some("column:category"));

    let l = load_one(
        dir.path(),
        "flan.jsonl",
        json!({"inputs": "Q", "targets": "A", "task_name": "cosmos_qa"}),
    );
    let r = only_record(&l);
    assert_eq!(l.info.schema, "flan");
    assert_eq!(r.turns, vec![u("Q"), a("A")]);
    assert_eq!(r.task.as_deref(), Some("cosmos_qa"));

    let l = load_one(
        dir.path(),
        "qa.jsonl",
        json!({"question": "2+2?", "answer": "4"}),
    );
    assert_eq!(l.info.schema, "question_answer");
    assert_eq!(only_record(&l).turns, vec![u("2+2?"), a("4")]);

    let l = load_one(
        dir.path(),
        "pc.jsonl",
        json!({"prompt": "Q:", "completion": " yes<|endoftext|>no"}),
    );
    assert_eq!(l.info.schema, "prompt_completion");
    assert_eq!(
        only_record(&l).turns,
        vec![u("Q:"), a(" yes<|endoftext|>no")]
    );

    let l = load_one(
        dir.path(),
        "he.jsonl",
        json!({"task_id": "HumanEval/0", "prompt": "def f():", "canonical_solution": "  pass", "test": "", "entry_point": "f"}),
    );
    let r = only_record(&l);
    assert_eq!(r.turns, vec![u("def f():"), a("  pass")]);
    assert_eq!(r.id, "HumanEval/0");
    assert_eq!(l.info.mapping["response"], "canonical_solution");
}

#[test]
fn sharegpt_openai_and_llava() {
    let dir = tempfile::tempdir().unwrap();
    let l = load_one(
        dir.path(),
        "sg.jsonl",
        json!({"id": "x1", "system": "top", "conversations": [
            {"from": "system", "value": "lead"},
            {"from": "human", "value": "hi"},
            {"from": "gpt", "value": "yo"},
            {"from": "function_call", "value": "{\"name\": \"f\"}"},
            {"from": "observation", "value": "{}"},
            {"from": "gpt", "value": "done"}
        ], "tools": "[]"}),
    );
    let r = only_record(&l);
    assert_eq!(l.info.schema, "sharegpt");
    assert_eq!(r.system.as_deref(), Some("top\n\nlead"));
    assert_eq!(
        r.turns,
        vec![
            u("hi"),
            a("yo"),
            a("{\"name\": \"f\"}"),
            Turn::new(Role::Tool, "{}"),
            a("done")
        ]
    );

    let l = load_one(
        dir.path(),
        "oa.jsonl",
        json!({"messages": [
            {"role": "system", "content": "s"},
            {"role": "user", "content": [{"type": "text", "text": "what"}, {"type": "image_url", "image_url": {"url": "http://i/1.png"}}]},
            {"role": "assistant", "content": "a cat"}
        ]}),
    );
    let r = only_record(&l);
    assert_eq!(l.info.schema, "openai");
    assert_eq!(r.system.as_deref(), Some("s"));
    assert_eq!(r.turns, vec![u("what"), a("a cat")]);
    assert_eq!(r.images, vec!["http://i/1.png"]);

    let l = load_one(
        dir.path(),
        "llava.jsonl",
        json!({"image": "coco/1.jpg", "conversations": [
            {"from": "human", "value": "<image>\nWhat is this?"},
            {"from": "gpt", "value": "A dog."}
        ]}),
    );
    let r = only_record(&l);
    assert_eq!(l.info.schema, "llava");
    assert_eq!(r.turns, vec![u("<image>\nWhat is this?"), a("A dog.")]);
    assert_eq!(r.images, vec!["coco/1.jpg"]);

    let l = load_one(
        dir.path(),
        "mllm.jsonl",
        json!({"messages": [{"role": "user", "content": "<image><video>Hi"}, {"role": "assistant", "content": "ok"}],
               "images": [{"path": "a.jpg", "bytes": null}, "b.jpg"], "videos": ["v.mp4"]}),
    );
    let r = only_record(&l);
    assert_eq!(l.info.schema, "llava");
    assert_eq!(r.images, vec!["a.jpg", "b.jpg"]);
    assert_eq!(r.videos, vec!["v.mp4"]);
    assert_eq!(l.info.mapping["images"], "images");
}

#[test]
fn preference_shapes() {
    let dir = tempfile::tempdir().unwrap();
    let l = load_one(
        dir.path(),
        "p.jsonl",
        json!({"prompt": "Q", "chosen": "good", "rejected": "bad"}),
    );
    let r = only_record(&l);
    assert_eq!(l.info.schema, "preference");
    assert_eq!(r.turns, vec![u("Q")]);
    assert_eq!(
        r.preference,
        Some(Preference {
            chosen: vec![a("good")],
            rejected: vec![a("bad")]
        })
    );

    let l = load_one(
        dir.path(),
        "pc.jsonl",
        json!({"prompt": [{"role": "user", "content": "Q"}],
               "chosen": [{"role": "assistant", "content": "good"}],
               "rejected": [{"role": "assistant", "content": "bad"}]}),
    );
    let r = only_record(&l);
    assert_eq!(r.turns, vec![u("Q")]);
    assert_eq!(r.preference.as_ref().unwrap().chosen, vec![a("good")]);

    let l = load_one(
        dir.path(),
        "implicit.jsonl",
        json!({"chosen": [{"role": "user", "content": "Q"}, {"role": "assistant", "content": "good"}],
               "rejected": [{"role": "user", "content": "Q"}, {"role": "assistant", "content": "bad"}]}),
    );
    let r = only_record(&l);
    assert_eq!(l.info.schema, "preference");
    assert_eq!(r.turns, vec![u("Q")]);
    assert_eq!(
        r.preference,
        Some(Preference {
            chosen: vec![a("good")],
            rejected: vec![a("bad")]
        })
    );
    assert_eq!(l.info.mapping["prompt"], "common prefix of chosen/rejected");

    let l = load_one(
        dir.path(),
        "hh.jsonl",
        json!({"chosen": "\n\nHuman: hi\n\nAssistant: hello\n\nHuman: joke?\n\nAssistant: no",
               "rejected": "\n\nHuman: hi\n\nAssistant: hello\n\nHuman: joke?\n\nAssistant: knock knock"}),
    );
    let r = only_record(&l);
    assert_eq!(l.info.schema, "hh_rlhf");
    assert_eq!(r.turns, vec![u("hi"), a("hello"), u("joke?")]);
    assert_eq!(
        r.preference,
        Some(Preference {
            chosen: vec![a("no")],
            rejected: vec![a("knock knock")]
        })
    );

    let l = load_one(
        dir.path(),
        "dpo.jsonl",
        json!({"conversations": [{"from": "system", "value": "sys"}, {"from": "human", "value": "Q"}],
               "chosen": {"from": "gpt", "value": "good"}, "rejected": {"from": "gpt", "value": "bad"}}),
    );
    let r = only_record(&l);
    assert_eq!(l.info.schema, "dpo");
    assert_eq!(r.system.as_deref(), Some("sys"));
    assert_eq!(r.turns, vec![u("Q")]);
    assert_eq!(
        r.preference,
        Some(Preference {
            chosen: vec![a("good")],
            rejected: vec![a("bad")]
        })
    );
    assert_eq!(r.kind(), ftqa_metrics::record::Kind::Preference);
}

#[test]
fn kto_shapes() {
    let dir = tempfile::tempdir().unwrap();
    let l = load_one(
        dir.path(),
        "k.jsonl",
        json!({"messages": [{"role": "user", "content": "Q"}, {"role": "assistant", "content": "A"}], "label": false}),
    );
    let r = only_record(&l);
    assert_eq!(l.info.schema, "kto");
    assert_eq!(r.turns, vec![u("Q"), a("A")]);
    assert_eq!(r.label, Some(false));

    let l = load_one(
        dir.path(),
        "k2.jsonl",
        json!({"prompt": "Q", "completion": "A", "label": true}),
    );
    let r = only_record(&l);
    assert_eq!(l.info.schema, "kto");
    assert_eq!(r.turns, vec![u("Q"), a("A")]);
    assert_eq!(r.label, Some(true));
    assert_eq!(l.info.mapping["turns"], "prompt+completion");
}

#[test]
fn text_transcripts_and_plain_text() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "t.jsonl",
        &jsonl(&[
            json!({"text": "### Human: hi ### Assistant: hello"}),
            json!({"text": "<|user|>\nQ</s>\n<|assistant|>\nA</s>"}),
            json!({"text": "just some prose"}),
        ]),
    );
    let l = load(&path);
    assert_eq!(l.info.schema, "text");
    assert_eq!(l.records.len(), 2);
    assert_eq!(l.records[0].turns, vec![u("hi"), a("hello")]);
    assert_eq!(l.records[1].turns, vec![u("Q"), a("A")]);
    assert_eq!(l.skips.len(), 1);
    assert_eq!(l.skips[0].reason, "unrecognised_schema");
    assert!(l.skips[0]
        .detail
        .contains("no instruction/response structure"));
    assert!(
        l.skips[0].location.ends_with("t.jsonl:3"),
        "{}",
        l.skips[0].location
    );
}

#[test]
fn bad_records_are_skipped_with_reasons() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "bad.jsonl",
        &jsonl(&[
            json!({"conversations": [{"from": "human", "value": "hi"}, {"from": "gpt", "value": "yo"}]}),
            json!({"conversations": 5}),
            json!({"conversations": []}),
            json!({"conversations": [{"from": "narrator", "value": "once"}]}),
            json!({"conversations": [{"from": "human", "value": {"x": 1}}]}),
            json!({"other": 1}),
            json!({"conversations": [{"from": "human", "value": ""}, {"from": "gpt", "value": ""}]}),
        ]),
    );
    let l = load(&path);
    assert_eq!(l.info.schema, "sharegpt");
    assert_eq!(l.records.len(), 2, "empty strings are not skipped");
    let got: Vec<(&str, &str)> = l
        .skips
        .iter()
        .map(|s| (s.reason.as_str(), s.detail.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("wrong_type", "`conversations` is a number, expected a list"),
            ("empty_conversation", "empty conversation"),
            (
                "unknown_role",
                "unknown role `narrator` in turn 1 of `conversations`"
            ),
            (
                "wrong_type",
                "the content of turn 1 of `conversations` is an object, expected a string or a list of content parts"
            ),
            ("missing_field", "missing field `conversations` (or `messages`)"),
        ]
    );
    assert!(l.skips[0].location.ends_with("bad.jsonl:2"));
    assert!(
        l.warnings.iter().any(|w| w.contains("`narrator`")),
        "{:?}",
        l.warnings
    );

    let path = write(
        dir.path(),
        "alp.jsonl",
        &jsonl(&[
            json!({"instruction": "a", "output": "b"}),
            json!({"instruction": "x", "input": "y", "response": null, "output": null}),
        ]),
    );
    let l = load(&path);
    assert!(
        l.skips.is_empty(),
        "null is empty, not missing: {:?}",
        l.skips
    );
    assert_eq!(l.records[1].turns, vec![u("x\n\ny"), a("")]);
    let path = write(
        dir.path(),
        "alp2.jsonl",
        &jsonl(&[
            json!({"instruction": "x", "output": "y"}),
            json!({"instruction": "x"}),
            json!({"instruction": ["x"], "output": "y"}),
        ]),
    );
    let l = load(&path);
    // Kept, not skipped: an instruction without its answer is a prompt, and a list of
    // strings is the instruction's lines.
    assert!(l.skips.is_empty(), "{:?}", l.skips);
    assert_eq!(l.records[1].turns, vec![u("x")]);
    assert_eq!(l.records[1].response(), None);
    assert_eq!(l.records[2].turns, vec![u("x"), a("y")]);
    // Answers in other shapes that still hold text: reference lists, `{"text": ..}`.
    let path = write(
        dir.path(),
        "alp4.jsonl",
        &jsonl(&[
            json!({"instruction": "x", "output": ["first", "second", "third"]}),
            json!({"instruction": "y", "output": {"text": "wrapped"}}),
            json!({"instruction": "z", "output": []}),
        ]),
    );
    let l = load(&path);
    assert!(l.skips.is_empty(), "{:?}", l.skips);
    assert_eq!(l.records[0].turns, vec![u("x"), a("first")]);
    assert_eq!(l.records[0].references, 3);
    assert_eq!(l.records[1].turns, vec![u("y"), a("wrapped")]);
    assert_eq!(l.records[2].turns, vec![u("z")]);
    let path = write(
        dir.path(),
        "alp3.jsonl",
        &jsonl(&[
            json!({"instruction": "x", "output": "y"}),
            json!({"instruction": {"nested": 1}, "output": "y"}),
        ]),
    );
    let l = load(&path);
    assert_eq!(
        l.skips[0].detail,
        "`instruction` is an object, expected a string"
    );
}

#[test]
fn mixed_types_are_stringified() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "m.jsonl",
        &jsonl(&[
            json!({"id": 7, "question": 12, "answer": true, "category": 3}),
            json!({"id": null, "question": "q", "answer": 1.5}),
        ]),
    );
    let l = load(&path);
    assert!(l.skips.is_empty(), "{:?}", l.skips);
    assert_eq!(l.records[0].turns, vec![u("12"), a("true")]);
    assert_eq!(l.records[0].id, "7");
    assert_eq!(l.records[1].id, "m:1");
    assert_eq!(l.records[1].turns, vec![u("q"), a("1.5")]);
}

#[test]
fn malformed_jsonl_line_in_the_middle() {
    let dir = tempfile::tempdir().unwrap();
    let text = "{\"question\": \"a\", \"answer\": \"b\"}\n{\"question\": \"c\", \"answer\": }\n\n{\"question\": \"e\", \"answer\": \"f\"}\n";
    let l = load(&write(dir.path(), "x.jsonl", text.as_bytes()));
    assert_eq!(l.records.len(), 2);
    assert_eq!(l.skips.len(), 1);
    assert_eq!(l.skips[0].reason, "malformed_json");
    assert!(
        l.skips[0].location.ends_with("x.jsonl:2"),
        "{}",
        l.skips[0].location
    );
    assert_eq!(l.records[1].origin.line, Some(4));
    assert_eq!(l.records[1].origin.index, 2);
    assert!(l.read_all);
}

#[test]
fn truncated_json_array() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("[\n");
    for i in 0..5 {
        text.push_str(&format!(
            "  {{\n    \"instruction\": \"i{i}\",\n    \"output\": \"o{i}\"\n  }},\n"
        ));
    }
    text.push_str("  {\n    \"instruction\": \"cut in the mid");
    let l = load(&write(dir.path(), "cut.json", text.as_bytes()));
    assert_eq!(l.info.format, "json");
    assert_eq!(l.records.len(), 5);
    assert_eq!(l.records[4].turns, vec![u("i4"), a("o4")]);
    assert_eq!(l.records[1].origin.line, Some(6));
    assert_eq!(l.skips.len(), 1);
    assert_eq!(l.skips[0].reason, "truncated");
    assert!(
        l.skips[0].location.ends_with("cut.json:22"),
        "{}",
        l.skips[0].location
    );
    let name = dir.path().join("cut.json").display().to_string();
    assert_eq!(
        l.warnings,
        vec![format!(
            "{name}: truncated JSON array after 5 complete records (cut inside record starting at line 22)"
        )]
    );
}

#[test]
fn json_wrapper_and_jsonl_named_json() {
    let dir = tempfile::tempdir().unwrap();
    let doc = json!({"version": "1", "data": [
        {"question": "a", "answer": "b"}, {"question": "c", "answer": "d"}]});
    let l = load(&write(
        dir.path(),
        "w.json",
        serde_json::to_string_pretty(&doc).unwrap().as_bytes(),
    ));
    assert_eq!(l.records.len(), 2);
    assert_eq!(l.records[1].turns, vec![u("c"), a("d")]);
    assert_eq!(l.skips.len(), 0);

    let l = load(&write(
        dir.path(),
        "lines.json",
        &jsonl(&[
            json!({"question": "a", "answer": "b"}),
            json!({"question": "c", "answer": "d"}),
        ]),
    ));
    assert_eq!(l.info.format, "jsonl");
    assert_eq!(l.records.len(), 2);
}

#[test]
fn long_first_lines_are_sniffed() {
    let dir = tempfile::tempdir().unwrap();
    let long = "x".repeat(100_000);
    let path = write(
        dir.path(),
        "long.json",
        &jsonl(&[
            json!({"question": long, "answer": "b"}),
            json!({"question": "c", "answer": "d"}),
        ]),
    );
    let l = load(&path);
    assert_eq!(l.info.format, "jsonl");
    assert_eq!(l.records.len(), 2);

    let wrapper =
        json!({"rows": [{"question": long, "answer": "b"}, {"question": "c", "answer": "d"}]});
    let l = load(&write(
        dir.path(),
        "wrap.json",
        wrapper.to_string().as_bytes(),
    ));
    assert_eq!(l.records.len(), 2);
    assert_eq!(l.records[1].turns, vec![u("c"), a("d")]);
}

#[test]
fn loader_can_move_to_another_thread() {
    fn assert_send<T: Send>() {}
    assert_send::<Loader>();
}

#[test]
fn gzip_and_zstd() {
    let dir = tempfile::tempdir().unwrap();
    let body = jsonl(&[
        json!({"question": "a", "answer": "b"}),
        json!({"question": "c", "answer": "d"}),
    ]);
    let l = load(&write(dir.path(), "q.jsonl.gz", &gzip(&body)));
    assert_eq!(l.info.compression.as_deref(), Some("gzip"));
    assert_eq!(l.info.format, "jsonl");
    assert_eq!(l.records.len(), 2);
    assert_eq!(l.records[0].id, "q:0");
    assert!(l.read_all);

    let z = zstd::encode_all(&body[..], 3).unwrap();
    let l = load(&write(dir.path(), "q.jsonl.zst", &z));
    assert_eq!(l.info.compression.as_deref(), Some("zstd"));
    assert_eq!(l.records.len(), 2);

    // Compressed JSON array with no telling extension inside: sniffed from content.
    let arr = serde_json::to_vec_pretty(&json!([{"question": "a", "answer": "b"}])).unwrap();
    let l = load(&write(dir.path(), "arr.gz", &gzip(&arr)));
    assert_eq!(l.info.format, "json");
    assert_eq!(l.records.len(), 1);

    // A gzip stream cut short: records before the damage survive.
    let mut big = Vec::new();
    for i in 0..2000 {
        big.extend_from_slice(
            format!(
                "{{\"question\": \"q{i} {}\", \"answer\": \"a\"}}\n",
                i * 7919 % 1013
            )
            .as_bytes(),
        );
    }
    let gz = gzip(&big);
    let l = load(&write(dir.path(), "cut.jsonl.gz", &gz[..gz.len() / 2]));
    assert!(l.records.len() > 100, "{}", l.records.len());
    assert_eq!(l.skips.last().unwrap().reason, "truncated");
    assert!(!l.warnings.is_empty());
}

#[test]
fn csv_and_tsv_with_json_cells() {
    let dir = tempfile::tempdir().unwrap();
    let csv_text = "id,conversations,category\n\
        r1,\"[{\"\"from\"\": \"\"human\"\", \"\"value\"\": \"\"hi, there\"\"}, {\"\"from\"\": \"\"gpt\"\", \"\"value\"\": \"\"yo\"\"}]\",chat\n\
        r2,too,many,fields\n";
    let l = load(&write(dir.path(), "c.csv", csv_text.as_bytes()));
    assert_eq!(l.info.format, "csv");
    assert_eq!(l.info.schema, "sharegpt");
    assert_eq!(l.records.len(), 1);
    assert_eq!(l.records[0].turns, vec![u("hi, there"), a("yo")]);
    assert_eq!(l.records[0].id, "r1");
    assert_eq!(l.records[0].task.as_deref(), Some("chat"));
    // The ragged row is read (its extra fields kept as column_N) but its `conversations`
    // cell is plain text, so it is skipped for its content, not its shape.
    assert_eq!(l.skips[0].reason, "wrong_type");
    assert!(
        l.skips[0].location.ends_with("c.csv:3"),
        "{}",
        l.skips[0].location
    );

    let tsv = "instruction\tinput\toutput\nAdd, please\t1 2\t3\n";
    let l = load(&write(dir.path(), "t.tsv", tsv.as_bytes()));
    assert_eq!(l.info.format, "tsv");
    assert_eq!(l.records[0].turns, vec![u("Add, please\n\n1 2"), a("3")]);

    let kto = "prompt,completion,label\nQ,A,true\nQ2,B,False\n";
    let l = load(&write(dir.path(), "k.csv", kto.as_bytes()));
    assert_eq!(l.info.schema, "kto");
    assert_eq!(l.records[1].label, Some(false));
}

/// Conversations as list<struct<from, value>>, a dictionary-encoded task column and an
/// integer id: the same records as `nested_jsonl`.
fn nested_batch() -> RecordBatch {
    let fields = Fields::from(vec![
        Field::new("from", DataType::Utf8, true),
        Field::new("value", DataType::Utf8, true),
    ]);
    let mut convs = ListBuilder::new(StructBuilder::from_fields(fields, 0));
    for conv in nested_convs() {
        for (from, value) in conv {
            let s = convs.values();
            s.field_builder::<StringBuilder>(0)
                .unwrap()
                .append_value(from);
            s.field_builder::<StringBuilder>(1)
                .unwrap()
                .append_value(value);
            s.append(true);
        }
        convs.append(true);
    }
    let category: DictionaryArray<Int32Type> = vec!["chat", "code", "chat"].into_iter().collect();
    RecordBatch::try_from_iter(vec![
        (
            "id",
            Arc::new(Int64Array::from(vec![10, 11, 12])) as ArrayRef,
        ),
        ("conversations", Arc::new(convs.finish()) as ArrayRef),
        ("category", Arc::new(category) as ArrayRef),
        (
            "note",
            Arc::new(StringArray::from(vec![Some("x"), None, Some("z")])) as ArrayRef,
        ),
    ])
    .unwrap()
}

fn nested_convs() -> Vec<Vec<(&'static str, &'static str)>> {
    vec![
        vec![("system", "be brief"), ("human", "hi"), ("gpt", "yo")],
        vec![
            ("human", "code?"),
            ("gpt", "fn main() {}"),
            ("human", "thanks"),
            ("gpt", "np"),
        ],
        vec![("human", "??"), ("gpt", "")],
    ]
}

fn nested_jsonl() -> Vec<u8> {
    let cats = ["chat", "code", "chat"];
    let notes = [json!("x"), Value::Null, json!("z")];
    let rows: Vec<Value> = nested_convs()
        .into_iter()
        .enumerate()
        .map(|(i, conv)| {
            let turns: Vec<Value> = conv
                .into_iter()
                .map(|(f, v)| json!({"from": f, "value": v}))
                .collect();
            json!({"id": 10 + i, "conversations": turns, "category": cats[i], "note": notes[i]})
        })
        .collect();
    jsonl(&rows)
}

/// Everything but the origin, which differs by format (line vs row).
fn content(records: &[Record]) -> Vec<Record> {
    records
        .iter()
        .map(|r| {
            let mut r = r.clone();
            r.origin.file = Arc::from("");
            r.origin.line = None;
            r
        })
        .collect()
}

#[test]
fn parquet_and_arrow_load_like_jsonl() {
    let dir = tempfile::tempdir().unwrap();
    let batch = nested_batch();
    let reference = load(&write(dir.path(), "ref.jsonl", &nested_jsonl()));
    assert_eq!(reference.records.len(), 3);
    assert_eq!(reference.records[0].system.as_deref(), Some("be brief"));
    assert_eq!(reference.records[0].id, "10");

    let pq = dir.path().join("d.parquet");
    let mut w = parquet::arrow::ArrowWriter::try_new(
        std::fs::File::create(&pq).unwrap(),
        batch.schema(),
        None,
    )
    .unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();

    let ipc_file = dir.path().join("d.arrow");
    let mut w = arrow_ipc::writer::FileWriter::try_new(
        std::fs::File::create(&ipc_file).unwrap(),
        &batch.schema(),
    )
    .unwrap();
    w.write(&batch).unwrap();
    w.finish().unwrap();

    let mut stream = Vec::new();
    {
        let mut w = arrow_ipc::writer::StreamWriter::try_new(&mut stream, &batch.schema()).unwrap();
        w.write(&batch).unwrap();
        w.finish().unwrap();
    }
    let ipc_stream = write(dir.path(), "s/data-00000-of-00001.arrow", &stream);
    let ipc_stream_gz = write(dir.path(), "sgz.arrow.gz", &gzip(&stream));
    let ipc_file_gz = write(
        dir.path(),
        "fgz.arrow.gz",
        &gzip(&std::fs::read(&ipc_file).unwrap()),
    );

    for (path, format) in [
        (&pq, "parquet"),
        (&ipc_file, "arrow"),
        (&ipc_stream, "arrow"),
        (&ipc_stream_gz, "arrow"),
        (&ipc_file_gz, "arrow"),
    ] {
        let l = load(path);
        assert_eq!(l.info.format, format, "{}", path.display());
        assert_eq!(l.info.schema, "sharegpt");
        assert!(l.skips.is_empty(), "{:?}", l.skips);
        assert_eq!(
            content(&l.records),
            content(&reference.records),
            "{}",
            path.display()
        );
        assert_eq!(l.records[2].origin.line, None);
        assert!(l.records[2].origin.to_string().ends_with(" row 2"));
        assert!(l.read_all, "{}", path.display());
    }
}

#[test]
fn parquet_llava_with_embedded_image_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let msg_fields = Fields::from(vec![
        Field::new("role", DataType::Utf8, true),
        Field::new("content", DataType::Utf8, true),
    ]);
    let mut msgs = ListBuilder::new(StructBuilder::from_fields(msg_fields, 0));
    for (role, content) in [("user", "<image>What?"), ("assistant", "A cat.")] {
        let s = msgs.values();
        s.field_builder::<StringBuilder>(0)
            .unwrap()
            .append_value(role);
        s.field_builder::<StringBuilder>(1)
            .unwrap()
            .append_value(content);
        s.append(true);
    }
    msgs.append(true);
    let img_fields = Fields::from(vec![
        Field::new("bytes", DataType::Binary, true),
        Field::new("path", DataType::Utf8, true),
    ]);
    let mut images = ListBuilder::new(StructBuilder::from_fields(img_fields, 0));
    {
        let s = images.values();
        s.field_builder::<BinaryBuilder>(0)
            .unwrap()
            .append_value([1u8; 1234]);
        s.field_builder::<StringBuilder>(1).unwrap().append_null();
        s.append(true);
    }
    images.append(true);
    let batch = RecordBatch::try_from_iter(vec![
        ("messages", Arc::new(msgs.finish()) as ArrayRef),
        ("images", Arc::new(images.finish()) as ArrayRef),
    ])
    .unwrap();
    let pq = dir.path().join("v.parquet");
    let mut w = parquet::arrow::ArrowWriter::try_new(
        std::fs::File::create(&pq).unwrap(),
        batch.schema(),
        None,
    )
    .unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    let l = load(&pq);
    let r = only_record(&l);
    assert_eq!(l.info.schema, "llava");
    assert_eq!(r.turns, vec![u("<image>What?"), a("A cat.")]);
    assert_eq!(r.images, vec!["<embedded image: 1234 bytes>"]);
}

#[test]
fn directory_of_task_shards() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("t0");
    for task in ["glue_mrpc", "ai2_arc_easy", "squad_v2_question"] {
        let body = jsonl(&[
            json!({"prompt": format!("{task} p0"), "completion": "c0"}),
            json!({"prompt": format!("{task} p1"), "completion": "c1"}),
        ]);
        write(&root, &format!("{task}.jsonl.gz"), &gzip(&body));
    }
    write(&root, "README.md", b"# not data");
    write(&root, "dataset_info.json", b"{\"features\": {}}");
    write(&root, ".hidden.jsonl", b"garbage");
    let l = load(&root);
    assert_eq!(l.info.files.len(), 3);
    assert_eq!(l.info.schema, "prompt_completion");
    assert_eq!(l.info.task_source.as_deref(), Some("shard file names"));
    assert_eq!(l.records.len(), 6);
    assert_eq!(l.records[0].task.as_deref(), Some("ai2_arc_easy"));
    assert_eq!(l.records[0].id, "ai2_arc_easy:0");
    assert_eq!(l.records[5].task.as_deref(), Some("squad_v2_question"));
    assert_eq!(l.records[5].origin.index, 1);
    assert!(l.read_all);

    // Numbered parts are one dataset without task labels; a glob selects shards.
    let parts = dir.path().join("parts");
    for i in 0..2 {
        let body = jsonl(&[json!({"question": format!("q{i}"), "answer": "a"})]);
        write(&parts, &format!("train-0000{i}-of-00002.jsonl"), &body);
    }
    write(&parts, "extra.csv", b"question,answer\nq,a\n");
    let l = load(&parts);
    assert_eq!(l.info.task_source, None);
    assert_eq!(l.info.format, "mixed");
    assert_eq!(l.records.len(), 3);
    assert!(l.records.iter().all(|r| r.task.is_none()));

    let l = load_with(LoadOptions {
        path: format!("{}/train-*.jsonl", parts.display()),
        ..LoadOptions::default()
    });
    assert_eq!(l.info.files.len(), 2);
    assert_eq!(l.info.format, "jsonl");
}

#[test]
fn explicit_columns_and_overrides() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "custom.jsonl",
        &jsonl(&[json!({"q": "Q", "ctx": "C", "a": "A", "key": "k1", "kind": "math"})]),
    );
    let l = load_with(LoadOptions {
        path: path.display().to_string(),
        columns: ColumnMap {
            instruction: Some("q".into()),
            input: Some("ctx".into()),
            response: Some("a".into()),
            id: Some("key".into()),
            task: Some("kind".into()),
            ..ColumnMap::default()
        },
        ..LoadOptions::default()
    });
    let r = only_record(&l);
    assert_eq!(l.info.schema, "alpaca");
    assert_eq!(l.info.schema_source, "flags");
    assert_eq!(r.turns, vec![u("Q\n\nC"), a("A")]);
    assert_eq!(r.id, "k1");
    assert_eq!(r.task.as_deref(), Some("math"));
    assert_eq!(l.info.mapping["instruction"], "q+ctx");
    assert_eq!(l.info.mapping["id"], "key");

    let path = write(
        dir.path(),
        "dialog.jsonl",
        &jsonl(&[
            json!({"dialog": [{"from": "human", "value": "hi"}, {"from": "gpt", "value": "yo"}]}),
        ]),
    );
    let l = load_with(LoadOptions {
        path: path.display().to_string(),
        columns: ColumnMap {
            messages: Some("dialog".into()),
            ..ColumnMap::default()
        },
        ..LoadOptions::default()
    });
    assert_eq!(l.info.schema, "sharegpt");
    assert_eq!(only_record(&l).turns, vec![u("hi"), a("yo")]);

    let l = load_with(LoadOptions {
        path: path.display().to_string(),
        format: Some("jsonl".into()),
        schema: Some("openai".into()),
        columns: ColumnMap {
            messages: Some("dialog".into()),
            ..ColumnMap::default()
        },
        ..LoadOptions::default()
    });
    assert_eq!(l.info.schema, "openai");
    assert_eq!(l.info.schema_source, "flags");
    assert_eq!(l.records.len(), 1);
}

#[test]
fn open_errors_are_clear() {
    let dir = tempfile::tempdir().unwrap();
    let err = |opts: LoadOptions| match Loader::open(&opts) {
        Ok(_) => panic!("expected an error"),
        Err(e) => format!("{e:#}"),
    };
    let path = write(
        dir.path(),
        "odd.jsonl",
        &jsonl(&[json!({"foo": 1, "bar": "x"})]),
    );
    let e = err(LoadOptions {
        path: path.display().to_string(),
        ..LoadOptions::default()
    });
    assert!(
        e.contains("odd.jsonl") && e.contains("keys seen: bar (1), foo (1)"),
        "{e}"
    );
    assert!(e.contains("supported schemas: alpaca"), "{e}");

    let e = err(LoadOptions {
        path: dir.path().join("missing.jsonl").display().to_string(),
        ..LoadOptions::default()
    });
    assert!(
        e.contains("missing.jsonl") && e.contains("no such file"),
        "{e}"
    );

    let e = err(LoadOptions {
        path: path.display().to_string(),
        format: Some("xml".into()),
        ..LoadOptions::default()
    });
    assert!(e.contains("unknown format `xml`"), "{e}");

    let bad = write(dir.path(), "bad.parquet", b"not parquet at all");
    let e = err(LoadOptions {
        path: bad.display().to_string(),
        ..LoadOptions::default()
    });
    assert!(e.contains("bad.parquet"), "{e}");

    let empty = write(dir.path(), "empty.jsonl", b"");
    let e = err(LoadOptions {
        path: empty.display().to_string(),
        ..LoadOptions::default()
    });
    assert!(e.contains("no records found"), "{e}");
}

#[test]
fn schema_names_round_trip() {
    assert_eq!(SCHEMAS.len(), Schema::ALL.len());
    for (name, schema) in SCHEMAS.iter().zip(Schema::ALL) {
        assert_eq!(schema.name(), *name);
        assert_eq!(parse_schema_name(name), Some(schema));
    }
    assert_eq!(parse_schema_name("HH-RLHF"), Some(Schema::HhRlhf));
    assert_eq!(parse_schema_name("vicuna"), Some(Schema::ShareGpt));
    assert_eq!(parse_schema_name("nope"), None);
}

/// Not a test of behaviour: loads every file of the shared real-data folder when it is
/// present (`cargo test -- --ignored real_data`, folder from
/// `FTQA_REAL_DATA`), printing what was detected.
#[test]
#[ignore]
fn real_data() {
    let root = std::env::var_os("FTQA_REAL_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data"));
    if !root.is_dir() {
        eprintln!("{} not found; nothing to check", root.display());
        return;
    }
    let mut entries: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| !p.ends_with("README.md"))
        .collect();
    entries.sort();
    for path in entries {
        let l = load(&path);
        println!(
            "{} | {} | {} | records {} | skips {} | task {:?} | mapping {:?} | warnings {:?}",
            path.file_name().unwrap().to_string_lossy(),
            l.info.format,
            l.info.schema,
            l.records.len(),
            l.skips.len(),
            l.info.task_source,
            l.info.mapping,
            l.warnings
        );
        assert!(l.skips.is_empty(), "{:?}", &l.skips[..l.skips.len().min(3)]);
    }
}

/// Parquet row groups decoded in parallel and JSON Lines parsed in parallel blocks give
/// the same records, skips, locations and warnings as one thread (issue 13).
#[test]
fn parallel_loading_matches_one_thread() {
    let dir = tempfile::tempdir().unwrap();
    let n = 5_000;
    let rows: Vec<Value> = (0..n)
        .map(|i| json!({"instruction": format!("question {i}"), "output": format!("answer {}", i * 7)}))
        .collect();
    // JSONL with a malformed line and a blank line inside the first parallel block.
    let mut text = jsonl(&rows);
    text.extend_from_slice(b"{not json\n\n");
    text.extend_from_slice(&jsonl(&rows[..10]));
    let jl = write(dir.path(), "d.jsonl", &text);

    let instruction: Vec<String> = (0..n).map(|i| format!("question {i}")).collect();
    let output: Vec<String> = (0..n).map(|i| format!("answer {}", i * 7)).collect();
    let batch = RecordBatch::try_from_iter([
        (
            "instruction",
            Arc::new(StringArray::from(instruction)) as ArrayRef,
        ),
        ("output", Arc::new(StringArray::from(output)) as ArrayRef),
    ])
    .unwrap();
    let pq = dir.path().join("d.parquet");
    let props = parquet::file::properties::WriterProperties::builder()
        .set_max_row_group_row_count(Some(300))
        .build();
    let mut w = parquet::arrow::ArrowWriter::try_new(
        std::fs::File::create(&pq).unwrap(),
        batch.schema(),
        Some(props),
    )
    .unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();

    let on = |threads: usize, path: &Path| {
        let l = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| load(path));
        let skips: Vec<String> = l
            .skips
            .iter()
            .map(|s| format!("{} {}", s.location, s.reason))
            .collect();
        (
            content(&l.records),
            l.records
                .iter()
                .map(|r| r.origin.to_string())
                .collect::<Vec<_>>(),
            skips,
            l.warnings,
        )
    };
    for path in [&jl, &pq] {
        let one = on(1, path);
        assert!(one.0.len() >= n, "{}", path.display());
        assert_eq!(one, on(4, path), "{}", path.display());
    }
    let skips = on(4, &jl).2;
    assert!(
        skips.len() == 1 && skips[0].ends_with(&format!("d.jsonl:{} malformed_json", n + 1)),
        "{skips:?}"
    );
}

/// Same-named shards in different folders get distinct sampling keys (their path below
/// the dataset's root), so no two records tie in the seeded sample; unique names keep
/// keying by file name alone, wherever the dataset lives.
#[test]
fn same_named_shards_in_folders_get_distinct_sampling_keys() {
    let dir = tempfile::tempdir().unwrap();
    let rows: Vec<Value> = (0..5)
        .map(|i| json!({"instruction": format!("q{i}"), "output": "a"}))
        .collect();
    write(dir.path(), "data/en/train.jsonl", &jsonl(&rows));
    write(dir.path(), "data/zh/train.jsonl", &jsonl(&rows));
    write(dir.path(), "data/zh/extra.jsonl", &jsonl(&rows));
    let l = load(&dir.path().join("data"));
    assert_eq!(l.records.len(), 15);
    let within: Vec<Option<&str>> = l
        .records
        .iter()
        .map(|r| r.origin.within.as_deref())
        .collect();
    assert!(within.contains(&Some("en/train.jsonl")) && within.contains(&Some("zh/train.jsonl")));
    assert!(
        within.contains(&None),
        "a unique name keys by its name: {within:?}"
    );
    let mut keys: Vec<u64> = l
        .records
        .iter()
        .map(|r| ftqa_metrics::sample::record_key(r, 7))
        .collect();
    keys.sort_unstable();
    keys.dedup();
    assert_eq!(keys.len(), 15, "sampling keys collide");
    // A single file keys by its name: the same wherever it lives.
    let one = load(&write(
        dir.path(),
        "elsewhere/deep/train.jsonl",
        &jsonl(&rows),
    ));
    assert_eq!(one.records[0].origin.within, None);
}
