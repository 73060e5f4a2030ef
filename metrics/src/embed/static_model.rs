//! The static embedder: one vector per WordPiece token, averaged over a text's tokens.
//!
//! The table is distilled from all-MiniLM-L6-v2 the model2vec way (`ftqa model distill`):
//! each vocabulary token is run through the transformer alone (`[CLS] token [SEP]`, mean
//! pooled), the 384-d outputs are reduced with PCA (the first two components, which all
//! tokens share, dropped), and each row is scaled by a SIF weight `a / (a + p(token))` with
//! `p` from a Zipf law over the vocabulary order, so frequent tokens count less. Rows are
//! stored as int8 with one f32 scale each. Details and the measured agreement with the
//! transformer: `src/embed/distill.rs` and the file's own header.
//!
//! File layout (little-endian): magic `FTQASTA1`; u32 length + JSON [`Header`]; u32 token
//! count, then per token u16 length + UTF-8 bytes; f32 scale per token; i8 `count × dim`.

use super::wordpiece::WordPiece;
use super::{normalize, EmbedError, Embedder};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::{Arc, OnceLock};

const MAGIC: &[u8; 8] = b"FTQASTA1";
/// Tokens read per text; longer texts are truncated (about 1,500 words).
pub const MAX_TOKENS: usize = 2048;
/// Texts per thread below which a batch is embedded on the calling thread alone.
const PARALLEL_MIN_TEXTS: usize = 512;

/// The compiled-in model (see `metrics/assets/README.md`).
static BUILTIN: &[u8] = include_bytes!("../../assets/static-minilm-l6.bin");

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Header {
    pub dim: usize,
    /// The transformer the table was distilled from.
    pub source_model: String,
    /// Weighting applied to each row, in words.
    pub weighting: String,
    pub sif_a: f64,
    /// Share of the transformer's token-vector variance the PCA components keep.
    pub pca_variance_kept: f64,
    /// Spearman correlation of pairwise cosines, static vs transformer, on `agreement_texts`
    /// responses of `agreement_corpus`.
    pub agreement_spearman: Option<f64>,
    pub agreement_texts: usize,
    pub agreement_corpus: String,
    /// The command that rebuilds the file.
    pub distill_command: String,
}

pub struct StaticModel {
    pub header: Header,
    pub vocab: Vec<String>,
    /// Rows as given (dequantised when read from a file), `vocab.len() × dim`.
    pub vectors: Vec<f32>,
    /// The rows as int8 with one scale each: what embedding reads. A quarter of the f32
    /// table's 15.6 MB, so far more of it stays in cache (a text touches ~100 random rows).
    quantized: Vec<i8>,
    scales: Vec<f32>,
    wordpiece: WordPiece,
}

/// Per-row int8 quantisation: scale `max|v| / 127`, values rounded.
fn quantize(vectors: &[f32], dim: usize) -> (Vec<i8>, Vec<f32>) {
    let scales: Vec<f32> = vectors
        .chunks_exact(dim)
        .map(|r| r.iter().fold(0f32, |m, v| m.max(v.abs())) / 127.0)
        .collect();
    let mut q = Vec::with_capacity(vectors.len());
    for (row, s) in vectors.chunks_exact(dim).zip(&scales) {
        for v in row {
            q.push(if *s > 0.0 {
                (v / s).round().clamp(-127.0, 127.0) as i8
            } else {
                0
            });
        }
    }
    (q, scales)
}

impl StaticModel {
    pub fn new(header: Header, vocab: Vec<String>, vectors: Vec<f32>) -> Self {
        let wordpiece = WordPiece::new(&vocab);
        let (quantized, scales) = quantize(&vectors, header.dim);
        StaticModel {
            header,
            vocab,
            vectors,
            quantized,
            scales,
            wordpiece,
        }
    }

    /// Serialises with int8 quantisation (per-row scale `max|v| / 127`).
    pub fn to_bytes(&self) -> Vec<u8> {
        let dim = self.header.dim;
        let mut out = MAGIC.to_vec();
        let header = serde_json::to_vec(&self.header).expect("header serialises");
        out.extend_from_slice(&(header.len() as u32).to_le_bytes());
        out.extend_from_slice(&header);
        out.extend_from_slice(&(self.vocab.len() as u32).to_le_bytes());
        for tok in &self.vocab {
            out.extend_from_slice(&(tok.len() as u16).to_le_bytes());
            out.extend_from_slice(tok.as_bytes());
        }
        debug_assert_eq!(self.quantized.len(), self.vocab.len() * dim);
        for s in &self.scales {
            out.extend_from_slice(&s.to_le_bytes());
        }
        out.extend(self.quantized.iter().map(|&q| q as u8));
        out
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, EmbedError> {
        let bad = |what: &str| EmbedError(format!("static model file: {what}"));
        let mut r = Reader { b: bytes, at: 0 };
        if r.take(8).ok_or_else(|| bad("too short"))? != MAGIC {
            return Err(bad("wrong magic (not an ftqa static model)"));
        }
        let hlen = r.u32().ok_or_else(|| bad("truncated header"))? as usize;
        let header: Header =
            serde_json::from_slice(r.take(hlen).ok_or_else(|| bad("truncated header"))?)
                .map_err(|e| bad(&e.to_string()))?;
        let count = r.u32().ok_or_else(|| bad("truncated vocabulary"))? as usize;
        let mut vocab = Vec::with_capacity(count);
        for _ in 0..count {
            let len = r.u16().ok_or_else(|| bad("truncated vocabulary"))? as usize;
            let tok = r.take(len).ok_or_else(|| bad("truncated vocabulary"))?;
            vocab.push(String::from_utf8(tok.to_vec()).map_err(|_| bad("token is not UTF-8"))?);
        }
        let scales: Vec<f32> = r
            .take(count * 4)
            .ok_or_else(|| bad("truncated scales"))?
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        let q = r
            .take(count * header.dim)
            .ok_or_else(|| bad("truncated vectors"))?;
        let vectors = q
            .chunks_exact(header.dim)
            .zip(&scales)
            .flat_map(|(row, s)| row.iter().map(move |&v| v as i8 as f32 * s))
            .collect();
        Ok(StaticModel::new(header, vocab, vectors))
    }
}

struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let s = self.b.get(self.at..self.at.checked_add(n)?)?;
        self.at += n;
        Some(s)
    }
    fn u32(&mut self) -> Option<u32> {
        self.take(4)
            .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
    }
    fn u16(&mut self) -> Option<u16> {
        self.take(2).map(|s| u16::from_le_bytes([s[0], s[1]]))
    }
}

/// Hints the CPU to load `row` into cache; a no-op off x86-64.
#[inline(always)]
fn prefetch(row: &[i8]) {
    #[cfg(target_arch = "x86_64")]
    for line in row.chunks(64) {
        // SAFETY: prefetching is a hint that never faults; the pointer is in bounds anyway.
        unsafe {
            std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(line.as_ptr())
        };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = row;
}

#[derive(Clone)]
pub struct StaticEmbedder {
    model: Arc<StaticModel>,
    /// The table compiled into the binary: the one the calibrated eps was measured on.
    builtin: bool,
}

impl fmt::Debug for StaticEmbedder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "StaticEmbedder({} tokens × {})",
            self.model.vocab.len(),
            self.model.header.dim
        )
    }
}

impl StaticEmbedder {
    pub fn new(model: StaticModel) -> Self {
        StaticEmbedder {
            model: Arc::new(model),
            builtin: false,
        }
    }

    /// The model compiled into the binary, parsed once per process.
    pub fn builtin() -> Self {
        static MODEL: OnceLock<Arc<StaticModel>> = OnceLock::new();
        let model = MODEL.get_or_init(|| {
            Arc::new(StaticModel::from_bytes(BUILTIN).expect("the built-in static model is valid"))
        });
        StaticEmbedder {
            builtin: true,
            model: model.clone(),
        }
    }

    pub fn model(&self) -> &StaticModel {
        &self.model
    }

    fn embed_one(&self, text: &str, out: &mut [f32]) {
        let dim = self.model.header.dim;
        out.iter_mut().for_each(|v| *v = 0.0);
        let (q, scales) = (&self.model.quantized, &self.model.scales);
        let mut ids = Vec::with_capacity(256);
        self.model
            .wordpiece
            .tokenize(text, MAX_TOKENS, |id| ids.push(id));
        // Row loads miss the cache (a text touches ~100 random rows of a 3.9 MB table) and
        // were most of the time: fetch a few rows ahead so the misses overlap.
        const AHEAD: usize = 6;
        for (k, &id) in ids.iter().enumerate() {
            if let Some(&next) = ids.get(k + AHEAD) {
                prefetch(&q[next as usize * dim..(next as usize + 1) * dim]);
            }
            let row = &q[id as usize * dim..(id as usize + 1) * dim];
            let s = scales[id as usize];
            // The mean and the sum of token vectors normalise to the same unit vector.
            for (o, v) in out.iter_mut().zip(row) {
                *o += s * *v as f32;
            }
        }
        normalize(out);
    }
}

impl Embedder for StaticEmbedder {
    fn name(&self) -> &str {
        "static"
    }
    fn calibrated_eps(&self) -> Option<f32> {
        self.builtin
            .then(|| crate::cluster::params::calibrated_eps("static"))
            .flatten()
    }
    fn dim(&self) -> usize {
        self.model.header.dim
    }
    /// Large enough to split across cores; the vectors of a batch are 2 MB.
    fn batch_size(&self) -> usize {
        4096
    }
    fn embed(&self, texts: &[&str]) -> Result<Vec<f32>, EmbedError> {
        let dim = self.dim();
        let mut out = vec![0f32; texts.len() * dim];
        // Each text is embedded on its own, so splitting a batch across cores changes no
        // number; small batches are not worth a thread.
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(texts.len() / PARALLEL_MIN_TEXTS)
            .max(1);
        if threads == 1 {
            for (t, o) in texts.iter().zip(out.chunks_exact_mut(dim)) {
                self.embed_one(t, o);
            }
            return Ok(out);
        }
        let per = texts.len().div_ceil(threads);
        std::thread::scope(|scope| {
            for (ts, os) in texts.chunks(per).zip(out.chunks_mut(per * dim)) {
                scope.spawn(move || {
                    for (t, o) in ts.iter().zip(os.chunks_exact_mut(dim)) {
                        self.embed_one(t, o);
                    }
                });
            }
        });
        Ok(out)
    }
    fn describe(&self) -> String {
        let h = &self.model.header;
        let agreement = match h.agreement_spearman {
            Some(r) => format!(
                "Agreement with the transformer: Spearman {r:.3} between the two models' pairwise cosines over {} responses of {}.",
                h.agreement_texts, h.agreement_corpus
            ),
            None => "Agreement with the transformer was not measured for this table.".to_string(),
        };
        format!(
            "static: {} WordPiece token vectors of {} dimensions distilled from {} (model2vec-style: each token through the transformer, \
             PCA keeping {:.1}% of the variance, {}), averaged over a text's tokens and L2-normalised. {agreement} Rebuild: `{}`.",
            self.model.vocab.len(),
            h.dim,
            h.source_model,
            h.pca_variance_kept * 100.0,
            h.weighting,
            h.distill_command
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> StaticModel {
        let vocab: Vec<String> = ["[PAD]", "[UNK]", "cat", "dog", "car"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let vectors = vec![0., 0., 0., 0., 1., 0.1, 0.9, 0.2, 0., 1.];
        let header = Header {
            dim: 2,
            source_model: "test".into(),
            weighting: "none".into(),
            sif_a: 0.0,
            pca_variance_kept: 1.0,
            agreement_spearman: None,
            agreement_texts: 0,
            agreement_corpus: String::new(),
            distill_command: String::new(),
        };
        StaticModel::new(header, vocab, vectors)
    }

    #[test]
    fn round_trips_through_bytes() {
        let m = tiny();
        let back = StaticModel::from_bytes(&m.to_bytes()).unwrap();
        assert_eq!(back.vocab, m.vocab);
        assert_eq!(back.header, m.header);
        for (a, b) in back.vectors.iter().zip(&m.vectors) {
            assert!((a - b).abs() < 0.01);
        }
        assert!(StaticModel::from_bytes(b"FTQASTA1\x05").is_err());
    }

    #[test]
    fn averages_token_vectors() {
        let e = StaticEmbedder::new(tiny());
        let v = e.embed(&["cat dog", "car", "???"]).unwrap();
        assert!(v[0] > 0.9 && v[1] > 0.1);
        assert!((v[3] - 1.0).abs() < 1e-6);
        assert_eq!(&v[4..], &[0.0, 0.0]);
    }

    #[test]
    fn builtin_model_loads_and_is_semantic() {
        let e = StaticEmbedder::builtin();
        let v = e
            .embed(&[
                "The cat sat on the mat.",
                "A kitten rested on the rug.",
                "Quarterly revenue grew by eight percent.",
            ])
            .unwrap();
        let d = e.dim();
        let cos = |a: usize, b: usize| (0..d).map(|k| v[a * d + k] * v[b * d + k]).sum::<f32>();
        assert!(cos(0, 1) > cos(0, 2), "{} vs {}", cos(0, 1), cos(0, 2));
    }

    #[test]
    fn threaded_batches_equal_one_text_at_a_time() {
        let e = StaticEmbedder::builtin();
        let texts: Vec<String> = (0..3000)
            .map(|i| format!("response number {i} about cats, dogs and {} rivers", i % 17))
            .collect();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let batch = e.embed(&refs).unwrap();
        let dim = e.dim();
        for i in [0, 1, 1499, 1500, 2999] {
            assert_eq!(
                &batch[i * dim..(i + 1) * dim],
                &e.embed(&refs[i..i + 1]).unwrap()[..]
            );
        }
        assert!(e.embed(&[]).unwrap().is_empty());
    }
}
