//! Task labels from an LLM tagger, the paper's route (section 4.2 used TagGPT): a seeded
//! sample of instructions is labelled zero-shot with a short task tag (the HTTP part lives
//! in the binary's `judge::tagger`), redundant tags are merged here, and every record takes
//! the tag of its most similar tagged instruction.
//!
//! Merging follows TagGPT's redundancy step without a second model: tags are compared by
//! their normalised token sets (lower case, punctuation and filler words dropped, plurals
//! made singular), and tags whose sets are near-identical (Jaccard at least
//! [`MERGE_JACCARD`]) are one task, named by its most frequent normalised form.

use super::task_text;
use crate::cluster::matrix::dots;
use crate::dedup::union_find::UnionFind;
use crate::embed::{EmbedError, Embedder};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// Token-set Jaccard similarity at or above which two tags are the same task. 0.75 merges
/// reorderings and one differing word among four or more ("text summarization" and
/// "summarization of text" have identical sets; "python code generation" and "code
/// generation" stay apart at 2/3, as different granularities).
pub const MERGE_JACCARD: f64 = 0.75;

/// Words that do not change what task a tag names.
const FILLER: &[&str] = &[
    "a", "an", "the", "of", "for", "to", "and", "or", "in", "on", "with", "task", "tasks",
];

/// The normalised form of a tag: lower case, letters and digits only, single spaces,
/// words singular. `None` when nothing is left.
pub fn normalise_label(raw: &str) -> Option<String> {
    let words: Vec<String> = raw
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(singular)
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

/// The words of a normalised tag that say which task it is: sorted, distinct, filler words
/// dropped (unless nothing else is left).
fn token_set(form: &str) -> Vec<&str> {
    let mut t: Vec<&str> = form.split(' ').filter(|w| !FILLER.contains(w)).collect();
    if t.is_empty() {
        t = form.split(' ').collect();
    }
    t.sort_unstable();
    t.dedup();
    t
}

/// English plural to singular for tag words: "stories" -> "story", "classes" -> "class",
/// "questions" -> "question"; words ending in "ss", "us", "is" are left alone.
fn singular(w: &str) -> String {
    let n = w.chars().count();
    if n > 4 && w.ends_with("ies") {
        return format!("{}y", &w[..w.len() - 3]);
    }
    if n > 4
        && (w.ends_with("sses") || w.ends_with("xes") || w.ends_with("ches") || w.ends_with("shes"))
    {
        return w[..w.len() - 2].to_string();
    }
    if n > 3 && w.ends_with('s') && !w.ends_with("ss") && !w.ends_with("us") && !w.ends_with("is") {
        return w[..w.len() - 1].to_string();
    }
    w.to_string()
}

fn jaccard(a: &[&str], b: &[&str]) -> f64 {
    let inter = a.iter().filter(|w| b.contains(w)).count();
    let union = a.len() + b.len() - inter;
    if union == 0 {
        1.0
    } else {
        inter as f64 / union as f64
    }
}

/// Tags after merging.
#[derive(Debug, Clone, PartialEq)]
pub struct MergedLabels {
    /// One name per task, by falling size (ties alphabetical).
    pub names: Vec<String>,
    /// The task of each input tag; `None` where there was no usable tag.
    pub of: Vec<Option<usize>>,
    /// Distinct tags before merging (after trimming and lower-casing).
    pub raw_distinct: usize,
    /// Distinct normalised forms (case, whitespace, punctuation, plurals) before the
    /// token-set merge.
    pub normalised_distinct: usize,
}

/// Merges redundant tags. Deterministic and independent of input order except for ties
/// broken alphabetically.
pub fn merge_labels(raw: &[Option<String>]) -> MergedLabels {
    let raw_distinct = raw
        .iter()
        .flatten()
        .map(|l| l.trim().to_lowercase())
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    let norm: Vec<Option<String>> = raw
        .iter()
        .map(|l| l.as_deref().and_then(normalise_label))
        .collect();
    // Normalised form -> count, in a sorted map so the merge does not depend on input order.
    let mut forms: BTreeMap<&str, usize> = BTreeMap::new();
    for n in norm.iter().flatten() {
        *forms.entry(n.as_str()).or_insert(0) += 1;
    }
    let list: Vec<(&str, usize)> = forms.iter().map(|(f, c)| (*f, *c)).collect();
    let tokens: Vec<Vec<&str>> = list.iter().map(|(f, _)| token_set(f)).collect();
    // Union-find over forms joined by near-identical token sets (the smaller index is
    // the root, so groups do not depend on the order pairs are joined).
    let mut sets = UnionFind::new(list.len());
    for i in 0..list.len() {
        for j in i + 1..list.len() {
            if jaccard(&tokens[i], &tokens[j]) >= MERGE_JACCARD {
                sets.union(i as u32, j as u32);
            }
        }
    }
    let mut root = |i: usize| sets.find(i as u32) as usize;
    // Each group: total count and its best name (most frequent form, then fewest words,
    // then alphabetical).
    let mut groups: BTreeMap<usize, (usize, usize)> = BTreeMap::new();
    for i in 0..list.len() {
        let r = root(i);
        let e = groups.entry(r).or_insert((0, i));
        e.0 += list[i].1;
        let best = e.1;
        let words = |k: usize| list[k].0.split(' ').count();
        let better =
            list[i].1 > list[best].1 || (list[i].1 == list[best].1 && words(i) < words(best));
        if better {
            e.1 = i;
        }
    }
    let mut ordered: Vec<(usize, usize, usize)> = groups
        .iter()
        .map(|(r, (n, best))| (*r, *n, *best))
        .collect();
    ordered.sort_by(|a, b| b.1.cmp(&a.1).then(list[a.2].0.cmp(list[b.2].0)));
    let mut task_of_root: HashMap<usize, usize> = HashMap::new();
    let names: Vec<String> = ordered
        .iter()
        .enumerate()
        .map(|(t, (r, _, best))| {
            task_of_root.insert(*r, t);
            list[*best].0.to_string()
        })
        .collect();
    let index: HashMap<&str, usize> = list.iter().enumerate().map(|(i, (f, _))| (*f, i)).collect();
    let of = norm
        .iter()
        .map(|n| n.as_deref().map(|f| task_of_root[&root(index[f])]))
        .collect();
    MergedLabels {
        names,
        of,
        raw_distinct,
        normalised_distinct: list.len(),
    }
}

/// Spreads tags to every record: a record takes the task of its most similar tagged
/// instruction (cosine of the embedded instruction heads, [`task_text`]).
pub struct NearestLabel {
    embedder: Arc<dyn Embedder>,
    /// `n × dim` unit rows of the tagged instructions.
    rows: Vec<f32>,
    task: Vec<usize>,
    pub names: Vec<String>,
}

impl NearestLabel {
    /// `texts[i]` carries task `tasks[i]` (an index into `names`). The embedder should be
    /// fitted already (the lexical IDF on a sample of the data).
    pub fn fit(
        texts: &[&str],
        tasks: &[usize],
        names: Vec<String>,
        embedder: Arc<dyn Embedder>,
    ) -> Result<NearestLabel, EmbedError> {
        let rows = embed_heads(embedder.as_ref(), texts)?;
        Ok(NearestLabel {
            embedder,
            rows,
            task: tasks.to_vec(),
            names,
        })
    }

    pub fn k(&self) -> usize {
        self.names.len()
    }

    /// The embedder's description, for the methods section.
    pub fn describe_embedder(&self) -> String {
        self.embedder.describe()
    }

    /// The task of each text. A text that embeds to nothing (or ties everywhere) takes the
    /// first tagged instruction's task, as k-means gives such texts its first cluster.
    pub fn assign(&self, texts: &[&str]) -> Result<Vec<usize>, EmbedError> {
        let dim = self.embedder.dim();
        let n = self.task.len();
        if n == 0 {
            return Ok(vec![0; texts.len()]);
        }
        let q = embed_heads(self.embedder.as_ref(), texts)?;
        let mut sims = Vec::new();
        dots(&q, &self.rows, dim, &mut sims);
        Ok(sims
            .chunks(n)
            .map(|row| {
                let mut best = 0;
                for (i, s) in row.iter().enumerate() {
                    if *s > row[best] {
                        best = i;
                    }
                }
                self.task[best]
            })
            .collect())
    }
}

fn embed_heads(e: &dyn Embedder, texts: &[&str]) -> Result<Vec<f32>, EmbedError> {
    let heads: Vec<&str> = texts.iter().map(|t| task_text(t)).collect();
    super::embed_all(e, &heads)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::embed::lexical::LexicalEmbedder;

    fn some(xs: &[&str]) -> Vec<Option<String>> {
        xs.iter().map(|s| Some(s.to_string())).collect()
    }

    #[test]
    fn normalises_case_space_punctuation_and_plurals() {
        assert_eq!(
            normalise_label("  Code   Generation. ").as_deref(),
            Some("code generation")
        );
        assert_eq!(
            normalise_label("Translations").as_deref(),
            Some("translation")
        );
        assert_eq!(
            normalise_label("short stories").as_deref(),
            Some("short story")
        );
        assert_eq!(
            normalise_label("Question-Answering").as_deref(),
            Some("question answering")
        );
        assert_eq!(normalise_label("analysis").as_deref(), Some("analysis"));
        assert_eq!(normalise_label("The Tasks").as_deref(), Some("the task"));
        assert_eq!(
            token_set("summarization of the text"),
            vec!["summarization", "text"]
        );
        assert_eq!(token_set("the task"), vec!["task", "the"]);
        assert_eq!(normalise_label(" ... "), None);
    }

    #[test]
    fn merges_redundant_tags_but_not_different_tasks() {
        let m = merge_labels(&[
            Some("Summarization".into()),
            Some("summarization".into()),
            Some("Text summarization".into()),
            Some("summarization of text".into()),
            Some("Code generation".into()),
            Some("code generations".into()),
            Some("Python code generation".into()),
            None,
            Some("???".into()),
        ]);
        assert_eq!(m.raw_distinct, 7);
        // "text summarization" and "summarization of text" share a token set; the plain
        // "summarization" (1 of 2 words) stays apart, as does the Python-specific tag.
        assert_eq!(
            m.names,
            vec![
                "code generation",
                "summarization",
                "text summarization",
                "python code generation"
            ]
        );
        assert_eq!(
            m.of,
            vec![
                Some(1),
                Some(1),
                Some(2),
                Some(2),
                Some(0),
                Some(0),
                Some(3),
                None,
                None
            ]
        );
    }

    #[test]
    fn merging_does_not_depend_on_input_order() {
        let a = some(&["b c d e", "b c d e f", "x y", "Y X", "x y"]);
        let mut b = a.clone();
        b.reverse();
        let (ma, mb) = (merge_labels(&a), merge_labels(&b));
        assert_eq!(ma.names, mb.names);
        assert_eq!(ma.names, vec!["x y", "b c d e"]);
    }

    #[test]
    fn records_take_the_tag_of_their_most_similar_tagged_instruction() {
        let tagged = [
            "Translate this sentence into French please",
            "Translate the following words into German",
            "Write a python function that sorts a list",
            "Write a python function that reverses a string",
        ];
        let e: Arc<dyn Embedder> = Arc::new(LexicalEmbedder::default());
        let e = e.fit(&tagged).unwrap_or(e);
        let model = NearestLabel::fit(
            &tagged,
            &[0, 0, 1, 1],
            vec!["translation".into(), "code generation".into()],
            e,
        )
        .unwrap();
        let got = model
            .assign(&[
                "Translate this paragraph into Spanish",
                "Write a python function that adds two numbers",
            ])
            .unwrap();
        assert_eq!(got, vec![0, 1]);
        assert_eq!(model.k(), 2);
    }
}
