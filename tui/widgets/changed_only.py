"""A Static that repaints only when its content changed, and lays the screen out again only when
its number of lines changed: the dashboard asks every widget to show the run twice a second, and
a full layout per repaint was most of what watching a run cost the app."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


class ChangedOnly(Static):
    _shown: Text | str | None = None

    def show_content(self, content: Text | str) -> None:
        if content == self._shown:
            return
        lines = str(content).count("\n")
        relayout = self._shown is None or lines != str(self._shown).count("\n")
        self._shown = content
        self.update(content, layout=relayout)
