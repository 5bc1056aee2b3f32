#!/bin/sh
# SPDX-License-Identifier: MIT
# Lanyard benchmark in one command: lanyard-cli vs the official TypeScript SDK client vs curl vs the
# MCP Inspector CLI, and the desktop app vs the Inspector web UI, against one local server built with
# the TypeScript SDK. Prints the table, writes docs/performance.md.
#   bench/run.sh                 full run (3–5 minutes on 2 cores)
#   bench/run.sh --quick         smoke run, writes nothing
#   LANYARD_CLI=path bench/run.sh   use that lanyard-cli instead of build/app/cli/lanyard-cli
# Further arguments go to bench/bench.py (--help lists them).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cli=${LANYARD_CLI:-$root/build/app/cli/lanyard-cli}

if [ -n "${LANYARD_CLI:-}" ] && [ ! -x "$cli" ]; then
    echo "bench: LANYARD_CLI=$cli is not an executable" >&2
    exit 2
fi
lock=""
if [ ! -x "$cli" ]; then
    echo "bench: building lanyard-cli with the default preset" >&2
    # On the shared development machine only one C++ build may run at a time (the lock is harmless elsewhere).
    if command -v flock >/dev/null 2>&1; then lock="flock /tmp/lanyard-build.lock"; fi
    (cd "$root" && $lock cmake --preset default && $lock cmake --build --preset default --target lanyard-cli)
fi
gui="$root/build/bench/lanyard-bench-gui-filter"
if [ -z "${LANYARD_CLI:-}" ] && [ ! -x "$gui" ] && [ -d "$root/build" ]; then
    echo "bench: building the GUI filter benchmark" >&2
    (cd "$root" && $lock cmake --build --preset default --target lanyard-bench-gui-filter) \
        || echo "bench: could not build it; scenario 5 is skipped" >&2
fi
app="$root/build/app/gui/lanyard"
if [ -z "${LANYARD_CLI:-}" ] && [ ! -x "$app" ] && [ -d "$root/build" ]; then
    echo "bench: building the desktop app" >&2
    (cd "$root" && $lock cmake --build --preset default --target lanyard) \
        || echo "bench: could not build it; the desktop app is left out of scenario 6" >&2
fi
signin="$root/build/bench/lanyard-bench-signin"
if [ -z "${LANYARD_CLI:-}" ] && { [ ! -x "$signin" ] || [ ! -x "$root/build/lab/app/lanyard-lab" ]; } && [ -d "$root/build" ]; then
    echo "bench: building the sign-in benchmark and lanyard-lab" >&2
    (cd "$root" && $lock cmake --build --preset default --target lanyard-bench-signin lanyard-lab) \
        || echo "bench: could not build them; scenario 7 is skipped" >&2
fi
if [ ! -d "$root/tests/interop/node_modules/@modelcontextprotocol/sdk" ]; then
    echo "bench: installing the npm peers (tests/interop)" >&2
    (cd "$root/tests/interop" && npm ci --no-audit --no-fund)
fi
# The MCP Inspector (bench/package.json), a peer in scenarios 1, 3 and 6. Its postinstall script matters
# only in a checkout of the Inspector itself (under node_modules it exits at once), so it makes no
# difference that npm 11 skips it ("not yet covered by allowScripts"). Without the Inspector bench.py
# leaves it out and says so.
case " $* " in *" --no-inspector "*) inspector=no ;; *) inspector=yes ;; esac
if [ "$inspector" = yes ] && [ ! -f "$root/bench/node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js" ]; then
    echo "bench: installing the MCP Inspector (bench/package.json)" >&2
    (cd "$root/bench" && npm ci --no-audit --no-fund) \
        || echo "bench: could not install it; the Inspector is left out" >&2
fi
for tool in node curl python3; do
    command -v "$tool" >/dev/null 2>&1 || { echo "bench: $tool is required" >&2; exit 2; }
done
exec python3 "$root/bench/bench.py" --cli "$cli" "$@"
