#!/bin/sh
# SPDX-License-Identifier: MIT
# Build the libFuzzer targets (CMake preset `fuzz`, clang) and run each one for a while.
#
#   scripts/fuzz.sh [--no-build] [SECONDS] [TARGET ...]
#
#   SECONDS   time per target (default 60), passed to libFuzzer as -max_total_time
#   TARGET    sse jsonrpc jwt jwks www_authenticate loopback_request discovery config large_message
#             http_response (default: all)
#   --no-build  use the existing build-fuzz/ as it is
#
# The committed seed corpus (tests/fuzz/corpus/<target>) is copied to a scratch directory first,
# so runs never change the tree. Crash inputs end up in that scratch directory; the script
# prints where and exits non-zero if any target crashed. To keep a finding, copy the crash file
# to tests/fuzz/regressions/<target>/ (TestFuzzRegressions replays it in the normal build).
# Environment: FUZZ_JOBS (build jobs, default 2), FUZZ_NICE (niceness, default 19),
# FUZZ_WORK (scratch directory, default a new one under ${TMPDIR:-/tmp}), FUZZ_RUNS (also stop
# after that many executions, e.g. 10000000 for the long runs in docs/fuzzing.md), FUZZ_FORK (run
# libFuzzer in fork mode with that many worker processes, e.g. 2 to use both cores for one run:
# one corpus, executions counted across the workers, the run stops at the first crash).
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
build=1
if [ "${1:-}" = "--no-build" ]; then
    build=0
    shift
fi
seconds=60
case "${1:-}" in
    ''|*[!0-9]*) ;;
    *) seconds=$1; shift ;;
esac
targets=${*:-"sse jsonrpc jwt jwks www_authenticate loopback_request discovery config large_message http_response"}

if [ "$build" = 1 ]; then
    # Only one C++ build at a time on shared machines: take the lock when there is one.
    lock=""
    if command -v flock >/dev/null 2>&1; then
        lock="flock /tmp/lanyard-build.lock"
    fi
    (cd "$here" && $lock cmake --preset fuzz >/dev/null)
    (cd "$here" && $lock cmake --build build-fuzz --target lanyard_fuzz_all -j "${FUZZ_JOBS:-2}")
fi

work=${FUZZ_WORK:-$(mktemp -d "${TMPDIR:-/tmp}/lanyard-fuzz.XXXXXX")}
echo "scratch directory: $work"
failed=""
for t in $targets; do
    bin="$here/build-fuzz/tests/fuzz/fuzz_$t"
    if [ ! -x "$bin" ]; then
        echo "no such fuzz target: $t ($bin)" >&2
        exit 2
    fi
    corpus="$work/corpus/$t"
    artifacts="$work/artifacts/$t"
    mkdir -p "$corpus" "$artifacts"
    cp "$here/tests/fuzz/corpus/$t/"* "$corpus/"
    runs=""
    if [ -n "${FUZZ_RUNS:-}" ]; then
        runs="-runs=$FUZZ_RUNS"
    fi
    fork=""
    if [ -n "${FUZZ_FORK:-}" ]; then
        fork="-fork=$FUZZ_FORK"
    fi
    dict=""
    if [ -f "$here/tests/fuzz/dict/$t.dict" ]; then
        dict="-dict=$here/tests/fuzz/dict/$t.dict"
    fi
    echo "== fuzz_$t for ${seconds}s"
    # -rss_limit_mb: the Qt + ASan baseline is ~60 MB; 2 GB catches runaway allocation.
    if ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}" \
        UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}" \
        nice -n "${FUZZ_NICE:-19}" "$bin" -max_total_time="$seconds" -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$artifacts/" $runs $fork $dict "$corpus" >"$work/$t.log" 2>&1; then
        grep -E '^stat::number_of_executed_units|^Done|^INFO: fuzzed for|^INFO: exiting' "$work/$t.log" || true
    else
        echo "fuzz_$t FAILED: see $work/$t.log and $artifacts/" >&2
        failed="$failed $t"
    fi
done
if [ -n "$failed" ]; then
    echo "crashes in:$failed" >&2
    exit 1
fi
echo "no crashes"
