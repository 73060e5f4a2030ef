//! Ego-Splitting cluster counts agree with an independent implementation (karateclub's
//! EgoNetSplitter ego-net and persona-graph steps with connected components; see
//! tests/reference/egosplit_reference.py) on synthetic and real instruction graphs.

use ftqa_metrics::diversity::instruction::ego_split::{ego_split, EgoSplitConfig};
use petgraph::graph::{NodeIndex, UnGraph};
use std::collections::HashMap;
use std::path::Path;

fn read_graph(path: &Path) -> UnGraph<u32, u32> {
    let mut ids: HashMap<String, usize> = HashMap::new();
    let mut g = UnGraph::new_undirected();
    for line in std::fs::read_to_string(path).unwrap().lines() {
        let mut f = line.split('\t');
        let (a, b, w) = (
            f.next().unwrap(),
            f.next().unwrap(),
            f.next().unwrap().parse::<u32>().unwrap(),
        );
        let mut node = |s: &str, g: &mut UnGraph<u32, u32>| {
            let n = ids.len();
            *ids.entry(s.to_string()).or_insert_with(|| {
                g.add_node(n as u32);
                n
            })
        };
        let (x, y) = (node(a, &mut g), node(b, &mut g));
        g.add_edge(NodeIndex::new(x), NodeIndex::new(y), w);
    }
    g
}

#[test]
fn cluster_counts_match_the_independent_implementation() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reference/egosplit");
    let reference: HashMap<String, usize> =
        serde_json::from_str(&std::fs::read_to_string(dir.join("reference_counts.json")).unwrap())
            .unwrap();
    assert!(reference.len() >= 5, "need at least five reference graphs");
    let cfg = EgoSplitConfig {
        min_cluster_size: 2,
        max_ego_net: 0,
    };
    let mut report = Vec::new();
    for (name, want) in &reference {
        let got = ego_split(&read_graph(&dir.join(name)), &cfg).clusters.len();
        report.push(format!("{name}: ftqa {got}, reference {want}"));
        assert_eq!(got, *want, "{}", report.join("\n"));
    }
    println!("{}", report.join("\n"));
}

#[test]
fn the_hub_cap_changes_nothing_on_graphs_below_it() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reference/egosplit");
    let g = read_graph(&dir.join("instructions_self_instruct_seed.tsv"));
    let exact = ego_split(
        &g,
        &EgoSplitConfig {
            min_cluster_size: 2,
            max_ego_net: 0,
        },
    );
    let capped = ego_split(&g, &EgoSplitConfig::default());
    assert_eq!(capped.capped_nodes, 0);
    assert_eq!(exact.clusters, capped.clusters);
}
