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
  echo "Sign in from the app's account button: the lab's sign-in page lists its users (Ada Admin,"
  echo "Olli User, Chris Newcomer). Then open hr and docs and call whoami; the Identity page shows"
  echo "which token each server received."
  "$bin/app/gui/lanyard" --config "$config"
else
  cli="$bin/app/cli/lanyard-cli"
  # No display, so no browser: the lab's sign-in robot walks the lab's sign-in pages instead.
  robot="\"$bin/lab/app/lanyard-lab\" --sign-in-as ada@lanyardlab.onmicrosoft.com" # quoted: QProcess::splitCommand
  set -x
  "$cli" --config "$config" servers
  "$cli" --config "$config" tools hr --open-with "$robot"
  "$cli" --config "$config" call hr whoami --open-with "$robot"
  "$cli" --config "$config" token hr --open-with "$robot"
  "$cli" --config "$config" call docs whoami --open-with "$robot"
  set +x
  echo "No display (or no GUI build): showed the CLI instead. Each call signed in again because"
  echo "without a keychain the sign-in lives only as long as the process. Press Ctrl-C to stop the lab."
  wait $lab
fi
