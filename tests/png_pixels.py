"""Read an 8-bit RGB/RGBA PNG (what headless Chromium writes) into rows of pixels, standard library only."""

from __future__ import annotations

import struct
import zlib


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else b if pb <= pc else c


def read_png(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and the unfiltered rows (bytes per pixel: 3 or 4)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    position, chunks, header = 8, [], None
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        body = data[position + 8:position + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            chunks.append(body)
        position += 12 + length
    width, height, depth, color, _, _, interlace = header
    assert depth == 8 and color in (2, 6) and not interlace, f"unsupported PNG: depth {depth}, colour type {color}"
    channels = 3 if color == 2 else 4
    raw, stride, rows = zlib.decompress(b"".join(chunks)), width * channels, []
    previous = bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up, corner = previous[i], previous[i - channels] if i >= channels else 0
            line[i] = (line[i] + (0, left, up, (left + up) // 2, _paeth(left, up, corner))[kind]) & 0xFF
        rows.append(bytes(line))
        previous = line
    return width, height, rows


def count_colour(data: bytes, rgb: tuple[int, int, int], tolerance: int = 24) -> int:
    width, _, rows = read_png(data)
    channels = len(rows[0]) // width
    return sum(1 for row in rows for x in range(0, len(row), channels)
               if abs(row[x] - rgb[0]) + abs(row[x + 1] - rgb[1]) + abs(row[x + 2] - rgb[2]) <= tolerance)
