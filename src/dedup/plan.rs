//! Pass one of `ftqa dedup`: read every record once, keep signatures (not texts), then
//! decide which records go and why.

use crate::load::{LoadEvent, LoadOptions, Loader};
use crate::pipeline::StrictSkip;
use crate::progress::Progress;
use anyhow::{bail, Result};
use ftqa_metrics::contamination::{BenchmarkIndex, Hit, MatchScratch};
use ftqa_metrics::dedup::clusters::Clusters;
use ftqa_metrics::dedup::exact::{key_of, sample_key};
use ftqa_metrics::dedup::lsh::{NearConfig, Scratch, SignatureStore};
use ftqa_metrics::dedup::parts::{response_chars, Part};
use ftqa_metrics::dedup::semantic::Vectors;
use ftqa_metrics::dedup::union_find::UnionFind;
use ftqa_metrics::embed::Embedder;
use ftqa_metrics::fasthash::FastMap;
use ftqa_metrics::record::Record;
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
}

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

struct State {
    exact: FastMap<u64, u32>,
    exact_key: Vec<u64>,
    store: Option<SignatureStore>,
    vectors: Option<Vectors>,
    scratch: Scratch,
    resp_len: Vec<u32>,
    uf_pairs: Vec<(u32, u32)>,
    contaminated: FastMap<u32, (Hit, String, String)>,
    match_scratch: MatchScratch,
}

fn exact_key(r: &Record, part: Part) -> Option<u64> {
    match part {
        Part::Sample => Some(sample_key(r)),
        p => p.text(r).and_then(|t| key_of(&t)),
    }
}

pub fn analyse(load: &LoadOptions, o: &DedupOptions) -> Result<Plan> {
    let mut loader = Loader::open(load)?;
    let progress = Progress::new(o.progress, loader.bytes_total());
    let mut st = State {
        exact: FastMap::default(),
        exact_key: Vec::new(),
        store: (o.level >= Level::Near).then(|| SignatureStore::new(o.near)),
        vectors: (o.level >= Level::Semantic).then(|| {
            Vectors::new(
                o.embedder
                    .clone()
                    .unwrap_or_else(ftqa_metrics::embed::default_embedder),
            )
        }),
        scratch: Scratch::default(),
        resp_len: Vec::new(),
        uf_pairs: Vec::new(),
        contaminated: FastMap::default(),
        match_scratch: MatchScratch::default(),
    };
    let mut files: Vec<Arc<str>> = Vec::new();
    let (mut slots, mut ids, mut skipped) = (Vec::new(), Vec::new(), Vec::new());
    let mut events = 0u64;
    while let Some(ev) = loader.next() {
        events += 1;
        if events.is_multiple_of(4096) {
            progress.set(loader.bytes_read(), slots.len() as u64);
        }
        let r = match ev {
            LoadEvent::Record(r) => r,
            LoadEvent::Skip(s) => {
                if o.strict {
                    progress.finish();
                    bail!(StrictSkip {
                        location: s.location,
                        reason: s.reason,
                        detail: s.detail
                    });
                }
                skipped.push((s.location, format!("{}: {}", s.reason, s.detail)));
                continue;
            }
        };
        let seq = u32::try_from(slots.len())
            .map_err(|_| anyhow::anyhow!("more than 4 billion records"))?;
        if files.last().is_none_or(|f| **f != *r.origin.file) {
            files.push(r.origin.file.clone());
        }
        slots.push(Slot {
            file: files.len() as u32 - 1,
            index: r.origin.index,
            line: r.origin.line,
        });
        ids.push(r.id.clone().into_boxed_str());
        st.resp_len.push(response_chars(&r));
        if o.level >= Level::Exact {
            let k = exact_key(&r, o.part);
            st.exact_key.push(k.unwrap_or(0));
            if let Some(k) = k {
                match st.exact.get(&k) {
                    Some(&first) => st.uf_pairs.push((first, seq)),
                    None => {
                        st.exact.insert(k, seq);
                    }
                }
            }
        }
        let text = o.part.text(&r);
        if let Some(store) = &mut st.store {
            store.push(text.as_deref(), &mut st.scratch);
        }
        if let (Some(v), Some(t)) = (&mut st.vectors, &text) {
            v.push(seq, t.to_string());
        }
        if let Some(index) = &o.decontaminate {
            if let Some(h) = index
                .match_record(&r, &mut st.match_scratch)
                .into_iter()
                .next()
            {
                let (b, item) = index.item(h.view);
                let (name, id) = (b.name.clone(), item.id.clone());
                st.contaminated.insert(seq, (h, name, id));
            }
        }
    }
    progress.finish();
    let n = slots.len();
    let mut uf = UnionFind::new(n);
    for &(a, b) in &st.uf_pairs {
        uf.union(a, b);
    }
    if let Some(store) = &st.store {
        store.link(&mut uf, |_, _| true);
    }
    let mut warnings = loader.take_warnings();
    if let Some(v) = &mut st.vectors {
        v.flush();
        if let Some(e) = &v.error {
            bail!("semantic dedup: the embedder failed: {e}");
        }
        let sem = v.clusters(n, o.semantic_threshold, &st.resp_len);
        for c in &sem.clusters {
            for &(m, _) in &c.members {
                uf.union(c.members[0].0, m);
            }
        }
    }
    // Contaminated records are removed anyway, so they never serve as the kept twin.
    let contaminated = &st.contaminated;
    let rank = |i: u32| {
        if contaminated.contains_key(&i) {
            0
        } else {
            u64::from(st.resp_len[i as usize]) + 1
        }
    };
    let store = st.store.as_ref();
    let sim = |i: u32, j: u32| {
        store
            .filter(|s| s.present(i as usize) && s.present(j as usize))
            .map_or(1.0, |s| s.similarity(i as usize, j as usize))
    };
    let clusters = Clusters::build(&mut uf, rank, sim);
    let mut removals = Vec::new();
    for seq in 0..n as u32 {
        if let Some((h, b, item)) = st.contaminated.get(&seq) {
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
        let reason = if !st.exact_key.is_empty()
            && st.exact_key[seq as usize] == st.exact_key[rep as usize]
            && st.exact_key[seq as usize] != 0
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
    if st.contaminated.is_empty() && o.decontaminate.is_some() {
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
