"""Self-contained inline SVG line charts (no scripts, no fonts from the network), and a text
sparkline for Markdown.

One chart compares runs: a labelled line per run, colours that stay apart for colour-blind
readers (Okabe-Ito), a run with a single value (an `evaluate` run) drawn as a dot with its value.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

from sst2_tui.core.report.blocks import SeedBand

PALETTE = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#d55e00", "#56b4e9", "#000000", "#999999")
Series = Sequence[Sequence[float]]


def finite(points: Series) -> list[tuple[float, float]]:
    return [(float(x), float(y)) for x, y in points if isinstance(y, int | float) and math.isfinite(y)]


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """About `count` round values (1, 2 or 5 times a power of ten) from `low` to `high`."""
    if high <= low:
        return [low]
    raw = (high - low) / max(1, count - 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.ceil(low / step - 1e-9) * step
    return [round(first + i * step, 10) for i in range(int((high - first) / step + 1e-9) + 1)]


def _label(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.3g}"


@dataclass(frozen=True)
class _Frame:
    """Where a chart's values land: the plot area in pixels and the value ranges it spans."""

    width: int
    height: int
    plot_right: float
    x0: float
    x1: float
    y0: float
    y1: float
    left: int = 44
    top: int = 22
    bottom: int = 30

    @property
    def scale_x(self) -> float:
        return (self.plot_right - self.left) / (self.x1 - self.x0)  # pixels per step

    def sx(self, x: float) -> float:
        return self.left + (x - self.x0) * self.scale_x

    def sy(self, y: float) -> float:
        return self.height - self.bottom - (y - self.y0) / (self.y1 - self.y0) * (self.height - self.bottom - self.top)


def svg_chart(series: Mapping[str, Series], title: str, *, y_range: tuple[float, float] | None = None,
              width: int = 520, height: int = 240, bands: dict[str, list[tuple[float, float, float]]] | None = None,
              x_label: str = "step") -> str:
    """Lines of several runs on one chart. With `y_range`, the axis starts at the lowest value
    seen (a 0.80-0.90 climb stays visible), never outside the range. `bands` shades, in a series'
    colour, the area between a low and a high value at each step: `{label: [(step, low, high)]}`."""
    bands = bands or {}
    legend = [(label, finite(points)) for label, points in series.items()]
    legend_width = max((len(label) for label, _ in legend if label), default=0) * 7 + 24
    plot_right = width - 12 - (legend_width if len(legend) > 1 or any(label for label, _ in legend) else 0)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
             f'role="img" aria-label="{escape(title)}" font-family="sans-serif">',
             f'<rect x="0" y="0" width="{width}" height="{height}" fill="#fff" stroke="#ccc"/>',
             f'<text x="{width / 2}" y="15" text-anchor="middle" font-size="12">{escape(title)}</text>']
    values = [p for _, points in legend for p in points]
    values += [(x, y) for edges in bands.values() for x, low, high in edges for y in (low, high)
               if all(math.isfinite(v) for v in (x, low, high))]
    if not values:
        parts.append(f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle" font-size="11" fill="#666">'
                     "no values yet</text></svg>")
        return "".join(parts)
    xs, ys = [x for x, _ in values], [y for _, y in values]
    x0, x1 = (min(xs), max(xs)) if max(xs) > min(xs) else (min(xs) - 0.5, min(xs) + 0.5)  # one step: centred
    y0, y1 = min(ys), max(ys)
    if y_range:
        y0, y1 = max(y_range[0], y0 - 0.02), min(y_range[1], y1 + 0.02)
    if y1 <= y0:
        y0, y1 = y0 - 0.5, y1 + 0.5
    frame = _Frame(width, height, plot_right, x0, x1, y0, y1)
    parts += _axes(frame, x_label)
    for index, (label, points) in enumerate(legend):
        edges = [e for e in bands.get(label, []) if all(math.isfinite(v) for v in e)]
        parts += _one_series(frame, index, label, points, edges)
    parts.append("</svg>")
    return "".join(parts)


def _axes(frame: _Frame, x_label: str) -> list[str]:
    """Grid lines with the y values, the x values below, and what x is."""
    left, plot_right, sx, sy = frame.left, frame.plot_right, frame.sx, frame.sy
    parts = [f'<line x1="{left}" x2="{plot_right}" y1="{sy(tick):.1f}" y2="{sy(tick):.1f}" stroke="#eee"/>'
             f'<text x="{left - 4}" y="{sy(tick) + 3:.1f}" text-anchor="end" font-size="10">{_label(tick)}</text>'
             for tick in nice_ticks(frame.y0, frame.y1)]
    fractional = frame.x1 - frame.x0 < 2  # device-hours, not steps: every tick gets its value
    baseline = frame.height - frame.bottom + 13
    parts += [f'<text x="{sx(tick):.1f}" y="{baseline}" text-anchor="middle" font-size="10">{_label(tick)}</text>'
              for tick in nice_ticks(frame.x0, frame.x1) if fractional or float(tick).is_integer()]  # steps are whole numbers
    parts.append(f'<text x="{(left + plot_right) / 2}" y="{frame.height - 4}" text-anchor="middle" font-size="10">'
                 f"{escape(x_label)}</text>")
    return parts


def _one_series(frame: _Frame, index: int, label: str, points: list[tuple[float, float]],
                edges: list[tuple[float, float, float]]) -> list[str]:
    """One series in its colour: its band, its line (a dot with its value for a single point), its legend row."""
    color, sx, sy, parts = PALETTE[index % len(PALETTE)], frame.sx, frame.sy, []
    if edges:  # up along the high edge, back along the low one (one step: a bar 8 pixels wide)
        if len(edges) == 1:
            (x, low, high), = edges
            half = 4 / frame.scale_x
            outline = [(x - half, high), (x + half, high), (x + half, low), (x - half, low)]
        else:
            outline = [(x, high) for x, _, high in edges] + [(x, low) for x, low, _ in reversed(edges)]
        parts.append(f'<polygon class="seed-band" fill="{color}" fill-opacity="0.22" stroke="none" points="'
                     + " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in outline) + '"/>')
    if len(points) == 1:
        (x, y), = points
        parts.append(f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="4" fill="{color}"/>'
                     f'<text x="{sx(x) + 6:.1f}" y="{sy(y) - 6:.1f}" font-size="10" fill="{color}">{_label(y)}</text>')
    elif points:
        path = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in points)
        parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{path}"/>')
    if label:
        row, legend_x = frame.top + 6 + 16 * index, frame.plot_right
        parts.append(f'<line x1="{legend_x + 8}" x2="{legend_x + 20}" y1="{row}" y2="{row}" stroke="{color}" '
                     f'stroke-width="3"/><text x="{legend_x + 24}" y="{row + 4}" font-size="11">{escape(label)}</text>')
    return parts


def svg_band_chart(band: SeedBand) -> str:
    """One method's chosen setting: its mean validation accuracy over seeds inside a ±1 std band."""
    title = f"{band.label}, {band.seeds} seed(s): mean, ±1 std shaded"
    return svg_chart({"": [(s, m) for s, m, _ in band.points]}, title, y_range=(0.0, 1.0), width=420, height=220,
                     bands={"": [(s, m - d, m + d) for s, m, d in band.points]})


BLOCKS = " ▁▂▃▄▅▆▇█"


def text_sparkline(points: Series, width: int = 60) -> str:
    """For Markdown: a one-line chart of the series, left to right."""
    values = [y for _, y in finite(points)]
    if not values:
        return ""
    if len(values) > width:
        stride = len(values) / width
        values = [values[int(i * stride)] for i in range(width)]
    low, high = min(values), max(values)
    span = high - low or 1.0
    return "".join(BLOCKS[1 + int((v - low) / span * (len(BLOCKS) - 2))] for v in values)
