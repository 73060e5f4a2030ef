#!/usr/bin/env bash
# Issue 13: full default `ftqa report` of a generated corpus on 1, 2 and every core, with
# peak memory, and the speed-ups as ratios measured in the same run. The corpus is
# `ftqa bench-data` (Alpaca-style records with planted near and semantic duplicates).
# Also checks that report.json (less its run facts) is the same for every thread count.
# Usage: benches/threads.sh [RECORDS] (default 100000). BASELINE_BIN=path/to/older/ftqa
# adds that binary on every core as a baseline (e.g. a build of the commit before).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-100000}
WORK=${BENCH_DIR:-/tmp/ftqa-bench}
mkdir -p "$WORK"
cargo build --release --quiet
BIN=${CARGO_TARGET_DIR:-target}/release/ftqa
JSONL="$WORK/bench_$N.jsonl"
[ -f "$JSONL" ] || "$BIN" bench-data --records "$N" --jsonl "$JSONL"
CORES=$(nproc)
echo "--- $N records, $(ls -l "$JSONL" | awk '{print $5}') bytes; $CORES vCPU; $(date -u +%FT%TZ)"

timed() { # label, out-dir, command...: prints wall, CPU and peak RSS; sets secs_<label>
  local label=$1 out=$2; shift 2
  /usr/bin/time -f "%e %U %S %M" -o "$WORK/time.txt" "$@" -o "$out" --quiet --no-progress >/dev/null 2>"$WORK/err.txt" || { cat "$WORK/err.txt"; exit 1; }
  read -r secs user sys rss < "$WORK/time.txt"
  printf '%-22s %8.2f s wall  %8.2f s CPU  peak RSS %6.0f MB\n' "$label" "$secs" "$(echo "$user + $sys" | bc -l)" "$(echo "$rss / 1024" | bc -l)"
  eval "secs_${label//[^a-z0-9]/_}=$secs"
}

THREADS="1 2"
[ "$CORES" -gt 2 ] && THREADS="$THREADS $CORES"
for t in $THREADS; do
  timed "threads $t" "$WORK/out_t$t" "$BIN" report "$JSONL" --threads "$t"
done
if [ -n "${BASELINE_BIN:-}" ]; then
  timed "baseline" "$WORK/out_base" "$BASELINE_BIN" report "$JSONL"
fi

echo "--- ratios (same run)"
for t in $THREADS; do
  [ "$t" = 1 ] && continue
  v="secs_threads_$t"
  printf 'speed-up 1 -> %s threads: %.2fx\n' "$t" "$(echo "$secs_threads_1 / ${!v}" | bc -l)"
done
if [ -n "${BASELINE_BIN:-}" ]; then
  printf 'baseline -> %s threads: %.2fx faster\n' "$CORES" "$(echo "$secs_baseline / $(eval echo \$secs_threads_$CORES 2>/dev/null || echo $secs_threads_2)" | bc -l)"
fi

echo "--- same report for every thread count"
strip() { python3 -c "import json,sys; r=json.load(open(sys.argv[1])); r.pop('run'); print(json.dumps(r, sort_keys=True))" "$1/report.json"; }
ref=$(strip "$WORK/out_t1")
for t in $THREADS; do
  if [ "$(strip "$WORK/out_t$t")" = "$ref" ]; then echo "threads $t: identical"; else echo "threads $t: DIFFERENT"; exit 1; fi
done
