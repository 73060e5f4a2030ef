//! Bounded memory for example texts of duplicate clusters.
//!
//! Which records end up in the largest clusters is known only at the end, and keeping
//! every text would defeat streaming. So a record's id, origin and a short snippet are
//! kept when it is among the first [`KEEP_ALL`] records, or when a 2 MB bit filter over
//! its LSH band keys says a record with a matching band was seen before (a likely
//! duplicate), up to [`MAX_SNIPPETS`] in all. Examples of huge datasets can therefore lack
//! the text of a member; they still name its position.

use crate::fasthash::FastMap;
use crate::record::Record;
use crate::text::truncate_chars;

const KEEP_ALL: u32 = 20_000;
const MAX_SNIPPETS: usize = 100_000;
const FILTER_BITS: usize = 1 << 24;
/// Bands consulted by the filter: enough to catch near twins, few enough not to saturate.
const FILTER_BANDS: usize = 8;

pub struct Snippet {
    pub id: String,
    pub origin: String,
    pub text: String,
}

pub struct Snippets {
    filter: Vec<u64>,
    kept: FastMap<u32, Snippet>,
    chars: usize,
}

impl Snippets {
    pub fn new(chars: usize) -> Self {
        Snippets {
            filter: vec![0; FILTER_BITS / 64],
            kept: FastMap::default(),
            chars,
        }
    }

    /// `sig` is the record's signature (None without one), `rows` the LSH rows per band.
    pub fn offer(&mut self, seq: u32, r: &Record, text: &str, sig: Option<&[u8]>, rows: usize) {
        let mut likely = false;
        if let Some(sig) = sig {
            for (band, part) in sig.chunks(rows.max(1)).take(FILTER_BANDS).enumerate() {
                let h =
                    xxhash_rust::xxh3::xxh3_64_with_seed(part, band as u64) as usize % FILTER_BITS;
                let (w, b) = (h / 64, 1u64 << (h % 64));
                likely |= self.filter[w] & b != 0;
                self.filter[w] |= b;
            }
        }
        if (seq < KEEP_ALL || likely) && self.kept.len() < MAX_SNIPPETS {
            self.kept.insert(
                seq,
                Snippet {
                    id: r.id.clone(),
                    origin: r.origin.to_string(),
                    text: truncate_chars(text, self.chars),
                },
            );
        }
    }

    pub fn get(&self, seq: u32) -> Option<&Snippet> {
        self.kept.get(&seq)
    }
}
