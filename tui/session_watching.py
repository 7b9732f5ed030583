"""The app's side of runs in their own processes: new runs go to the session's queue on disk
(started one by one by its queue runner, app or no app), and the window follows each run of the
session as it appears. Mixed into `SST2App`; it uses the app's queue, session, bridge and messages."""

from __future__ import annotations

import time
from pathlib import Path

from sst2_tui.core.config import RunConfig
from sst2_tui.core.controls import RunHandle
from sst2_tui.core.run.queue_runner import ensure_queue_runner, runner_is_live
from sst2_tui.core.storage.files import read_events
from sst2_tui.core.storage.queue_file import SessionQueue
from sst2_tui.core.storage.sessions import RunFolder, Session
from sst2_tui.core.storage.validated import read_config
from sst2_tui.tui.messages import RunEnded, RunStarting
from sst2_tui.tui.run_queue import Attachment, Resumption, Waiting, queue_label

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
        self.post_message(RunStarting(item.config, handle, history, self.bridge.start_run()))
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
        waiting = bool(SessionQueue(path).items())
        if waiting and not runner_is_live(path):
            ensure_queue_runner(path)  # its runner died (kill -9): without one the queue would stall
        return waiting or runner_is_live(path) or self.session.is_being_written()

    def _waiting(self) -> list[Waiting]:
        """What waits to start: here, and in the session's queue on disk (shared by every window)."""
        waiting = [Waiting(queue_label(item), item=item) for item in self.queue.snapshot()]
        if self.runs_in_processes and self.session is not None:
            for entry in SessionQueue(self.session.path).items():
                waiting.append(Waiting(disk_label(entry), disk_id=entry["id"]))
        return waiting

    def remove_waiting(self, waiting: Waiting) -> bool:
        """Take one item out of the queue; False when it has started (or gone) meanwhile."""
        if waiting.disk_id is not None:
            return self.session is not None and SessionQueue(self.session.path).remove(waiting.disk_id)
        return waiting.item is not None and self.queue.remove(waiting.item)


def disk_label(entry: dict) -> str:
    if "resume" in entry:
        return f"resume {Path(entry['resume']).name}"
    try:
        return queue_label(RunConfig.from_dict(entry["config"]))
    except (ValueError, TypeError):
        return f"{entry['id']} (unreadable: the queue runner will skip it)"
