#!/usr/bin/env bash
# End-to-end load + basic report throughput on a generated 1M-record dataset, as JSONL
# and as Parquet, with peak memory. Figures are printed as records/s and as ratios
# against baselines run on the same machine in the same run (these machines are noisy):
#   - python3 json.loads over the same JSONL lines (a parse-only floor for JSONL);
#   - `wc -l` over the same file (raw read speed).
# Usage: benches/e2e_load.sh [RECORDS]   (default 1000000); FULL=1 also times every metric.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000000}
WORK=${BENCH_DIR:-/tmp/ftqa-bench}
mkdir -p "$WORK"
cargo build --release --quiet
BIN=${CARGO_TARGET_DIR:-target}/release/ftqa
JSONL="$WORK/bench_$N.jsonl"
PARQ="$WORK/bench_$N.parquet"
if [ ! -f "$JSONL" ] || [ ! -f "$PARQ" ]; then
  echo "generating $N records..."
  "$BIN" bench-data --records "$N" --jsonl "$JSONL" --parquet "$PARQ"
fi
ls -l "$JSONL" "$PARQ" | awk '{print $5, $9}'

timed() { # label, command...: prints seconds and peak RSS (KB)
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$WORK/time.txt" "$@" >/dev/null 2>"$WORK/err.txt" || { cat "$WORK/err.txt"; exit 1; }
  read -r secs rss < "$WORK/time.txt"
  printf '%-28s %8.2f s  %10.0f rec/s  peak RSS %6.0f MB\n' "$label" "$secs" "$(echo "$N / $secs" | bc -l)" "$(echo "$rss / 1024" | bc -l)"
  eval "${label//[^a-z]/_}_secs=$secs"
}

echo "--- $(nproc) vCPU, $(date -u +%FT%TZ)"
timed "wc -l (read floor)" wc -l "$JSONL"
timed "python json.loads" python3 -c "import json,sys
for l in open(sys.argv[1], 'rb'): json.loads(l)" "$JSONL"
# The basic report of issue 2: loading plus the descriptive families.
BASIC=records,turns,length,empty,dedup.exact,script,system,images,tasks,preference
timed "ftqa report jsonl" "$BIN" report "$JSONL" -o "$WORK/out_jsonl" --quiet --no-progress --only $BASIC
timed "ftqa report parquet" "$BIN" report "$PARQ" -o "$WORK/out_parquet" --quiet --no-progress --only $BASIC
if [ "${FULL:-0}" = 1 ]; then
  timed "ftqa full report jsonl" "$BIN" report "$JSONL" -o "$WORK/out_full" --quiet --no-progress
fi

echo "--- ratios (same run)"
printf 'ftqa jsonl vs python json.loads parse-only: %.2fx faster\n' "$(echo "$python_json_loads_secs / $ftqa_report_jsonl_secs" | bc -l)"
printf 'ftqa parquet vs ftqa jsonl:                %.2fx faster\n' "$(echo "$ftqa_report_jsonl_secs / $ftqa_report_parquet_secs" | bc -l)"
printf 'ftqa jsonl vs wc -l:                        %.1fx slower\n' "$(echo "$ftqa_report_jsonl_secs / $wc__l__read_floor__secs" | bc -l)"
