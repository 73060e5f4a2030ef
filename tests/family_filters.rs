//! One family, one prefix (issue 13): every id a report holds starts with a family name
//! that `--only`/`--skip` select by, so selecting a family gives exactly its ids, and a
//! filter that selects nothing is an error naming the closest families.

mod common;

use serde_json::Value;

fn ids(report: &Value) -> Vec<String> {
    let mut ids: Vec<String> = report["metrics"]
        .as_object()
        .unwrap()
        .keys()
        .chain(report["not_measured"].as_object().unwrap().keys())
        .cloned()
        .collect();
    ids.sort();
    ids
}

fn report_on(fixture: &str, extra: &[&str]) -> Value {
    let dir = tempfile::tempdir().unwrap();
    common::report(
        &common::fixtures().join(fixture),
        &dir.path().join("r"),
        extra,
    )
}

fn report(extra: &[&str]) -> Value {
    report_on("sharegpt.jsonl", extra)
}

#[test]
fn only_a_check_gives_exactly_that_checks_ids() {
    for (family, fixture) in [
        ("hygiene.truncated", "sharegpt.jsonl"),
        ("hygiene.refusal", "sharegpt.jsonl"),
        ("hygiene.mojibake", "sharegpt.jsonl"),
        ("language", "sharegpt.jsonl"),
        ("diversity.task", "sharegpt.jsonl"),
        ("videos", "llava.json"),
        ("feedback", "kto.jsonl.zst"),
    ] {
        let r = report_on(fixture, &["--only", family]);
        let ids = ids(&r);
        assert!(!ids.is_empty(), "--only {family} selected nothing");
        let prefix = format!("{family}.");
        assert!(
            ids.iter().all(|id| id.starts_with(&prefix)),
            "--only {family} gave other ids: {ids:?}"
        );
    }
}

#[test]
fn skip_a_family_leaves_none_of_its_ids() {
    let all = ids(&report(&[]));
    for family in ["language", "hygiene.truncated", "diversity.task", "script"] {
        let prefix = format!("{family}.");
        assert!(
            all.iter().any(|id| id.starts_with(&prefix)),
            "no {family} ids at all"
        );
        let rest = ids(&report(&["--skip", family]));
        assert!(
            !rest.iter().any(|id| id.starts_with(&prefix)),
            "--skip {family} left {:?}",
            rest.iter()
                .filter(|id| id.starts_with(&prefix))
                .collect::<Vec<_>>()
        );
    }
}

#[test]
fn a_filter_that_selects_nothing_is_an_error_naming_the_closest_families() {
    let input = common::fixtures().join("sharegpt.jsonl");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r");
    for (flag, value, hint) in [
        ("--only", "lenght", "length"),
        ("--skip", "hygiene.truncatd", "hygiene.truncated"),
        ("--only", "diversty", "diversity"),
    ] {
        let o = common::ftqa(&[
            "report",
            input.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--quiet",
            flag,
            value,
        ]);
        assert_eq!(o.status.code(), Some(2), "{flag} {value}");
        let err = common::stderr(&o);
        assert!(
            err.contains(&format!("{flag} {value} selects no metric family")) && err.contains(hint),
            "{err}"
        );
    }
}

#[test]
fn only_an_id_inside_a_family_runs_that_family() {
    let ids = ids(&report(&["--only", "length.response.words.mean"]));
    assert!(
        ids.contains(&"length.response.words.mean".to_string()),
        "{ids:?}"
    );
}
