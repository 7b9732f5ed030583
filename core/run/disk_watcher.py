"""The runner's side of a full disk: keep what the event log could not take, and resume the run
once there is room again.

While the disk is full the run is paused (no steps, so no new files), the events that could not
be written wait here in order, and a thread checks the free space every few seconds. When enough
is free it writes the waiting events and sends `resume` (source "disk_full"); the user may
resume earlier to retry at once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from sst2_tui.core.controls import Command, ControlChannel
from sst2_tui.core.events import CommandKind, DiskFull, Event
from sst2_tui.core.storage.disk_space import MB, DiskFullError, disk_full_event, free_bytes
from sst2_tui.core.storage.files import EventLog

POLL_SECONDS = 3.0


class DiskWatcher:
    def __init__(self, log: EventLog, controls: ControlChannel, notify: Callable[[Event], None],
                 poll_seconds: float | None = None) -> None:
        self.log = log
        self.controls = controls
        self.notify = notify
        self.poll_seconds = poll_seconds or POLL_SECONDS
        self.backlog: list[tuple[Event, bool]] = []
        self.step = 0
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._thread: threading.Thread | None = None
        self._needed: dict[Path, int] = {}

    def write(self, event: Event, durable: bool) -> None:
        """Append to the log, or queue behind what is already waiting (order is kept)."""
        self.step = getattr(event, "step", None) or self.step
        with self._lock:
            if self.backlog:
                self.backlog.append((event, durable))
                return
            try:
                self.log.append(event, durable=durable)
                return
            except DiskFullError as error:
                full = disk_full_event(self.step, error, "events")
                self.backlog += [(event, durable), (full, True)]
                self._needed[error.path.parent] = error.needed_bytes
        self.notify(full)
        self.controls.send(Command(CommandKind.PAUSE, source="disk_full"))
        self._start()

    def watch(self, event: DiskFull) -> None:
        """A method reported a full disk (a checkpoint): resume it once the space it needs is free."""
        with self._lock:
            self._needed[Path(event.path).parent] = int(event.needed_mb * MB)
        self._start()

    def _start(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="disk-watcher", daemon=True)
            self._thread.start()

    def _room(self) -> bool:
        with self._lock:
            needed = dict(self._needed)
        return all(free_bytes(path) >= bytes_ for path, bytes_ in needed.items())

    def flush(self) -> bool:
        """Write what is waiting; True when nothing is left."""
        with self._lock:
            while self.backlog:
                event, durable = self.backlog[0]
                try:
                    self.log.append(event, durable=durable)
                except DiskFullError:
                    return False
                self.backlog.pop(0)
            return True

    def _run(self) -> None:
        while not self._done.wait(self.poll_seconds):
            if not self._room() or not self.flush():
                continue
            with self._lock:
                self._needed.clear()
            self.controls.send(Command(CommandKind.RESUME, source="disk_full"))
            return

    def close(self) -> None:
        self._done.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.flush()
