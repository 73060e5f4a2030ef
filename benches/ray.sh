#!/usr/bin/env bash
# Issue 14: wall time of one report over 8 shards, on one machine (`ftqa report shards/`,
# every core) against ftqa.ray.report on a local Ray cluster (one single-threaded worker per
# core, 8 tasks), measured in the same run; prints whether the metrics are identical.
# Figures are printed, not asserted. The corpus is `ftqa bench-data` cut into 8 shards.
# Usage: FTQA_PYTHON=/path/to/python-with-ray benches/ray.sh [RECORDS] (default 200000).
# The Ray run uses this checkout's python/ftqa (PYTHONPATH) and release binary (FTQA_BIN),
# so FTQA_PYTHON's environment must not have the ftqa wheel installed (checked).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-200000}
PY=${FTQA_PYTHON:-python3}
WORK=${BENCH_DIR:-/tmp/ftqa-bench-ray}
mkdir -p "$WORK"
cargo build --release --quiet
BIN=$(realpath "${CARGO_TARGET_DIR:-target}/release/ftqa")
export PYTHONPATH="$PWD/python" FTQA_BIN="$BIN" RAY_USAGE_STATS_ENABLED=0
found=$("$PY" -c "import ray, ftqa; print(ftqa.binary())")
[ "$found" = "$BIN" ] || { echo "ftqa.binary() is $found, not $BIN: use a Python without the ftqa wheel" >&2; exit 1; }
SHARDS="$WORK/shards_$N"
if [ ! -d "$SHARDS" ]; then
  "$BIN" bench-data --records "$N" --jsonl "$WORK/all_$N.jsonl"
  mkdir -p "$SHARDS.tmp"
  split -n l/8 -d --additional-suffix=.jsonl "$WORK/all_$N.jsonl" "$SHARDS.tmp/shard-"
  mv "$SHARDS.tmp" "$SHARDS"
  rm "$WORK/all_$N.jsonl"
fi
CORES=$(nproc)
echo "--- $N records in 8 shards ($(du -sb "$SHARDS" | cut -f1) bytes); $CORES vCPU; $(date -u +%FT%TZ)"

rm -rf "$WORK/single" "$WORK/ray"
start=$(date +%s.%N)
"$BIN" report "$SHARDS" -o "$WORK/single" --quiet --no-progress
single=$(echo "$(date +%s.%N) - $start" | bc -l)
printf '%-46s %8.2f s wall\n' "single machine: ftqa report shards/ ($CORES threads)" "$single"

"$PY" - "$SHARDS" "$WORK/ray" "$CORES" "$single" <<'PY'
import json, os, sys, time
import ray, ftqa.ray
shards_dir, out, cores, single = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
shards = [os.path.join(shards_dir, f) for f in sorted(os.listdir(shards_dir))]
t0 = time.perf_counter()
ray.init(num_cpus=cores, include_dashboard=False, log_to_driver=False)
t1 = time.perf_counter()
report = ftqa.ray.report(shards, out)
t2 = time.perf_counter()
ray.shutdown()
label = f"ray: ftqa.ray.report, {cores} workers x 1 thread"
print(f"{label:<46} {t2 - t1:8.2f} s wall (+ {t1 - t0:.2f} s ray.init)")
print(f"ray / single: {(t2 - t1) / single:.2f}x the wall time")
single_metrics = json.load(open(os.path.join(os.path.dirname(out), "single", "report.json")))["metrics"]
same = single_metrics == report["metrics"]
print("metrics:", "identical" if same else "DIFFERENT")
PY
