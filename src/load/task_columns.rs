//! Which column carries the task label, and whether a second one sits above it as a
//! two-level hierarchy (`domain1`/`domain2`, `category`/`subcategory`).

use serde_json::Value;

use super::names::{leaf, normalize, numbered, role_of, NameRole, TASK};
use super::source::Row;

/// Labels longer than this on average are text, not a task name.
const MAX_LABEL_CHARS: f64 = 80.0;

/// The task column and, for two-level labels, the upper level's column.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct TaskColumns {
    pub task: Option<String>,
    pub parent: Option<String>,
}

/// The value under a column name or a dotted path into nested objects.
pub(crate) fn value_at<'r>(row: &'r Row, key: &str) -> Option<&'r Value> {
    if row.contains_key(key) || !key.contains('.') {
        return row.get(key);
    }
    let mut parts = key.split('.');
    let mut v = row.get(parts.next()?)?;
    for p in parts {
        v = v.as_object()?.get(p)?;
    }
    Some(v)
}

fn label_text(v: &Value) -> Option<usize> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.chars().count()),
        Value::Number(_) | Value::Bool(_) => Some(1),
        _ => None,
    }
}

/// Whether at least half the rows hold a short label under `key`.
fn is_label_column(rows: &[&Row], key: &str) -> bool {
    let mut n = 0usize;
    let mut chars = 0usize;
    for r in rows {
        if let Some(len) = value_at(r, key).and_then(label_text) {
            n += 1;
            chars += len;
        }
    }
    n > 0 && n * 2 >= rows.len() && (chars as f64 / n as f64) <= MAX_LABEL_CHARS
}

/// Every column name in the sample (top level and one object deep), in first-seen order.
fn columns(rows: &[&Row]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for r in rows {
        for (k, v) in r.iter() {
            if !out.contains(k) {
                out.push(k.clone());
            }
            if let Value::Object(inner) = v {
                for ik in inner.keys() {
                    let path = format!("{k}.{ik}");
                    if !out.contains(&path) {
                        out.push(path);
                    }
                }
            }
        }
    }
    out
}

fn is_task_name(name: &str) -> bool {
    if let Some((stem, _)) = numbered(name) {
        if is_named_task(&stem) {
            return true;
        }
    }
    is_named_task(name)
}

fn is_named_task(name: &str) -> bool {
    let n = normalize(leaf(name));
    TASK.contains(&n.as_str())
        || matches!(role_of(leaf(name)), Some((NameRole::Task, _)))
        || matches!(n.as_str(), "level" | "cat" | "class")
}

/// Two label columns that name two levels of one hierarchy: the same task-like stem
/// numbered 1 and 2 (or 0 and 1), or `X` beside `subX` / `sub_X`.
fn hierarchy(labels: &[String]) -> Option<(String, String)> {
    for a in labels {
        for b in labels {
            if a == b {
                continue;
            }
            if let (Some((sa, na)), Some((sb, nb))) = (numbered(a), numbered(b)) {
                if sa == sb && nb == na + 1 && na <= 1 && is_task_name(&sa) {
                    return Some((a.clone(), b.clone()));
                }
            }
            let (na, nb) = (normalize(leaf(a)), normalize(leaf(b)));
            let sub = nb
                .strip_prefix("sub_")
                .or_else(|| nb.strip_prefix("sub"))
                .map(|s| s == na || na.strip_prefix("main_") == Some(s));
            if sub == Some(true) && is_task_name(&na) {
                return Some((a.clone(), b.clone()));
            }
        }
    }
    None
}

/// The task columns of a sample. `given` is `--task-col`: one column, or two separated by
/// a comma for a two-level label (upper level first).
pub(crate) fn find(rows: &[&Row], given: Option<&str>) -> TaskColumns {
    if let Some(g) = given {
        return match g.split_once(',') {
            Some((p, t)) => TaskColumns {
                task: Some(t.trim().to_string()),
                parent: Some(p.trim().to_string()),
            },
            None => TaskColumns {
                task: Some(g.to_string()),
                parent: None,
            },
        };
    }
    let labels: Vec<String> = columns(rows)
        .into_iter()
        .filter(|c| is_task_name(c) && is_label_column(rows, c))
        .collect();
    if let Some((parent, task)) = hierarchy(&labels) {
        return TaskColumns {
            task: Some(task),
            parent: Some(parent),
        };
    }
    // The best-ranked exact name, then any name with a task word in it.
    let rank = |c: &String| {
        let n = normalize(leaf(c));
        TASK.iter().position(|t| *t == n).unwrap_or(TASK.len())
    };
    let task = labels
        .iter()
        .min_by_key(|c| (rank(c), c.contains('.')))
        .cloned();
    TaskColumns { task, parent: None }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn find_in(vs: &[Value]) -> TaskColumns {
        let rows: Vec<Row> = vs.iter().map(|v| v.as_object().cloned().unwrap()).collect();
        let refs: Vec<&Row> = rows.iter().collect();
        find(&refs, None)
    }

    #[test]
    fn two_level_labels_become_a_hierarchy() {
        let t =
            find_in(&[json!({"query": "q", "domain1": "Academic", "domain2": "Paper outline"})]);
        assert_eq!(t.task.as_deref(), Some("domain2"));
        assert_eq!(t.parent.as_deref(), Some("domain1"));
        let t = find_in(&[json!({"category": "math", "subcategory": "algebra"})]);
        assert_eq!(t.task.as_deref(), Some("subcategory"));
        assert_eq!(t.parent.as_deref(), Some("category"));
    }

    #[test]
    fn single_labels_by_rank_and_long_text_is_not_a_label() {
        let t = find_in(&[json!({"source": "x", "category": "c", "subtask": "s"})]);
        assert_eq!(t.task.as_deref(), Some("category"));
        let long = "a".repeat(200);
        let t = find_in(&[json!({"source": long, "question_type": "open"})]);
        assert_eq!(t.task.as_deref(), Some("question_type"));
        let t = find_in(&[json!({"meta": {"domain": "law"}, "q": "x"})]);
        assert_eq!(t.task.as_deref(), Some("meta.domain"));
        assert_eq!(find_in(&[json!({"q": "x"})]), TaskColumns::default());
    }
}
