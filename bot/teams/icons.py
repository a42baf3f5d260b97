"""The Teams app's two icons, drawn in code and written as PNG with ``zlib`` (no image
library): ``color.png`` (192×192, the accent colour full-bleed with a white mark) and
``outline.png`` (32×32, the same mark in white on a transparent background), as Teams asks.

The mark: two people side by side, the mentor taller than the adept.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable

ACCENT = (0x46, 0x4E, 0xB8)  # Teams' indigo
WHITE = (255, 255, 255)

# The mark in unit coordinates (0..1): (centre x, centre y, radius) of heads and bodies.
_SHAPES = (
    (0.38, 0.34, 0.11),  # the mentor's head
    (0.66, 0.44, 0.085),  # the adept's head
)
_BODIES = (
    (0.38, 0.74, 0.21, 0.50),  # centre x, top y, half width, height … a rounded body
    (0.66, 0.76, 0.16, 0.60),
)


def _inside(x: float, y: float) -> bool:
    for cx, cy, r in _SHAPES:
        if (x - cx) ** 2 + (y - cy) ** 2 <= r * r:
            return True
    for cx, top, half, _ in _BODIES:
        # the upper half of an ellipse standing on the line y = 0.86
        bottom = 0.86
        if top - 0.22 <= y <= bottom:
            height = bottom - (top - 0.22)
            dy = (bottom - y) / height
            if ((x - cx) / half) ** 2 + dy**2 <= 1.0:
                return True
    return False


def _coverage(size: int, px: int, py: int, margin: float) -> float:
    """The share of the pixel covered by the mark (4×4 samples), the mark scaled into the
    square less ``margin`` on each side."""
    hits = 0
    for sy in range(4):
        for sx in range(4):
            u = (px + (sx + 0.5) / 4) / size
            v = (py + (sy + 0.5) / 4) / size
            x = (u - margin) / (1 - 2 * margin)
            y = (v - margin) / (1 - 2 * margin)
            hits += _inside(x, y)
    return hits / 16


def png(width: int, height: int, pixel: Callable[[int, int], tuple[int, int, int, int]]) -> bytes:
    """An RGBA PNG of ``pixel(x, y)``."""
    rows = bytearray()
    for y in range(height):
        rows.append(0)  # no filter
        for x in range(width):
            rows.extend(pixel(x, y))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + chunk(b"IEND", b"")
    )


def color_icon(size: int = 192) -> bytes:
    def pixel(x: int, y: int) -> tuple[int, int, int, int]:
        a = _coverage(size, x, y, 0.12)
        r, g, b = (round(c + (w - c) * a) for c, w in zip(ACCENT, WHITE, strict=True))
        return r, g, b, 255

    return png(size, size, pixel)


def outline_icon(size: int = 32) -> bytes:
    def pixel(x: int, y: int) -> tuple[int, int, int, int]:
        return (*WHITE, round(255 * _coverage(size, x, y, 0.02)))

    return png(size, size, pixel)
