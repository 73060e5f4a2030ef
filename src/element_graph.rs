//! `ftqa element-graph`: writes each task's instruction element graph as a TSV edge list,
//! built by the same code as diversity.instruction.clusters.

use crate::load::{LoadEvent, LoadOptions, Loader};
use anyhow::{Context, Result};
use ftqa_metrics::diversity::instruction::graph::ElementGraphBuilder;
use ftqa_metrics::diversity::instruction::{tokenize, UNLABELLED_TASK};
use petgraph::visit::EdgeRef;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

/// Returns the number of task graphs written.
pub fn export(opts: &LoadOptions, out: &Path) -> Result<usize> {
    let loader = Loader::open(opts)?;
    let mut tasks: BTreeMap<String, ElementGraphBuilder> = BTreeMap::new();
    let (mut scratch, mut content) = (Vec::new(), Vec::new());
    for ev in loader {
        let LoadEvent::Record(r) = ev else { continue };
        let Some(inst) = r.instruction().filter(|i| !i.trim().is_empty()) else {
            continue;
        };
        tokenize::content_words(inst, &mut scratch, &mut content);
        let task = r
            .task
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .unwrap_or(UNLABELLED_TASK);
        tasks
            .entry(task.to_string())
            .or_default()
            .add_instruction(&content);
    }
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    for (task, b) in &tasks {
        let (g, words) = b.build(1);
        let name: String = task
            .chars()
            .map(|c| {
                if c.is_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let path = out.join(format!("{name}.tsv"));
        let mut f = std::io::BufWriter::new(
            std::fs::File::create(&path).with_context(|| format!("creating {}", path.display()))?,
        );
        for e in g.edge_references() {
            writeln!(
                f,
                "{}\t{}\t{}",
                words[e.source().index()],
                words[e.target().index()],
                e.weight()
            )?;
        }
        f.flush()?;
    }
    Ok(tasks.len())
}
