"""What the window puts in its session's queue, in one place: runs and sweeps from the form, a
resumption from the sessions browser or an error dialog, NaN fix 3's rerun, and a waiting run taken
out again. Each goes through the session watcher (the queue on disk) and is said to the user; the app
is told what now waits (`queued`), so it repaints, starts its worker and titles what starts next.

Attributes down, calls up: the desk holds the watcher and three callables the app gives it, never
the app itself."""

from __future__ import annotations

from collections.abc import Callable

from sst2_tui.core.config import RunConfig
from sst2_tui.core.errors import UserError
from sst2_tui.tui.form_sweep import SweepRequest
from sst2_tui.tui.run_queue import Queued, Resumption, Waiting, queue_label, rerun_of
from sst2_tui.tui.run_view import RunView
from sst2_tui.tui.session_watcher import SessionWatcher

Notify = Callable[..., None]
"""The app's `notify(text, severity=..., markup=False)`."""


class QueueDesk:
    def __init__(self, watcher: SessionWatcher, notify: Notify, notify_command: str | None,
                 queued: Callable[[str, bool], None]) -> None:
        self.watcher = watcher
        self.notify = notify
        self.notify_command = notify_command
        """`sst2-tui --notify CMD`: the hook of every run this window queues (a run's own wins)."""
        self.queued = queued
        """Called with the first queued item's label, and whether it is a sweep (which titles the window
        even after an ended run); the app repaints and starts its worker."""

    def add(self, *items: Queued) -> bool:
        """Into the session's queue on disk (or, for another session's run, to follow); a session
        that cannot be written is said, and nothing is queued."""
        if self.notify_command:
            items = tuple(item.replace(notify=item.notify or self.notify_command) if isinstance(item, RunConfig) else item
                          for item in items)
        try:
            self.watcher.add(*items)
        except (UserError, OSError) as error:
            self.notify(f"Not queued: {error}", severity="error", markup=False)
            return False
        if items:
            self.queued(queue_label(items[0]), False)
        return True

    def resume(self, item: Resumption) -> None:
        """Continue an interrupted run after what is queued now."""
        if self.add(item):
            self.notify(f"Queued: {item.label()}.", markup=False)

    def sweep(self, request: SweepRequest) -> None:
        """A sweep from the form: a session of its own, which becomes this window's."""
        points = [p.replace(notify=p.notify or self.notify_command) for p in request.points] if self.notify_command \
            else request.points
        try:
            session = self.watcher.add_sweep(points, request.until_resolved, request.margin)
        except (UserError, OSError) as error:
            self.notify(f"Sweep not started: {error}", severity="error", markup=False)
            return
        self.notify(f"Sweep of {len(points)} runs in {session.path}; g shows its grid", markup=False)
        self.queued(queue_label(points[0]), True)

    def rerun(self, view: RunView, changes: dict[str, str]) -> None:
        """NaN fix 3: the same run again with what the fix changes (e.g. --precision auto)."""
        config, said = rerun_of(view, changes)
        if config is None:
            self.notify(said, severity="error", markup=False)
        elif self.add(config):
            self.notify(said, markup=False)

    def take_out(self, chosen: Waiting | None) -> None:
        """A waiting run chosen in the queue dialog, taken out (unless it has started meanwhile)."""
        if chosen is None:
            return
        if self.watcher.remove_waiting(chosen):
            self.notify(f"Removed from the queue: {chosen.label}.", markup=False)
        else:
            self.notify(f"{chosen.label} is no longer queued (it has started).", severity="warning", markup=False)
        self.queued("", False)
