//! Bounded memory for example texts of duplicate clusters.
//!
//! Which records end up in the largest clusters is known only at the end, and keeping
//! every text would defeat streaming. So a record's id, origin and a short snippet are
//! kept for the records first by position ([`crate::record::Origin::order_key`]), up to a
//! cap. A bottom-k by position is the same set however the input is split and in
//! whatever order the parts merge, which a rule over "records seen before" (such as a
//! filter of band keys) is not. Examples of huge datasets can therefore lack the text of
//! a member; they still name its position.

use crate::fasthash::FastMap;
use crate::record::Record;
use crate::text::truncate_chars;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// A record's stable position: file name, index in the file.
pub type Pos = (Arc<str>, u64);

/// The position of a record, owned.
pub fn pos_of(r: &Record) -> Pos {
    (r.origin.file.clone(), r.origin.index)
}

#[derive(Serialize, Deserialize)]
pub struct Snippet {
    pub id: String,
    pub origin: String,
    pub text: String,
}

/// Serialisable for partial result files; `by_seq` is only filled at finish.
#[derive(Serialize, Deserialize)]
pub struct Snippets {
    kept: BTreeMap<Pos, Snippet>,
    /// Filled by [`Snippets::index`]: snippets by final record number.
    #[serde(skip)]
    by_seq: FastMap<u32, Snippet>,
    cap: usize,
    chars: usize,
}

impl Snippets {
    /// Keeps the snippets of the `cap` records first by position.
    pub fn new(chars: usize, cap: usize) -> Self {
        Snippets {
            kept: BTreeMap::new(),
            by_seq: FastMap::default(),
            cap,
            chars,
        }
    }

    fn accepts(&self, pos: (&str, u64)) -> bool {
        self.kept.len() < self.cap
            || self
                .kept
                .last_key_value()
                .is_some_and(|(k, _)| pos < (&*k.0, k.1))
    }

    fn insert(&mut self, pos: Pos, s: Snippet) {
        if !self.accepts((&pos.0, pos.1)) {
            return;
        }
        self.kept.insert(pos, s);
        if self.kept.len() > self.cap {
            self.kept.pop_last();
        }
    }

    pub fn offer(&mut self, r: &Record, text: &str) {
        if !self.accepts(r.origin.order_key()) {
            return;
        }
        let s = Snippet {
            id: r.id.clone(),
            origin: r.origin.to_string(),
            text: truncate_chars(text, self.chars),
        };
        self.insert(pos_of(r), s);
    }

    /// The kept snippets of both: the same as one pass over both inputs.
    pub fn merge(&mut self, other: Snippets) {
        for (p, s) in other.kept {
            self.insert(p, s);
        }
    }

    /// Numbers the kept snippets by their record's place in `order` (sorted positions of
    /// the analysed records); snippets of records not in it are dropped.
    pub fn index(&mut self, order: &[Pos]) {
        for (p, s) in std::mem::take(&mut self.kept) {
            if let Ok(i) = order.binary_search(&p) {
                self.by_seq.insert(i as u32, s);
            }
        }
    }

    /// The snippet of record `seq` (a number given by [`Snippets::index`]).
    pub fn get(&self, seq: u32) -> Option<&Snippet> {
        self.by_seq.get(&seq)
    }
}

/// The permutation that sorts `pos`: `order[k]` is the slot of the k-th record by
/// position. Positions are unique per record, so the order is total.
pub fn position_order(pos: &[Pos]) -> Vec<u32> {
    let mut order: Vec<u32> = (0..pos.len() as u32).collect();
    order.sort_unstable_by(|&a, &b| pos[a as usize].cmp(&pos[b as usize]).then(a.cmp(&b)));
    order
}

/// Positions of many records as saved in a partial result file: each file name once
/// (a part reads few files and many records), then (file number, index) per record.
/// Loaded positions of one file share one `Arc`, as observed ones do.
#[derive(Serialize, Deserialize)]
pub struct SavedPositions {
    files: Vec<Arc<str>>,
    at: Vec<(u32, u64)>,
}

impl SavedPositions {
    pub fn of<'a>(pos: impl IntoIterator<Item = &'a Pos>) -> Self {
        let mut number: HashMap<&'a str, u32> = HashMap::new();
        let mut files = Vec::new();
        let at = pos
            .into_iter()
            .map(|(file, i)| {
                let f = *number.entry(&**file).or_insert_with(|| {
                    files.push(file.clone());
                    files.len() as u32 - 1
                });
                (f, *i)
            })
            .collect();
        SavedPositions { files, at }
    }

    pub fn positions(self) -> Result<Vec<Pos>, String> {
        let files = self.files;
        self.at
            .into_iter()
            .map(|(f, i)| match files.get(f as usize) {
                Some(file) => Ok((file.clone(), i)),
                None => Err(format!(
                    "a saved position names file {f} of {}",
                    files.len()
                )),
            })
            .collect()
    }
}
