//! Metrics documented once per task label, such as `diversity.instruction.clusters.<task>`:
//! a 61-task set has 61 of them. Renderers show each such pattern as one table of task and
//! value instead of one metric row per task; `report.json` keeps every id (checks can
//! threshold them). Which patterns are per task is read from the metric docs: any
//! documented id with a `<task>` segment.

use crate::docs::Docs;
use ftqa_metrics::registry::MetricDoc;

/// The placeholder segment that marks a per-task pattern in the metric docs.
pub const TASK_PLACEHOLDER: &str = "<task>";

/// One task's value in a per-task table.
#[derive(Clone, Debug, PartialEq)]
pub struct TaskRow<'a> {
    /// The task label, dataset text: renderers must escape it.
    pub task: String,
    /// The concrete metric id.
    pub id: &'a str,
    pub value: f64,
}

/// Every id of one per-task pattern, as one table.
#[derive(Clone, Debug)]
pub struct TaskTable<'a> {
    /// The pattern, e.g. `diversity.instruction.clusters.<task>` (any other placeholder is
    /// filled in from the ids, so each concrete variant is its own table).
    pub key: String,
    /// The pattern's doc entry (definition, direction, provenance).
    pub doc: MetricDoc,
    /// By task label, ascending.
    pub rows: Vec<TaskRow<'a>>,
}

impl<'a> TaskTable<'a> {
    /// Rows by value, largest first, ties by task label.
    pub fn by_value_desc(&self) -> Vec<&TaskRow<'a>> {
        let mut v: Vec<&TaskRow> = self.rows.iter().collect();
        v.sort_by(|a, b| {
            b.value
                .total_cmp(&a.value)
                .then_with(|| a.task.cmp(&b.task))
        });
        v
    }
}

/// Whether `id` is documented by a per-task pattern.
pub fn is_per_task(docs: &Docs, id: &str) -> bool {
    split(docs, id).is_some()
}

/// `(table key, task label)` when `id` is documented by a per-task pattern.
pub fn split(docs: &Docs, id: &str) -> Option<(String, String)> {
    split_by(docs.get(id)?.id, id)
}

/// Splits a concrete id by a pattern whose `<task>` placeholder is a whole segment (task
/// labels may contain dots, so it takes every segment the rest of the pattern leaves).
fn split_by(pattern: &str, id: &str) -> Option<(String, String)> {
    let p: Vec<&str> = pattern.split('.').collect();
    let i = p.iter().position(|s| *s == TASK_PLACEHOLDER)?;
    let s: Vec<&str> = id.split('.').collect();
    if s.len() < p.len() {
        return None;
    }
    let j = s.len() - (p.len() - i - 1);
    let task = s[i..j].join(".");
    let mut key: Vec<&str> = s[..i].to_vec();
    key.push(TASK_PLACEHOLDER);
    key.extend_from_slice(&s[j..]);
    Some((key.join("."), task))
}

/// Splits metric rows into the ordinary ones (in their order) and one table per per-task
/// pattern (in registry order).
pub fn partition<'a>(
    docs: &Docs,
    metrics: &[(&'a str, f64)],
) -> (Vec<(&'a str, f64)>, Vec<TaskTable<'a>>) {
    let mut plain = Vec::new();
    let mut tables: Vec<TaskTable> = Vec::new();
    for &(id, value) in metrics {
        let Some(doc) = docs.get(id) else {
            plain.push((id, value));
            continue;
        };
        let Some((key, task)) = split_by(doc.id, id) else {
            plain.push((id, value));
            continue;
        };
        let row = TaskRow { task, id, value };
        match tables.iter_mut().find(|t| t.key == key) {
            Some(t) => t.rows.push(row),
            None => tables.push(TaskTable {
                key,
                doc: doc.clone(),
                rows: vec![row],
            }),
        }
    }
    for t in &mut tables {
        t.rows
            .sort_by(|a, b| a.task.cmp(&b.task).then_with(|| a.id.cmp(b.id)));
    }
    tables.sort_by_cached_key(|t| (docs.rank(t.doc.id), t.key.clone()));
    (plain, tables)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_task_ids_from_the_docs() {
        let docs = Docs::load();
        assert!(docs.all().iter().any(|d| d.id.contains(TASK_PLACEHOLDER)));
        assert_eq!(
            split(&docs, "diversity.instruction.clusters.open_qa"),
            Some((
                "diversity.instruction.clusters.<task>".to_string(),
                "open_qa".to_string()
            ))
        );
        // Task labels may hold dots.
        assert_eq!(
            split(&docs, "diversity.instruction.clusters.v1.2 qa").map(|s| s.1),
            Some("v1.2 qa".to_string())
        );
        assert!(!is_per_task(&docs, "diversity.instruction.clusters_mean"));
        assert!(!is_per_task(&docs, "script.latin.share"));
        assert_eq!(
            split_by("a.<task>.<stat>", "a.x.y.mean"),
            Some(("a.<task>.mean".to_string(), "x.y".to_string()))
        );
    }

    #[test]
    fn partitions_and_sorts() {
        let docs = Docs::load();
        let m = [
            ("diversity.instruction.clusters.b", 1.0),
            ("diversity.task.count", 3.0),
            ("diversity.instruction.clusters.a", 1.0),
            ("diversity.instruction.clusters.c", 7.0),
        ];
        let (plain, tables) = partition(&docs, &m);
        assert_eq!(plain, [("diversity.task.count", 3.0)]);
        assert_eq!(tables.len(), 1);
        let tasks: Vec<&str> = tables[0].rows.iter().map(|r| r.task.as_str()).collect();
        assert_eq!(tasks, ["a", "b", "c"]);
        let by_value: Vec<&str> = tables[0]
            .by_value_desc()
            .iter()
            .map(|r| r.task.as_str())
            .collect();
        assert_eq!(by_value, ["c", "a", "b"]);
    }
}
