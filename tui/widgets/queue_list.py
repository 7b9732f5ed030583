"""Runs waiting to start."""

from __future__ import annotations

from rich.text import Text

from tui.run_queue import Queued, queue_label
from tui.widgets.changed_only import ChangedOnly


class QueueList(ChangedOnly):
    def show(self, queued: list[Queued]) -> None:
        text = Text("Queued\n", style="bold")
        if not queued:
            text.append("nothing queued")
        for index, item in enumerate(queued, start=1):
            text.append(f"{index}. {queue_label(item)}\n")
        self.show_content(text)
