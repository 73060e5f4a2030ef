//! Names for inferred tasks: class-based TF-IDF keywords (as in BERTopic) and the most
//! common opening verb-object pair of each cluster.

use crate::diversity::instruction::lexical::verb_object;
use crate::diversity::instruction::tokenize::{is_stopword, words};
use std::collections::{BTreeMap, HashMap};

pub struct TaskName {
    pub label: String,
    pub keywords: Vec<String>,
    pub verb_object: Option<String>,
}

/// `texts[i]` belongs to cluster `labels[i]`; returns one name per cluster 0..k.
pub fn name_clusters(texts: &[&str], labels: &[usize], k: usize) -> Vec<TaskName> {
    let mut tf: Vec<HashMap<String, f64>> = vec![HashMap::new(); k];
    let mut vo: Vec<BTreeMap<String, u64>> = vec![BTreeMap::new(); k];
    let mut buf = Vec::new();
    for (t, &c) in texts.iter().zip(labels) {
        words(t, &mut buf);
        if let Some((v, o)) = verb_object(&buf) {
            *vo[c].entry(format!("{v} {o}")).or_insert(0) += 1;
        }
        for w in buf.drain(..).filter(|w| !is_stopword(w)) {
            *tf[c].entry(w).or_insert(0.0) += 1.0;
        }
    }
    let keywords = distinctive_words(&tf, 3);
    let mut names: Vec<TaskName> = (0..k)
        .map(|c| {
            let keywords = keywords[c].clone();
            let top_vo = vo[c]
                .iter()
                .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
                .map(|(p, _)| p.clone());
            let label = match &top_vo {
                Some(p) => format!("{p} ({})", keywords.join(", ")),
                None => keywords.join(", "),
            };
            TaskName {
                label,
                keywords,
                verb_object: top_vo,
            }
        })
        .collect();
    // Labels become metric-id segments and plot labels, so they must be unique.
    let mut seen: HashMap<String, usize> = HashMap::new();
    for n in &mut names {
        let e = seen.entry(n.label.clone()).or_insert(0);
        *e += 1;
        if *e > 1 {
            n.label = format!("{} #{}", n.label, e);
        }
        if n.label.is_empty() {
            n.label = "(no words)".into();
        }
    }
    names
}

/// The `top` most distinctive words of each class by class-based TF-IDF (BERTopic's
/// c-TF-IDF): a word's frequency in its class times `ln(1 + A / f)`, with `f` its frequency
/// over all classes and `A` the mean number of words per class. `tf[c]` maps the (stop-word
/// free) words of class `c` to their counts. Ties break alphabetically, for determinism.
pub fn distinctive_words(tf: &[HashMap<String, f64>], top: usize) -> Vec<Vec<String>> {
    let mut total: HashMap<&str, f64> = HashMap::new();
    for class in tf {
        for (w, f) in class {
            *total.entry(w.as_str()).or_insert(0.0) += f;
        }
    }
    let avg_words = total.values().sum::<f64>() / tf.len().max(1) as f64;
    tf.iter()
        .map(|class| {
            let size: f64 = class.values().sum::<f64>().max(1.0);
            let mut scored: Vec<(&String, f64)> = class
                .iter()
                .map(|(w, f)| (w, f / size * (1.0 + avg_words / total[w.as_str()]).ln()))
                .collect();
            scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
            scored.iter().take(top).map(|(w, _)| (*w).clone()).collect()
        })
        .collect()
}
