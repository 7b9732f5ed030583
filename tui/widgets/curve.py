"""A live line chart (plotext) of one series: the loss, or the validation accuracy."""

from __future__ import annotations

from textual_plotext import PlotextPlot


class Curve(PlotextPlot):
    def __init__(self, title: str, *, id: str | None = None, y_range: tuple[float, float] | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self._title = title
        self._y_range = y_range
        self._points: list[tuple[int, float]] = []

    def on_mount(self) -> None:
        super().on_mount()
        self._draw()

    def show(self, points: list[tuple[int, float]]) -> None:
        if points == self._points:
            return
        self._points = list(points)
        self._draw()

    def _draw(self) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title(self._title)
        finite = [(x, y) for x, y in self._points if y == y and abs(y) != float("inf")]
        if self._y_range:
            plt.ylim(*self._y_range)
        if finite:
            plt.plot([x for x, _ in finite], [y for _, y in finite], marker="braille")
        self.refresh()
