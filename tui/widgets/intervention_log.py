"""Interventions and milestones of the current run, newest at the bottom. Plain text only:
a sentence from the data or a model name is never read as markup.

The box shows the newest lines that fit, wrapped at the width it has at each render (a RichLog
wraps a line once, when it is written, so a scrollbar appearing later cut the ends of wrapped
lines: "...Use --eps 0.0001 o"). It never scrolls or lays the screen out again: during a run new
lines come twice a second, and a relayout per line was a visible share of what watching cost.
The whole history is in the run's events and its report.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import RenderResult
from textual.widget import Widget


class InterventionLog(Widget):
    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._owner: str | None = None
        self._lines: list[str] = []

    def show(self, run_id: str | None, lines: list[str]) -> None:
        if run_id == self._owner and lines == self._lines:  # a few hundred short strings at most
            return
        self._owner, self._lines = run_id, list(lines)
        self.refresh()

    def render(self) -> RenderResult:
        width, height = self.content_size.width, self.content_size.height
        if width <= 0 or height <= 0 or not self._lines:
            return Text("")
        wrapped: list[Text] = []
        for line in reversed(self._lines[-height:]):  # each line is at least one row: no more are needed
            wrapped[:0] = Text(line).wrap(self.app.console, width)
            if len(wrapped) >= height:
                break
        return Text("\n").join(wrapped[-height:])
