"""A queued run's process as its queue runner starts it: its stderr goes to a file of its own in the
session, passed on to the runner's log once the run ends with its last line kept, so a sweep point
whose process ends before it made a run folder is recorded with its reason
(core/storage/start_failures.py).

A file, not a pipe: the run must outlive its runner (kill -9 of a queue runner leaves its runs
training), and a run writing a warning into a pipe whose reader is gone would get a broken pipe.
A runner killed mid-run leaves the file behind (`.run-stderr-*.log`): the only copy of what the run
said there."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

from sst2_tui.core.storage.own_files import open_own, read_plain
from sst2_tui.core.storage.queue_file import NewRun, QueueEntry
from sst2_tui.core.storage.sessions import Session
from sst2_tui.core.storage.start_failures import StartFailure, record_start_failure
from sst2_tui.core.storage.validated import read_config
from sst2_tui.core.sweep_label import sweep_label

KEPT_BYTES = 1 << 20
"""At most this much of a run's stderr is passed on to the runner's log (its end)."""


class StderrTail:
    """A started run's stderr file: `finish` passes it on to our stderr, removes it, and keeps its last line."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.last = ""
        self._finished = False

    def finish(self) -> str:
        """The last non-empty line (once the run has ended); its text goes to the runner's log."""
        if self._finished:
            return self.last
        self._finished = True
        try:
            size = self.path.stat().st_size
            data = read_plain(self.path)[-KEPT_BYTES:] if size else b""
            self.path.unlink()
        except OSError:
            return self.last
        text = data.decode("utf-8", "replace")
        if text:
            sys.stderr.write(text if text.endswith("\n") else text + "\n")
            sys.stderr.flush()
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        self.last = lines[-1] if lines else ""
        return self.last


def start_watched(argv: list[str], session_path: Path, env: dict[str, str] | None = None) -> tuple[subprocess.Popen, StderrTail]:
    path = session_path / f".run-stderr-{uuid.uuid4().hex[:12]}.log"
    descriptor = open_own(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stderr=descriptor, env=env)
    finally:
        os.close(descriptor)
    return process, StderrTail(path)


def note_if_never_started(entry: QueueEntry, session: Session, returncode: int, tail: StderrTail) -> None:
    """Passes the run's stderr on; a sweep point whose process failed before any run folder of that
    point exists is recorded, with its last line."""
    last = tail.finish()
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
    record_start_failure(session.path, StartFailure(label.point, returncode, last))
