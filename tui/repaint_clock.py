"""When the dashboard repaints: never per step. Numbers at most every `numbers_every` seconds (a
timer looks whether anything changed), charts at most every `charts_every` seconds (a chart is the
costly part of a repaint), and the queue whenever its labels changed (other windows change it too)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

NUMBERS_EVERY_SECONDS = 0.5
CHARTS_EVERY_SECONDS = 2.0


@dataclass
class RepaintClock:
    numbers_every: float = NUMBERS_EVERY_SECONDS
    charts_every: float = CHARTS_EVERY_SECONDS
    dirty: bool = False
    """Numbers changed since the last repaint (steps taken from the bridge)."""
    charts_stale: bool = False
    """The charts miss points that arrived since they were drawn."""
    charts_due: float = 0.0
    """When (time.monotonic) the charts may be drawn again."""
    shown_queue: list[str] = field(default_factory=list)
    """The queue's labels as last shown."""

    def changed(self, charts_too: bool = True) -> None:
        self.dirty = True
        self.charts_stale = self.charts_stale or charts_too

    def due(self, queue: list[str]) -> bool:
        """Whether the timer's tick repaints: numbers changed, the queue changed, or stale charts are due."""
        return self.dirty or queue != self.shown_queue or (self.charts_stale and time.monotonic() >= self.charts_due)

    def painting(self, queue: list[str], charts: bool) -> bool:
        """A repaint starts now (its numbers and `queue`); returns whether it draws the charts: when
        asked, or when they are due."""
        self.dirty = False
        self.shown_queue = queue
        now = time.monotonic()
        if charts or now >= self.charts_due:
            self.charts_due, self.charts_stale = now + self.charts_every, False
            return True
        return False
