"""The run's progress as one line: a bar of steps done and the percentage.

Textual's ProgressBar is three widgets and a timer that repaints every second (and animates
60 times a second while its total is unknown); following a run, it was a visible share of what
watching cost. This bar is one line that repaints only when a cell or the percentage changes, and
it never animates: a run whose length is unknown (starting, evaluating, failed to start) says so
in words. Filled and empty cells are different characters, so it reads the same with NO_COLOR.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import RenderResult
from textual.widget import Widget

FILLED, EMPTY = "━", "─"


def bar_text(step: int, total: int | None, width: int, note: str = "") -> Text:
    """`width` cells: the bar and a right-aligned percentage, or the note when the total is unknown."""
    if not total:
        return Text(note, style="italic")
    fraction = min(max(step / total, 0.0), 1.0)
    percent = f"{int(fraction * 100):>4d}%"
    cells = max(width - len(percent) - 1, 1)
    filled = int(fraction * cells)
    text = Text()
    text.append(FILLED * filled, style="bold green")
    text.append(EMPTY * (cells - filled), style="dim")
    text.append(" " + percent)
    return text


class StepBar(Widget):
    DEFAULT_CSS = "StepBar { height: 1; }"

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self._state: tuple[int, int | None, str] = (0, None, "")
        self._shown_key: tuple | None = None

    def show(self, step: int, total: int | None, note: str = "") -> None:
        """Repaint only when what a user can see changes: a cell, the percentage or the note."""
        self._state = (step, total, note)
        key = self._visible_key()
        if key != self._shown_key:
            self._shown_key = key
            self.refresh()

    def _visible_key(self) -> tuple:
        step, total, note = self._state
        if not total:
            return (None, note)
        fraction = min(max(step / total, 0.0), 1.0)
        return (int(fraction * 100), int(fraction * max(self.size.width - 6, 1)))

    def on_resize(self) -> None:
        self._shown_key = self._visible_key()
        self.refresh()

    def render(self) -> RenderResult:
        step, total, note = self._state
        return bar_text(step, total, self.size.width, note)
