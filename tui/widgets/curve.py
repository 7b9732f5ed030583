"""A live line chart (plotext) of one series: the loss, or the validation accuracy.

Building a plotext chart is pure Python (~30 ms for a few hundred points), and the training
thread shares the interpreter with it, so the chart is rebuilt only when its data or size
changed, from at most ~2 points per column (the braille resolution), never on a plain repaint.
"""

from __future__ import annotations

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


class Curve(PlotextPlot):
    def __init__(self, title: str, *, id: str | None = None, y_range: tuple[float, float] | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self._title = title
        self._y_range = y_range
        self._points: list[tuple[int, float]] = []
        self._cache_key: tuple | None = None
        self._cache: Text | None = None

    def show(self, points: list[tuple[int, float]]) -> None:
        if len(points) == len(self._points) and points[-1:] == self._points[-1:]:
            return
        self._points = list(points)
        self.refresh()

    def render(self) -> RenderResult:
        key = (self.size.width, self.size.height, len(self._points), self._points[-1:] , self.app.theme)
        if key != self._cache_key or self._cache is None:
            self._draw()
            self._cache = super().render()  # type: ignore[assignment]
            self._cache_key = key
        return self._cache

    def _draw(self) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title(self._title)
        finite = [(x, y) for x, y in self._points if y == y and abs(y) != float("inf")]
        finite = downsample(finite, max(2, 2 * self.size.width))
        if finite:
            xs, ys = [x for x, _ in finite], [y for _, y in finite]
            if self._y_range:
                # from the lowest value seen (a 0.80-0.90 climb stays visible), never past the range
                low, high = self._y_range
                plt.ylim(max(low, min(ys) - 0.02), min(high, max(ys) + 0.02) if max(ys) > min(ys) else high)
            ticks = step_ticks(xs[0], xs[-1], max(2, self.size.width // 12))
            plt.xticks(ticks, [str(t) for t in ticks])  # steps are whole numbers: never "131.8"
            plt.plot(xs, ys, marker="braille")
        elif self._y_range:
            plt.ylim(*self._y_range)
