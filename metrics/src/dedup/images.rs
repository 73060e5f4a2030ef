//! What "the same images" means for deduplication, in one place: every dedup level
//! (exact, near, semantic; `ftqa report` and `ftqa dedup`) calls two samples duplicates
//! only when their texts match *and* their images match, and `images.duplicate` counts
//! the images themselves by the same keys.
//!
//! - **Per image:** the key the `--image-root` stage computed ([`Record::image_keys`]: a
//!   hash of the decoded pixels and dimensions, so one picture saved under two names has
//!   one key), else a hash of the reference string exactly as the data wrote it (no
//!   normalisation: `a.png` and `./a.png` are different references).
//! - **Per record:** a hash of its image keys in order, then of its video references; `None`
//!   for a record with neither, so records without images match only each other.
//!
//! A text key of a record without images is left as it is, so text-only data gets
//! exactly the keys (and results) it had before images counted.

use crate::record::Record;
use crate::sample::mix64;
use xxhash_rust::xxh3::Xxh3;

/// The key of an image known only by its reference (no `--image-root`, or a file that
/// could not be decoded). Tagged so it never equals a content key of the same bytes.
pub fn reference_key(reference: &str) -> u64 {
    let mut h = Xxh3::new();
    h.update(b"ref\0");
    h.update(reference.as_bytes());
    h.digest()
}

/// The key of each of the record's images, in order: the stage's content keys when it set
/// one per image, else the references' keys.
pub fn image_keys(r: &Record) -> impl Iterator<Item = u64> + '_ {
    let content = (r.image_keys.len() == r.images.len()).then_some(&r.image_keys);
    r.images
        .iter()
        .enumerate()
        .map(move |(i, reference)| match content {
            Some(k) => k[i],
            None => reference_key(reference),
        })
}

/// The key of the record's images and videos together (order counts); `None` when it has
/// neither. Never 0, so 0 can stand for "no images" in per-record arrays.
pub fn record_key(r: &Record) -> Option<u64> {
    if r.images.is_empty() && r.videos.is_empty() {
        return None;
    }
    let mut h = Xxh3::new();
    for k in image_keys(r) {
        h.update(b"I");
        h.update(&k.to_le_bytes());
    }
    for v in &r.videos {
        h.update(b"V");
        h.update(v.as_bytes());
        h.update(&[0xff]);
    }
    Some(h.digest().max(1))
}

/// [`record_key`] with 0 for a record without images: the group near and semantic dedup
/// compare within.
pub fn group_of(r: &Record) -> u64 {
    record_key(r).unwrap_or(0)
}

/// `groups` when they split the records, empty when every record is in one group (all
/// without images, say): then the searches run exactly as they would without groups.
pub fn splitting(groups: &[u64]) -> &[u64] {
    match groups.first() {
        Some(g) if groups.iter().any(|x| x != g) => groups,
        _ => &[],
    }
}

/// A text key joined with the record's image key: the text key itself when there are no
/// images.
pub fn with_images(text_key: u64, image: Option<u64>) -> u64 {
    match image {
        None => text_key,
        Some(k) => mix64(text_key ^ mix64(k ^ 0x1A6E_5EED)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Origin;

    fn rec(images: &[&str], keys: &[u64]) -> Record {
        let mut r = Record::new(
            "r",
            Origin {
                file: "f".into(),
                line: None,
                index: 0,
                within: None,
            },
        );
        r.images = images.iter().map(|s| s.to_string()).collect();
        r.image_keys = keys.to_vec();
        r
    }

    #[test]
    fn records_match_by_references_or_by_content() {
        assert_eq!(record_key(&rec(&[], &[])), None);
        assert_eq!(with_images(7, None), 7);
        let a = rec(&["a.png"], &[]);
        assert_eq!(record_key(&a), record_key(&rec(&["a.png"], &[])));
        assert_ne!(record_key(&a), record_key(&rec(&["b.png"], &[])));
        assert_ne!(record_key(&a), record_key(&rec(&["./a.png"], &[])));
        // Content keys (the stage's) make two names of one picture match.
        assert_eq!(
            record_key(&rec(&["a.png"], &[42])),
            record_key(&rec(&["copy.png"], &[42]))
        );
        // Order counts, and a video is not an image.
        assert_ne!(
            record_key(&rec(&["a.png", "b.png"], &[])),
            record_key(&rec(&["b.png", "a.png"], &[]))
        );
        let mut v = rec(&[], &[]);
        v.videos = vec!["a.png".into()];
        assert_ne!(record_key(&v), record_key(&a));
        assert_ne!(with_images(7, record_key(&a)), 7);
    }
}
