"""The app's launcher in tests: the session's real queue runner and the real `execute`, on threads
of the test process instead of detached processes, pulling a scripted method (or the real ones).
The app cannot tell: it follows run folders and appends to control files exactly as for users.

Every launcher made in a test is closed after it (tests/conftest.py): its runs are stopped
through their control files, a held fake engine is released, and its threads are joined.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import ClassVar

from sst2_tui.core.controls import STOP, RunHandle
from sst2_tui.core.methods import MethodFn
from sst2_tui.core.run.queue_runner import run_queue, runner_is_live
from sst2_tui.core.run.resume import plan_resume
from sst2_tui.core.run.runner import execute
from sst2_tui.core.storage.control_file import append_command
from sst2_tui.core.storage.queue_file import QueueEntry, Resume
from sst2_tui.core.storage.sessions import RunFolder, Session

STARTS_WITHIN_SECONDS = 10


class ThreadLauncher:
    made: ClassVar[list[ThreadLauncher]] = []

    def __init__(self, method: MethodFn | None = None) -> None:
        self.method = method
        """The generator every run pulls (a FakeEngine); None: the real method the config names."""
        self.threads: list[threading.Thread] = []
        self.folders: list[RunFolder] = []
        ThreadLauncher.made.append(self)

    def start_queue(self, session_path: Path) -> None:
        if runner_is_live(session_path):
            return
        thread = self._thread(lambda: run_queue(session_path, self._start_item))
        while not runner_is_live(session_path) and thread.is_alive():
            thread.join(0.01)

    def queue_is_live(self, session_path: Path) -> bool:
        return runner_is_live(session_path)

    def resume(self, folder: RunFolder) -> int | None:
        plan = plan_resume(folder.path)
        locked, failed = threading.Event(), []

        def run() -> None:
            try:
                execute(plan.config, Session.open(folder.path.parent.parent), self._handle(locked), resume=folder,
                        method=self.method)
            except Exception as error:  # noqa: BLE001 - handed to the caller, as a refused resume is
                failed.append(error)
                locked.set()

        self._thread(run)
        locked.wait(STARTS_WITHIN_SECONDS)
        if failed:
            raise failed[0]
        return None

    def _start_item(self, entry: QueueEntry, session: Session) -> None:
        if isinstance(entry, Resume):
            folder = RunFolder(entry.run_dir)
            execute(plan_resume(folder.path).config, session, self._handle(), resume=folder, method=self.method,
                    from_scratch=entry.from_scratch)
        else:
            execute(entry.config, session, self._handle(), method=self.method)

    def _handle(self, locked: threading.Event | None = None) -> RunHandle:
        def on_folder(folder: RunFolder) -> None:
            self.folders.append(folder)
            if locked is not None:
                locked.set()

        return RunHandle(on_folder=on_folder)

    def _thread(self, target) -> threading.Thread:
        thread = threading.Thread(target=target, name="test-launcher", daemon=True)
        self.threads.append(thread)
        thread.start()
        return thread

    def close(self) -> None:
        """Stop what still trains (its runs end as stopped), then wait for the threads."""
        for folder in self.folders:
            if folder.is_live():
                append_command(folder.control_path, STOP, "test")
        release = getattr(self.method, "release", None)
        if release is not None:
            release()
        for thread in self.threads:
            thread.join(30)
