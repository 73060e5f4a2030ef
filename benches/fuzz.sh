#!/usr/bin/env bash
# Issue 12: fuzz the loaders. Runs each cargo-fuzz target in fuzz/ for a set time and prints,
# per target, the total executions, executions per second and crashes found.
#
#   benches/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
#
# SECONDS_PER_TARGET defaults to 300; targets default to all of them (json_stream sniff
# detect_map csv parquet parquet_mutate). Environment:
#   FUZZ_SANITIZER  none (default: fastest; Rust panics are what we look for) or address
#   FUZZ_FORK=1     keep fuzzing after a crash (libFuzzer -fork=1 -ignore_crashes=1)
#   FUZZ_ARGS       extra libFuzzer flags
#
# Works from a fresh clone: installs cargo-fuzz if missing, builds the seed corpus if
# fuzz/corpus is missing (fuzz/examples/make_corpus.rs, from the generated fixtures), and
# runs on a stable toolchain through RUSTC_BOOTSTRAP=1 (cargo-fuzz passes nightly -Z flags).
# Crash inputs land in fuzz/artifacts/<target>/; replay one with
#   RUSTC_BOOTSTRAP=1 cargo fuzz run -s none -a <target> fuzz/artifacts/<target>/crash-...
# (from fuzz/) and add it to tests/loader_regressions.rs once fixed.
set -euo pipefail

cd "$(dirname "$0")/.."
root=$(pwd)
secs=${1:-300}
shift || true
all=(json_stream sniff detect_map csv parquet parquet_mutate)
if [ $# -gt 0 ]; then targets=("$@"); else targets=("${all[@]}"); fi
san=${FUZZ_SANITIZER:-none}
export RUSTC_BOOTSTRAP=1

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "installing cargo-fuzz ..." >&2
    cargo install cargo-fuzz --locked
fi

cd "$root/fuzz"
echo "building fuzz targets (sanitizer: $san, debug assertions on) ..." >&2
cargo fuzz build -a -s "$san" >&2

for t in "${targets[@]}"; do
    if [ -z "$(ls -A "corpus/$t" 2>/dev/null)" ]; then
        echo "seed corpus missing for $t: generating fuzz/corpus ..." >&2
        cargo run --quiet --release --example make_corpus -- corpus >&2
        break
    fi
done

mkdir -p target/fuzz-logs
printf '%-16s %8s %14s %10s %8s\n' target seconds executions exec/s crashes
total_crashes=0
for t in "${targets[@]}"; do
    mkdir -p "artifacts/$t" "corpus/$t"
    before=$(ls "artifacts/$t" | wc -l)
    log="target/fuzz-logs/$t.log"
    fork=()
    if [ "${FUZZ_FORK:-0}" = 1 ]; then
        fork=(-fork=1 -ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1)
    fi
    start=$(date +%s)
    # shellcheck disable=SC2086
    cargo fuzz run -a -s "$san" "$t" "corpus/$t" -- \
        -max_total_time="$secs" -timeout=20 -rss_limit_mb=4096 -print_final_stats=1 \
        "${fork[@]}" ${FUZZ_ARGS:-} >"$log" 2>&1 || true
    elapsed=$(( $(date +%s) - start ))
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || true)
    rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || true)
    if [ -z "$execs" ]; then
        # Fork mode prints no final stats: take the last status line (#N: ... exec/s: R).
        execs=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#' || true)
        rate=$(grep -oE 'exec/s:? [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+$' || true)
    fi
    after=$(ls "artifacts/$t" | wc -l)
    crashes=$(( after - before ))
    total_crashes=$(( total_crashes + crashes ))
    printf '%-16s %8s %14s %10s %8s\n' "$t" "$elapsed" "${execs:-?}" "${rate:-?}" "$crashes"
    if [ "$crashes" -gt 0 ]; then
        ls -t "artifacts/$t" | head -n "$crashes" | sed "s|^|    fuzz/artifacts/$t/|"
        grep -m1 -E "panicked at|ERROR: libFuzzer" "$log" | sed 's/^/    /' || true
    fi
done
echo "logs: fuzz/target/fuzz-logs/<target>.log; crashes in total: $total_crashes"
