#!/usr/bin/env python3
"""Independent cluster counts for ftqa's Ego-Splitting, from karateclub's EgoNetSplitter.

Paper 004 specifies Ego-Splitting with connected components in both the ego-net phase
and the persona-graph phase. karateclub's EgoNetSplitter uses connected components for
the ego-nets but Louvain for the persona graph, and its fit() first adds a self-loop to
every node, which puts each ego inside its own "ego-net minus ego" so no node ever
splits. So this script runs karateclub's own ego-net and persona-graph steps on the
graph as given, then takes connected components of its persona graph.

Setup (no compiled dependencies needed):
  pip install --no-deps --target /tmp/kc karateclub==1.3.3 python-louvain==0.16 networkx
  PYTHONPATH=/tmp/kc python3 tests/reference/egosplit_reference.py

It writes the synthetic graphs (karate club, planted partitions, a random graph) as
edge lists next to this file, reads every *.tsv edge list there (instruction graphs are
exported by `ftqa element-graph`), and writes egosplit/reference_counts.json.
"""
import json
import os
import sys
import types

import networkx as nx

# karateclub's package __init__ imports every model (gensim, torch, ...); only the
# estimator and the ego splitter are needed, so stub the package and load those two.
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "egosplit")


def load_splitter():
    import importlib.util
    base = None
    for p in sys.path:
        cand = os.path.join(p, "karateclub")
        if os.path.isdir(cand):
            base = cand
            break
    if base is None:
        sys.exit("karateclub not found on PYTHONPATH")
    pkg = types.ModuleType("karateclub")
    pkg.__path__ = [base]
    sys.modules["karateclub"] = pkg
    for name, rel in [("karateclub.estimator", "estimator.py"),
                      ("karateclub.ego_splitter", "community_detection/overlapping/ego_splitter.py")]:
        spec = importlib.util.spec_from_file_location(name, os.path.join(base, rel))
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
    return sys.modules["karateclub.ego_splitter"].EgoNetSplitter


def clusters(splitter_cls, g):
    s = splitter_cls()
    s.graph = g  # no _check_graph: it would add the self-loops described above
    s._create_egonets()
    s._map_personalities()
    s._create_persona_graph()
    comps = list(nx.connected_components(s.persona_graph))
    # Map personas back to nodes; count clusters of at least two distinct nodes.
    return sum(1 for c in comps if len({s.personality_map[p] for p in c}) >= 2)


def write_tsv(g, name):
    with open(os.path.join(OUT, name), "w") as f:
        for a, b in sorted(g.edges()):
            f.write(f"n{a}\tn{b}\t1\n")


def main():
    os.makedirs(OUT, exist_ok=True)
    write_tsv(nx.karate_club_graph(), "synthetic_karate_club.tsv")
    write_tsv(nx.planted_partition_graph(4, 12, 0.6, 0.03, seed=7), "synthetic_planted_4x12.tsv")
    write_tsv(nx.planted_partition_graph(8, 6, 0.8, 0.01, seed=11), "synthetic_planted_8x6.tsv")
    write_tsv(nx.gnp_random_graph(60, 0.05, seed=3), "synthetic_gnp_60.tsv")
    Splitter = load_splitter()
    counts = {}
    for name in sorted(os.listdir(OUT)):
        if not name.endswith(".tsv"):
            continue
        g = nx.Graph()
        with open(os.path.join(OUT, name)) as f:
            for line in f:
                a, b, _w = line.rstrip("\n").split("\t")
                if a != b:
                    g.add_edge(a, b)
        counts[name] = clusters(Splitter, g)
        print(f"{name}: {g.number_of_nodes()} nodes, {g.number_of_edges()} edges, {counts[name]} clusters")
    with open(os.path.join(OUT, "reference_counts.json"), "w") as f:
        json.dump(counts, f, indent=2, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
