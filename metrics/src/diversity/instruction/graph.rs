//! The element graph of one task: content words as nodes, co-occurrence within an
//! instruction as weighted edges (paper 004, section 4.2).

use crate::fasthash::FastMap;
use petgraph::graph::{NodeIndex, UnGraph};
use std::collections::HashMap;

/// Content words of one instruction that enter the graph. The window is the whole
/// instruction, but a very long one (a pasted document as Alpaca `input`) would add
/// thousands of edges that say nothing about the instruction, so only its first
/// distinct content words count.
pub const MAX_WORDS_PER_INSTRUCTION: usize = 32;

#[derive(Default)]
pub struct ElementGraphBuilder {
    vocab: HashMap<String, u32>,
    words: Vec<String>,
    /// (smaller id, larger id) -> co-occurrence count.
    edges: FastMap<(u32, u32), u32>,
    pub instructions: u64,
}

impl ElementGraphBuilder {
    pub fn add_instruction(&mut self, content_words: &[String]) {
        self.instructions += 1;
        let ids: Vec<u32> = content_words
            .iter()
            .take(MAX_WORDS_PER_INSTRUCTION)
            .map(|w| match self.vocab.get(w) {
                Some(id) => *id,
                None => {
                    let id = self.words.len() as u32;
                    self.vocab.insert(w.clone(), id);
                    self.words.push(w.clone());
                    id
                }
            })
            .collect();
        for (i, a) in ids.iter().enumerate() {
            for b in &ids[i + 1..] {
                let key = if a < b { (*a, *b) } else { (*b, *a) };
                *self.edges.entry(key).or_insert(0) += 1;
            }
        }
    }

    pub fn node_count(&self) -> usize {
        self.words.len()
    }

    /// The petgraph graph keeping edges seen at least `min_count` times. Every word is a
    /// node, so words left without edges count as isolated.
    pub fn build(&self, min_count: u32) -> (UnGraph<u32, u32>, Vec<String>) {
        let mut g = UnGraph::with_capacity(self.words.len(), self.edges.len());
        for i in 0..self.words.len() {
            g.add_node(i as u32);
        }
        // Sorted so the graph, and so every later step, is the same on every run.
        let mut edges: Vec<(&(u32, u32), &u32)> = self
            .edges
            .iter()
            .filter(|(_, c)| **c >= min_count)
            .collect();
        edges.sort_unstable();
        for ((a, b), c) in edges {
            g.add_edge(NodeIndex::new(*a as usize), NodeIndex::new(*b as usize), *c);
        }
        (g, self.words.clone())
    }
}
