"""Runs waiting to start."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from core.config import RunConfig


class QueueList(Static):
    def show(self, queued: list[RunConfig]) -> None:
        text = Text("Queued\n", style="bold")
        if not queued:
            text.append("nothing queued")
        for index, config in enumerate(queued, start=1):
            text.append(f"{index}. {config.method} on {config.model}\n")
        self.update(text)
