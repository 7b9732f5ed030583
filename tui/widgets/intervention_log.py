"""Interventions and milestones of the current run, newest at the bottom. Plain text only:
a sentence from the data or a model name is never read as markup."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import RichLog


class InterventionLog(RichLog):
    def __init__(self, **kwargs) -> None:
        super().__init__(markup=False, highlight=False, wrap=True, **kwargs)
        self._shown = 0
        self._owner: str | None = None

    def show(self, run_id: str | None, lines: list[str]) -> None:
        if run_id != self._owner or len(lines) < self._shown:
            self.clear()
            self._owner, self._shown = run_id, 0
        for line in lines[self._shown:]:
            self.write(Text(line))
        self._shown = len(lines)
