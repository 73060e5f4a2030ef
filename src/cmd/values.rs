//! The closed sets of values that flags accept, as clap `ValueEnum`s, so `--help` lists them
//! and a wrong value is a usage error naming the valid ones. Shared by the commands; no
//! command module.

use clap::builder::{EnumValueParser, PossibleValue, TypedValueParser};
use clap::ValueEnum;
use ftqa_metrics::cluster::Search;
use ftqa_metrics::dedup::parts::Part;
use ftqa_metrics::dedup::shingle::ShingleKind;
use std::ffi::OsStr;
use std::marker::PhantomData;

/// A `ValueEnum` parser that first normalises the spelling (case, separators), so flags that
/// always accepted loose spellings (`--schema ShareGPT`, `--schema self-instruct`,
/// `--format JSONL`) still do. A value that fails is reported as typed, with the list.
#[derive(Clone)]
pub struct Lenient<E> {
    normalize: fn(&str) -> String,
    _enum: PhantomData<fn() -> E>,
}

impl<E> Lenient<E> {
    pub fn new(normalize: fn(&str) -> String) -> Self {
        Lenient {
            normalize,
            _enum: PhantomData,
        }
    }
}

impl<E: ValueEnum + Clone + Send + Sync + 'static> TypedValueParser for Lenient<E> {
    type Value = E;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<E, clap::Error> {
        let exact = EnumValueParser::<E>::new();
        if let Some(s) = value.to_str() {
            let n = (self.normalize)(s);
            if let Ok(v) = exact.parse_ref(cmd, arg, OsStr::new(&n)) {
                return Ok(v);
            }
        }
        exact.parse_ref(cmd, arg, value)
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(
            E::value_variants()
                .iter()
                .filter_map(ValueEnum::to_possible_value),
        ))
    }
}

/// `--format`: trimmed, any case (as the loader has always read it).
pub fn format_parser() -> Lenient<FileFormat> {
    Lenient::new(|s| s.trim().to_ascii_lowercase())
}

/// `--schema`: trimmed, any case, `-` and spaces read as `_` (as `parse_schema_name` does).
pub fn schema_parser() -> Lenient<SchemaName> {
    Lenient::new(|s| s.trim().to_ascii_lowercase().replace(['-', ' '], "_"))
}

/// `--format`: the input file format, instead of sniffing it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FileFormat {
    #[value(aliases = ["ndjson", "jsonlines"])]
    Jsonl,
    Json,
    Csv,
    Tsv,
    #[value(alias = "pq")]
    Parquet,
    #[value(aliases = ["ipc", "feather"])]
    Arrow,
}

impl FileFormat {
    /// The name the loader takes.
    pub fn as_str(self) -> &'static str {
        match self {
            FileFormat::Jsonl => "jsonl",
            FileFormat::Json => "json",
            FileFormat::Csv => "csv",
            FileFormat::Tsv => "tsv",
            FileFormat::Parquet => "parquet",
            FileFormat::Arrow => "arrow",
        }
    }
}

/// `--schema`: the record schema, instead of detecting it. The names are those of
/// `crate::load::SCHEMAS`; the aliases those `crate::load::parse_schema_name` knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SchemaName {
    Alpaca,
    #[value(name = "self_instruct", alias = "selfinstruct")]
    SelfInstruct,
    Dolly,
    Flan,
    #[value(name = "sharegpt", aliases = ["share_gpt", "vicuna", "conversations"])]
    ShareGpt,
    #[value(name = "openai", aliases = ["open_ai", "chatml", "messages"])]
    OpenAi,
    Llava,
    #[value(aliases = ["trl", "pairwise", "comparison"])]
    Preference,
    #[value(name = "hh_rlhf", aliases = ["hh", "hhrlhf", "anthropic_hh"])]
    HhRlhf,
    Dpo,
    Kto,
    #[value(name = "prompt_completion", aliases = ["promptcompletion", "completion", "t0"])]
    PromptCompletion,
    #[value(name = "question_answer", aliases = ["qa", "questionanswer"])]
    QuestionAnswer,
    Text,
    #[value(aliases = ["infer", "auto_columns", "columns"])]
    Inferred,
}

impl SchemaName {
    /// The canonical name, which the loader parses back to the same schema.
    pub fn as_str(self) -> &'static str {
        match self {
            SchemaName::Alpaca => "alpaca",
            SchemaName::SelfInstruct => "self_instruct",
            SchemaName::Dolly => "dolly",
            SchemaName::Flan => "flan",
            SchemaName::ShareGpt => "sharegpt",
            SchemaName::OpenAi => "openai",
            SchemaName::Llava => "llava",
            SchemaName::Preference => "preference",
            SchemaName::HhRlhf => "hh_rlhf",
            SchemaName::Dpo => "dpo",
            SchemaName::Kto => "kto",
            SchemaName::PromptCompletion => "prompt_completion",
            SchemaName::QuestionAnswer => "question_answer",
            SchemaName::Text => "text",
            SchemaName::Inferred => "inferred",
        }
    }
}

/// `--embedder` and `--task-embedder`: a sentence embedder.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum EmbedderName {
    /// Built in (a static table distilled from MiniLM).
    Static,
    /// Character n-grams: fast, not semantic.
    Lexical,
    /// The all-MiniLM-L6-v2 transformer (needs the model, see `ftqa model pull`).
    #[value(alias = "transformer")]
    Minilm,
}

impl EmbedderName {
    /// The name `crate::embed::make_embedder` takes.
    pub fn as_str(self) -> &'static str {
        match self {
            EmbedderName::Static => "static",
            EmbedderName::Lexical => "lexical",
            EmbedderName::Minilm => "minilm",
        }
    }
}

/// `--dbscan-search`: how DBSCAN finds neighbours.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DbscanSearch {
    /// Exact; brute force below 20,000 responses, partitioned above.
    Auto,
    /// Exact, every pair.
    Brute,
    /// Exact, k-means partitions (approximate with --dbscan-budget).
    Partition,
}

impl DbscanSearch {
    /// The search, with `--dbscan-budget`; `None` when the budget does not apply.
    pub fn search(self, budget: Option<usize>) -> Option<Search> {
        match (self, budget) {
            (DbscanSearch::Auto, None) => Some(Search::Auto),
            (DbscanSearch::Brute, None) => Some(Search::Brute),
            (DbscanSearch::Partition | DbscanSearch::Auto, budget) => {
                Some(Search::Partitioned { budget })
            }
            (DbscanSearch::Brute, Some(_)) => None,
        }
    }
}

/// `--by`: the part of each record that dedup compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum By {
    /// The whole conversation.
    #[value(alias = "conversation")]
    Sample,
    /// The instruction (first user turn).
    Instruction,
    /// The response.
    Response,
}

impl By {
    pub fn part(self) -> Part {
        match self {
            By::Sample => Part::Sample,
            By::Instruction => Part::Instruction,
            By::Response => Part::Response,
        }
    }
}

/// `--shingle`: the MinHash shingle unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Shingle {
    /// Characters.
    #[value(aliases = ["chars", "character"])]
    Char,
    /// Words.
    #[value(alias = "words")]
    Word,
}

impl Shingle {
    pub fn kind(self) -> ShingleKind {
        match self {
            Shingle::Char => ShingleKind::Char,
            Shingle::Word => ShingleKind::Word,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::builder::TypedValueParser;

    fn parse<E: ValueEnum + Clone + Send + Sync + 'static>(p: &Lenient<E>, s: &str) -> Option<E> {
        let cmd = clap::Command::new("t");
        p.parse_ref(&cmd, None, OsStr::new(s)).ok()
    }

    fn names<E: ValueEnum>() -> Vec<String> {
        E::value_variants()
            .iter()
            .filter_map(|v| v.to_possible_value())
            .map(|v| v.get_name().to_string())
            .collect()
    }

    #[test]
    fn schema_names_and_aliases_match_the_loader() {
        assert_eq!(names::<SchemaName>(), crate::load::SCHEMAS);
        for v in SchemaName::value_variants() {
            assert_eq!(
                crate::load::parse_schema_name(v.as_str()).map(|s| s.name()),
                Some(v.as_str())
            );
            for alias in v.to_possible_value().unwrap().get_name_and_aliases() {
                assert_eq!(
                    crate::load::parse_schema_name(alias).map(|s| s.name()),
                    Some(v.as_str()),
                    "{alias}"
                );
            }
        }
        let p = schema_parser();
        for s in [
            "vicuna",
            "ShareGPT",
            "share-gpt",
            " Self-Instruct ",
            "selfinstruct",
            "anthropic-hh",
            "auto columns",
            "T0",
            "QA",
        ] {
            let want = crate::load::parse_schema_name(s).unwrap().name();
            assert_eq!(parse(&p, s).map(SchemaName::as_str), Some(want), "{s}");
        }
        assert_eq!(parse(&p, "nope"), None);
    }

    #[test]
    fn formats_match_the_loader() {
        assert_eq!(names::<FileFormat>(), crate::load::FORMATS);
        let p = format_parser();
        for (s, want) in [
            ("JSONL", FileFormat::Jsonl),
            ("ndjson", FileFormat::Jsonl),
            ("jsonlines", FileFormat::Jsonl),
            (" csv ", FileFormat::Csv),
            ("pq", FileFormat::Parquet),
            ("feather", FileFormat::Arrow),
            ("ipc", FileFormat::Arrow),
        ] {
            assert_eq!(parse(&p, s), Some(want), "{s}");
        }
        assert_eq!(parse(&p, "xml"), None);
    }

    #[test]
    fn closed_sets_keep_their_old_spellings() {
        for (s, want) in [
            ("sample", Part::Sample),
            ("conversation", Part::Sample),
            ("instruction", Part::Instruction),
            ("response", Part::Response),
        ] {
            assert_eq!(By::from_str(s, false).map(By::part), Ok(want));
            assert_eq!(Part::parse(s), Some(want));
        }
        for s in ["char", "chars", "character", "word", "words"] {
            assert_eq!(
                Shingle::from_str(s, false).ok().map(Shingle::kind),
                ShingleKind::parse(s)
            );
        }
        for s in ["static", "lexical", "minilm", "transformer"] {
            let e = EmbedderName::from_str(s, false).unwrap();
            assert_eq!(
                e == EmbedderName::Minilm,
                s == "minilm" || s == "transformer"
            );
        }
        for s in ["none", "exact", "near", "semantic"] {
            assert_eq!(
                crate::dedup::plan::Level::from_str(s, false).ok(),
                crate::dedup::plan::Level::parse(s)
            );
        }
        assert!(DbscanSearch::Brute.search(Some(5)).is_none());
        assert_eq!(
            DbscanSearch::Auto.search(Some(5)),
            Some(Search::Partitioned { budget: Some(5) })
        );
    }
}
