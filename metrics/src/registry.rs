//! The metric trait and the one list of registered metrics.
//!
//! Adding a metric = one file in `metrics/src/` implementing [`Metric`] and exporting a
//! `SPEC: MetricSpec`, plus one line in [`registry`].

use crate::record::Record;
use crate::result::Outputs;
use serde::Serialize;

/// Which way a metric is better. Shown in docs, used by `compare` and `check`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    HigherIsBetter,
    LowerIsBetter,
    /// Descriptive only: no direction is better in general.
    Neutral,
}

/// Where a metric's definition comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Provenance {
    /// Defined by the VLIT review (paper 004, section 4.2, Table 4).
    Paper,
    /// A better-behaved companion to a paper metric.
    Companion,
    /// A descriptive statistic or hygiene check.
    Basic,
}

/// Documentation of one metric id (or an id pattern such as `script.<script>.share`).
#[derive(Clone, Debug, Serialize)]
pub struct MetricDoc {
    pub id: &'static str,
    pub definition: &'static str,
    pub direction: Direction,
    pub provenance: Provenance,
}

/// A record the loader could not turn into a canonical record.
#[derive(Clone, Debug)]
pub struct Skip {
    /// A short, stable category (`malformed_json`, `wrong_type`, `empty_conversation`, ...).
    pub reason: String,
    /// Human-readable detail.
    pub detail: String,
    /// `file:line` or `file row N`.
    pub location: String,
}

/// Settings that metrics read. Filled from flags and config by the CLI.
#[derive(Clone, Debug)]
pub struct AnalysisConfig {
    /// Metric families to run (prefixes such as `length` or `diversity`); empty = all.
    pub only: Vec<String>,
    /// Metric families to leave out, by prefix.
    pub skip: Vec<String>,
    /// How many example records each metric may attach.
    pub max_examples: usize,
    /// Characters of dataset text kept per example.
    pub example_chars: usize,
    /// Element-graph edges seen fewer times than this are dropped (instruction diversity).
    pub cooccurrence_min_count: u32,
    /// Ego-Splitting clusters with fewer distinct words are not counted.
    pub min_cluster_size: usize,
    /// Ego-nets of hub words keep at most this many heaviest neighbours (0 = no cap).
    pub max_ego_net: usize,
    /// Sentence embedder for response diversity; `None` = the built-in static model.
    pub embedder: Option<std::sync::Arc<dyn crate::embed::Embedder>>,
    /// DBSCAN eps (cosine distance); `None` = the k-distance rule (cluster::params).
    pub dbscan_eps: Option<f32>,
    /// DBSCAN min_samples (itself included); `None` = 5.
    pub dbscan_min_samples: Option<usize>,
    pub dbscan_search: crate::cluster::Search,
    /// Near-duplicate and semantic dedup settings.
    pub dedup: crate::dedup::DedupConfig,
    /// Benchmarks to check for contamination (`--benchmark`); `None` = no check.
    pub benchmarks: Option<std::sync::Arc<crate::contamination::BenchmarkIndex>>,
    /// `--sample-size`: records in the seeded sample that size-dependent indices use.
    pub sample_size: usize,
    /// `--sample-seed`: seeds the sample's record keys (crate::sample::record_key).
    pub sample_seed: u64,
    /// `--instructions-per-task`: instructions of the sample per task that the element graph
    /// of instruction diversity is built from.
    pub instructions_per_task: usize,
}

impl Default for AnalysisConfig {
    fn default() -> Self {
        AnalysisConfig {
            only: Vec::new(),
            skip: Vec::new(),
            max_examples: 5,
            example_chars: 300,
            cooccurrence_min_count: 1,
            min_cluster_size: 2,
            max_ego_net: 5_000,
            embedder: None,
            dbscan_eps: None,
            dbscan_min_samples: None,
            dbscan_search: crate::cluster::Search::Auto,
            dedup: crate::dedup::DedupConfig::default(),
            benchmarks: None,
            sample_size: crate::sample::DEFAULT_SAMPLE_SIZE,
            sample_seed: crate::sample::DEFAULT_SAMPLE_SEED,
            instructions_per_task: crate::diversity::instruction::DEFAULT_INSTRUCTIONS_PER_TASK,
        }
    }
}

impl AnalysisConfig {
    /// Whether a metric family runs under `only`/`skip`. A prefix matches whole dotted
    /// segments: `dedup` selects `dedup.exact` but `len` selects nothing. `only` may also
    /// name an id inside a family (`hygiene.truncated.rate`), which runs that family.
    pub fn wants(&self, family: &str) -> bool {
        let only = |p: &String| covers(p, family) || covers(family, p);
        (self.only.is_empty() || self.only.iter().any(only))
            && !self.skip.iter().any(|p| covers(p, family))
    }

    /// `--only`/`--skip` values that select no registered family: a typo, or a family that
    /// does not exist, which would otherwise silently run everything or nothing.
    pub fn unmatched_filters(&self) -> Vec<(&'static str, String)> {
        let families: Vec<&str> = registry().iter().map(|s| s.family).collect();
        let only = self
            .only
            .iter()
            .filter(|p| !families.iter().any(|f| covers(p, f) || covers(f, p)))
            .map(|p| ("--only", p.clone()));
        let skip = self
            .skip
            .iter()
            .filter(|p| !families.iter().any(|f| covers(p, f)))
            .map(|p| ("--skip", p.clone()));
        only.chain(skip).collect()
    }
}

/// Whether dotted `prefix` is `name` or a whole-segment prefix of it.
fn covers(prefix: &str, name: &str) -> bool {
    name == prefix
        || name
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with('.'))
}

/// A streaming analysis with mergeable state. One instance may see any chunk of the
/// records, in any order; [`Metric::merge`] folds another chunk's state in. One thread,
/// many threads and many machines all run the same code: build a state per chunk, merge,
/// finish.
///
/// The contract, which `tests/merge_splits.rs` checks on every fixture: for any split of
/// the records into parts and any order of merging them, `finish` writes exactly what one
/// pass over all records writes. So a state never depends on arrival order: what it keeps
/// of a few records (examples, first sightings) it keeps by the records' stable
/// position ([`crate::record::Origin::order_key`]), samples are bottom-k over seeded record
/// keys ([`crate::sample`]), and what it collects is sorted by position before use.
pub trait Metric: Send + std::any::Any {
    fn observe(&mut self, record: &Record);
    /// Called for every record the loader skipped. Most metrics ignore skips.
    fn observe_skip(&mut self, _skip: &Skip) {}
    /// Folds in the state of another instance made by the same spec and config
    /// ([`merged`] recovers its concrete type).
    fn merge(&mut self, other: Box<dyn Metric>);
    /// The state, encoded for a partial result file ([`crate::state`]): what `merge` needs
    /// and no more, so signatures, sketches and bounded samples, never every text. `Err`
    /// says why this state cannot leave the process (an embedder fitted on the whole
    /// corpus), which the CLI reports as an error.
    fn save(&self) -> Result<Vec<u8>, String>;
    /// Replaces the state of this fresh instance, made by the same spec and config, with
    /// one that [`Metric::save`] wrote.
    fn load(&mut self, saved: &[u8]) -> Result<(), String>;
    fn finish(self: Box<Self>, out: &mut Outputs);
}

/// The concrete state behind another instance of the same metric, for [`Metric::merge`].
/// Merging states of two different metrics is a bug in the caller, hence the panic.
pub fn merged<T: Metric>(other: Box<dyn Metric>) -> T {
    let any: Box<dyn std::any::Any> = other;
    match any.downcast::<T>() {
        Ok(t) => *t,
        Err(_) => panic!(
            "merge of {} with the state of a different metric",
            std::any::type_name::<T>()
        ),
    }
}

pub struct MetricSpec {
    /// `module_path!()` of the file that defines the spec: it must follow the family
    /// (`diversity.response` lives in `ftqa_metrics::diversity::response`), which a test
    /// enforces, so an id always says where its code is.
    pub module: &'static str,
    /// Family name, the prefix of all its ids (e.g. `length`, `diversity.response`).
    pub family: &'static str,
    pub docs: fn() -> Vec<MetricDoc>,
    pub make: fn(&AnalysisConfig) -> Box<dyn Metric>,
}

/// One of the indices of the VLIT review's Table 4 (paper 004, section 4.2), in the
/// paper's order: reports lead with these.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct PaperIndex {
    /// The paper's name for it.
    pub name: &'static str,
    /// The metric id that carries it.
    pub id: &'static str,
    /// Why ftqa cannot report it at all yet, if so (it is then always "not measured").
    pub unavailable: Option<&'static str>,
}

/// Table 4's indices: the one list renderers, `compare` and `check` read.
pub const PAPER_INDICES: &[PaperIndex] = &[
    PaperIndex {
        name: "Task diversity",
        id: "diversity.task.count",
        unavailable: None,
    },
    PaperIndex {
        name: "Instruction diversity",
        id: "diversity.instruction.clusters_mean",
        unavailable: None,
    },
    PaperIndex {
        name: "Response diversity",
        id: "diversity.response.log_clusters",
        unavailable: None,
    },
    PaperIndex {
        name: "Object/granularity complexity",
        id: "complexity.object.count_mean",
        unavailable: None,
    },
    PaperIndex {
        name: "Instruction complexity (elements)",
        id: "complexity.instruction.elements_mean",
        unavailable: None,
    },
    PaperIndex {
        name: "Instruction complexity (difficulty)",
        id: "complexity.instruction.difficulty_mean",
        unavailable: None,
    },
    PaperIndex {
        name: "Balance",
        id: "balance.task.variance",
        unavailable: None,
    },
    PaperIndex {
        name: "Matching degree",
        id: "matching.clip.score_mean",
        unavailable: None,
    },
    PaperIndex {
        name: "Correctness",
        id: "correctness.judge.correct_rate",
        unavailable: None,
    },
];

/// Every metric ftqa computes. One line per metric family.
pub fn registry() -> Vec<MetricSpec> {
    vec![
        crate::records::SPEC,
        crate::turns::SPEC,
        crate::length::SPEC,
        crate::empty::SPEC,
        crate::dedup::exact::SPEC,
        crate::dedup::near::SPEC,
        crate::dedup::semantic::SPEC,
        crate::contamination::SPEC,
        crate::script::SPEC,
        crate::language::SPEC,
        crate::system::SPEC,
        crate::images::SPEC,
        crate::images::duplicate::SPEC,
        crate::videos::SPEC,
        crate::tasks::SPEC,
        crate::diversity::task::SPEC,
        crate::balance::SPEC,
        crate::diversity::instruction::SPEC,
        crate::diversity::response::SPEC,
        crate::complexity::instruction::SPEC,
        crate::complexity::structure::SPEC,
        crate::complexity::object::SPEC,
        crate::correctness::judge::SPEC,
        crate::preference::SPEC,
        crate::feedback::SPEC,
        crate::references::SPEC,
        crate::hygiene::truncated::SPEC,
        crate::hygiene::echo::SPEC,
        crate::hygiene::repetition_loop::SPEC,
        crate::hygiene::refusal::SPEC,
        crate::hygiene::boilerplate::SPEC,
        crate::hygiene::mojibake::SPEC,
        crate::hygiene::replacement_char::SPEC,
        crate::hygiene::invalid_utf8::SPEC,
        crate::hygiene::pii::SPEC,
        crate::hygiene::template_tokens::SPEC,
        crate::hygiene::language_mixed::SPEC,
        crate::hygiene::preference::SPEC,
        crate::images::files::SPEC,
        crate::hygiene::image_missing::SPEC,
        crate::hygiene::image_corrupt::SPEC,
        crate::images::resolution::SPEC,
        crate::matching::clip::SPEC,
    ]
}

/// All documented metric ids, in registry order.
pub fn all_docs() -> Vec<MetricDoc> {
    registry().iter().flat_map(|s| (s.docs)()).collect()
}

/// Finds the doc entry for a concrete id: an exact entry if there is one, else the
/// matching pattern with the most literal characters (so `turns.multi_turn_rate` is not
/// taken by `turns.<stat>`), the earliest registered on ties.
pub fn doc_for(id: &str) -> Option<MetricDoc> {
    let docs = all_docs();
    find_doc(&docs, id).map(|(_, d)| d.clone())
}

/// [`doc_for`] over an already-loaded list, with the entry's position in registry order.
pub fn find_doc<'a>(docs: &'a [MetricDoc], id: &str) -> Option<(usize, &'a MetricDoc)> {
    docs.iter()
        .enumerate()
        .filter(|(_, d)| id_matches(d.id, id))
        .max_by(|(i, a), (j, b)| {
            (a.id == id, literal_chars(a.id))
                .cmp(&(b.id == id, literal_chars(b.id)))
                .then(j.cmp(i))
        })
}

/// Whether a concrete id such as `script.latin.share` fits a pattern such as
/// `script.<script>.share`. A whole-segment placeholder matches one or more dotted
/// segments (task names may contain dots); a placeholder inside a segment, as in
/// `dedup.exact.<part>_count`, matches a non-empty part of one segment.
pub fn id_matches(pattern: &str, id: &str) -> bool {
    fn whole(p: &str) -> bool {
        p.starts_with('<') && p.ends_with('>') && p.matches('<').count() == 1
    }
    fn segment(p: &str, s: &str) -> bool {
        match (p.find('<'), p.find('>')) {
            (Some(a), Some(b)) if a < b => {
                let (prefix, suffix) = (&p[..a], &p[b + 1..]);
                s.len() > prefix.len() + suffix.len()
                    && s.starts_with(prefix)
                    && s.ends_with(suffix)
            }
            _ => p == s,
        }
    }
    fn rec(p: &[&str], s: &[&str]) -> bool {
        match (p.first(), s.first()) {
            (None, None) => true,
            (Some(ph), Some(_)) if whole(ph) => (1..=s.len()).any(|k| rec(&p[1..], &s[k..])),
            (Some(a), Some(b)) if segment(a, b) => rec(&p[1..], &s[1..]),
            _ => false,
        }
    }
    let p: Vec<&str> = pattern.split('.').collect();
    let s: Vec<&str> = id.split('.').collect();
    rec(&p, &s)
}

/// Characters of a pattern outside placeholders: more means more specific.
fn literal_chars(pattern: &str) -> usize {
    let mut depth = 0usize;
    pattern
        .chars()
        .filter(|c| match c {
            '<' => {
                depth += 1;
                false
            }
            '>' => {
                depth = depth.saturating_sub(1);
                false
            }
            _ => depth == 0,
        })
        .count()
}

/// Runs every registered metric over a stream of loader events.
pub struct Engine {
    metrics: Vec<Box<dyn Metric>>,
    /// The family of each metric, in the same order: what a saved state is filed under.
    families: Vec<&'static str>,
}

impl Engine {
    pub fn new(config: &AnalysisConfig) -> Self {
        let specs: Vec<MetricSpec> = registry()
            .into_iter()
            .filter(|s| config.wants(s.family))
            .collect();
        Engine {
            metrics: specs.iter().map(|s| (s.make)(config)).collect(),
            families: specs.iter().map(|s| s.family).collect(),
        }
    }

    /// The metric families this engine runs, in registry order.
    pub fn families(&self) -> &[&'static str] {
        &self.families
    }

    /// Every metric's state, by family, in registry order ([`Metric::save`]).
    pub fn save(&self) -> Result<Vec<(String, Vec<u8>)>, String> {
        self.families
            .iter()
            .zip(&self.metrics)
            .map(|(f, m)| Ok((f.to_string(), m.save().map_err(|e| format!("{f}: {e}"))?)))
            .collect()
    }

    /// A fresh engine for `config` holding saved states ([`Engine::save`]). The families
    /// must be exactly those the config selects, in order: a part made with other
    /// settings is refused.
    pub fn load(config: &AnalysisConfig, saved: &[(String, Vec<u8>)]) -> Result<Engine, String> {
        let mut engine = Engine::new(config);
        let names: Vec<&str> = saved.iter().map(|(f, _)| f.as_str()).collect();
        if names != engine.families {
            return Err(format!(
                "the saved metric families ({}) are not those these settings run ({})",
                names.join(", "),
                engine.families.join(", ")
            ));
        }
        for ((f, bytes), m) in saved.iter().zip(&mut engine.metrics) {
            m.load(bytes).map_err(|e| format!("{f}: {e}"))?;
        }
        Ok(engine)
    }
    pub fn observe(&mut self, record: &Record) {
        for m in &mut self.metrics {
            m.observe(record);
        }
    }
    pub fn observe_skip(&mut self, skip: &Skip) {
        for m in &mut self.metrics {
            m.observe_skip(skip);
        }
    }
    /// Folds in another engine's states, built with the same config on other records.
    pub fn merge(&mut self, other: Engine) {
        assert_eq!(
            self.metrics.len(),
            other.metrics.len(),
            "engines of different configs"
        );
        for (m, o) in self.metrics.iter_mut().zip(other.metrics) {
            m.merge(o);
        }
    }

    /// Finishes every metric, in parallel on the current rayon pool, and gathers their
    /// outputs in registry order, so the result does not depend on the thread count.
    pub fn finish(self) -> Outputs {
        use rayon::prelude::*;
        let parts: Vec<Outputs> = self
            .metrics
            .into_par_iter()
            .map(|m| {
                let mut out = Outputs::default();
                m.finish(&mut out);
                out
            })
            .collect();
        let mut out = Outputs::default();
        for p in parts {
            out.append(p);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_concrete_ids() {
        assert!(id_matches("script.<script>.share", "script.latin.share"));
        assert!(id_matches(
            "length.<field>.words.mean",
            "length.response.words.mean"
        ));
        assert!(!id_matches("script.<script>.share", "script.share"));
        assert!(!id_matches("records.total", "records.skipped"));
        assert!(id_matches(
            "dedup.exact.<part>_count",
            "dedup.exact.sample_count"
        ));
        assert!(!id_matches(
            "dedup.exact.<part>_count",
            "dedup.exact._count"
        ));
        assert!(!id_matches(
            "dedup.exact.<part>_count",
            "dedup.exact.sample_rate"
        ));
        assert_eq!(
            literal_chars("dedup.exact.<part>_count"),
            "dedup.exact._count".len()
        );
    }

    #[test]
    fn exact_and_specific_docs_win() {
        assert_eq!(
            doc_for("turns.multi_turn_rate").unwrap().id,
            "turns.multi_turn_rate"
        );
        assert_eq!(doc_for("turns.mean").unwrap().id, "turns.<stat>");
        assert_eq!(
            doc_for("dedup.exact.sample_count").unwrap().id,
            "dedup.exact.<part>_count"
        );
        assert_eq!(
            doc_for("dedup.exact.sample_rate").unwrap().id,
            "dedup.exact.sample_rate"
        );
    }

    #[test]
    fn family_filters_match_whole_segments() {
        let mut c = AnalysisConfig {
            only: vec!["dedup".into(), "length".into()],
            ..AnalysisConfig::default()
        };
        assert!(c.wants("dedup.exact") && c.wants("length") && !c.wants("turns"));
        c.only = vec!["len".into()];
        assert!(!c.wants("length"));
        c.only.clear();
        c.skip = vec!["diversity".into()];
        assert!(c.wants("length") && !c.wants("diversity.instruction"));
    }

    /// One family, one prefix, one place: every id a family documents starts with the
    /// family name, and the spec lives in the module the family names.
    #[test]
    fn ids_start_with_their_family_and_files_follow_ids() {
        let mut wrong = Vec::new();
        for s in registry() {
            for d in (s.docs)() {
                if !(d.id == s.family || d.id.starts_with(&format!("{}.", s.family))) {
                    wrong.push(format!("{} documents {}", s.family, d.id));
                }
            }
            let module = format!("ftqa_metrics::{}", s.family.replace('.', "::"));
            if s.module != module {
                wrong.push(format!(
                    "{} is defined in {} (want {module})",
                    s.family, s.module
                ));
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    #[test]
    fn family_names_are_unique() {
        let mut f: Vec<_> = registry().iter().map(|s| s.family).collect();
        f.sort();
        let n = f.len();
        f.dedup();
        assert_eq!(n, f.len(), "two specs share a family");
    }

    #[test]
    fn every_doc_id_is_unique() {
        let docs = all_docs();
        let mut ids: Vec<_> = docs.iter().map(|d| d.id).collect();
        ids.sort();
        let before = ids.len();
        ids.dedup();
        assert_eq!(before, ids.len(), "duplicate metric doc ids");
    }
}
