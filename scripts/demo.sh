#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs what is missing, builds Lanyard, starts lanyard-lab (identity lab + demo MCP servers)
# on loopback and shows Lanyard working against it.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
bash scripts/install-deps.sh
cmake --preset default >/dev/null
cmake --build --preset default -j "$(nproc 2>/dev/null || echo 2)"

bin="$here/build"
workdir="$(mktemp -d -t lanyard-demo.XXXXXX)"
config="$workdir/lanyard-demo.json"
"$bin/lab/app/lanyard-lab" --port 0 --config-out "$config" > "$workdir/lab.log" 2>&1 &
lab=$!
trap 'kill $lab 2>/dev/null || true; wait $lab 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do [ -s "$config" ] && break; sleep 0.1; done
if [ ! -s "$config" ]; then echo "lanyard-lab did not start; its log:"; cat "$workdir/lab.log"; exit 1; fi
echo "lanyard-lab is running (log: $workdir/lab.log); Lanyard config: $config"

if [ -x "$bin/app/gui/lanyard" ] && { [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; }; then
  "$bin/app/gui/lanyard" --config "$config"
else
  cli="$bin/app/cli/lanyard-cli"
  set -x
  "$cli" --config "$config" servers
  "$cli" --config "$config" tools hr
  "$cli" --config "$config" call hr whoami
  "$cli" --config "$config" call docs echo_structured --args '{"message": "hello from the demo"}'
  set +x
  echo "No display (or no GUI build): showed the CLI instead. Press Ctrl-C to stop the lab."
  wait $lab
fi
