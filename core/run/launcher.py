"""Who starts a window's runs. A window (the app) never runs training itself: it puts new runs in
its session's queue on disk and follows run folders. The `Launcher` it is given starts the things
that train: the session's queue runner, and the resumption of an interrupted run.

`DetachedLauncher` is what users get: each is its own detached process, so closing the window (or
losing the SSH connection) never stops a run. Tests give the app a launcher that runs the same
queue runner and the same `execute` on threads, with a scripted method: the app still follows a
folder exactly as it does for users.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from sst2_tui.core.storage.sessions import RunFolder


class Launcher(Protocol):
    def start_queue(self, session_path: Path) -> None:
        """Start the session's queue runner unless one runs; return once it holds its lock."""

    def queue_is_live(self, session_path: Path) -> bool:
        """Whether the session's queue runner is alive."""

    def resume(self, folder: RunFolder) -> int | None:
        """Continue an interrupted run in its own folder; return (its pid, if known) once it holds
        the folder's lock. A refused resume raises UserError with its one line."""


class DetachedLauncher:
    """Every run its own detached `sst2-tui` process (no controlling terminal)."""

    def start_queue(self, session_path: Path) -> None:
        from sst2_tui.core.run.queue_runner import ensure_queue_runner

        ensure_queue_runner(session_path)

    def queue_is_live(self, session_path: Path) -> bool:
        from sst2_tui.core.run.queue_runner import runner_is_live

        return runner_is_live(session_path)

    def resume(self, folder: RunFolder) -> int | None:
        from sst2_tui.core.run.launch import start_detached

        return start_detached(["run", "--resume", str(folder.path), "--quiet"]).pid
