//! Issue 12: datasets in shapes no named schema covers load with no flags. Each shape is
//! generated here with a known answer (the user turns, the response, the task label and
//! the reference count of every record), loaded through the real loader, and compared.
//! The test prints the share of shapes that load correctly and fails on any miss.

use ftqa::load::{LoadEvent, LoadOptions, Loader};
use serde_json::{json, Value};
use std::path::Path;

const ROWS: usize = 12;

/// What one record must become.
#[derive(Debug, PartialEq)]
struct Want {
    user: Vec<String>,
    response: Option<String>,
    task: Option<String>,
    references: usize,
}

fn q(i: usize) -> String {
    format!("Explain idea number {i} in simple words for a new reader")
}
fn a(i: usize) -> String {
    format!("Idea {i} means that the parts work well together")
}
fn ctx(i: usize) -> String {
    format!("Background passage {i} about the history of the idea")
}

fn want(user: &[String], response: Option<String>, task: Option<String>) -> Want {
    Want {
        user: user.to_vec(),
        response,
        task,
        references: 0,
    }
}

struct Shape {
    name: &'static str,
    /// File name: the extension picks the format.
    file: &'static str,
    row: fn(usize) -> Value,
    expect: fn(usize) -> Want,
}

fn cat(i: usize) -> String {
    ["writing", "math", "coding"][i % 3].to_string()
}

fn shapes() -> Vec<Shape> {
    vec![
        Shape {
            name: "definition/input/target list/subtask (task collection)",
            file: "superni.jsonl",
            row: |i| {
                let refs = [a(i), "alt one".into(), "alt two".into()];
                let target = &refs[..1 + i % 3];
                json!({"definition": q(i), "input": ctx(i), "target": target, "subtask": format!("task{}", i % 4)})
            },
            expect: |i| Want {
                user: vec![format!("{}\n\n{}", q(i), ctx(i))],
                response: Some(a(i)),
                task: Some(format!("task{}", i % 4)),
                references: 1 + i % 3,
            },
        },
        Shape {
            name: "question_id/category/turns/partial reference (prompt set)",
            file: "mtbench.jsonl",
            row: |i| {
                let all = [q(i), format!("Now shorten answer {i}")];
                let turns = &all[..1 + i % 2];
                let mut v = json!({"question_id": 80 + i, "category": cat(i), "turns": turns});
                if i % 4 == 1 {
                    v["reference"] = json!([a(i)]);
                }
                v
            },
            expect: |i| {
                let turns = [q(i), format!("Now shorten answer {i}")];
                want(&turns[..1 + i % 2], None, Some(cat(i)))
            },
        },
        Shape {
            name: "index/query/domain1/domain2/checklist (two-level prompts)",
            file: "writing.jsonl",
            row: |i| {
                let d1 = ["Academic", "Finance"][i % 2];
                json!({"index": i, "query": q(i), "domain1": d1, "domain2": format!("sub{}", i % 3), "checklist": [{"name": "clarity", "criteria_description": "is it clear"}]})
            },
            expect: |i| {
                want(
                    &[q(i)],
                    None,
                    Some(format!("{} / sub{}", ["Academic", "Finance"][i % 2], i % 3)),
                )
            },
        },
        Shape {
            name: "nested conversation.turns messages",
            file: "nested_conv.jsonl",
            row: |i| json!({"conversation": {"id": i, "turns": [{"role": "user", "content": q(i)}, {"role": "assistant", "content": a(i)}]}}),
            expect: |i| want(&[q(i)], Some(a(i)), None),
        },
        Shape {
            name: "nested data.instruction/data.output",
            file: "nested_fields.jsonl",
            row: |i| json!({"data": {"instruction": q(i), "output": a(i)}, "meta": {"category": cat(i)}}),
            expect: |i| want(&[q(i)], Some(a(i)), Some(cat(i))),
        },
        Shape {
            name: "column per turn user_N/assistant_N",
            file: "per_turn.jsonl",
            row: |i| json!({"user_1": q(i), "assistant_1": a(i), "user_2": format!("Why {i}?"), "assistant_2": format!("Because {i}.")}),
            expect: |i| {
                want(
                    &[q(i), format!("Why {i}?")],
                    Some(format!("Because {i}.")),
                    None,
                )
            },
        },
        Shape {
            name: "column per turn q1/a1",
            file: "qa_numbered.jsonl",
            row: |i| json!({"q1": q(i), "a1": a(i)}),
            expect: |i| want(&[q(i)], Some(a(i)), None),
        },
        Shape {
            name: "column per turn human_0/gpt_0 (assistant column first)",
            file: "zero_based.jsonl",
            row: |i| json!({"gpt_0": a(i), "human_0": q(i)}),
            expect: |i| want(&[q(i)], Some(a(i)), None),
        },
        Shape {
            name: "Chinese 问题/回答",
            file: "zh_qa.jsonl",
            row: |i| json!({"问题": q(i), "回答": a(i)}),
            expect: |i| want(&[q(i)], Some(a(i)), None),
        },
        Shape {
            name: "Chinese 指令/输入/输出/类别",
            file: "zh_alpaca.jsonl",
            row: |i| json!({"指令": q(i), "输入": ctx(i), "输出": a(i), "类别": cat(i)}),
            expect: |i| {
                want(
                    &[format!("{}\n\n{}", q(i), ctx(i))],
                    Some(a(i)),
                    Some(cat(i)),
                )
            },
        },
        Shape {
            name: "Spanish pregunta/respuesta/categoría",
            file: "es.jsonl",
            row: |i| json!({"pregunta": q(i), "respuesta": a(i), "categoría": cat(i)}),
            expect: |i| want(&[q(i)], Some(a(i)), Some(cat(i))),
        },
        Shape {
            name: "Russian вопрос/ответ",
            file: "ru.jsonl",
            row: |i| json!({"вопрос": q(i), "ответ": a(i)}),
            expect: |i| want(&[q(i)], Some(a(i)), None),
        },
        Shape {
            name: "German Frage/Antwort",
            file: "de.jsonl",
            row: |i| json!({"Frage": q(i), "Antwort": a(i)}),
            expect: |i| want(&[q(i)], Some(a(i)), None),
        },
        Shape {
            name: "Japanese 質問/回答",
            file: "ja.jsonl",
            row: |i| json!({"質問": q(i), "回答": a(i)}),
            expect: |i| want(&[q(i)], Some(a(i)), None),
        },
        Shape {
            name: "camelCase userPrompt/modelResponse",
            file: "camel.jsonl",
            row: |i| json!({"userPrompt": q(i), "modelResponse": a(i)}),
            expect: |i| want(&[q(i)], Some(a(i)), None),
        },
        Shape {
            name: "query/answer",
            file: "query_answer.jsonl",
            row: |i| json!({"id": format!("x{i}"), "query": q(i), "answer": a(i)}),
            expect: |i| want(&[q(i)], Some(a(i)), None),
        },
        Shape {
            name: "question/response",
            file: "question_response.jsonl",
            row: |i| json!({"question": q(i), "response": a(i)}),
            expect: |i| want(&[q(i)], Some(a(i)), None),
        },
        Shape {
            name: "problem/solution/subject/level (math set)",
            file: "math.jsonl",
            row: |i| json!({"problem": q(i), "solution": a(i), "subject": cat(i), "level": format!("Level {}", 1 + i % 5)}),
            expect: |i| want(&[q(i)], Some(a(i)), Some(cat(i))),
        },
        Shape {
            name: "prompt/answers list (multi-reference)",
            file: "answers_list.jsonl",
            row: |i| json!({"prompt": q(i), "answers": [a(i), "another answer"]}),
            expect: |i| Want {
                references: 2,
                ..want(&[q(i)], Some(a(i)), None)
            },
        },
        Shape {
            name: "input/output without instruction",
            file: "input_output.jsonl",
            row: |i| json!({"input": q(i), "output": a(i)}),
            expect: |i| want(&[q(i)], Some(a(i)), None),
        },
        Shape {
            name: "context/question/answers (reading comprehension)",
            file: "squad.jsonl",
            row: |i| json!({"title": "T", "context": ctx(i), "question": q(i), "answers": [a(i)]}),
            expect: |i| Want {
                references: 1,
                ..want(&[format!("{}\n\n{}", q(i), ctx(i))], Some(a(i)), None)
            },
        },
        Shape {
            name: "dialog with speaker/utterance messages",
            file: "dialog.jsonl",
            row: |i| json!({"dialog_id": i, "dialog": [{"speaker": "user", "utterance": q(i)}, {"speaker": "assistant", "utterance": a(i)}]}),
            expect: |i| want(&[q(i)], Some(a(i)), None),
        },
        Shape {
            name: "qa_pairs list of question/answer objects",
            file: "pairs.jsonl",
            row: |i| json!({"qa_pairs": [{"question": q(i), "answer": a(i)}, {"question": format!("Why {i}?"), "answer": format!("Because {i}.")}]}),
            expect: |i| {
                want(
                    &[q(i), format!("Why {i}?")],
                    Some(format!("Because {i}.")),
                    None,
                )
            },
        },
        Shape {
            name: "prompt_text only (prompt set, by a name word)",
            file: "prompt_text.jsonl",
            row: |i| json!({"prompt_text": q(i), "topic": cat(i)}),
            expect: |i| want(&[q(i)], None, Some(cat(i))),
        },
        Shape {
            name: "instruction/chosen_response",
            file: "chosen_response.jsonl",
            row: |i| json!({"instruction": q(i), "chosen_response": a(i)}),
            expect: |i| want(&[q(i)], Some(a(i)), None),
        },
        Shape {
            name: "unknown column names (order decides)",
            file: "unknown.jsonl",
            row: |i| json!({"num": i, "foo": q(i), "bar": a(i)}),
            expect: |i| want(&[q(i)], Some(a(i)), None),
        },
        Shape {
            name: "chat messages under an unknown name",
            file: "chat.jsonl",
            row: |i| json!({"chat": [{"role": "user", "content": q(i)}, {"role": "assistant", "content": a(i)}]}),
            expect: |i| want(&[q(i)], Some(a(i)), None),
        },
        Shape {
            name: "system_prompt/user_input/expected_output/task_type",
            file: "system.jsonl",
            row: |i| json!({"system_prompt": "Be brief.", "user_input": q(i), "expected_output": a(i), "task_type": cat(i)}),
            expect: |i| want(&[q(i)], Some(a(i)), Some(cat(i))),
        },
        Shape {
            name: "meta.category nested label with question/answer",
            file: "nested_label.jsonl",
            row: |i| json!({"question": q(i), "answer": a(i), "meta": {"category": cat(i)}}),
            expect: |i| want(&[q(i)], Some(a(i)), Some(cat(i))),
        },
        Shape {
            name: "CSV Question/Answer/Category",
            file: "capitalised.csv",
            row: |i| json!({"Question": q(i), "Answer": a(i), "Category": cat(i)}),
            expect: |i| want(&[q(i)], Some(a(i)), Some(cat(i))),
        },
        Shape {
            name: "src/tgt translation pairs (order decides)",
            file: "translation.jsonl",
            row: |i| json!({"src": q(i), "tgt": a(i)}),
            expect: |i| want(&[q(i)], Some(a(i)), None),
        },
        Shape {
            name: "turns of user/assistant pair objects",
            file: "turn_pairs.json",
            row: |i| json!({"turns": [{"user": q(i), "assistant": a(i)}]}),
            expect: |i| want(&[q(i)], Some(a(i)), None),
        },
        Shape {
            name: "conversations as a list of strings (LIMA)",
            file: "lima.jsonl",
            row: |i| json!({"conversations": [q(i), a(i)], "source": "stackexchange"}),
            expect: |i| want(&[q(i)], Some(a(i)), Some("stackexchange".into())),
        },
        Shape {
            name: "data as alternating strings (UltraChat)",
            file: "ultrachat.jsonl",
            row: |i| json!({"id": format!("u{i}"), "data": [q(i), a(i), format!("Why {i}?"), format!("Because {i}.")]}),
            expect: |i| {
                want(
                    &[q(i), format!("Why {i}?")],
                    Some(format!("Because {i}.")),
                    None,
                )
            },
        },
        Shape {
            name: "conversation of input/output pair objects (Capybara)",
            file: "capybara.jsonl",
            row: |i| json!({"source": "Airoboros", "conversation": [{"input": q(i), "output": a(i)}]}),
            expect: |i| want(&[q(i)], Some(a(i)), Some("Airoboros".into())),
        },
        Shape {
            name: "id/system_prompt/question/response (OpenOrca)",
            file: "openorca.jsonl",
            row: |i| json!({"id": format!("niv.{i}"), "system_prompt": "You are a helpful assistant.", "question": q(i), "response": a(i)}),
            expect: |i| want(&[q(i)], Some(a(i)), None),
        },
        Shape {
            name: "SQuAD with an answers object of lists",
            file: "squad_dict.jsonl",
            row: |i| json!({"id": format!("s{i}"), "title": "T", "context": ctx(i), "question": q(i), "answers": {"text": [a(i), "alt"], "answer_start": [3, 9]}}),
            expect: |i| Want {
                references: 2,
                ..want(&[format!("{}\n\n{}", q(i), ctx(i))], Some(a(i)), None)
            },
        },
        Shape {
            name: "MMLU question/subject/choices list/answer index",
            file: "mmlu.jsonl",
            row: |i| json!({"question": q(i), "subject": cat(i), "choices": ["red", "green", "blue", "grey"], "answer": i % 4}),
            expect: |i| {
                want(
                    &[format!("{}\n\nred\ngreen\nblue\ngrey", q(i))],
                    Some((i % 4).to_string()),
                    Some(cat(i)),
                )
            },
        },
        Shape {
            name: "ARC question/choices object/answerKey",
            file: "arc.jsonl",
            row: |i| json!({"id": format!("arc{i}"), "question": q(i), "choices": {"text": ["red light", "green light"], "label": ["A", "B"]}, "answerKey": "AB"[i % 2..i % 2 + 1].to_string()}),
            expect: |i| {
                want(
                    &[format!("{}\n\nred light\ngreen light", q(i))],
                    Some("AB"[i % 2..i % 2 + 1].to_string()),
                    None,
                )
            },
        },
        Shape {
            name: "TriviaQA answer object with value",
            file: "trivia.jsonl",
            row: |i| json!({"question": q(i), "answer": {"value": a(i), "aliases": ["x", "y"]}}),
            expect: |i| want(&[q(i)], Some(a(i)), None),
        },
        Shape {
            name: "MBPP text/code/test_list (order decides)",
            file: "mbpp.jsonl",
            row: |i| json!({"text": q(i), "code": format!("def f{i}(x):\n    return x + {i}"), "task_id": i, "test_list": ["assert f(1) == 2"]}),
            expect: |i| {
                want(
                    &[q(i)],
                    Some(format!("def f{i}(x):\n    return x + {i}")),
                    None,
                )
            },
        },
        Shape {
            name: "category/subcategory two-level labels",
            file: "subcategory.jsonl",
            row: |i| json!({"instruction_text": q(i), "output_text": a(i), "category": cat(i), "subcategory": format!("s{}", i % 2)}),
            expect: |i| {
                want(
                    &[q(i)],
                    Some(a(i)),
                    Some(format!("{} / s{}", cat(i), i % 2)),
                )
            },
        },
    ]
}

fn write_shape(dir: &Path, shape: &Shape) -> String {
    let path = dir.join(shape.file);
    let rows: Vec<Value> = (0..ROWS).map(shape.row).collect();
    let text = if shape.file.ends_with(".csv") {
        let cols: Vec<String> = rows[0].as_object().unwrap().keys().cloned().collect();
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(&cols).unwrap();
        for r in &rows {
            let cells: Vec<String> = cols
                .iter()
                .map(|c| r[c].as_str().map(str::to_string).unwrap_or_default())
                .collect();
            w.write_record(&cells).unwrap();
        }
        String::from_utf8(w.into_inner().unwrap()).unwrap()
    } else if shape.file.ends_with(".json") {
        serde_json::to_string_pretty(&rows).unwrap()
    } else {
        rows.iter().map(|r| format!("{r}\n")).collect()
    };
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

/// Loads one shape and says what, if anything, came out wrong.
fn check(dir: &Path, shape: &Shape) -> Result<String, String> {
    let path = write_shape(dir, shape);
    let loader = Loader::open(&LoadOptions {
        path,
        ..LoadOptions::default()
    })
    .map_err(|e| format!("refused: {e:#}"))?;
    let info = loader.info().clone();
    let mut records = Vec::new();
    for ev in loader {
        match ev {
            LoadEvent::Record(r) => records.push(r),
            LoadEvent::Skip(s) => return Err(format!("skipped {}: {}", s.location, s.detail)),
        }
    }
    if records.len() != ROWS {
        return Err(format!("{} records, want {ROWS}", records.len()));
    }
    for (i, r) in records.iter().enumerate() {
        let got = Want {
            user: r
                .turns
                .iter()
                .filter(|t| t.role == ftqa_metrics::record::Role::User)
                .map(|t| t.text.clone())
                .collect(),
            response: r.response().map(str::to_string),
            task: r.task.clone(),
            references: r.references,
        };
        let want = (shape.expect)(i);
        if got != want {
            return Err(format!(
                "record {i}: got {got:?}, want {want:?} (mapping {:?})",
                info.mapping
            ));
        }
    }
    Ok(format!(
        "schema {} · confidence {} · {:?}",
        info.schema, info.mapping_confidence, info.mapping
    ))
}

#[test]
fn generated_unknown_shapes_load_with_no_flags() {
    let dir = tempfile::tempdir().unwrap();
    let shapes = shapes();
    assert!(shapes.len() >= 25);
    let mut misses = Vec::new();
    for s in &shapes {
        match check(dir.path(), s) {
            Ok(how) => eprintln!("ok    {}: {how}", s.name),
            Err(why) => {
                eprintln!("MISS  {}: {why}", s.name);
                misses.push(format!("{}: {why}", s.name));
            }
        }
    }
    let ok = shapes.len() - misses.len();
    eprintln!(
        "{ok} of {} generated shapes load correctly ({:.0}%)",
        shapes.len(),
        100.0 * ok as f64 / shapes.len() as f64
    );
    assert!(misses.is_empty(), "{misses:#?}");
}

mod common;
use common::{ftqa, report, stderr};

/// The three real shapes the issue names, at realistic sizes, through the real binary.
#[test]
fn issue_shapes_report_with_no_flags() {
    let dir = tempfile::tempdir().unwrap();
    let by_name = |n: &str| shapes().into_iter().find(|s| s.file == n).unwrap();
    let write_n = |s: &Shape, n: usize| {
        let path = dir.path().join(s.file);
        let text: String = (0..n).map(|i| format!("{}\n", (s.row)(i))).collect();
        std::fs::write(&path, text).unwrap();
        path
    };

    let superni = write_n(&by_name("superni.jsonl"), 600);
    let r = report(&superni, &dir.path().join("o1"), &[]);
    assert_eq!(r["records"]["total"], 600);
    assert_eq!(r["records"]["analyzed"], 600);
    assert_eq!(r["records"]["skipped"], 0);
    assert_eq!(r["dataset"]["mapping"]["instruction"], "definition+input");
    assert_eq!(r["dataset"]["mapping"]["response"], "target");
    assert_eq!(r["dataset"]["task_source"], "column:subtask");
    assert_eq!(r["metrics"]["diversity.task.count"], 4.0);
    assert_eq!(r["metrics"]["references.records"], 600.0);
    // 1, 2, 3 references in turn: a mean of 2, at most 3.
    assert_eq!(r["metrics"]["references.mean"], 2.0);
    assert_eq!(r["metrics"]["references.max"], 3.0);
    assert!(r["metrics"]["diversity.response.log_clusters"].is_number());

    let mtbench = write_n(&by_name("mtbench.jsonl"), 80);
    let r = report(&mtbench, &dir.path().join("o2"), &[]);
    assert_eq!(r["records"]["analyzed"], 80);
    assert_eq!(r["records"]["skipped"], 0);
    assert_eq!(r["dataset"]["mapping"]["instruction"], "turns");
    assert!(r["dataset"]["mapping"].get("response").is_none());
    assert_eq!(r["dataset"]["task_source"], "column:category");
    assert_eq!(r["metrics"]["diversity.task.count"], 3.0);
    assert!(r["not_measured"]["diversity.response.log_clusters"].is_string());
    assert!(r["metrics"]["diversity.instruction.clusters_mean"].is_number());

    let writing = write_n(&by_name("writing.jsonl"), 50);
    let r = report(&writing, &dir.path().join("o3"), &[]);
    assert_eq!(r["records"]["analyzed"], 50);
    assert_eq!(r["records"]["skipped"], 0);
    assert_eq!(r["dataset"]["mapping"]["instruction"], "query");
    assert_eq!(
        r["dataset"]["task_source"],
        "columns:domain1/domain2 (two levels)"
    );
    assert_eq!(r["metrics"]["tasks.parent.count"], 2.0);
    // 2 upper levels × 3 lower ones, all combinations present in 50 rows (i mod 6).
    assert_eq!(r["metrics"]["diversity.task.count"], 6.0);
    assert!(r["not_measured"]["diversity.response.log_clusters"].is_string());

    // The terminal shows the mapping and how sure ftqa is.
    let o = ftqa(&[
        "report",
        writing.to_str().unwrap(),
        "-o",
        dir.path().join("o4").to_str().unwrap(),
        "--no-progress",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("instruction ← query"), "{out}");
    assert!(out.contains("confidence high"), "{out}");
    assert!(out.contains("prompts only"), "{out}");

    // The flags the issue tried now work too: the list target is references, not a skip.
    let r = report(
        &superni,
        &dir.path().join("o5"),
        &[
            "--instruction-col",
            "definition",
            "--input-col",
            "input",
            "--response-col",
            "target",
            "--task-col",
            "subtask",
        ],
    );
    assert_eq!(r["records"]["skipped"], 0);
    assert_eq!(r["metrics"]["references.max"], 3.0);
    assert_eq!(r["dataset"]["mapping_confidence"], "given");
}

/// Exit 2 only when there is no text column at all.
#[test]
fn no_text_column_is_the_only_refusal() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("numbers.jsonl");
    std::fs::write(&path, "{\"a\": 1, \"b\": 2.5}\n{\"a\": 2, \"b\": true}\n").unwrap();
    let o = ftqa(&[
        "report",
        path.to_str().unwrap(),
        "-o",
        dir.path().join("o").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("no text column"), "{err}");
    assert!(err.contains("numbers.jsonl"), "{err}");
}
