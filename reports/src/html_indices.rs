//! The parts of `report.html` added for the paper's indices: the Table 4 section the page
//! leads with, and per-task metrics as one sortable table per pattern. Sorting is pure CSS
//! (radio buttons and labels; the page stays script-free), so every order is rendered and
//! the chosen one shown. Every dataset-derived string goes through [`html_escape`](e).

use crate::docs::{arrow, direction_words, provenance_name};
use crate::escape::html_escape as e;
use crate::format::format_count;
use crate::html::{metric_anchor, value_cell};
use crate::indices::{index_rows, other_not_measured, sample_line};
use crate::per_task::{TaskRow, TaskTable};
use crate::sections::anchor_id;
use ftqa_metrics::registry::Provenance;
use ftqa_metrics::result::{Interval, Report};
use std::collections::BTreeMap;
use std::fmt::Write;

/// The Table 4 section: one row per index in the paper's order.
pub(crate) fn indices(h: &mut String, r: &Report) {
    h.push_str(
        "<section id=\"indices\">\n<h2>Table 4 indices</h2>\n<p class=\"muted\">The quality \
         indices of the VLIT review (paper 004, Table 4), in the paper's order, with 95% \
         intervals where ftqa computes them.</p>\n",
    );
    if let Some(s) = sample_line(r) {
        let _ = writeln!(
            h,
            "<p class=\"sample\"><strong>Sample:</strong> {}</p>",
            e(&s)
        );
    }
    h.push_str(
        "<table class=\"indices\">\n<thead><tr><th>Index</th><th>Metric</th>\
         <th class=\"num\">Value</th><th class=\"num\">95% interval</th><th>Measured on</th>\
         </tr></thead>\n<tbody>\n",
    );
    for row in index_rows(r) {
        let id = row.index.id;
        match row.reason {
            None => {
                let _ = writeln!(
                    h,
                    "<tr><td>{}</td><td><a href=\"#{}\"><code>{}</code></a></td>\
                     <td class=\"num\"><strong>{}</strong></td><td class=\"num\">{}</td><td>{}</td></tr>",
                    e(row.index.name),
                    e(&metric_anchor(id)),
                    e(id),
                    e(&row.value_text().unwrap_or_default()),
                    e(&row.interval_text().unwrap_or_default()),
                    e(&row.measured_on)
                );
            }
            Some(why) => {
                let _ = writeln!(
                    h,
                    "<tr class=\"not-measured\"><td>{}</td><td><code>{}</code></td>\
                     <td class=\"num\">not measured</td><td colspan=\"2\">{}</td></tr>",
                    e(row.index.name),
                    e(id),
                    e(why)
                );
            }
        }
    }
    h.push_str("</tbody>\n</table>\n");
    for (why, ids) in other_not_measured(r) {
        let list: Vec<String> = ids
            .iter()
            .map(|id| format!("<code>{}</code>", e(id)))
            .collect();
        let _ = writeln!(
            h,
            "<p class=\"muted not-measured\">Also not measured, {}: {}</p>",
            e(why),
            list.join(", ")
        );
    }
    h.push_str("</section>\n");
}

/// The orders a per-task table can be shown in: (class suffix, label).
const ORDERS: [(&str, &str); 4] = [
    ("task-asc", "task A–Z"),
    ("task-desc", "task Z–A"),
    ("value-desc", "value, largest first"),
    ("value-asc", "value, smallest first"),
];

/// One per-task pattern as a table of task and value, sortable by clicking a header. Row
/// anchors (`#m-<id>`) sit in the default order (task A–Z).
pub(crate) fn task_table(
    h: &mut String,
    table: &TaskTable,
    intervals: &BTreeMap<String, Interval>,
    light: &dyn Fn(&str) -> String,
    n: usize,
) {
    let doc = &table.doc;
    let dir = format!(
        "<span title=\"{}\">{}</span>",
        direction_words(doc.direction),
        arrow(doc.direction)
    );
    let prov = match doc.provenance {
        p @ (Provenance::Paper | Provenance::Companion) => {
            let name = provenance_name(p);
            format!(" <span class=\"badge {name}\">{name}</span>")
        }
        _ => String::new(),
    };
    let _ = writeln!(
        h,
        "<div class=\"per-task\" id=\"{}\">\n<h3><code>{}</code> by task <span class=\"muted\">({} tasks)</span> {}{}</h3>\n<p class=\"def\">{} One row per task; click a column header to sort.</p>",
        e(&format!("tasks-{}", anchor_id(&table.key))),
        e(&table.key),
        format_count(table.rows.len() as u64),
        dir,
        prov,
        e(doc.definition)
    );
    let name = format!("sort-{n}");
    for (i, (order, label)) in ORDERS.iter().enumerate() {
        let _ = writeln!(
            h,
            "<input type=\"radio\" class=\"sort-{order}\" name=\"{name}\" id=\"{name}-{order}\" aria-label=\"sort by {label}\"{}>",
            if i == 0 { " checked" } else { "" }
        );
    }
    let by_task: Vec<&TaskRow> = table.rows.iter().collect();
    let by_value = table.by_value_desc();
    for (i, (order, _)) in ORDERS.iter().enumerate() {
        let rows: Vec<&TaskRow> = match i {
            0 => by_task.clone(),
            1 => by_task.iter().rev().copied().collect(),
            2 => by_value.clone(),
            _ => by_value.iter().rev().copied().collect(),
        };
        // Clicking a header sorts by that column; clicking the sorted one reverses it.
        let (task_to, task_mark, task_sort) = match *order {
            "task-asc" => ("task-desc", " ▲", "ascending"),
            "task-desc" => ("task-asc", " ▼", "descending"),
            _ => ("task-asc", "", ""),
        };
        let (value_to, value_mark, value_sort) = match *order {
            "value-desc" => ("value-asc", " ▼", "descending"),
            "value-asc" => ("value-desc", " ▲", "ascending"),
            _ => ("value-desc", "", ""),
        };
        let aria = |s: &str| {
            if s.is_empty() {
                String::new()
            } else {
                format!(" aria-sort=\"{s}\"")
            }
        };
        let _ = writeln!(
            h,
            "<table class=\"tasks order-{order}\">\n<thead><tr><th{}><label for=\"{name}-{task_to}\">Task{task_mark}</label></th>\
             <th class=\"num\"{}><label for=\"{name}-{value_to}\">Value{value_mark}</label></th></tr></thead>\n<tbody>",
            aria(task_sort),
            aria(value_sort)
        );
        for r in rows {
            let anchor = if i == 0 {
                format!(" id=\"{}\"", e(&metric_anchor(r.id)))
            } else {
                String::new()
            };
            let _ = writeln!(
                h,
                "<tr{anchor}><td title=\"{}\">{}</td><td class=\"num\">{}{}</td></tr>",
                e(r.id),
                e(&r.task),
                light(r.id),
                value_cell(r.id, r.value, intervals.get(r.id))
            );
        }
        h.push_str("</tbody>\n</table>\n");
    }
    h.push_str("</div>\n");
}
