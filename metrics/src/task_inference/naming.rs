//! Names for inferred tasks: class-based TF-IDF keywords (as in BERTopic) and the most
//! common opening verb-object pair of each cluster.

use crate::instruction_diversity::lexical::verb_object;
use crate::instruction_diversity::tokenize::{is_stopword, words};
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
    let mut total: HashMap<String, f64> = HashMap::new();
    let mut buf = Vec::new();
    for (t, &c) in texts.iter().zip(labels) {
        words(t, &mut buf);
        if let Some((v, o)) = verb_object(&buf) {
            *vo[c].entry(format!("{v} {o}")).or_insert(0) += 1;
        }
        for w in buf.drain(..).filter(|w| !is_stopword(w)) {
            *total.entry(w.clone()).or_insert(0.0) += 1.0;
            *tf[c].entry(w).or_insert(0.0) += 1.0;
        }
    }
    let avg_words = total.values().sum::<f64>() / k.max(1) as f64;
    let mut names: Vec<TaskName> = (0..k)
        .map(|c| {
            let size: f64 = tf[c].values().sum::<f64>().max(1.0);
            let mut scored: Vec<(&String, f64)> = tf[c]
                .iter()
                .map(|(w, f)| (w, f / size * (1.0 + avg_words / total[w]).ln()))
                .collect();
            scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
            let keywords: Vec<String> = scored.iter().take(3).map(|(w, _)| (*w).clone()).collect();
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
