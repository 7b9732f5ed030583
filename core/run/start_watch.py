"""A queued run's process as its queue runner starts it: its stderr passed on to the runner's log
line by line (as when it inherited it), its last line kept, so a sweep point whose process ends
before it made a run folder is recorded with its reason (core/storage/start_failures.py)."""

from __future__ import annotations

import subprocess
import sys
import threading

from sst2_tui.core.storage.queue_file import NewRun, QueueEntry
from sst2_tui.core.storage.sessions import Session
from sst2_tui.core.storage.start_failures import StartFailure, record_start_failure
from sst2_tui.core.storage.validated import read_config
from sst2_tui.core.sweep_label import sweep_label


class StderrTail:
    """Reads a child's stderr on a thread of its own (so the child never blocks on a full pipe)."""

    def __init__(self, process: subprocess.Popen) -> None:
        self.last = ""
        self._thread = threading.Thread(target=self._pump, args=(process,), daemon=True, name="sst2-tui-stderr")
        self._thread.start()

    def _pump(self, process: subprocess.Popen) -> None:
        assert process.stderr is not None
        for raw in iter(process.stderr.readline, b""):
            text = raw.decode("utf-8", "replace")
            sys.stderr.write(text)
            sys.stderr.flush()
            if text.strip():
                self.last = text.strip()

    def wait(self) -> str:
        """The last non-empty line, once the child's stderr is closed."""
        self._thread.join(timeout=10)
        return self.last


def start_watched(argv: list[str], env: dict[str, str] | None = None) -> tuple[subprocess.Popen, StderrTail]:
    process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    return process, StderrTail(process)


def note_if_never_started(entry: QueueEntry, session: Session, returncode: int, tail: StderrTail) -> None:
    """A sweep point whose process failed before any run folder of that point exists: recorded."""
    if returncode == 0 or not isinstance(entry, NewRun):
        return
    label = sweep_label(entry.config)
    if label is None:
        return
    for folder in session.run_folders():
        saved, _ = read_config(folder.path / "config.json")
        found = sweep_label(saved) if saved is not None else None
        if found is not None and found.point == label.point:
            return  # it made its folder: the run tells how it ended
    record_start_failure(session.path, StartFailure(label.point, returncode, tail.wait()))
