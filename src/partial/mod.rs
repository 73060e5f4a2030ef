//! Partial result files: the saved state of a pass over part of a dataset, so shards can
//! be read on many machines and merged on one (`ftqa report SHARD --partial -o P.ftqa`,
//! then `ftqa merge P*.ftqa -o report/`). The format is documented in docs/PARTIAL.md.
//!
//! Layout (all integers little-endian):
//!
//! | bytes | what |
//! |---|---|
//! | 8 | magic `FTQAPART` |
//! | 4 | format version ([`FORMAT_VERSION`]) |
//! | 8 | header length H |
//! | H | header: JSON ([`Header`]): versions, settings and their hash, record counts, dataset facts, warnings, the body's length and sha256 |
//! | rest | body: postcard ([`Body`]): each metric's and each stage's saved state, by name |
//!
//! A part holds what merging needs and nothing else: counts, signatures, sketches and
//! bounded samples ([`ftqa_metrics::registry::Metric::save`]), never every text.

pub mod combine;
pub mod settings;

use crate::pipeline::Pass;
use anyhow::{bail, Context, Result};
use ftqa_metrics::result::{DatasetInfo, RecordCounts};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::path::Path;

pub const MAGIC: &[u8; 8] = b"FTQAPART";
/// Bumped whenever the header or body layout changes.
pub const FORMAT_VERSION: u32 = 2;

/// The readable part of a partial result file.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Header {
    pub format_version: u32,
    /// What the body holds: `report` (metric and stage states, for `ftqa merge`) or
    /// `dedup` (signatures, for `ftqa dedup --merge`).
    pub kind: String,
    /// The ftqa that wrote it: metric state layouts may change between versions, so parts
    /// merge only with the same version.
    pub ftqa_version: String,
    /// Every analysis flag of the run, canonical ([`settings`]).
    pub settings: Vec<String>,
    /// `sha256:` of the settings and of the files they name.
    pub settings_hash: String,
    pub dataset: DatasetInfo,
    pub records: RecordCounts,
    pub warnings: Vec<String>,
    /// Metric families and stages saved in the body, in order.
    pub families: Vec<String>,
    pub stages: Vec<String>,
    pub body_bytes: u64,
    pub body_sha256: String,
}

/// The saved states.
#[derive(Serialize, Deserialize)]
pub struct Body {
    pub metrics: Vec<(String, Vec<u8>)>,
    pub stages: Vec<(String, Vec<u8>)>,
}

/// A partial result read back.
pub struct Part {
    pub header: Header,
    pub body: Body,
}

/// The error for an analysis that cannot run on part of the data, with the reason.
pub fn unsplittable(why: impl std::fmt::Display) -> anyhow::Error {
    anyhow::anyhow!("this analysis cannot be split into parts: {why}")
}

/// Saves a pass over part of the data, with its settings, to `path`.
pub fn write(path: &Path, pass: &Pass, settings: Vec<String>) -> Result<u64> {
    let metrics = pass.engine.save().map_err(unsplittable)?;
    let stages = pass
        .stages
        .iter()
        .map(|s| {
            s.save()
                .map(|b| (s.name().to_string(), b))
                .map_err(unsplittable)
        })
        .collect::<Result<Vec<_>>>()?;
    let body =
        ftqa_metrics::state::encode(&Body { metrics, stages }).map_err(anyhow::Error::msg)?;
    let mut header = Header {
        format_version: FORMAT_VERSION,
        kind: "report".into(),
        ftqa_version: env!("CARGO_PKG_VERSION").to_string(),
        settings_hash: settings::hash(&settings, "report")?,
        settings,
        dataset: pass.dataset.clone(),
        records: pass.records.clone(),
        warnings: pass.warnings.clone(),
        families: pass
            .engine
            .families()
            .iter()
            .map(|f| f.to_string())
            .collect(),
        stages: pass.stages.iter().map(|s| s.name().to_string()).collect(),
        body_bytes: 0,
        body_sha256: String::new(),
    };
    write_file(path, &mut header, &body)
}

/// Writes a header and a body (filling in the body's length and checksum), beside `path`
/// and then renamed, so a crashed run never leaves a truncated part under its name.
pub fn write_file(path: &Path, header: &mut Header, body: &[u8]) -> Result<u64> {
    header.body_bytes = body.len() as u64;
    header.body_sha256 = format!("{:x}", Sha256::digest(body));
    let head = serde_json::to_vec_pretty(&header)?;
    let tmp = path.with_extension("ftqa.tmp");
    let mut f = std::io::BufWriter::new(
        std::fs::File::create(&tmp).with_context(|| format!("creating {}", tmp.display()))?,
    );
    f.write_all(MAGIC)?;
    f.write_all(&FORMAT_VERSION.to_le_bytes())?;
    f.write_all(&(head.len() as u64).to_le_bytes())?;
    f.write_all(&head)?;
    f.write_all(body)?;
    f.into_inner()
        .map_err(|e| e.into_error())?
        .sync_all()
        .with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path)
        .with_context(|| format!("renaming {} to {}", tmp.display(), path.display()))?;
    Ok((MAGIC.len() + 12 + head.len() + body.len()) as u64)
}

/// Reads a partial result file's header, checking its magic, format version and ftqa
/// version; the reader is left at the body.
fn open(path: &Path) -> Result<(Header, std::io::BufReader<std::fs::File>)> {
    let what = path.display();
    let mut f = std::io::BufReader::new(
        std::fs::File::open(path).with_context(|| format!("opening {what}"))?,
    );
    let mut fixed = [0u8; 20];
    if f.read_exact(&mut fixed).is_err() || &fixed[..8] != MAGIC {
        bail!("{what} is not an ftqa partial result file (they start with FTQAPART; `ftqa report DATA --partial -o PART.ftqa` writes them)");
    }
    let version = u32::from_le_bytes(fixed[8..12].try_into().expect("4 bytes"));
    if version != FORMAT_VERSION {
        bail!("{what} has partial format version {version}; this ftqa ({}) reads version {FORMAT_VERSION}: make every part with the same ftqa", env!("CARGO_PKG_VERSION"));
    }
    let head_len = u64::from_le_bytes(fixed[12..20].try_into().expect("8 bytes"));
    if head_len > 1 << 30 {
        bail!("{what}: the header length ({head_len} bytes) is not plausible: the file is damaged");
    }
    let mut head = vec![0u8; head_len as usize];
    f.read_exact(&mut head)
        .with_context(|| format!("{what}: the header is cut short (the file is truncated)"))?;
    let header: Header = serde_json::from_slice(&head)
        .with_context(|| format!("{what}: the header is not valid"))?;
    if header.ftqa_version != env!("CARGO_PKG_VERSION") {
        bail!(
            "{what} was written by ftqa {}; this is ftqa {}: metric states are merged only between parts of the same version",
            header.ftqa_version,
            env!("CARGO_PKG_VERSION")
        );
    }
    Ok((header, f))
}

/// The header alone: what a merge checks before it reads any state.
pub fn read_header(path: &Path) -> Result<Header> {
    Ok(open(path)?.0)
}

/// Reads a whole file of `kind`, checking the body against its checksum; each problem
/// is an error naming the file.
pub fn read_file(path: &Path, kind: &str) -> Result<(Header, Vec<u8>)> {
    let what = path.display();
    let (header, mut f) = open(path)?;
    check_kind(path, &header, kind)?;
    let mut body = Vec::with_capacity(usize::try_from(header.body_bytes).unwrap_or(0).min(1 << 30));
    f.read_to_end(&mut body)?;
    if body.len() as u64 != header.body_bytes
        || format!("{:x}", Sha256::digest(&body)) != header.body_sha256
    {
        bail!(
            "{what}: the saved states do not match their checksum ({} bytes read, {} expected): the file is truncated or damaged",
            body.len(),
            header.body_bytes
        );
    }
    Ok((header, body))
}

/// Refuses a file of another kind (dedup signatures given to `ftqa merge`, or a report
/// part given to `ftqa dedup --merge`).
pub fn check_kind(path: &Path, header: &Header, kind: &str) -> Result<()> {
    if header.kind != kind {
        let maker = |k: &str| match k {
            "dedup" => "`ftqa dedup --partial`",
            _ => "`ftqa report --partial`",
        };
        bail!(
            "{} holds {} state (made by {}); this step needs {} state (made by {})",
            path.display(),
            header.kind,
            maker(&header.kind),
            kind,
            maker(kind)
        );
    }
    Ok(())
}

/// Reads a report part.
pub fn read(path: &Path) -> Result<Part> {
    let (header, body) = read_file(path, "report")?;
    let body: Body = ftqa_metrics::state::decode(&body)
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    Ok(Part { header, body })
}

/// Merges parts into one pass: checks they may merge ([`combine::check`]), then loads and
/// merges their states one part at a time, so memory holds one merged state and one part.
pub fn merge(paths: &[std::path::PathBuf], opts: &crate::pipeline::RunOptions) -> Result<Pass> {
    use ftqa_metrics::registry::Engine;
    let headers = paths
        .iter()
        .map(|p| {
            let h = read_header(p)?;
            check_kind(p, &h, "report")?;
            Ok(h)
        })
        .collect::<Result<Vec<_>>>()?;
    // Parts in the order of their files, so lists kept in order (skipped records) come out
    // the same whatever order the parts are given in.
    let mut order: Vec<usize> = (0..paths.len()).collect();
    order.sort_by(|&a, &b| headers[a].dataset.files.cmp(&headers[b].dataset.files));
    let pairs: Vec<(&Path, &Header)> = order
        .iter()
        .map(|&i| (paths[i].as_path(), &headers[i]))
        .collect();
    combine::check(&pairs)?;
    let sorted: Vec<&Header> = pairs.iter().map(|(_, h)| *h).collect();
    let mut stages = crate::pipeline::unprepared_stages(opts);
    let names: Vec<&str> = stages.iter().map(|s| s.name()).collect();
    let mut engine: Option<Engine> = None;
    for (path, header) in &pairs {
        if header.stages != names {
            bail!(
                "{}: its stages ({}) are not those its settings run here ({})",
                path.display(),
                header.stages.join(", "),
                names.join(", ")
            );
        }
        let part = read(path)?;
        let loaded = Engine::load(&opts.analysis, &part.body.metrics)
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        match &mut engine {
            None => engine = Some(loaded),
            Some(e) => e.merge(loaded),
        }
        for (stage, (name, saved)) in stages.iter_mut().zip(&part.body.stages) {
            debug_assert_eq!(stage.name(), name);
            stage
                .absorb(saved)
                .map_err(|e| anyhow::anyhow!("{}: stage {name}: {e}", path.display()))?;
        }
    }
    Ok(Pass {
        engine: engine.expect("at least one part"),
        stages,
        records: combine::records(&sorted),
        dataset: combine::dataset(&sorted),
        warnings: combine::warnings(&sorted),
    })
}
