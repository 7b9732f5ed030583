"""Runs waiting to start. An item too long for the box wraps onto a second line at a space (the
demo's fourth run is told apart by its end: "full on demo (fp16-pure, eps 1e-8)"); what does not
fit the box is counted as "+N more", never cut off silently."""

from __future__ import annotations

from rich.text import Text

from sst2_tui.tui.run_queue import Waiting
from sst2_tui.tui.widgets.changed_only import ChangedOnly

ROWS = 4  # lines under the heading before the box knows its size (80x24 has room for four)


def wrap_words(text: str, width: int) -> list[str]:
    """`text` in lines of at most `width` characters, broken at spaces (a longer word stays whole)."""
    lines: list[str] = []
    for word in text.split(" "):
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return lines


class QueueList(ChangedOnly):
    def show(self, queued: list[Waiting]) -> None:
        text = Text("Queued", style="bold", no_wrap=True, overflow="ellipsis")
        if queued:
            text.append(" (d removes one)", style="dim")
        text.append("\n")
        if not queued:
            text.append("nothing queued")
        width = self.content_size.width
        items: list[list[str]] = []
        for index, waiting in enumerate(queued, start=1):
            prefix = f"{index}. "
            lines = wrap_words(waiting.label, width - len(prefix)) if width > len(prefix) + 8 else [waiting.label]
            items.append([prefix + lines[0], *(" " * len(prefix) + line for line in lines[1:])])
        rows = self.content_size.height - 1 if self.content_size.height > 1 else ROWS
        used, shown = 0, 0
        for lines in items:
            room = rows - used - (1 if shown + 1 < len(items) else 0)  # keep a line for "+N more"
            if len(lines) > room:
                break
            used, shown = used + len(lines), shown + 1
        for lines in items[:shown]:
            text.append("\n".join(lines) + "\n")
        if shown == len(items) - 1 and rows - used >= 1:
            # one left that is a line too long for the rows left: its first line, cut, says more than "+1 more"
            text.append(items[-1][0].rstrip() + " …\n")
        elif shown < len(items):
            text.append(f"+{len(items) - shown} more\n", style="italic")
        self.show_content(text)
