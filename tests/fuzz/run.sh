#!/usr/bin/env bash
# Run every libFuzzer target of a build for a bounded time: make fuzz.
#
#   tests/fuzz/run.sh BUILD_DIR SECONDS [TARGET...]      (default targets: fuzz_csv fuzz_import fuzz_xlsx)
#
# Each target starts from a copy of its corpus (tests/fuzz/corpus/<name without fuzz_>), so a
# run never writes into the source tree, and the targets run side by side (one per core).
# Any finding (crash, sanitizer report, leak, timeout, memory limit) fails the run; the input
# is kept in BUILD_DIR/fuzz-findings/<target>/ and the end of the target's log is printed.
# FUZZ_JOBS (default 2) is how many targets run at once.
set -euo pipefail

build=${1:?usage: run.sh BUILD_DIR SECONDS [TARGET...]}
seconds=${2:?usage: run.sh BUILD_DIR SECONDS [TARGET...]}
shift 2
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(fuzz_csv fuzz_import fuzz_xlsx)
jobs=${FUZZ_JOBS:-2}
src=$(cd "$(dirname "$0")" && pwd)
build=$(cd "$build" && pwd)

work=$(mktemp -d /tmp/pn-fuzz-run.XXXXXX)
trap 'rm -rf "$work"' EXIT

# Sanitizer reports abort the target (libFuzzer then saves the input); print the stack.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

run_one() {
    local t=$1 corpus findings log
    corpus="$work/$t-corpus"
    findings="$build/fuzz-findings/$t"
    log="$work/$t.log"
    mkdir -p "$corpus" "$findings"
    cp -R "$src/corpus/${t#fuzz_}/." "$corpus/"
    if "$build/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$findings/" "$corpus" >"$log" 2>&1; then
        echo "fuzz: $t: $(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$log" |
            grep -o '[0-9]*$') runs in ${seconds}s, no finding"
    else
        echo "fuzz: $t: FINDING (inputs in $findings):" >&2
        tail -n 60 "$log" >&2
        return 1
    fi
}

# Each target runs in the background; its result is a file, counted at the end.
pids=()
for t in "${targets[@]}"; do
    [ -x "$build/$t" ] || { echo "fuzz: no $build/$t; build with -DPN_FUZZ=ON" >&2; exit 2; }
    [ -d "$src/corpus/${t#fuzz_}" ] || { echo "fuzz: no corpus $src/corpus/${t#fuzz_}" >&2; exit 2; }
    (if run_one "$t"; then touch "$work/$t.passed"; fi) &
    pids+=($!)
    if [ ${#pids[@]} -ge "$jobs" ]; then
        wait "${pids[0]}" || true
        pids=("${pids[@]:1}")
    fi
done
for p in "${pids[@]}"; do
    wait "$p" || true
done
passed=$(find "$work" -maxdepth 1 -name '*.passed' | wc -l)
failed=$((${#targets[@]} - passed))
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
