"""What the footer offers, as one value: the app holds it as a reactive with `bindings=True`, so a
change refreshes the keys shown on the app and its screens, and nothing else does."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FooterState:
    """What the footer offers depends on these; a change refreshes the keys shown (app and screens)."""

    waiting: bool = False
    """Something waits in the queue: d (unqueue)."""
    steerable: bool = False
    """A run takes keys: the dashboard's steering keys."""
    has_run: bool = False
    """There is a run to ask: t (try a sentence)."""
    paused: bool = False
    """space says Resume, not Pause."""
