"""The app's side of runs in their own processes: new runs go to the session's queue on disk
(started one by one by its queue runner, app or no app), and the window follows each run of the
session as it appears. Mixed into `SST2App`; it uses the app's queue, session, bridge and messages."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

from core.config import RunConfig
from core.controls import RunHandle
from core.run.queue_runner import ensure_queue_runner, runner_is_live
from core.storage.files import read_events
from core.storage.queue_file import SessionQueue
from core.storage.sessions import RunFolder, Session
from core.storage.validated import read_config
from tui.messages import RunEnded, RunStarting
from tui.run_queue import Attachment, Queued, Resumption

SESSION_POLL_SECONDS = 0.25  # how often a window looks for its session's next run


def config_or_default(saved: dict) -> RunConfig:
    try:
        return RunConfig.from_dict(saved)
    except (ValueError, TypeError):
        return RunConfig()


class SessionWatching:
    def _watch_session(self) -> None:
        """Runs in their own processes: new runs go to the session's queue on disk, which its queue
        runner starts one by one whether or not an app is open; this window follows each run of
        the session as it appears (and an attached or resumed run directly)."""
        followed: set[Path] = set()
        while not self.quitting:
            item = self.queue.take()
            if isinstance(item, Attachment | Resumption):
                followed.add(item.folder.path)
                self._follow(item)
                continue
            if item is not None:
                self._session_for_new_runs()
                SessionQueue(self.session.path).add({"config": item.to_dict()})
                ensure_queue_runner(self.session.path)
                continue
            folder = self._next_run(followed)
            if folder is not None:
                followed.add(folder.path)
                saved, _ = read_config(folder.config_path)
                self._follow(Attachment(config_or_default(saved), folder))
            elif not self._session_busy():
                return
            else:
                time.sleep(SESSION_POLL_SECONDS)

    def _follow(self, item: Attachment | Resumption) -> None:
        handle = RunHandle()
        self.handle = handle
        history = read_events(item.folder.events_path).events if isinstance(item, Resumption) else []
        self.post_message(RunStarting(item.config, handle, history))
        outcome = self._start(item, handle)
        self.bridge.flush()
        self.post_message(RunEnded(item.config, outcome, handle.folder))

    def _session_for_new_runs(self) -> None:
        if self.session is None:
            self.session = Session.create(self.sessions_dir, self.session_name, label="app")
            self._runs_before = {f.path for f in self.session.run_folders()}

    def _next_run(self, followed: set[Path]) -> RunFolder | None:
        """The oldest run of this session that started after the app began watching it."""
        if self.session is None:
            return None
        before = getattr(self, "_runs_before", set())
        fresh = [f for f in self.session.run_folders() if f.path not in followed and f.path not in before]
        return fresh[0] if fresh else None

    def _session_busy(self) -> bool:
        if self.session is None:
            return False
        path = self.session.path
        return bool(SessionQueue(path).items()) or runner_is_live(path) or self.session.is_being_written()

    def _queued_items(self) -> list[Queued]:
        """What waits to start: here, and in the session's queue on disk (shared by every window)."""
        waiting: list[Queued] = self.queue.snapshot()
        if self.runs_in_processes and self.session is not None:
            for entry in SessionQueue(self.session.path).items():
                with contextlib.suppress(ValueError, TypeError):
                    waiting.append(RunConfig.from_dict(entry["config"]) if "config" in entry else entry["resume"])
        return [w for w in waiting if not isinstance(w, str)]
