//! The CLIP encoder (src/clip/model.rs) against an independent NumPy float64 forward pass
//! of a tiny random CLIP (tests/reference/make_clip_reference.py writes the model folder
//! tests/reference/clip_tiny/ and tests/reference/clip_reference.json): cosine >= 0.999 on
//! both towers for every input, the same token ids, and the same preprocessing.
//!
//! Preprocessing is checked on the resized, centre-cropped RGB bytes: exactly for an image
//! whose shortest side is already the model's size (no resampling, only the crop), and
//! within a bound for one that is resized, because the `image` crate's Catmull-Rom and
//! PIL's BICUBIC (the same cubic) round differently. Scaling and normalisation are covered
//! by the image tower's check, which starts from the file.
#![cfg(feature = "transformer")]

use ftqa::clip::model::ClipEncoder;
use ftqa::clip::preprocess::open;
use ftqa::clip::stage::cosine;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn reference() -> Value {
    let path = root().join("tests/reference/clip_reference.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn floats(v: &Value) -> Vec<f32> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap() as f32)
        .collect()
}

fn encoder() -> ClipEncoder {
    ClipEncoder::load(&root().join("tests/reference/clip_tiny")).expect("the tiny CLIP loads")
}

#[test]
fn text_tower_matches_numpy() {
    let (enc, r) = (encoder(), reference());
    let texts = r["texts"].as_array().unwrap();
    assert_eq!(texts.len(), 7);
    let mut worst = 1.0f64;
    for t in texts {
        let text = t["text"].as_str().unwrap();
        let want_ids: Vec<u32> = t["ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_u64().unwrap() as u32)
            .collect();
        assert_eq!(enc.tokens(text).unwrap(), want_ids, "{text}");
        let cos = cosine(&enc.embed_text(text).unwrap(), &floats(&t["embedding"]));
        assert!(cos >= 0.999, "{text}: cosine {cos}");
        worst = worst.min(cos);
    }
    // The long text was truncated to the model's 16 positions, end-of-text token kept.
    assert!(texts
        .iter()
        .any(|t| t["ids"].as_array().unwrap().len() == 16));
    println!(
        "CLIP text tower vs NumPy: worst cosine {worst:.7} over {} texts",
        texts.len()
    );
}

#[test]
fn image_tower_matches_numpy_from_the_file() {
    let (enc, r) = (encoder(), reference());
    let mut worst = 1.0f64;
    for i in r["images"].as_array().unwrap() {
        let file = i["file"].as_str().unwrap();
        let img = open(&root().join(file)).unwrap();
        let cos = cosine(&enc.embed_image(&img).unwrap(), &floats(&i["embedding"]));
        assert!(cos >= 0.999, "{file}: cosine {cos}");
        worst = worst.min(cos);
    }
    println!("CLIP image tower vs NumPy: worst cosine {worst:.7}");
}

fn crop_bytes(enc: &ClipEncoder, path: &Path) -> Vec<u8> {
    enc.preprocess.resize_crop(&open(path).unwrap()).into_raw()
}

#[test]
fn preprocessing_matches_the_image_processor() {
    let (enc, r) = (encoder(), reference());
    let want = |name: &str| -> Vec<u8> {
        r["crops"][name]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_u64().unwrap() as u8)
            .collect()
    };
    // Shortest side already 32: the crop alone, byte for byte.
    let red = crop_bytes(&enc, &root().join("fixtures/clip/images/red.png"));
    assert_eq!(red, want("red.png"));
    // 64 x 48 noise resized to 42 x 32 and cropped: Catmull-Rom against PIL's bicubic.
    // Noise is the worst case (every pixel an edge, so overshoots are clamped and rounding
    // differences show everywhere); measured: at most 4 levels, 0.19 on average. The bound
    // leaves a little room; what matters downstream is the image tower's cosine on this
    // same file against NumPy on PIL's pixels, checked above at >= 0.999.
    let got = crop_bytes(&enc, &root().join("tests/reference/clip_resize.png"));
    let want = want("clip_resize.png");
    assert_eq!(got.len(), want.len());
    let diffs: Vec<i32> = got
        .iter()
        .zip(&want)
        .map(|(a, b)| (*a as i32 - *b as i32).abs())
        .collect();
    let max = *diffs.iter().max().unwrap();
    let mean = diffs.iter().sum::<i32>() as f64 / diffs.len() as f64;
    println!("resize vs PIL bicubic: max {max} levels, mean {mean:.3} levels");
    assert!(max <= 6 && mean <= 0.3, "max {max}, mean {mean}");
}
