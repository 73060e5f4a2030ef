//! Ego-Splitting (Epasto, Lattanzi, Paes Leme, KDD 2017) with connected components as
//! the clustering in both the ego-net phase and the persona-graph phase, as paper 004
//! specifies.
//!
//! 1. For every node u, the ego-net minus ego (the subgraph induced by u's neighbours,
//!    without u) is split into connected components; u gets one persona per component.
//! 2. Every edge (u, v) becomes an edge between the persona of u whose component holds v
//!    and the persona of v whose component holds u.
//! 3. The connected components of this persona graph, mapped back to words, are the
//!    overlapping clusters.

use petgraph::graph::{NodeIndex, UnGraph};
use petgraph::unionfind::UnionFind;

#[derive(Clone, Copy, Debug)]
pub struct EgoSplitConfig {
    /// Clusters with fewer distinct words than this are not counted.
    pub min_cluster_size: usize,
    /// Ego-nets of hub words with more neighbours than this keep their heaviest
    /// `max_ego_net` neighbours as the ego-net; the rest share one extra persona. 0 = no cap.
    pub max_ego_net: usize,
}

impl Default for EgoSplitConfig {
    fn default() -> Self {
        EgoSplitConfig {
            min_cluster_size: 2,
            max_ego_net: 5_000,
        }
    }
}

#[derive(Debug, Default)]
pub struct EgoSplitResult {
    /// Each cluster as sorted node indices; clusters may overlap.
    pub clusters: Vec<Vec<u32>>,
    pub personas: usize,
    /// Nodes whose ego-net was capped.
    pub capped_nodes: usize,
}

/// Sorted adjacency (CSR) so membership tests are binary searches.
struct Csr {
    offsets: Vec<usize>,
    targets: Vec<u32>,
    weights: Vec<u32>,
}

impl Csr {
    fn from(g: &UnGraph<u32, u32>) -> Self {
        let n = g.node_count();
        let mut offsets = Vec::with_capacity(n + 1);
        let mut targets = Vec::with_capacity(2 * g.edge_count());
        let mut weights = Vec::with_capacity(2 * g.edge_count());
        offsets.push(0);
        let mut row: Vec<(u32, u32)> = Vec::new();
        for u in 0..n {
            row.clear();
            for e in g.edges(NodeIndex::new(u)) {
                let v = if e.source().index() == u {
                    e.target()
                } else {
                    e.source()
                };
                if v.index() != u {
                    row.push((v.index() as u32, *e.weight()));
                }
            }
            row.sort_unstable();
            row.dedup_by_key(|p| p.0);
            targets.extend(row.iter().map(|p| p.0));
            weights.extend(row.iter().map(|p| p.1));
            offsets.push(targets.len());
        }
        Csr {
            offsets,
            targets,
            weights,
        }
    }

    fn neighbours(&self, u: usize) -> &[u32] {
        &self.targets[self.offsets[u]..self.offsets[u + 1]]
    }

    fn weights(&self, u: usize) -> &[u32] {
        &self.weights[self.offsets[u]..self.offsets[u + 1]]
    }

    fn has_edge(&self, u: usize, v: u32) -> bool {
        self.neighbours(u).binary_search(&v).is_ok()
    }
}

use petgraph::visit::EdgeRef;

pub fn ego_split(g: &UnGraph<u32, u32>, cfg: &EgoSplitConfig) -> EgoSplitResult {
    let n = g.node_count();
    let csr = Csr::from(g);
    // For node u, persona_of[offsets[u] + i] is the persona holding u's i-th neighbour.
    let mut persona_of = vec![0u32; csr.targets.len()];
    let mut persona_node: Vec<u32> = Vec::new();
    let mut local = vec![u32::MAX; n];
    let mut capped_nodes = 0;
    let mut root_persona: Vec<u32> = Vec::new();
    let mut assigned: Vec<u32> = Vec::new();

    for u in 0..n {
        let nb = csr.neighbours(u);
        if nb.is_empty() {
            continue;
        }
        let members: Vec<usize> = ego_members(&csr, u, cfg.max_ego_net);
        if members.len() < nb.len() {
            capped_nodes += 1;
        }
        for (li, &i) in members.iter().enumerate() {
            local[nb[i] as usize] = li as u32;
        }
        let mut uf = UnionFind::<u32>::new(members.len());
        for (li, &i) in members.iter().enumerate() {
            let v = nb[i] as usize;
            let vn = csr.neighbours(v);
            // Scan the shorter list and test membership in the other, so hub words cost
            // the size of the small ego-net, not their own degree.
            if vn.len() <= members.len() {
                for &w in vn {
                    let lw = local[w as usize];
                    if lw != u32::MAX {
                        uf.union(li as u32, lw);
                    }
                }
            } else {
                for (lj, &j) in members.iter().enumerate() {
                    if lj != li && csr.has_edge(v, nb[j]) {
                        uf.union(li as u32, lj as u32);
                    }
                }
            }
        }
        // Personas numbered by first appearance in neighbour order: deterministic.
        // Union-find roots are local indices, so a flat table maps root -> persona.
        let base = persona_node.len() as u32;
        root_persona.clear();
        root_persona.resize(members.len(), u32::MAX);
        assigned.clear();
        assigned.resize(nb.len(), u32::MAX);
        for (li, &i) in members.iter().enumerate() {
            let root = uf.find(li as u32) as usize;
            if root_persona[root] == u32::MAX {
                root_persona[root] = persona_node.len() as u32;
                persona_node.push(u as u32);
            }
            assigned[i] = root_persona[root];
        }
        debug_assert!(persona_node.len() as u32 > base);
        if members.len() < nb.len() {
            let rest = persona_node.len() as u32;
            persona_node.push(u as u32);
            for a in assigned.iter_mut().filter(|a| **a == u32::MAX) {
                *a = rest;
            }
        }
        persona_of[csr.offsets[u]..csr.offsets[u + 1]].copy_from_slice(&assigned);
        for &i in &members {
            local[nb[i] as usize] = u32::MAX;
        }
    }

    let mut uf = UnionFind::<u32>::new(persona_node.len());
    for u in 0..n {
        let nb = csr.neighbours(u);
        for (i, &v) in nb.iter().enumerate() {
            if (v as usize) < u {
                continue;
            }
            let pu = persona_of[csr.offsets[u] + i];
            let j = csr
                .neighbours(v as usize)
                .binary_search(&(u as u32))
                .expect("symmetric adjacency");
            let pv = persona_of[csr.offsets[v as usize] + j];
            uf.union(pu, pv);
        }
    }
    let labels = uf.into_labeling();
    let mut by_root: std::collections::BTreeMap<u32, Vec<u32>> = std::collections::BTreeMap::new();
    for (p, root) in labels.iter().enumerate() {
        by_root.entry(*root).or_default().push(persona_node[p]);
    }
    let mut clusters: Vec<Vec<u32>> = by_root
        .into_values()
        .map(|mut words| {
            words.sort_unstable();
            words.dedup();
            words
        })
        .filter(|w| w.len() >= cfg.min_cluster_size)
        .collect();
    clusters.sort();
    EgoSplitResult {
        clusters,
        personas: persona_node.len(),
        capped_nodes,
    }
}

/// Positions (in u's neighbour list) of the neighbours that form u's ego-net: all of
/// them, or the heaviest `cap` when u is a hub (ties broken by position).
fn ego_members(csr: &Csr, u: usize, cap: usize) -> Vec<usize> {
    let nb = csr.neighbours(u);
    if cap == 0 || nb.len() <= cap {
        return (0..nb.len()).collect();
    }
    let w = csr.weights(u);
    let mut idx: Vec<usize> = (0..nb.len()).collect();
    idx.sort_by_key(|&i| (std::cmp::Reverse(w[i]), i));
    idx.truncate(cap);
    idx.sort_unstable();
    idx
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(n: usize, edges: &[(u32, u32)]) -> UnGraph<u32, u32> {
        let mut g = UnGraph::new_undirected();
        for i in 0..n {
            g.add_node(i as u32);
        }
        for (a, b) in edges {
            g.add_edge(NodeIndex::new(*a as usize), NodeIndex::new(*b as usize), 1);
        }
        g
    }

    #[test]
    fn two_triangles_sharing_a_node_give_two_overlapping_clusters() {
        // 0-1-2 triangle and 2-3-4 triangle: node 2's ego-net splits into {0,1} and {3,4}.
        let g = graph(5, &[(0, 1), (1, 2), (0, 2), (2, 3), (3, 4), (2, 4)]);
        let r = ego_split(&g, &EgoSplitConfig::default());
        assert_eq!(r.clusters, vec![vec![0, 1, 2], vec![2, 3, 4]]);
        assert_eq!(r.personas, 6);
    }

    #[test]
    fn a_star_splits_into_one_cluster_per_spoke() {
        // The centre's ego-net has no edges, so every spoke is its own persona.
        let g = graph(5, &[(0, 1), (0, 2), (0, 3), (0, 4)]);
        let r = ego_split(&g, &EgoSplitConfig::default());
        assert_eq!(r.clusters.len(), 4);
        assert!(r.clusters.iter().all(|c| c.len() == 2 && c[0] == 0));
    }

    #[test]
    fn isolated_words_and_small_clusters_are_not_counted() {
        let g = graph(4, &[(0, 1)]);
        let r = ego_split(
            &g,
            &EgoSplitConfig {
                min_cluster_size: 3,
                ..Default::default()
            },
        );
        assert!(r.clusters.is_empty());
        let r = ego_split(&g, &EgoSplitConfig::default());
        assert_eq!(r.clusters, vec![vec![0, 1]]);
    }

    #[test]
    fn hub_cap_keeps_heaviest_neighbours_and_is_reported() {
        let g = graph(5, &[(0, 1), (0, 2), (0, 3), (0, 4), (1, 2)]);
        let r = ego_split(
            &g,
            &EgoSplitConfig {
                max_ego_net: 2,
                ..Default::default()
            },
        );
        assert_eq!(r.capped_nodes, 1);
        let uncapped = ego_split(&g, &EgoSplitConfig::default());
        assert_eq!(uncapped.capped_nodes, 0);
    }
}
