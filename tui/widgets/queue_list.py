"""Runs waiting to start, one line each (cut with an ellipsis, never wrapped out of the box)."""

from __future__ import annotations

from rich.text import Text

from tui.run_queue import Waiting
from tui.widgets.changed_only import ChangedOnly

SHOWN = 4  # the box has room for a heading and five lines: four items and "+N more"


class QueueList(ChangedOnly):
    def show(self, queued: list[Waiting]) -> None:
        text = Text("Queued", style="bold", no_wrap=True, overflow="ellipsis")
        if queued:
            text.append(" (d removes one)", style="dim")
        text.append("\n")
        if not queued:
            text.append("nothing queued")
        shown = queued if len(queued) <= SHOWN + 1 else queued[:SHOWN]
        for index, item in enumerate(shown, start=1):
            text.append(f"{index}. {item.label}\n")
        if len(shown) < len(queued):
            text.append(f"+{len(queued) - len(shown)} more\n", style="italic")
        self.show_content(text)
