#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs what is missing, builds Lanyard, and runs the whole test suite twice: in the normal
# build and in the AddressSanitizer + UndefinedBehaviorSanitizer build.
# Usage: scripts/test.sh [--no-asan] [ctest args...]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"

asan=1
if [ "${1:-}" = "--no-asan" ]; then asan=0; shift; fi

bash scripts/install-deps.sh

jobs="$(nproc 2>/dev/null || echo 2)"
export QT_QPA_PLATFORM=offscreen
export CTEST_OUTPUT_ON_FAILURE=1

run_suite() {
  local preset="$1"; shift
  echo "== build ($preset)"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j "$jobs"
  echo "== test ($preset)"
  # A private D-Bus session with an unlocked keyring, so keychain tests use the real Secret Service.
  dbus-run-session -- bash -c '
    echo -n lanyard-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1 || true
    ctest --preset "$0" "$@"' "$preset" "$@"
}

run_suite default "$@"
if [ "$asan" = 1 ]; then
  run_suite asan "$@"
fi
