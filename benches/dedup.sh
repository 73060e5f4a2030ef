#!/usr/bin/env bash
# Issue 6 figures (prints, asserts nothing):
#  1. MinHash near-dedup throughput, ftqa vs datasketch MinHashLSH, same corpus, same run,
#     same settings (128 permutations, char 5-grams of the near-normalised text, threshold
#     0.7, candidates verified by estimated Jaccard), with precision/recall of each.
#     Both are single-threaded, so the ratio is per core.
#  2. 13-gram contamination of 1M generated records against 10 benchmark files, 2 cores.
#  3. Peak memory of `ftqa dedup` on 5M records.
# Usage: benches/dedup.sh [BASES_FOR_MINHASH] [CONTAM_RECORDS] [MEMORY_RECORDS]
set -euo pipefail
cd "$(dirname "$0")/.."
BASES=${1:-40000}
CONTAM=${2:-1000000}
MEM=${3:-5000000}
WORK=${BENCH_DIR:-/tmp/ftqa-bench}
mkdir -p "$WORK"
python3 -c "import datasketch" 2>/dev/null || pip install --quiet datasketch
cargo build --release --quiet
BIN=${CARGO_TARGET_DIR:-target}/release/ftqa
timed() { # label, command...: prints seconds and peak RSS
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$WORK/time.txt" "$@" >"$WORK/out.txt" 2>"$WORK/err.txt" || { cat "$WORK/err.txt"; exit 1; }
  read -r secs rss < "$WORK/time.txt"
  printf '%-44s %8.2f s  peak RSS %7.0f MB\n' "$label" "$secs" "$(echo "$rss / 1024" | bc -l)"
  LAST_SECS=$secs
}

echo "== 1. MinHash near-dedup: ftqa vs datasketch =="
CORPUS="$WORK/near_$BASES.jsonl"
[ -f "$CORPUS" ] || python3 benches/dedup_corpus.py gen "$BASES" "$CORPUS"
echo "corpus: $(wc -l < "$CORPUS") records from $BASES distinct samples"
timed "ftqa dedup --level near (1 thread)" taskset -c 0 "$BIN" dedup "$CORPUS" -o "$WORK/near_out" --no-progress --quiet
FTQA=$LAST_SECS
python3 - "$WORK/near_out/removed.jsonl" "$WORK/ftqa_pairs.json" <<'PY'
import json, sys
pairs = [(r["kept_twin"]["id"], r["id"]) for r in map(json.loads, open(sys.argv[1])) if "kept_twin" in r]
json.dump(pairs, open(sys.argv[2], "w"))
PY
printf 'ftqa       '; python3 benches/dedup_corpus.py score "${CORPUS%.jsonl}.truth.json" "$WORK/ftqa_pairs.json"
timed "datasketch MinHashLSH (1 thread)" taskset -c 0 python3 benches/dedup_corpus.py datasketch "$CORPUS"
DS=$LAST_SECS
cat "$WORK/out.txt"
printf 'datasketch '; python3 benches/dedup_corpus.py score "${CORPUS%.jsonl}.truth.json" "$CORPUS.datasketch_pairs.json"
printf 'per-core speed-up of ftqa over datasketch: %.1fx\n' "$(echo "$DS / $FTQA" | bc -l)"

echo "== 2. 13-gram contamination: $CONTAM records vs 10 benchmark files, 2 cores =="
TRAIN="$WORK/bench_$CONTAM.jsonl"
[ -f "$TRAIN" ] || "$BIN" bench-data --records "$CONTAM" --jsonl "$TRAIN"
mkdir -p "$WORK/benchmarks"
python3 benches/dedup_corpus.py bench "$WORK/benchmarks" 1000
BENCH_ARGS=(); for f in "$WORK"/benchmarks/bench_*.jsonl; do BENCH_ARGS+=(--benchmark "$f"); done
timed "13-gram only (--contamination-strengths ngram)" taskset -c 0,1 "$BIN" dedup "$TRAIN" --level none --decontaminate --dry-run --no-progress --contamination-strengths ngram "${BENCH_ARGS[@]}"
head -1 "$WORK/out.txt"
timed "n-gram + MinHash near match" taskset -c 0,1 "$BIN" dedup "$TRAIN" --level none --decontaminate --dry-run --no-progress --contamination-strengths ngram,near "${BENCH_ARGS[@]}"

echo "== 3. memory: ftqa dedup on $MEM records =="
BIG="$WORK/bench_$MEM.jsonl"
[ -f "$BIG" ] || "$BIN" bench-data --records "$MEM" --jsonl "$BIG"
timed "ftqa dedup --level near --dry-run" "$BIN" dedup "$BIG" --dry-run --no-progress
head -1 "$WORK/out.txt"
