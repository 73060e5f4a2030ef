//! `--image-root`: referenced images are looked up, decoded and measured; missing and
//! corrupt files are counted per file and per sample. The images are made in the test.

mod common;

use common::{metric, report};
use image::{Rgb, RgbImage};

#[test]
fn missing_corrupt_and_resolutions() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("media");
    std::fs::create_dir_all(root.join("images")).unwrap();
    RgbImage::from_pixel(32, 16, Rgb([200, 10, 10]))
        .save(root.join("images/a.png"))
        .unwrap();
    RgbImage::from_pixel(8, 8, Rgb([0, 0, 255]))
        .save(root.join("images/b.jpg"))
        .unwrap();
    // A PNG cut off after its header: the dimensions are readable, the pixels are not.
    let png = std::fs::read(root.join("images/a.png")).unwrap();
    std::fs::write(root.join("images/corrupt.png"), &png[..40]).unwrap();
    let rows = [
        serde_json::json!({"images": ["images/a.png"], "messages": [{"role": "user", "content": "<image>What is this?"}, {"role": "assistant", "content": "A red square."}]}),
        serde_json::json!({"images": ["images/a.png", "images/b.jpg"], "messages": [{"role": "user", "content": "<image><image>Compare them."}, {"role": "assistant", "content": "Red and blue."}]}),
        serde_json::json!({"images": ["images/missing.png"], "messages": [{"role": "user", "content": "<image>Describe."}, {"role": "assistant", "content": "Nothing."}]}),
        serde_json::json!({"images": ["images/corrupt.png", "images/a.png"], "messages": [{"role": "user", "content": "<image><image>Which is broken?"}, {"role": "assistant", "content": "The first."}]}),
        serde_json::json!({"images": ["https://example.org/x.png"], "messages": [{"role": "user", "content": "<image>Remote?"}, {"role": "assistant", "content": "Yes."}]}),
        serde_json::json!({"messages": [{"role": "user", "content": "No image here."}, {"role": "assistant", "content": "Right."}]}),
    ];
    let data = dir.path().join("vlit.jsonl");
    std::fs::write(
        &data,
        rows.iter()
            .map(|r| r.to_string())
            .collect::<Vec<_>>()
            .join("\n")
            + "\n",
    )
    .unwrap();

    let r = report(
        &data,
        &dir.path().join("report"),
        &["--image-root", root.to_str().unwrap(), "--no-progress"],
    );
    let m = |id: &str| metric(&r, id);
    assert_eq!(m("images.files.checked"), Some(4.0));
    assert_eq!(m("images.files.ok"), Some(2.0));
    assert_eq!(m("images.files.missing"), Some(1.0));
    assert_eq!(m("images.files.corrupt"), Some(1.0));
    assert_eq!(m("images.files.unchecked"), Some(1.0));
    assert_eq!(m("hygiene.image_missing.count"), Some(1.0));
    assert_eq!(
        m("hygiene.image_missing.rate"),
        Some(0.25),
        "4 samples have a checked image"
    );
    assert_eq!(m("hygiene.image_corrupt.count"), Some(1.0));
    assert_eq!(m("images.resolution.width.mean"), Some(20.0));
    assert_eq!(m("images.resolution.height.mean"), Some(12.0));
    assert_eq!(m("images.resolution.short_side.min"), Some(8.0));
    assert_eq!(m("images.resolution.short_side.max"), Some(16.0));
    assert_eq!(
        m("images.resolution.megapixels.mean"),
        Some((512.0 + 64.0) / 2.0 / 1e6)
    );
    let examples = r["examples"].to_string();
    assert!(examples.contains("images/missing.png") && examples.contains("images/corrupt.png"));

    // Without the flag nothing is looked up.
    let plain = report(&data, &dir.path().join("plain"), &["--no-progress"]);
    assert!(metric(&plain, "images.files.checked").is_none());
    assert!(metric(&plain, "hygiene.image_missing.count").is_none());
}

#[test]
fn the_root_must_be_a_folder() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d.jsonl");
    std::fs::write(&data, "{\"instruction\": \"a\", \"output\": \"b\"}\n").unwrap();
    let o = common::ftqa(&[
        "report",
        data.to_str().unwrap(),
        "-o",
        dir.path().join("r").to_str().unwrap(),
        "--quiet",
        "--image-root",
        dir.path().join("nope").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(common::stderr(&o).contains("--image-root"));
}
