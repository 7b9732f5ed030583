"""A self-contained inline SVG line chart (no scripts, no fonts from the network)."""

from __future__ import annotations

import math
from html import escape

WIDTH, HEIGHT, PAD = 360, 160, 28


def svg_line_chart(points: list[list[float]], title: str, y_range: tuple[float, float] | None = None) -> str:
    finite = [(float(x), float(y)) for x, y in points if isinstance(y, int | float) and math.isfinite(y)]
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" '
             f'role="img" aria-label="{escape(title)}">',
             f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#fff" stroke="#ccc"/>',
             f'<text x="{WIDTH / 2}" y="14" text-anchor="middle" font-family="sans-serif" font-size="11">{escape(title)}</text>']
    if finite:
        xs, ys = [p[0] for p in finite], [p[1] for p in finite]
        x0, x1 = min(xs), max(xs) if max(xs) > min(xs) else min(xs) + 1
        y0, y1 = y_range if y_range else (min(ys), max(ys) if max(ys) > min(ys) else min(ys) + 1)

        def sx(x: float) -> float:
            return PAD + (x - x0) / (x1 - x0) * (WIDTH - 2 * PAD)

        def sy(y: float) -> float:
            return HEIGHT - PAD + (y0 - y) / (y1 - y0) * (HEIGHT - 2 * PAD)

        path = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in finite)
        parts.append(f'<polyline fill="none" stroke="#3366cc" stroke-width="1.5" points="{path}"/>')
        for value, y in ((y1, sy(y1)), (y0, sy(y0))):
            parts.append(f'<text x="2" y="{y + 4:.1f}" font-family="sans-serif" font-size="9">{value:.3g}</text>')
        parts.append(f'<text x="{PAD}" y="{HEIGHT - 8}" font-family="sans-serif" font-size="9">step {x0:.0f}</text>')
        parts.append(f'<text x="{WIDTH - PAD}" y="{HEIGHT - 8}" text-anchor="end" font-family="sans-serif" font-size="9">'
                     f'step {x1:.0f}</text>')
    parts.append("</svg>")
    return "".join(parts)


BLOCKS = " ▁▂▃▄▅▆▇█"


def text_sparkline(points: list[list[float]], width: int = 60) -> str:
    """For Markdown: a one-line chart of the series, left to right."""
    values = [float(y) for _, y in points if isinstance(y, int | float) and math.isfinite(y)]
    if not values:
        return ""
    if len(values) > width:
        stride = len(values) / width
        values = [values[int(i * stride)] for i in range(width)]
    low, high = min(values), max(values)
    span = high - low or 1.0
    return "".join(BLOCKS[1 + int((v - low) / span * (len(BLOCKS) - 2))] for v in values)
