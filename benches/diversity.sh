#!/usr/bin/env bash
# Issue 3 figures: embedding throughput, candle vs ONNX Runtime, DBSCAN time/memory/ARI.
# Prints figures; asserts nothing. Usage:
#   benches/diversity.sh [CORPUS] [--big]
# CORPUS: a dataset whose responses are embedded (default: synthetic ~100-word texts).
# --big: also run brute-force exact DBSCAN at 100k for the ARI (about 3 minutes more).
# Needs the model for the MiniLM lines (`ftqa model pull`) and, for the ONNX Runtime
# comparison, python3 with numpy, onnx, onnxruntime, safetensors and tokenizers.
set -euo pipefail
cd "$(dirname "$0")/.."
CORPUS=""
BIG=0
for a in "$@"; do
  case "$a" in
    --big) BIG=1 ;;
    *) CORPUS="$a" ;;
  esac
done
cargo bench --no-run -q --bench diversity 2>/dev/null
B() { cargo bench -q --bench diversity -- "$@"; }

echo "== static embedder (target >= 50,000 sentences/s on ~100-word responses)"
B static 100000
[ -n "$CORPUS" ] && B static 100000 "$CORPUS"
echo "== lexical embedder"
B lexical 20000

MODEL=$(cargo run -q --release -- model where 2>/dev/null || true)
if [ -n "$MODEL" ]; then
  echo "== MiniLM: candle (CPU) vs ONNX Runtime, same texts, same machine"
  TEXTS=$(mktemp --suffix .json)
  CANDLE=$(B minilm 200 ${CORPUS:+"$CORPUS"} --dump "$TEXTS")
  echo "$CANDLE"
  if ONNX=$(python3 benches/minilm_onnx.py "$MODEL" "$TEXTS" 2>/dev/null); then
    echo "$ONNX"
    c=$(echo "$CANDLE" | sed -n 's/.*[( ]\([0-9.]*\) sentences\/s.*/\1/p')
    o=$(echo "$ONNX" | sed -n 's/.*[( ]\([0-9.]*\) sentences\/s.*/\1/p')
    echo "candle / onnxruntime throughput ratio: $(python3 -c "print(f'{$c / $o:.2f}')")"
  else
    echo "onnxruntime comparison skipped: pip install numpy onnx onnxruntime safetensors tokenizers"
  fi
  rm -f "$TEXTS" "$TEXTS.onnx.npy"
else
  echo "== MiniLM skipped: no model (ftqa model pull)"
fi

echo "== DBSCAN, 384 dimensions, 50 blobs + 5% noise, eps by the elbow rule, min_samples 5"
B dbscan 10000 384 --exact --linfa
B dbscan 50000 384 --exact
if [ "$BIG" = 1 ]; then B dbscan 100000 384 --exact; else B dbscan 100000 384; fi
B dbscan 1000000 384
