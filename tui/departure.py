"""Leaving the window, by any way (q, Ctrl-C, a signal, the app's end): what becomes of the run it
follows and of the session's queue, kept for what `launch` says once the window has closed."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sst2_tui.tui.run_view import RunView
from sst2_tui.tui.session_watcher import SessionWatcher


@dataclass
class Departure:
    left_running: list[tuple[RunView, Path]] = field(default_factory=list)
    """The runs this window left training in their own processes, and their folders."""
    stopped: tuple[RunView, Path] | None = None
    """The run this window stopped on its way out (s or e in the quit dialog), and its folder."""
    dropped: list[str] = field(default_factory=list)
    """What the emptied queue held (e in the quit dialog), one label each."""

    def go(self, watcher: SessionWatcher, current: RunView | None, how: str = "leave") -> None:
        """No new runs start from this window, and the followed run is left training in its own
        process (`leave`) or stopped gracefully (`stop`: a paused run is woken by it; the session's
        queue goes on; `stop_all`: the queue is emptied too)."""
        watcher.quitting = True
        following = watcher.following
        active = following is not None and current is not None and current.active
        if how == "leave":
            if active and all(view is not current for view, _ in self.left_running):
                self.left_running.append((current, following.folder.path))  # type: ignore[arg-type, union-attr]
            watcher.leave()
            return
        if active:
            self.stopped = (current, following.folder.path)  # type: ignore[assignment, union-attr]
        if how == "stop_all":
            self.dropped = [w.label for w in watcher.waiting()]
        watcher.stop(empty_queue=how == "stop_all")
