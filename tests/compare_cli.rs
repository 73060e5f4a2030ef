//! `ftqa compare` through the real binary, on generated fixtures with known planted values:
//! alpaca.json (95 analysed, 5 exact duplicate samples) and sharegpt.jsonl (69 analysed, 4).

mod common;

use common::{fixtures, ftqa, stderr, stdout};
use serde_json::Value;
use std::path::Path;

fn compare(paths: &[&Path], out: &Path, extra: &[&str]) -> Value {
    let mut args = vec!["compare".to_string()];
    args.extend(paths.iter().map(|p| p.display().to_string()));
    args.extend([
        "-o".to_string(),
        out.display().to_string(),
        "--no-progress".to_string(),
    ]);
    args.extend(extra.iter().map(|s| s.to_string()));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = ftqa(&refs);
    assert!(o.status.success(), "ftqa compare failed: {}", stderr(&o));
    assert!(stdout(&o).contains("compare: "), "terminal summary");
    serde_json::from_str(&std::fs::read_to_string(out.join("compare.json")).unwrap()).unwrap()
}

/// The verdict the value rule gives (`by_value`) unless both reports hold a 95% interval
/// for `id` and the intervals overlap: then `no_clear_difference`.
fn expected_verdict(cmp: &Path, id: &str, label: &str, by_value: &str) -> String {
    let interval = |l: &str| {
        let r: Value = serde_json::from_str(
            &std::fs::read_to_string(cmp.join(format!("reports/{l}/report.json"))).unwrap(),
        )
        .unwrap();
        let i = &r["intervals"][id];
        i["low"].as_f64().zip(i["high"].as_f64())
    };
    match (interval("A"), interval(label)) {
        (Some((al, ah)), Some((bl, bh))) if !(ah < bl || bh < al) => "no_clear_difference".into(),
        _ => by_value.into(),
    }
}

fn row<'a>(c: &'a Value, id: &str) -> &'a Value {
    c["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == id)
        .unwrap_or_else(|| panic!("no row {id}"))
}

#[test]
fn two_datasets_side_by_side_with_verdicts_and_overlap() {
    let t = tempfile::tempdir().unwrap();
    let a = fixtures().join("alpaca.json");
    let b = fixtures().join("sharegpt.jsonl");
    let out = t.path().join("cmp");
    let c = compare(&[&a, &b], &out, &[]);
    assert_eq!(c["compare_layout_version"], 2);
    assert_eq!(c["datasets"][0]["label"], "A");
    assert_eq!(c["datasets"][0]["analyzed"], 95);
    assert_eq!(c["datasets"][1]["analyzed"], 69);
    // Lower is better: 5/95 = 5.26% against 4/69 = 5.80% is worse.
    let dup = row(&c, "dedup.exact.sample_rate");
    assert_eq!(dup["direction"], "lower_is_better");
    assert!((dup["values"][0].as_f64().unwrap() - 5.0 / 95.0).abs() < 1e-12);
    assert!((dup["deltas"][1].as_f64().unwrap() - (4.0 / 69.0 - 5.0 / 95.0)).abs() < 1e-12);
    let expected = expected_verdict(&out, "dedup.exact.sample_rate", "B", "worse");
    assert_eq!(dup["verdicts"][1], expected.as_str());
    if expected == "worse" {
        assert_eq!(dup["verdict"], "B worse than A (5.26% → 5.8%)");
    } else {
        // 5 in 95 against 4 in 69: the rates' intervals overlap widely.
        assert!(
            dup["verdict"]
                .as_str()
                .unwrap()
                .starts_with("B no clear difference from A (5.26% ["),
            "{dup}"
        );
    }
    // Descriptive metrics change without a better or worse.
    assert_eq!(row(&c, "records.total")["verdicts"][1], "differs");
    // Overlap: the diagonal is each dataset's own duplicate rate; the two share no samples.
    let m = &c["overlap"];
    assert!(
        (m["exact"][0][0].as_f64().unwrap() - 5.0 / 95.0).abs() < 1e-9,
        "{m}"
    );
    assert!(
        (m["exact"][1][1].as_f64().unwrap() - 4.0 / 69.0).abs() < 1e-9,
        "{m}"
    );
    assert_eq!(m["exact"][0][1].as_f64().unwrap(), 0.0);
    // Every output format, and overlaid plots as SVG and PNG.
    let html = std::fs::read_to_string(out.join("compare.html")).unwrap();
    assert!(html.contains("<section id=\"overlap\">") && html.contains("<section id=\"dedup\">"));
    assert!(html.contains(&html_text(dup["verdict"].as_str().unwrap())));
    let md = std::fs::read_to_string(out.join("compare.md")).unwrap();
    assert!(md.lines().count() < 60, "compare.md is a PR comment");
    // The paper's indices lead the table, whatever their verdict.
    for m in c["metrics"].as_array().unwrap() {
        if m["paper_index"].is_string() && m["values"][0].is_number() {
            assert!(
                md.contains(&format!("`{}`", m["id"].as_str().unwrap())),
                "{md}"
            );
        }
    }
    let plots: Vec<_> = std::fs::read_dir(out.join("plots"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(
        plots
            .iter()
            .any(|p| p.starts_with("length.") && p.ends_with(".png")),
        "{plots:?}"
    );
    assert!(plots
        .iter()
        .any(|p| p.starts_with("length.") && p.ends_with(".svg")));
    // Each dataset's own report is kept beside the comparison.
    assert!(
        out.join("reports/A/report.html").is_file() && out.join("reports/B/report.json").is_file()
    );
}

#[test]
fn a_dataset_against_itself_overlaps_fully_and_nothing_changes() {
    let t = tempfile::tempdir().unwrap();
    let a = fixtures().join("alpaca.json");
    // The same file name: the sample's record keys hash it, and order-sensitive indices
    // (MTLD, task inference) read a renamed copy's sample in another order.
    let copy = t.path().join("alpaca.json");
    std::fs::copy(&a, &copy).unwrap();
    let c = compare(&[&a, &copy], &t.path().join("cmp"), &[]);
    let m = &c["overlap"];
    assert_eq!(m["exact"][1][0].as_f64().unwrap(), 1.0, "{m}");
    assert_eq!(m["exact"][0][1].as_f64().unwrap(), 1.0, "{m}");
    for r in c["metrics"].as_array().unwrap() {
        // A paper index measured in neither (judged difficulty needs --judge) is listed
        // with its reason and reads "missing"; only run facts could differ otherwise.
        if r["values"].as_array().unwrap().iter().all(|v| v.is_null()) {
            assert!(
                r["verdict"].as_str().unwrap().contains("not measured"),
                "{r}"
            );
            continue;
        }
        assert_eq!(r["verdicts"][1], "same", "{r}");
    }
}

#[test]
fn three_datasets_and_no_overlap_flag() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("cmp");
    let c = compare(
        &[
            &fixtures().join("alpaca.json"),
            &fixtures().join("sharegpt.jsonl"),
            &fixtures().join("dolly.tsv"),
        ],
        &out,
        &["--no-overlap"],
    );
    assert_eq!(c["datasets"][2]["label"], "C");
    assert!(c["overlap"].is_null());
    assert_eq!(c["overlap_note"], "Skipped (--no-overlap).");
    let dup = row(&c, "dedup.exact.sample_rate");
    assert_eq!(dup["values"].as_array().unwrap().len(), 3);
    // dolly.tsv: 2 duplicates in 52, better than alpaca's 5 in 95 by value (no clear
    // difference once both rates carry overlapping intervals).
    let expected = expected_verdict(&out, "dedup.exact.sample_rate", "C", "better");
    assert_eq!(dup["verdicts"][2], expected.as_str());
    // All three sampled to the smallest, dolly.tsv's 52 records.
    assert_eq!(c["common_sample"]["size"], 52);
    assert_eq!(
        c["common_sample"]["records"],
        serde_json::json!([95, 69, 52])
    );
}

fn html_text(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn sample_size(cmp: &Path, label: &str) -> Value {
    let r: Value = serde_json::from_str(
        &std::fs::read_to_string(cmp.join(format!("reports/{label}/report.json"))).unwrap(),
    )
    .unwrap();
    r["sample"]["size"].clone()
}

#[test]
fn datasets_of_different_sizes_are_sampled_to_the_smaller_size() {
    let t = tempfile::tempdir().unwrap();
    let a = fixtures().join("alpaca.json");
    let b = fixtures().join("sharegpt.jsonl");
    let out = t.path().join("cmp");
    // 95 and 69 analysable records, default --sample-size 10,000: N = 69.
    let mut args: Vec<String> = vec!["compare".into(), a.display().to_string()];
    args.push(b.display().to_string());
    args.extend(["-o", out.to_str().unwrap(), "--no-progress", "--no-overlap"].map(String::from));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = ftqa(&refs);
    assert!(o.status.success(), "{}", stderr(&o));
    let c: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("compare.json")).unwrap()).unwrap();
    let cs = &c["common_sample"];
    assert_eq!(cs["size"], 69, "{cs}");
    assert_eq!(cs["requested"], 10_000);
    assert_eq!(cs["records"], serde_json::json!([95, 69]));
    assert_eq!(sample_size(&out, "A"), 69);
    assert_eq!(sample_size(&out, "B"), 69);
    assert_eq!(c["datasets"][0]["sample_size"], 69);
    assert_eq!(c["datasets"][1]["sample_size"], 69);
    let said = "All datasets sampled to 69 records (seed ";
    let note = cs["note"].as_str().unwrap();
    assert!(note.starts_with(said), "{note}");
    assert!(note.contains("so size-dependent indices compare at one size"));
    assert!(stdout(&o).contains(said), "{}", stdout(&o));
    assert!(std::fs::read_to_string(out.join("compare.md"))
        .unwrap()
        .contains(said));
    assert!(std::fs::read_to_string(out.join("compare.html"))
        .unwrap()
        .contains(said));
    // Paper indices lead the metric rows.
    let first = &c["metrics"][0];
    assert!(first["paper_index"].is_string(), "{first}");

    // A smaller --sample-size wins over the smallest dataset.
    let out2 = t.path().join("cmp2");
    let c = compare(&[&a, &b], &out2, &["--no-overlap", "--sample-size", "40"]);
    assert_eq!(c["common_sample"]["size"], 40);
    assert_eq!(sample_size(&out2, "A"), 40);
    assert_eq!(sample_size(&out2, "B"), 40);
    // --sample-size 0 (every record) still compares at one size: the smallest dataset's.
    let out3 = t.path().join("cmp3");
    let c = compare(&[&a, &b], &out3, &["--no-overlap", "--sample-size", "0"]);
    assert_eq!(c["common_sample"]["size"], 69);
    assert_eq!(c["common_sample"]["requested"], 0);
    assert_eq!(sample_size(&out3, "A"), 69);
}

#[test]
fn compare_needs_two_datasets() {
    let o = ftqa(&["compare", fixtures().join("alpaca.json").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
}

/// Overlap between vision-language datasets counts a record only when its images match as
/// well: B asks A's 10 questions, 4 about A's own pictures and 6 about other pictures, so
/// 4 of B's 10 records are in A, exactly, near and semantically alike.
#[test]
fn overlap_of_vision_language_data_needs_the_same_images() {
    let t = tempfile::tempdir().unwrap();
    const QA: [(&str, &str); 10] = [
        (
            "How many boats are moored at the wooden pier?",
            "Seven small fishing boats are tied to the pier.",
        ),
        (
            "What is the weather like over the mountains?",
            "Dark storm clouds gather above snowy peaks.",
        ),
        (
            "Which fruit is the child holding in her left hand?",
            "She holds a bright green apple.",
        ),
        (
            "Describe the pattern on the ceramic vase.",
            "Blue spirals wind around a cream glaze.",
        ),
        (
            "What breed could the sleeping dog on the sofa be?",
            "It looks like a golden retriever puppy.",
        ),
        (
            "Read the text on the red shop sign.",
            "The sign says Fresh Bread Daily.",
        ),
        (
            "Why are the commuters holding umbrellas?",
            "Heavy rain is falling on the station platform.",
        ),
        (
            "What instrument is the street musician playing?",
            "He is playing a battered saxophone.",
        ),
        (
            "Is the traffic light green for pedestrians?",
            "No, the pedestrian signal shows a red figure.",
        ),
        (
            "What time does the clock on the tower show?",
            "The hands point to a quarter past three.",
        ),
    ];
    let row = |i: usize, image: &str| {
        serde_json::json!({
            "image": image,
            "conversations": [
                {"from": "human", "value": format!("<image>\n{}", QA[i].0)},
                {"from": "gpt", "value": QA[i].1},
            ]
        })
        .to_string()
    };
    let write = |name: &str, rows: Vec<String>| {
        let p = t.path().join(name);
        std::fs::write(&p, rows.join("\n") + "\n").unwrap();
        p
    };
    let a = write(
        "a.jsonl",
        (0..10).map(|i| row(i, &format!("a/{i}.jpg"))).collect(),
    );
    let b = write(
        "b.jsonl",
        (0..10)
            .map(|i| {
                if i < 4 {
                    row(i, &format!("a/{i}.jpg"))
                } else {
                    row(i, &format!("b/{i}.jpg"))
                }
            })
            .collect(),
    );
    let c = compare(&[&a, &b], &t.path().join("cmp"), &[]);
    let m = &c["overlap"];
    for level in ["exact", "near", "semantic"] {
        assert_eq!(m[level][1][0].as_f64(), Some(0.4), "{level}: {m}");
        assert_eq!(m[level][0][1].as_f64(), Some(0.4), "{level}: {m}");
        assert_eq!(m[level][0][0].as_f64(), Some(0.0), "{level}: {m}");
    }
}
