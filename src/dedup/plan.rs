//! Pass one of `ftqa dedup`: read every record once, keep signatures (not texts), then
//! decide which records go and why.

use crate::load::{LoadEvent, LoadOptions, Loader};
use crate::pipeline::StrictSkip;
use crate::progress::Progress;
use anyhow::{bail, Result};
use ftqa_metrics::contamination::{BenchmarkIndex, Hit, MatchScratch};
use ftqa_metrics::dedup::clusters::Clusters;
use ftqa_metrics::dedup::exact::part_key;
use ftqa_metrics::dedup::images;
use ftqa_metrics::dedup::lsh::{NearConfig, Scratch, SignatureStore};
use ftqa_metrics::dedup::parts::{response_chars, Part};
use ftqa_metrics::dedup::semantic::Vectors;
use ftqa_metrics::dedup::union_find::UnionFind;
use ftqa_metrics::embed::Embedder;
use ftqa_metrics::fasthash::FastMap;
use std::sync::Arc;

/// How far dedup goes; each level includes the ones before it (`--level`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum)]
pub enum Level {
    /// No duplicate removal (with --decontaminate: benchmark items only).
    None,
    /// Exact duplicates (NFKC, lower case, whitespace collapsed).
    Exact,
    /// Exact and MinHash near-duplicates.
    Near,
    /// Exact, near and embedding (semantic) duplicates.
    Semantic,
}

impl Level {
    pub fn parse(s: &str) -> Option<Level> {
        Some(match s {
            "none" => Level::None,
            "exact" => Level::Exact,
            "near" => Level::Near,
            "semantic" => Level::Semantic,
            _ => return None,
        })
    }
}

pub struct DedupOptions {
    pub level: Level,
    pub part: Part,
    pub near: NearConfig,
    pub semantic_threshold: f32,
    pub embedder: Option<Arc<dyn Embedder>>,
    /// With `Some`, records holding benchmark items (n-gram or near evidence) are removed.
    pub decontaminate: Option<Arc<BenchmarkIndex>>,
    pub strict: bool,
    pub progress: bool,
    /// `--image-root`: images are compared by decoded content, not by reference
    /// ([`crate::image_check::ImageChecker::annotate`]).
    pub image_root: Option<std::path::PathBuf>,
}

/// Loader events read at once: `--image-root` decodes a batch's new images in parallel.
const BATCH: usize = 4096;

#[derive(Clone, Debug)]
pub enum Reason {
    Exact,
    Near,
    Semantic,
    /// The strongest evidence, the benchmark's name and the item id.
    Contamination(Hit, String, String),
}

impl Reason {
    pub fn as_str(&self) -> &'static str {
        match self {
            Reason::Exact => "exact_duplicate",
            Reason::Near => "near_duplicate",
            Reason::Semantic => "semantic_duplicate",
            Reason::Contamination(..) => "contamination",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Removal {
    pub seq: u32,
    pub reason: Reason,
    pub cluster: Option<u32>,
    pub twin: Option<u32>,
    pub similarity: Option<f32>,
}

/// Where each analysed record came from.
#[derive(Clone, Copy, Debug)]
pub struct Slot {
    pub file: u32,
    pub index: u64,
    pub line: Option<u64>,
}

pub struct Plan {
    pub files: Vec<Arc<str>>,
    pub slots: Vec<Slot>,
    pub ids: Vec<Box<str>>,
    pub removals: Vec<Removal>,
    /// Loader skips: (location, reason and detail).
    pub skipped: Vec<(String, String)>,
    pub clusters: Clusters,
    pub warnings: Vec<String>,
}

impl Plan {
    pub fn origin(&self, seq: u32) -> String {
        let s = self.slots[seq as usize];
        let f = &self.files[s.file as usize];
        match s.line {
            Some(l) => format!("{f}:{l}"),
            None => format!("{f} row {}", s.index),
        }
    }
}

/// Pass one's result over some records: where each came from, and the signatures that
/// decide removals (exact keys, image keys, MinHash signatures, embeddings, benchmark
/// hits), never the texts. Signatures of parts of a dataset append into the signatures of the whole
/// ([`Signatures::append`]), so `ftqa dedup --partial` on many machines and `--merge` on
/// one decide exactly what one pass decides.
pub struct Signatures {
    pub files: Vec<Arc<str>>,
    pub slots: Vec<Slot>,
    pub ids: Vec<Box<str>>,
    /// Loader skips: (location, reason and detail).
    pub skipped: Vec<(String, String)>,
    pub warnings: Vec<String>,
    /// Per record; 0 = no text to key (or not run below `Level::Exact`: then empty).
    exact_key: Vec<u64>,
    /// Per record: its image group ([`images::group_of`]; 0 = no images). Texts are
    /// compared only within one group.
    image_key: Vec<u64>,
    resp_len: Vec<u32>,
    store: Option<SignatureStore>,
    vectors: Option<Vectors>,
    contaminated: FastMap<u32, (Hit, String, String)>,
}

/// [`Signatures`] in a partial file: plain data (the store's and the stream's own
/// encodings inside).
#[derive(serde::Serialize, serde::Deserialize)]
struct SavedSignatures {
    files: Vec<String>,
    slots: Vec<(u32, u64, Option<u64>)>,
    ids: Vec<String>,
    skipped: Vec<(String, String)>,
    warnings: Vec<String>,
    exact_key: Vec<u64>,
    image_key: Vec<u64>,
    resp_len: Vec<u32>,
    store: Option<(Vec<u8>, Vec<bool>)>,
    vectors: Option<Vec<u8>>,
    contaminated: Vec<(u32, Hit, String, String)>,
}

impl Signatures {
    fn new(o: &DedupOptions) -> Signatures {
        Signatures {
            files: Vec::new(),
            slots: Vec::new(),
            ids: Vec::new(),
            skipped: Vec::new(),
            warnings: Vec::new(),
            exact_key: Vec::new(),
            image_key: Vec::new(),
            resp_len: Vec::new(),
            store: (o.level >= Level::Near).then(|| SignatureStore::new(o.near)),
            vectors: (o.level >= Level::Semantic).then(|| Vectors::new(embedder(o))),
            contaminated: FastMap::default(),
        }
    }

    /// Records read.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Encodes the signatures for a partial file. `Err` when the embedder's state would be
    /// every text (a corpus-fitted or batch-dependent one).
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let saved = SavedSignatures {
            files: self.files.iter().map(|f| f.to_string()).collect(),
            slots: self
                .slots
                .iter()
                .map(|s| (s.file, s.index, s.line))
                .collect(),
            ids: self.ids.iter().map(|i| i.to_string()).collect(),
            skipped: self.skipped.clone(),
            warnings: self.warnings.clone(),
            exact_key: self.exact_key.clone(),
            image_key: self.image_key.clone(),
            resp_len: self.resp_len.clone(),
            store: self.store.as_ref().map(|s| {
                let (sigs, present) = s.slots();
                (sigs.to_vec(), present.to_vec())
            }),
            vectors: self
                .vectors
                .as_ref()
                .map(|v| v.to_bytes())
                .transpose()
                .map_err(|e| anyhow::anyhow!("semantic dedup cannot be split into parts: {e}"))?,
            contaminated: {
                let mut c: Vec<(u32, Hit, String, String)> = self
                    .contaminated
                    .iter()
                    .map(|(s, (h, b, i))| (*s, h.clone(), b.clone(), i.clone()))
                    .collect();
                c.sort_by_key(|x| x.0);
                c
            },
        };
        ftqa_metrics::state::encode(&saved).map_err(anyhow::Error::msg)
    }

    /// Signatures that [`Signatures::to_bytes`] wrote, for the same options.
    pub fn from_bytes(bytes: &[u8], o: &DedupOptions) -> Result<Signatures> {
        let s: SavedSignatures = ftqa_metrics::state::decode(bytes).map_err(anyhow::Error::msg)?;
        let n = s.slots.len();
        let lined_up = s.ids.len() == n
            && s.resp_len.len() == n
            && s.image_key.len() == n
            && (s.exact_key.is_empty() || s.exact_key.len() == n)
            && s.store.as_ref().is_none_or(|(_, p)| p.len() == n)
            && s.slots.iter().all(|x| (x.0 as usize) < s.files.len())
            && s.contaminated.iter().all(|x| (x.0 as usize) < n);
        if !lined_up || s.store.is_some() != (o.level >= Level::Near) {
            bail!("the saved signatures do not line up with these settings");
        }
        let mut sig = Signatures::new(o);
        if let (Some(store), Some((sigs, present))) = (&mut sig.store, s.store) {
            store
                .load_slots(sigs, present)
                .map_err(anyhow::Error::msg)?;
        }
        sig.vectors = match s.vectors {
            Some(b) => Some(Vectors::from_bytes(embedder(o), &b).map_err(anyhow::Error::msg)?),
            None => None,
        };
        if sig.vectors.is_some() != (o.level >= Level::Semantic) {
            bail!("the saved signatures do not line up with these settings");
        }
        sig.files = s.files.into_iter().map(Arc::from).collect();
        sig.slots = s
            .slots
            .into_iter()
            .map(|(file, index, line)| Slot { file, index, line })
            .collect();
        sig.ids = s.ids.into_iter().map(String::into_boxed_str).collect();
        sig.skipped = s.skipped;
        sig.warnings = s.warnings;
        sig.exact_key = s.exact_key;
        sig.image_key = s.image_key;
        sig.resp_len = s.resp_len;
        sig.contaminated = s
            .contaminated
            .into_iter()
            .map(|(seq, h, b, i)| (seq, (h, b, i)))
            .collect();
        Ok(sig)
    }

    /// Appends the signatures of the records that follow these (the next files).
    pub fn append(&mut self, other: Signatures) {
        let (files, seqs) = (self.files.len() as u32, self.slots.len() as u32);
        self.files.extend(other.files);
        self.slots.extend(other.slots.into_iter().map(|s| Slot {
            file: s.file + files,
            ..s
        }));
        self.ids.extend(other.ids);
        self.skipped.extend(other.skipped);
        for w in other.warnings {
            if !self.warnings.contains(&w) {
                self.warnings.push(w);
            }
        }
        self.exact_key.extend(other.exact_key);
        self.image_key.extend(other.image_key);
        self.resp_len.extend(other.resp_len);
        if let (Some(a), Some(b)) = (&mut self.store, other.store) {
            a.append(b);
        }
        if let (Some(a), Some(b)) = (&mut self.vectors, other.vectors) {
            a.append(b, seqs);
        }
        self.contaminated
            .extend(other.contaminated.into_iter().map(|(s, v)| (s + seqs, v)));
    }
}

fn embedder(o: &DedupOptions) -> Arc<dyn Embedder> {
    o.embedder
        .clone()
        .unwrap_or_else(ftqa_metrics::embed::default_embedder)
}

/// One pass over `load` and the removals it implies.
pub fn analyse(load: &LoadOptions, o: &DedupOptions) -> Result<Plan> {
    decide(read(load, o)?.0, o)
}

/// Pass one: reads every record once and keeps its signatures; also the dataset facts the
/// loader found (schema, mapping, files).
pub fn read(
    load: &LoadOptions,
    o: &DedupOptions,
) -> Result<(Signatures, ftqa_metrics::result::DatasetInfo)> {
    let mut loader = Loader::open(load)?;
    let info = loader.info().clone();
    let progress = Progress::new(o.progress, loader.bytes_total());
    let mut st = Signatures::new(o);
    let mut scratch = Scratch::default();
    let mut match_scratch = MatchScratch::default();
    let mut checker = o
        .image_root
        .as_deref()
        .map(crate::image_check::ImageChecker::new);
    let mut batch: Vec<LoadEvent> = Vec::with_capacity(BATCH);
    loop {
        batch.extend(loader.by_ref().take(BATCH));
        if batch.is_empty() {
            break;
        }
        progress.set(loader.bytes_read(), st.slots.len() as u64);
        if let Some(c) = &mut checker {
            c.annotate(&mut batch);
        }
        for ev in batch.drain(..) {
            st.observe(ev, o, &mut scratch, &mut match_scratch)
                .inspect_err(|_| progress.finish())?;
        }
    }
    progress.finish();
    st.warnings = loader.take_warnings();
    Ok((st, info))
}

impl Signatures {
    /// Pass one on one loader event: a skip is listed (an error under `--strict`), a
    /// record's signatures kept.
    fn observe(
        &mut self,
        ev: LoadEvent,
        o: &DedupOptions,
        scratch: &mut Scratch,
        match_scratch: &mut MatchScratch,
    ) -> Result<()> {
        let st = self;
        let r = match ev {
            LoadEvent::Record(r) => r,
            LoadEvent::Skip(s) => {
                if o.strict {
                    bail!(StrictSkip {
                        location: s.location,
                        reason: s.reason,
                        detail: s.detail
                    });
                }
                st.skipped
                    .push((s.location, format!("{}: {}", s.reason, s.detail)));
                return Ok(());
            }
        };
        let seq = u32::try_from(st.slots.len())
            .map_err(|_| anyhow::anyhow!("more than 4 billion records"))?;
        if st.files.last().is_none_or(|f| **f != *r.origin.file) {
            st.files.push(r.origin.file.clone());
        }
        st.slots.push(Slot {
            file: st.files.len() as u32 - 1,
            index: r.origin.index,
            line: r.origin.line,
        });
        st.ids.push(r.id.clone().into_boxed_str());
        st.resp_len.push(response_chars(&r));
        st.image_key.push(images::group_of(&r));
        if o.level >= Level::Exact {
            st.exact_key.push(part_key(&r, o.part).unwrap_or(0));
        }
        let text = o.part.text(&r);
        if let Some(store) = &mut st.store {
            store.push(text.as_deref(), scratch);
        }
        if let (Some(v), Some(t)) = (&mut st.vectors, &text) {
            v.push(seq, t.to_string());
        }
        if let Some(index) = &o.decontaminate {
            if let Some(h) = index.match_record(&r, match_scratch).into_iter().next() {
                let (b, item) = index.item(h.view);
                let (name, id) = (b.name.clone(), item.id.clone());
                st.contaminated.insert(seq, (h, name, id));
            }
        }
        Ok(())
    }
}

/// Decides removals from the signatures of every record (one pass's, or parts' appended
/// in file order).
pub fn decide(sig: Signatures, o: &DedupOptions) -> Result<Plan> {
    let Signatures {
        files,
        slots,
        ids,
        skipped,
        mut warnings,
        exact_key,
        image_key,
        resp_len,
        store,
        mut vectors,
        contaminated,
    } = sig;
    let n = slots.len();
    let mut uf = UnionFind::new(n);
    // Each record with an exact key joins the first record of that key.
    let mut first: FastMap<u64, u32> = FastMap::default();
    for (seq, &k) in exact_key.iter().enumerate() {
        if k == 0 {
            continue;
        }
        match first.get(&k) {
            Some(&f) => uf.union(f, seq as u32),
            None => {
                first.insert(k, seq as u32);
            }
        }
    }
    if let Some(store) = &store {
        store.link(&mut uf, images::splitting(&image_key), |_, _| true);
    }
    if let Some(v) = &mut vectors {
        v.flush();
        if let Some(e) = &v.error {
            bail!("semantic dedup: the embedder failed: {e}");
        }
        let sem = v.clusters(n, o.semantic_threshold, &resp_len, &image_key);
        for c in &sem.clusters {
            for &(m, _) in &c.members {
                uf.union(c.members[0].0, m);
            }
        }
    }
    // Contaminated records are removed anyway, so they never serve as the kept twin.
    let contaminated = &contaminated;
    let rank = |i: u32| {
        if contaminated.contains_key(&i) {
            0
        } else {
            u64::from(resp_len[i as usize]) + 1
        }
    };
    let store = store.as_ref();
    let sim = |i: u32, j: u32| {
        store
            .filter(|s| s.present(i as usize) && s.present(j as usize))
            .map_or(1.0, |s| s.similarity(i as usize, j as usize))
    };
    let clusters = Clusters::build(&mut uf, rank, sim);
    let mut removals = Vec::new();
    for seq in 0..n as u32 {
        if let Some((h, b, item)) = contaminated.get(&seq) {
            removals.push(Removal {
                seq,
                reason: Reason::Contamination(h.clone(), b.clone(), item.clone()),
                cluster: None,
                twin: None,
                similarity: None,
            });
            continue;
        }
        let Some(c) = clusters.kept_twin(seq) else {
            continue;
        };
        let rep = c.representative;
        let similarity = c.members.iter().find(|m| m.0 == seq).map(|m| m.1);
        let reason = if !exact_key.is_empty()
            && exact_key[seq as usize] == exact_key[rep as usize]
            && exact_key[seq as usize] != 0
        {
            Reason::Exact
        } else if store.is_some_and(|s| {
            s.present(seq as usize)
                && s.present(rep as usize)
                && s.similarity(seq as usize, rep as usize) >= o.near.threshold
        }) || o.level == Level::Near
        {
            Reason::Near
        } else {
            Reason::Semantic
        };
        removals.push(Removal {
            seq,
            reason,
            cluster: Some(c.id),
            twin: Some(rep),
            similarity,
        });
    }
    if contaminated.is_empty() && o.decontaminate.is_some() {
        warnings.push("no benchmark items were found in the data".into());
    }
    Ok(Plan {
        files,
        slots,
        ids,
        removals,
        skipped,
        clusters,
        warnings,
    })
}
