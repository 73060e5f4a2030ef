//! An image as Hugging Face's `CLIPImageProcessor` prepares it: RGB, the shortest side
//! resized to `size` (bicubic; the other side `int(size × long / short)`), a centre crop of
//! `crop × crop` (zero-padded where the image is smaller), scaled to [0, 1], normalised
//! per channel with the model's mean and std; channels first.
//!
//! The resize is the `image` crate's Catmull-Rom filter, the cubic (a = -0.5) that PIL's
//! BICUBIC uses, with the same widened support when shrinking; the two round
//! differently, so resized pixels may differ from PIL's by a level or so
//! (tests/clip_reference.rs measures it). An image already at the target size is not
//! resampled at all.

use anyhow::{Context, Result};
use image::{imageops::FilterType, DynamicImage, RgbImage};
use serde_json::Value;
use std::path::Path;

/// OpenAI CLIP's normalisation, the processor's defaults.
pub const OPENAI_MEAN: [f32; 3] = [0.481_454_66, 0.457_827_5, 0.408_210_73];
pub const OPENAI_STD: [f32; 3] = [0.268_629_54, 0.261_302_6, 0.275_777_1];

#[derive(Clone, Debug, PartialEq)]
pub struct Preprocess {
    /// Shortest side after resizing.
    pub size: u32,
    /// Side of the square centre crop: the model's image size.
    pub crop: u32,
    pub mean: [f32; 3],
    pub std: [f32; 3],
}

impl Preprocess {
    /// From `preprocessor_config.json` when the folder has one, else CLIP's standard
    /// (`image_size` from config.json, OpenAI mean and std).
    pub fn from_dir(dir: &Path, image_size: u32) -> Result<Preprocess> {
        let path = dir.join("preprocessor_config.json");
        let mut p = Preprocess {
            size: image_size,
            crop: image_size,
            mean: OPENAI_MEAN,
            std: OPENAI_STD,
        };
        if !path.is_file() {
            return Ok(p);
        }
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        let v: Value =
            serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
        // `size` is a number or {"shortest_edge": n}; `crop_size` a number or
        // {"height": h, "width": w} (square for CLIP).
        let side = |v: &Value, key: &str| v.as_u64().or_else(|| v[key].as_u64());
        if let Some(s) = side(&v["size"], "shortest_edge") {
            p.size = s as u32;
        }
        if let Some(c) = side(&v["crop_size"], "height") {
            p.crop = c as u32;
        }
        let triple = |v: &Value| -> Option<[f32; 3]> {
            let a = v.as_array()?;
            (a.len() == 3).then_some([
                a[0].as_f64()? as f32,
                a[1].as_f64()? as f32,
                a[2].as_f64()? as f32,
            ])
        };
        if let Some(m) = triple(&v["image_mean"]) {
            p.mean = m;
        }
        if let Some(s) = triple(&v["image_std"]) {
            p.std = s;
        }
        anyhow::ensure!(
            p.crop == image_size,
            "{}: crop_size {} differs from the model's image_size {image_size}",
            path.display(),
            p.crop
        );
        anyhow::ensure!(
            p.size > 0 && p.std.iter().all(|s| *s > 0.0),
            "{}: size and image_std must be positive",
            path.display()
        );
        Ok(p)
    }

    /// The resized, cropped RGB image, before scaling.
    pub fn resize_crop(&self, img: &DynamicImage) -> RgbImage {
        let rgb = img.to_rgb8();
        let (w, h) = rgb.dimensions();
        let (nw, nh) = if w <= h {
            (
                self.size,
                (self.size as u64 * h as u64 / w.max(1) as u64) as u32,
            )
        } else {
            (
                (self.size as u64 * w as u64 / h.max(1) as u64) as u32,
                self.size,
            )
        };
        let resized = if (nw, nh) == (w, h) {
            rgb
        } else {
            image::imageops::resize(&rgb, nw.max(1), nh.max(1), FilterType::CatmullRom)
        };
        let c = self.crop;
        // HF's centre crop: top = (h - crop) // 2, padding with zeros where it is negative.
        let top = (nh as i64 - c as i64).div_euclid(2);
        let left = (nw as i64 - c as i64).div_euclid(2);
        RgbImage::from_fn(c, c, |x, y| {
            let (sx, sy) = (left + x as i64, top + y as i64);
            if sx < 0 || sy < 0 || sx >= nw as i64 || sy >= nh as i64 {
                image::Rgb([0, 0, 0])
            } else {
                *resized.get_pixel(sx as u32, sy as u32)
            }
        })
    }

    /// The model's input: 3 × crop × crop floats, channels first.
    pub fn pixels(&self, img: &DynamicImage) -> Vec<f32> {
        let cropped = self.resize_crop(img);
        let n = (self.crop * self.crop) as usize;
        let mut out = vec![0f32; 3 * n];
        for (i, p) in cropped.pixels().enumerate() {
            for ch in 0..3 {
                out[ch * n + i] = (p[ch] as f32 / 255.0 - self.mean[ch]) / self.std[ch];
            }
        }
        out
    }
}

/// Opens and decodes an image file, guessing the format from its bytes.
pub fn open(path: &Path) -> Result<DynamicImage, String> {
    image::io::Reader::open(path)
        .and_then(|r| r.with_guessed_format())
        .map_err(|e| e.to_string())?
        .decode()
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(size: u32) -> Preprocess {
        Preprocess {
            size,
            crop: size,
            mean: [0.5; 3],
            std: [0.5; 3],
        }
    }

    #[test]
    fn crop_takes_the_centre_as_hf_does() {
        // 4 wide, 7 high: no resize for size 4; crop 4×4 from top (7-4)//2 = 1.
        let img = RgbImage::from_fn(4, 7, |x, y| image::Rgb([x as u8, y as u8, 0]));
        let out = p(4).resize_crop(&DynamicImage::ImageRgb8(img));
        assert_eq!(out.get_pixel(0, 0).0, [0, 1, 0]);
        assert_eq!(out.get_pixel(3, 3).0, [3, 4, 0]);
        let px = p(4).pixels(&DynamicImage::ImageRgb8(out.clone()));
        // Channel 0 at (1, 0): (1/255 - 0.5) / 0.5.
        assert!((px[1] - (1.0 / 255.0 - 0.5) / 0.5).abs() < 1e-7);
        // Channel 1 starts after 16 values.
        assert!((px[16] - (1.0 / 255.0 - 0.5) / 0.5).abs() < 1e-7);
    }

    #[test]
    fn shortest_side_is_resized() {
        let img = DynamicImage::ImageRgb8(RgbImage::new(20, 10));
        assert_eq!(p(5).resize_crop(&img).dimensions(), (5, 5));
        let big = p(5);
        let wide = RgbImage::from_pixel(30, 10, image::Rgb([200, 100, 50]));
        // A flat image stays flat through the filter.
        let out = big.resize_crop(&DynamicImage::ImageRgb8(wide));
        assert!(out.pixels().all(|q| q.0 == [200, 100, 50]));
    }
}
