//! The matching degree end to end through the binary: the VLIT fixture fixtures/clip/
//! (PNG files, one missing, one corrupt, one record without an image; and three real
//! photographs, fixtures/clip/photos.json) scored with
//! the tiny CLIP of tests/reference/clip_tiny, against the scores the NumPy reference
//! computed for the same texts and images (tests/reference/make_clip_reference.py); and
//! "not measured", with the reason, without weights, without --image-root, or without
//! images. Every run gets empty caches and no FTQA_CLIP_MODEL_DIR, so no weights on the
//! machine leak in.
#![cfg(feature = "transformer")]

mod common;

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

/// `ftqa ARGS` with empty Hugging Face and ftqa caches (under `home`) and no
/// FTQA_CLIP_MODEL_DIR.
fn run(home: &Path, args: &[&str]) -> Output {
    let (hf, own) = (home.join("hf"), home.join("ftqa"));
    std::fs::create_dir_all(&hf).unwrap();
    std::fs::create_dir_all(&own).unwrap();
    Command::new(env!("CARGO_BIN_EXE_ftqa"))
        .args(args)
        .current_dir(common::root())
        .env_remove("FTQA_CLIP_MODEL_DIR")
        .env_remove("HF_HUB_CACHE")
        .env_remove("HUGGINGFACE_HUB_CACHE")
        .env("HF_HOME", &hf)
        .env("FTQA_CACHE_DIR", &own)
        .output()
        .expect("run ftqa")
}

/// `ftqa report DATA -o OUT --quiet EXTRA...`, which must succeed; the parsed report.json.
fn report(home: &Path, data: &str, out: &Path, extra: &[&str]) -> Value {
    let mut args = vec!["report", data, "-o", out.to_str().unwrap(), "--quiet"];
    args.extend_from_slice(extra);
    let o = run(home, &args);
    assert!(o.status.success(), "{args:?}: {}", common::stderr(&o));
    serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap()
}

const DATA: &str = "fixtures/clip/data.json";
const WITH_CLIP: [&str; 4] = [
    "--image-root",
    "fixtures/clip/images",
    "--clip-model-dir",
    "tests/reference/clip_tiny",
];
const SCORE_IDS: [&str; 4] = [
    "matching.clip.score_mean",
    "matching.clip.score_median",
    "matching.clip.score_p5",
    "matching.clip.below_threshold_rate",
];

/// The NumPy reference's score per record (`None`: no readable image).
fn reference_scores() -> Vec<(String, Option<f64>)> {
    let path = common::root().join("tests/reference/clip_reference.json");
    let r: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    r["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| (x["id"].as_str().unwrap().to_string(), x["score"].as_f64()))
        .collect()
}

fn matching(r: &Value) -> Vec<(String, f64)> {
    r["metrics"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(k, _)| k.starts_with("matching."))
        .map(|(k, v)| (k.clone(), v.as_f64().unwrap()))
        .collect()
}

/// The notes of the worst-matching examples, lowest score first ("score X; images: F").
fn worst_notes(r: &Value) -> Vec<&str> {
    let group = r["examples"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["metric"] == "matching.clip.score_mean")
        .expect("worst-matching examples");
    group["examples"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["note"].as_str().unwrap())
        .collect()
}

#[test]
fn scores_equal_the_numpy_reference() {
    let home = tempfile::tempdir().unwrap();
    let mut args = WITH_CLIP.to_vec();
    args.extend(["--clip-threshold", "0"]);
    let r = report(home.path(), DATA, &home.path().join("out"), &args);
    let metric = |id: &str| common::metric(&r, id).unwrap_or_else(|| panic!("{id}: {r:#}"));

    // r0, r1, r2 (two images: their mean) and r6 scored; r3's image is missing, r5's corrupt.
    let mut want: Vec<f64> = reference_scores()
        .into_iter()
        .filter_map(|(_, s)| s)
        .collect();
    assert_eq!(want.len(), 4);
    want.sort_by(f64::total_cmp);
    assert_eq!(metric("matching.clip.scored"), 4.0);
    assert_eq!(metric("matching.clip.unreadable"), 2.0);
    let mean = want.iter().sum::<f64>() / 4.0;
    let close = |id: &str, v: f64| {
        let got = metric(id);
        assert!((got - v).abs() < 0.01, "{id}: {got}, NumPy {v}");
    };
    close("matching.clip.score_mean", mean);
    close("matching.clip.score_median", (want[1] + want[2]) / 2.0);
    close("matching.clip.score_p5", want[0]);
    let below = want.iter().filter(|s| **s < 0.0).count() as f64 / 4.0;
    assert_eq!(metric("matching.clip.below_threshold_rate"), below);
    assert!(r["intervals"]["matching.clip.score_mean"]["n"] == 4);
    assert!(r["not_measured"]
        .as_object()
        .unwrap()
        .keys()
        .all(|k| !k.starts_with("matching.")));

    // The worst-matching records, lowest first, with their image file names.
    let notes = worst_notes(&r);
    assert_eq!(notes.len(), 4);
    assert!(
        notes[0].starts_with(&format!("score {:.2}; images: ", want[0])),
        "{notes:?}"
    );
    assert!(
        notes.contains(&format!("score {:.2}; images: green.png, stripes.png", want[3]).as_str()),
        "{notes:?}"
    );
    let hist = r["distributions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == "matching.clip.score")
        .expect("the score histogram");
    let total: u64 = hist["counts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_u64().unwrap())
        .sum();
    assert_eq!(total, 4);
    let methods = r["methods"]["matching.clip"].as_str().unwrap();
    assert!(
        methods.contains("6 of the 6 records with images (of 7 records)"),
        "{methods}"
    );
    assert!(methods.contains("missing.png: missing"), "{methods}");
    // The HTML report shows the index and the image names.
    let html = std::fs::read_to_string(home.path().join("out/report.html")).unwrap();
    assert!(html.contains("matching.clip.score_mean") && html.contains("green.png, stripes.png"));

    // The same on one thread and on three.
    for threads in ["1", "3"] {
        let mut args = args.clone();
        args.extend(["--threads", threads]);
        let again = report(home.path(), DATA, &home.path().join(threads), &args);
        assert_eq!(matching(&again), matching(&r), "--threads {threads}");
    }
}

/// Real photographs (fixtures/clip/images/photos/, three camera JPEGs of 300×166 to 300×199
/// from LLaMA-Factory's LLaVA demo): JPEG decoding and bicubic downscaling to the model's
/// size, which the drawn PNGs do not exercise. The reference decodes with Pillow (libjpeg)
/// and resizes with PIL's bicubic; ftqa decodes with the `image` crate and resizes with its
/// own bicubic, so pixels may differ by a few levels (tests/clip_reference.rs bounds the
/// resize alone). On this tiny random CLIP, whose scores swing by tens of points between
/// records, that moved each score by 0.03 to 0.05 points when the test was written; 0.25
/// points (a cosine of 0.0025) is the bound, far below the gaps between the three records.
#[test]
fn real_photographs_score_like_the_numpy_reference() {
    let home = tempfile::tempdir().unwrap();
    let r = report(
        home.path(),
        "fixtures/clip/photos.json",
        &home.path().join("out"),
        &WITH_CLIP,
    );
    let path = common::root().join("tests/reference/clip_reference.json");
    let reference: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let want: Vec<(String, f64)> = reference["photo_records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["images"][0].as_str().unwrap().to_string(),
                x["score"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(want.len(), 3);
    assert_eq!(common::metric(&r, "matching.clip.scored"), Some(3.0));
    let mean = want.iter().map(|(_, s)| s).sum::<f64>() / 3.0;
    let got = common::metric(&r, "matching.clip.score_mean").unwrap();
    assert!((got - mean).abs() < 0.25, "mean {got}, NumPy {mean}");
    // Each photograph's own score, from the worst-matching examples ("score X; images: F").
    let notes = worst_notes(&r);
    assert_eq!(notes.len(), 3, "{notes:?}");
    for (file, score) in &want {
        let note = notes
            .iter()
            .find(|n| n.ends_with(&format!("images: {file}")))
            .unwrap_or_else(|| panic!("no example for {file}: {notes:?}"));
        let shown: f64 = note
            .strip_prefix("score ")
            .and_then(|n| n.split(';').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{note}"));
        assert!(
            (shown - score).abs() < 0.25,
            "{file}: {shown}, NumPy {score}"
        );
    }
}

#[test]
fn without_weights_it_is_not_measured_and_says_where_it_looked() {
    let home = tempfile::tempdir().unwrap();
    let r = report(
        home.path(),
        DATA,
        &home.path().join("out"),
        &["--image-root", "fixtures/clip/images"],
    );
    let hf = home.path().join("hf/hub");
    for id in SCORE_IDS {
        assert!(r["metrics"][id].is_null(), "{id} has a value");
        let why = r["not_measured"][id]
            .as_str()
            .unwrap_or_else(|| panic!("{id}: {r:#}"));
        assert!(
            why.starts_with("no CLIP model found; looked in: Hugging Face cache ("),
            "{why}"
        );
        assert!(why.contains(&hf.display().to_string()), "{why}");
        assert!(why.contains("openai/clip-vit-base-patch32"), "{why}");
        assert!(
            why.contains(&home.path().join("ftqa/models/clip").display().to_string()),
            "{why}"
        );
        assert!(
            why.contains("--clip-model-dir DIR or FTQA_CLIP_MODEL_DIR"),
            "{why}"
        );
    }
    assert!(r["warnings"].as_array().unwrap().iter().any(|w| w
        .as_str()
        .unwrap()
        .starts_with("matching degree (CLIP) not measured: no CLIP model found")));
}

#[test]
fn weights_in_the_hugging_face_cache_are_found() {
    let home = tempfile::tempdir().unwrap();
    // A hub snapshot as huggingface_hub lays it out, holding the tiny model.
    let repo = home
        .path()
        .join("hf/hub/models--openai--clip-vit-base-patch32");
    let snap = repo.join("snapshots/0123abc");
    std::fs::create_dir_all(&snap).unwrap();
    std::fs::create_dir_all(repo.join("refs")).unwrap();
    std::fs::write(repo.join("refs/main"), "0123abc").unwrap();
    let tiny = common::root().join("tests/reference/clip_tiny");
    for f in std::fs::read_dir(&tiny).unwrap() {
        let f = f.unwrap().path();
        std::fs::copy(&f, snap.join(f.file_name().unwrap())).unwrap();
    }
    let r = report(
        home.path(),
        DATA,
        &home.path().join("out"),
        &["--image-root", "fixtures/clip/images"],
    );
    assert_eq!(
        common::metric(&r, "matching.clip.scored"),
        Some(4.0),
        "{:#}",
        r["not_measured"]
    );
    let methods = r["methods"]["matching.clip"].as_str().unwrap();
    assert!(methods.contains(&snap.display().to_string()), "{methods}");
    // `ftqa model where --clip` names the same folder.
    let o = run(home.path(), &["model", "where", "--clip"]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    assert_eq!(common::stdout(&o).trim(), snap.display().to_string());
}

#[test]
fn without_image_root_or_images_it_is_not_measured() {
    let home = tempfile::tempdir().unwrap();
    let args = &WITH_CLIP[2..];
    let r = report(home.path(), DATA, &home.path().join("a"), args);
    for id in SCORE_IDS {
        assert_eq!(
            r["not_measured"][id],
            "needs the image files: pass --image-root DIR (the folder image paths are relative to)"
        );
    }
    // Text-only data: nothing to match, whatever the flags.
    let alpaca = common::fixtures().join("alpaca.json");
    let r = report(
        home.path(),
        alpaca.to_str().unwrap(),
        &home.path().join("b"),
        &WITH_CLIP,
    );
    for id in SCORE_IDS {
        assert_eq!(r["not_measured"][id], "the data references no images");
    }
}

#[test]
fn a_folder_without_weights_is_an_error() {
    let home = tempfile::tempdir().unwrap();
    let out = home.path().join("out");
    let o = run(
        home.path(),
        &[
            "report",
            DATA,
            "-o",
            out.to_str().unwrap(),
            "--image-root",
            "fixtures/clip/images",
            "--clip-model-dir",
            "fixtures/clip",
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", common::stderr(&o));
    assert!(common::stderr(&o).contains("--clip-model-dir points at fixtures/clip, which lacks one of config.json, model.safetensors, tokenizer.json"), "{}", common::stderr(&o));
}

/// Each part scores its own bottom-k sample; the merge keeps the bottom-k of the union,
/// which is the one-run sample: the merged report equals one run's.
#[test]
fn parts_merge_to_the_one_run_scores() {
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let rows: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(common::root().join(DATA)).unwrap()).unwrap();
    // Every row with an `images` list, so both parts read the same columns.
    let rows: Vec<Value> = rows
        .into_iter()
        .map(|mut r| {
            let o = r.as_object_mut().unwrap();
            let images = match o.remove("image") {
                Some(i) => Value::Array(vec![i]),
                None => o.remove("images").unwrap_or(Value::Array(Vec::new())),
            };
            o.insert("images".into(), images);
            r
        })
        .collect();
    std::fs::write(
        data.join("part-0.json"),
        serde_json::to_string(&rows[..4]).unwrap(),
    )
    .unwrap();
    std::fs::write(
        data.join("part-1.json"),
        serde_json::to_string(&rows[4..]).unwrap(),
    )
    .unwrap();
    let mut flags = WITH_CLIP.to_vec();
    flags.extend(["--clip-sample", "3", "--infer-tasks", "never"]);
    let one = report(
        home.path(),
        data.to_str().unwrap(),
        &home.path().join("one"),
        &flags,
    );
    let mut parts = Vec::new();
    for i in 0..2 {
        let part = home.path().join(format!("p{i}.ftqa"));
        let file = data.join(format!("part-{i}.json"));
        let mut args = vec![
            "report",
            file.to_str().unwrap(),
            "--partial",
            "-o",
            part.to_str().unwrap(),
            "--quiet",
        ];
        args.extend_from_slice(&flags);
        let o = run(home.path(), &args);
        assert!(o.status.success(), "{}", common::stderr(&o));
        parts.push(part);
    }
    let merged = home.path().join("merged");
    let o = run(
        home.path(),
        &[
            "merge",
            parts[1].to_str().unwrap(),
            parts[0].to_str().unwrap(),
            "-o",
            merged.to_str().unwrap(),
            "--quiet",
        ],
    );
    assert!(o.status.success(), "{}", common::stderr(&o));
    let m: Value =
        serde_json::from_str(&std::fs::read_to_string(merged.join("report.json")).unwrap())
            .unwrap();
    assert_eq!(common::metric(&one, "matching.clip.scored"), Some(3.0));
    assert_eq!(matching(&m), matching(&one));
    let examples = |r: &Value| {
        r["examples"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["metric"] == "matching.clip.score_mean")
            .cloned()
    };
    assert_eq!(examples(&m), examples(&one));
}
