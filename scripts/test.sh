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
  # A private D-Bus session with a fresh, unlocked keyring, so keychain tests use the real Secret
  # Service. The keyring daemon gets a temporary HOME/XDG_DATA_HOME: an existing login.keyring
  # of the user (locked, with another password) would otherwise refuse the unlock and the tests
  # would quietly fall back to memory. The user's own keyring is never touched.
  local keyring_dir status=0
  keyring_dir="$(mktemp -d "${TMPDIR:-/tmp}/lanyard-keyring.XXXXXX")"
  dbus-run-session -- env LANYARD_KEYRING_DIR="$keyring_dir" bash -c '
    mkdir -p "$LANYARD_KEYRING_DIR/data"
    echo -n lanyard-test | HOME="$LANYARD_KEYRING_DIR" XDG_DATA_HOME="$LANYARD_KEYRING_DIR/data" \
      gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1 || true
    ctest --preset "$0" "$@"' "$preset" "$@" || status=$?
  rm -rf "$keyring_dir"
  return "$status"
}

run_suite default "$@"
if [ "$asan" = 1 ]; then
  run_suite asan "$@"
fi
