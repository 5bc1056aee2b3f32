#!/bin/sh
# SPDX-License-Identifier: MIT
# Renders the application icon (resources/icons/lanyard.svg) to the hicolor PNG sizes that the
# Linux package installs (resources/linux/icons/hicolor/NxN/apps/lanyard.png) and, when python3 is
# there, the Windows icon (installer/windows/lanyard.ico). The results are committed, so a build
# needs none of this; run it again after changing the SVG. Needs rsvg-convert (Debian: librsvg2-bin).
set -eu
here="$(cd "$(dirname "$0")/.." && pwd)"
svg="$here/resources/icons/lanyard.svg"
out="$here/resources/linux/icons/hicolor"
command -v rsvg-convert >/dev/null || { echo "render-icons.sh: rsvg-convert is missing (apt-get install librsvg2-bin)" >&2; exit 1; }
for size in 16 22 24 32 48 64 128 256; do
  mkdir -p "$out/${size}x${size}/apps"
  rsvg-convert --width "$size" --height "$size" --format png --output "$out/${size}x${size}/apps/lanyard.png" "$svg"
done
if command -v python3 >/dev/null; then
  mkdir -p "$here/installer/windows"
  python3 "$here/installer/windows/make-ico.py" "$here/installer/windows/lanyard.ico" \
    "$out/16x16/apps/lanyard.png" "$out/24x24/apps/lanyard.png" "$out/32x32/apps/lanyard.png" \
    "$out/48x48/apps/lanyard.png" "$out/64x64/apps/lanyard.png" "$out/256x256/apps/lanyard.png"
fi
echo "render-icons.sh: icons written under $out"
