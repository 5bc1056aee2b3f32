# SPDX-License-Identifier: MIT
"""Packs square PNG files into one Windows .ico (PNG-compressed entries, Vista and later).

Usage: make-ico.py OUT.ico A.png [B.png ...]
"""
import struct
import sys


def png_size(data: bytes) -> int:
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise SystemExit("make-ico.py: not a PNG file")
    width, height = struct.unpack(">II", data[16:24])
    if width != height or width > 256:
        raise SystemExit(f"make-ico.py: icons must be square and at most 256 px, got {width}x{height}")
    return width


def main() -> None:
    out, pngs = sys.argv[1], sys.argv[2:]
    images = [open(p, "rb").read() for p in pngs]
    header = struct.pack("<HHH", 0, 1, len(images))
    offset = len(header) + 16 * len(images)
    entries, payload = b"", b""
    for data in images:
        size = png_size(data)
        dim = 0 if size == 256 else size  # 0 means 256 in the directory entry
        entries += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(data), offset)
        offset += len(data)
        payload += data
    with open(out, "wb") as f:
        f.write(header + entries + payload)


if __name__ == "__main__":
    main()
