#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs everything Lanyard needs to build, run and test on Debian 12.
# Debian packages through apt; the interop test peers through npm (pinned by package-lock.json).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

packages=(
  build-essential cmake ninja-build pkg-config git
  qt6-base-dev qt6-base-dev-tools qt6-networkauth-dev qt6-httpserver-dev qt6-websockets-dev qt6-svg-dev libxkbcommon-dev
  qtkeychain-qt6-dev nlohmann-json3-dev libssl-dev libgl-dev
  json-schema-test-suite
  clang libclang-rt-14-dev
  xvfb xauth dbus dbus-x11 gnome-keyring libsecret-tools
  curl ca-certificates
  dpkg-dev file binutils desktop-file-utils appstream man-db
)
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if [ -f "$here/tests/interop/package.json" ]; then
  if [ ! -d "$here/tests/interop/node_modules" ] || [ "$here/tests/interop/package-lock.json" -nt "$here/tests/interop/node_modules/.package-lock.json" ]; then
    echo "install-deps: npm ci in tests/interop"
    (cd "$here/tests/interop" && npm ci --no-audit --no-fund --loglevel=error)
  fi
fi
