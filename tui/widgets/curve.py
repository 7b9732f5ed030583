"""A live line chart (plotext) of one series: the loss, or the validation accuracy.

Building a plotext chart is pure Python (~30 ms for a few hundred points), and the training
thread shares the interpreter with it, so the chart is rebuilt only when its data or size
changed, from at most ~2 points per column (the braille resolution), never on a plain repaint.
"""

from __future__ import annotations

import os

from rich.text import Text
from textual.app import RenderResult
from textual_plotext import PlotextPlot


def downsample(points: list[tuple[int, float]], limit: int) -> list[tuple[int, float]]:
    """Keep at most `limit` points, evenly spaced, always including the newest."""
    if len(points) <= limit or limit < 2:
        return points
    stride = (len(points) - 1) / (limit - 1)
    return [points[round(i * stride)] for i in range(limit)]


def step_ticks(first: int, last: int, count: int) -> list[int]:
    """At most `count` whole, distinct step numbers from `first` to `last`, both included."""
    if last <= first:
        return [int(first)]
    spread = last - first
    return sorted({round(first + spread * i / (count - 1)) for i in range(count)})


def value_ticks(low: float, high: float, count: int) -> list[float]:
    """`count` evenly spaced values from `low` to `high`, both included."""
    return [low + (high - low) * i / (count - 1) for i in range(count)]


def tick_count(rows: int) -> int:
    """How many y ticks a plot of `rows` rows gets: at least two rows apart (so none is lost to a
    shared row), at most six; equally many rows apart where the rows allow it."""
    candidates = list(range(2, max(2, min(6, rows // 2 + 1)) + 1))
    exact = [n for n in candidates if (rows - 1) % (n - 1) == 0 and n >= 3]
    return max(exact) if exact else max(candidates)


Series = list[tuple[int, float]]
# Without colour (NO_COLOR) the lines of a compare chart differ by their marker, named in the legend.
NO_COLOR_MARKERS = ("braille", "x", "o", "+", "*", "#", "@", "%")


def finite_points(points: Series) -> Series:
    return [(x, y) for x, y in points if y == y and abs(y) != float("inf")]


class Curve(PlotextPlot):
    """One series (`show`), or several labelled ones compared on one chart (`show_series`)."""

    def __init__(self, title: str, *, id: str | None = None, y_range: tuple[float, float] | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self._title = title
        self._y_range = y_range
        self._exact = False
        self._series: dict[str, Series] = {}
        self._markers: dict[str, str] = {}
        self._cache_key: tuple | None = None
        self._cache: Text | None = None

    def show(self, points: Series) -> None:
        self.show_series({"": points})

    def set_y_range(self, low: float, high: float) -> None:
        """Exactly this range, whatever the data: charts side by side on one shared axis."""
        if self._y_range != (low, high) or not self._exact:
            self._y_range, self._exact = (low, high), True
            self._cache = None
            self.refresh()

    def show_series(self, series: dict[str, Series], markers: dict[str, str] | None = None) -> None:
        """`markers`: a series' own plotext marker (a band's edges drawn dotted); by default braille
        lines told apart by colour, or by marker where there is no colour (NO_COLOR)."""
        if {k: (len(v), v[-1:]) for k, v in series.items()} == {k: (len(v), v[-1:]) for k, v in self._series.items()}:
            return
        self._series = {label: list(points) for label, points in series.items()}
        self._markers = dict(markers or {})
        self.refresh()

    def render(self) -> RenderResult:
        shape = tuple((label, len(points), tuple(points[-1:])) for label, points in self._series.items())
        key = (self.size.width, self.size.height, shape, self.app.theme, self._y_range)
        if key != self._cache_key or self._cache is None:
            self._draw()
            self._cache = super().render()  # type: ignore[assignment]
            self._cache_key = key
        return self._cache if self._cache is not None else ""

    def _draw(self) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title(self._title)
        limit = max(2, 2 * self.size.width // max(1, len(self._series)))
        drawn = {label: downsample(finite_points(points), limit) for label, points in self._series.items()}
        drawn = {label: points for label, points in drawn.items() if points}
        if not drawn:
            if self._y_range:
                plt.ylim(*self._y_range)
            return
        xs = [x for points in drawn.values() for x, _ in points]
        ys = [y for points in drawn.values() for _, y in points]
        if self._y_range and self._exact:
            bottom, top = self._y_range
        elif self._y_range:
            # from the lowest value seen (a 0.80-0.90 climb stays visible), never past the range
            low, high = self._y_range
            bottom, top = max(low, min(ys) - 0.02), min(high, max(ys) + 0.02) if max(ys) > min(ys) else high
        else:
            bottom, top = (min(ys), max(ys)) if max(ys) > min(ys) else (min(ys) - 0.5, max(ys) + 0.5)
        plt.ylim(bottom, top)
        # evenly spaced ticks of our own: plotext's own skip one where a tick falls between two rows
        y_ticks = value_ticks(bottom, top, tick_count(self.size.height - 4))
        plt.yticks(y_ticks, [f"{v:.3f}" if top - bottom < 10 else f"{v:.3g}" for v in y_ticks])
        ticks = step_ticks(min(xs), max(xs), max(2, self.size.width // 12))
        plt.xticks([float(t) for t in ticks], [str(t) for t in ticks])  # steps are whole numbers: never "131.8"
        plain = "NO_COLOR" in os.environ and len(drawn) > 1
        for index, (label, points) in enumerate(drawn.items()):
            px, py = [x for x, _ in points], [y for _, y in points]
            name = label or None  # one unlabelled series: no legend
            marker = self._markers.get(label) or (NO_COLOR_MARKERS[index % len(NO_COLOR_MARKERS)] if plain else "braille")
            if len(points) == 1:  # a single evaluation (the `evaluate` method): a visible dot
                plt.scatter(px, py, marker="dot" if marker == "braille" else marker, label=name)
            else:
                plt.plot(px, py, marker=marker, label=name)
