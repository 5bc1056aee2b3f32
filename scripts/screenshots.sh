#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Takes the screenshots in docs/screenshots/: starts lanyard-lab (its demo MCP servers on loopback, open:
# --no-identity; the identity pictures come from TestIdentityGui below),
# runs the built `lanyard` under a virtual X server with the hidden --screenshot-dir option (it
# drives every page and saves a PNG of each), then stops the lab. Builds nothing.
#   scripts/screenshots.sh [BUILD_DIR] [OUT_DIR]     (defaults: build, docs/screenshots)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$here/build}"
out="${2:-$here/docs/screenshots}"
lanyard="$build/app/gui/lanyard"
lab_bin="$build/lab/app/lanyard-lab"
for b in "$lanyard" "$lab_bin"; do
  [ -x "$b" ] || { echo "missing $b: build the targets lanyard and lanyard-lab first" >&2; exit 1; }
done
command -v xvfb-run >/dev/null || { echo "xvfb-run is missing (apt-get install xvfb)" >&2; exit 1; }

work="$(mktemp -d -t lanyard-shots.XXXXXX)"
lab_config="$work/lab.json"
"$lab_bin" --port 0 --no-identity --tools 10000 --config-out "$lab_config" >"$work/lab.log" 2>&1 &
lab=$!
trap 'kill "$lab" 2>/dev/null || true; wait "$lab" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do [ -s "$lab_config" ] && break; sleep 0.1; done
[ -s "$lab_config" ] || { echo "lanyard-lab did not start:" >&2; cat "$work/lab.log" >&2; exit 1; }

# The lab's servers plus one that is not running, for the "unreachable" picture.
config="$work/lanyard.json"
python3 - "$lab_config" "$config" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
doc["servers"].append({"name": "offline", "url": "http://127.0.0.1:9/mcp", "auth": {"type": "none"},
                       "timeoutSeconds": 3})
json.dump(doc, open(sys.argv[2], "w"), indent=2)
PY

mkdir -p "$out"
export HOME="$work/home" XDG_CONFIG_HOME="$work/home/.config" LANG=C.UTF-8
mkdir -p "$XDG_CONFIG_HOME"
xvfb-run -a -s "-screen 0 1400x900x24" ${LANYARD_WRAPPER:-} "$lanyard" --fusion --config "$config" --screenshot-dir "$out"

# The identity pictures (sign-in dialog, Identity page, token timeline, access matrix) need the
# identity lab (IdP + token service), which the GUI test starts in-process: it saves them when
# LANYARD_SCREENSHOT_DIR is set.
identity_test="$build/tests/gui/TestIdentityGui"
if [ -x "$identity_test" ]; then
  LANYARD_SCREENSHOT_DIR="$out" QT_LOGGING_RULES="lanyard.lab.info=false" \
    xvfb-run -a -s "-screen 0 1400x900x24" "$identity_test" -platform xcb -style Fusion >"$work/identity-shots.log" 2>&1 \
    || { echo "identity screenshots failed:" >&2; tail -20 "$work/identity-shots.log" >&2; exit 1; }
else
  echo "note: $identity_test not built; identity screenshots skipped" >&2
fi
echo "screenshots in $out"
