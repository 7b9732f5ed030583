"""Interventions and milestones of the current run, newest at the bottom. Plain text only:
a sentence from the data or a model name is never read as markup.

A Static in a scrolling box, not a RichLog: RichLog wraps each line once, at the width it has when
the line is written, so a scrollbar appearing later (or a resize) cut the ends of wrapped lines
("...Use --eps 0.0001 o"). A Static wraps again at every layout, at the width it really has.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

KEPT_LINES = 200  # a run logs a few lines per intervention; older ones scroll out of memory too


class InterventionLog(VerticalScroll):
    DEFAULT_CSS = "InterventionLog > Static { width: 100%; }"

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._owner: str | None = None
        self._lines: list[str] = []

    def compose(self) -> ComposeResult:
        yield Static("", markup=False)

    def show(self, run_id: str | None, lines: list[str]) -> None:
        lines = lines[-KEPT_LINES:]
        if run_id == self._owner and lines == self._lines:
            return
        self._owner, self._lines = run_id, list(lines)
        self.query_one(Static).update(Text("\n".join(lines)))
        self.call_after_refresh(self.scroll_end, animate=False)
