//! Every generated fixture, run through the real binary, gives exactly the numbers the
//! generator planted (fixtures/generated/manifest.json).

mod common;
use common::*;
use serde_json::Value;

fn manifest() -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixtures().join("manifest.json")).unwrap())
        .unwrap()
}

#[test]
fn fixtures_are_reproducible_from_the_generator() {
    let tmp = tempfile::tempdir().unwrap();
    let o = ftqa(&["fixtures", "--out", tmp.path().to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mut compared = 0;
    for entry in walk(tmp.path()) {
        let rel = entry.strip_prefix(tmp.path()).unwrap();
        let committed = fixtures().join(rel);
        assert_eq!(
            std::fs::read(&entry).unwrap(),
            std::fs::read(&committed).unwrap_or_default(),
            "{} differs from the committed fixture; run `ftqa fixtures --out fixtures/generated`",
            rel.display()
        );
        compared += 1;
    }
    assert!(compared >= 15, "only {compared} fixture files generated");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

#[test]
fn every_fixture_matches_its_planted_ground_truth() {
    let m = manifest();
    let entries = m["fixtures"].as_array().unwrap();
    assert!(entries.len() >= 14);
    let tmp = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        let file = e["file"].as_str().unwrap();
        let out = tmp.path().join(format!("r{i}"));
        let r = report(&fixtures().join(file), &out, &[]);
        if r["dataset"]["schema"] != e["schema"] {
            failures.push(format!(
                "{file}: schema {} != {}",
                r["dataset"]["schema"], e["schema"]
            ));
        }
        if r["dataset"]["format"] != e["format"] {
            failures.push(format!(
                "{file}: format {} != {}",
                r["dataset"]["format"], e["format"]
            ));
        }
        if r["records"]["skipped_by_reason"] != e["skipped_by_reason"] {
            failures.push(format!(
                "{file}: skipped_by_reason {} != {}",
                r["records"]["skipped_by_reason"], e["skipped_by_reason"]
            ));
        }
        for (id, want) in e["metrics"].as_object().unwrap() {
            let want = want.as_f64().unwrap();
            match metric(&r, id) {
                Some(got) if (got - want).abs() < 1e-9 => {}
                got => failures.push(format!("{file}: {id} = {got:?}, planted {want}")),
            }
        }
        if let Some(w) = e["warning_contains"].as_str() {
            let warnings = r["warnings"].to_string();
            if !warnings.contains(w) {
                failures.push(format!("{file}: no warning containing {w:?} in {warnings}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn skipped_records_are_listed_with_file_line_and_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let r = report(&fixtures().join("sharegpt.jsonl"), tmp.path(), &[]);
    let listed: Vec<String> = r["records"]["skipped_examples"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            format!(
                "{} {}",
                s["location"].as_str().unwrap(),
                s["reason"].as_str().unwrap()
            )
        })
        .collect();
    // The generator inserts the broken lines at 0-based positions 7, 20 and 33.
    assert_eq!(listed.len(), 3, "{listed:?}");
    assert!(
        listed[0].contains("sharegpt.jsonl:8 malformed_json"),
        "{listed:?}"
    );
    assert!(
        listed[1].contains("sharegpt.jsonl:21 malformed_json"),
        "{listed:?}"
    );
    assert!(
        listed[2].contains("sharegpt.jsonl:34 empty_conversation"),
        "{listed:?}"
    );
    let md = std::fs::read_to_string(tmp.path().join("report.md")).unwrap();
    assert!(
        md.contains("malformed\\_json") || md.contains("malformed_json"),
        "report.md does not say why records were skipped:\n{md}"
    );
}

#[test]
fn strict_mode_stops_at_the_first_bad_record_with_exit_code_2() {
    let tmp = tempfile::tempdir().unwrap();
    let f = fixtures().join("sharegpt.jsonl");
    let o = ftqa(&[
        "report",
        f.to_str().unwrap(),
        "-o",
        tmp.path().to_str().unwrap(),
        "--strict",
        "--quiet",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("sharegpt.jsonl:8"), "{err}");
    assert!(err.contains("malformed_json"), "{err}");
}

#[test]
fn every_reported_metric_id_is_documented() {
    let tmp = tempfile::tempdir().unwrap();
    let m = manifest();
    for (i, e) in m["fixtures"].as_array().unwrap().iter().enumerate() {
        let out = tmp.path().join(format!("r{i}"));
        let r = report(&fixtures().join(e["file"].as_str().unwrap()), &out, &[]);
        for id in r["metrics"].as_object().unwrap().keys() {
            assert!(
                ftqa_metrics::registry::doc_for(id).is_some(),
                "metric {id} has no documentation entry"
            );
        }
    }
}
