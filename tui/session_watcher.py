"""The window's hold on its session, owned by the app and driven by its worker thread.

A window never trains. New runs and resumptions of the session's runs go to the session's queue
on disk the moment they are asked for (`add`, on the UI thread): one queue, which every window
shows and the session's queue runner starts one by one, app or no app. The window follows each run
of the session through its folder as it starts (a resumption: when its folder comes alive again);
a run of another session (`attach`, or a resume from another session) is followed directly. Keys reach a run the way `sst2-tui ctl`
does: appended to its control file. Messages go up to the app (`post`); the app reads `waiting()`
and calls `send`, `leave` and `stop` down.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from textual.message import Message

from sst2_tui.core.config import RunConfig
from sst2_tui.core.controls import STOP, Command
from sst2_tui.core.errors import EXIT_BAD_INPUT, UserError
from sst2_tui.core.run.launch import Following, watch_run
from sst2_tui.core.run.launcher import Launcher
from sst2_tui.core.run.runner import RunOutcome
from sst2_tui.core.storage.control_file import append_command
from sst2_tui.core.storage.files import read_events
from sst2_tui.core.storage.queue_file import NewRun, Resume, SessionQueue, Unreadable
from sst2_tui.core.storage.sessions import RunFolder, Session
from sst2_tui.core.storage.sweep_file import UntilResolved, is_sweep
from sst2_tui.core.summary import Status, Summary
from sst2_tui.core.sweep.work import has_work_left
from sst2_tui.tui.bridge import EventBridge
from sst2_tui.tui.messages import RunEnded, RunStarting, SweepEnded
from sst2_tui.tui.run_queue import Attachment, Queued, Resumption, RunQueue, Waiting, queue_label

SESSION_POLL_SECONDS = 0.25  # how often a window looks for its session's next run


class SessionWatcher:
    def __init__(self, sessions_dir: Path, session_name: str | None, launcher: Launcher, bridge: EventBridge,
                 post: Callable[[Message], object]) -> None:
        self.sessions_dir = sessions_dir
        self.session_name = session_name
        self.launcher = launcher
        self.bridge = bridge
        """Takes the followed run's events to the app, throttled."""
        self.post = post
        self.queue = RunQueue()
        """Runs of another session this window was asked to follow (an attachment, or a resumption
        the launcher starts), until the worker takes them."""
        self.session: Session | None = None
        self.following: Following | None = None
        self.quitting = False
        self._runs_before: set[Path] = set()
        self._resuming: dict[Path, tuple[Resumption, int]] = {}
        """Resumptions queued on disk: the run, and where its log ended when it was queued."""
        self._verdict_said: tuple[Path, int] | None = None
        self._followed: set[Path] = set()
        """Runs this window has followed: a later `watch` (new runs queued after an idle spell) must
        not follow them again."""

    # -- the worker thread ---------------------------------------------------------------------------
    def watch(self) -> None:
        """Hand queued items on and follow the session's runs until nothing is left to follow."""
        followed = self._followed
        while not self.quitting:
            item = self.queue.take()
            if isinstance(item, Attachment | Resumption):  # new runs went to the session's queue on disk
                followed.add(item.folder.path)
                self._follow(item)
                continue
            resumed = self._resumed_run()
            if resumed is not None:
                self._follow(*resumed)
                continue
            folder = self._next_run(followed)
            if folder is not None:
                followed.add(folder.path)
                self._follow(Attachment.of(folder))
            elif not self._session_busy():
                self._say_the_verdict()
                return
            else:
                time.sleep(SESSION_POLL_SECONDS)

    def _follow(self, item: Attachment | Resumption, started_at: int | None = None) -> None:
        """Follow one run to its end; a resumption the queue runner started is followed from
        `started_at` (where its log ended when it was queued)."""
        following = Following(item.folder)
        history, offset = [], 0
        try:
            if started_at is not None:
                history, offset = read_events(item.folder.events_path, upto=started_at).events, started_at
                following.pid = item.folder.holder_pid()
            elif isinstance(item, Resumption):
                self._adopt(Session.open(item.session_dir))  # the window's session now, when it had none
                history = read_events(item.folder.events_path).events
                offset = item.folder.events_path.stat().st_size if item.folder.events_path.exists() else 0
                following.pid = self.launcher.resume(item.folder)
            else:
                self._adopt(Session.open(item.folder.path.parent.parent))
                following.pid = item.folder.holder_pid()
        except (UserError, OSError) as error:
            # the run could not be resumed (refused, its session gone or locked): said in the app
            self.post(RunStarting(item.config, following, history, self.bridge.start_run()))
            self.post(RunEnded(item.config, RunOutcome(Summary(run_id=item.folder.run_id, status=Status.FAILED), EXIT_BAD_INPUT, str(error),
                                                       "Fix what the message names, then start the run again."), item.folder))
            return
        self.following = following
        self.post(RunStarting(item.config, following, history, self.bridge.start_run(),
                              config_known=not isinstance(item, Attachment) or item.config_known))
        outcome = watch_run(following, self.bridge, offset)
        self.bridge.flush()
        self.post(RunEnded(item.config, outcome, item.folder))
        self.following = None

    def _say_the_verdict(self) -> None:
        """A sweep that has just ended: its verdict goes to the app's log, once per set of finished runs
        (a window that goes idle again, with nothing new, does not say it twice)."""
        if self.session is None or not is_sweep(self.session.path):
            return
        from sst2_tui.core.report.sweep_verdict import sweep_verdict

        verdict = sweep_verdict(self.session)
        said = (self.session.path, verdict.runs_finished)
        if said != self._verdict_said and verdict.runs:
            self._verdict_said = said
            self.post(SweepEnded(self.session.path.name, verdict.closing_lines()))

    def _adopt(self, session: Session) -> None:
        if self.session is None:  # r, x and t speak of it
            self.session = session
            self._runs_before = {f.path for f in session.run_folders()}

    def _resumed_run(self) -> tuple[Resumption, int] | None:
        """A queued resumption whose run has started again (its folder is live, or its log grew);
        one the queue runner dropped (refused) is forgotten, and said."""
        for path, (item, offset) in list(self._resuming.items()):
            size = item.folder.events_path.stat().st_size if item.folder.events_path.exists() else 0
            if item.folder.is_live() or size > offset:
                del self._resuming[path]
                return item, offset
            queued = self.session is not None and any(isinstance(e, Resume) and e.run_dir == path
                                                      for e in SessionQueue(self.session.path).entries())
            if not queued and not self.launcher.queue_is_live(item.session_dir):
                del self._resuming[path]
                self.post(RunStarting(item.config, Following(item.folder), [], self.bridge.start_run()))
                self.post(RunEnded(item.config, RunOutcome(Summary(run_id=item.folder.run_id, status=Status.FAILED), EXIT_BAD_INPUT,
                                                           f"the resume of {item.folder.run_id} did not start",
                                                           f"Its reason is in {item.session_dir / 'queue-runner.log'}."),
                                   item.folder))
        return None

    def _session_for_new_runs(self) -> Session:
        if self.session is None:
            self._adopt(Session.create(self.sessions_dir, self.session_name, label="app"))
        assert self.session is not None
        return self.session

    def _next_run(self, followed: set[Path]) -> RunFolder | None:
        """The oldest run of this session that started after the window began watching it."""
        if self.session is None:
            return None
        fresh = [f for f in self.session.run_folders() if f.path not in followed and f.path not in self._runs_before]
        return fresh[0] if fresh else None

    def _session_busy(self) -> bool:
        if self.session is None:
            return False
        path = self.session.path
        waiting = bool(SessionQueue(path).entries())
        if waiting and not self.launcher.queue_is_live(path):
            self.launcher.start_queue(path)  # its runner died (kill -9): without one the queue would stall
        # the session's answer (core/sweep/work), and what this window still waits for; the launcher's
        # own runner counts too (the tests' in-thread launcher starts runs without a runner process)
        return bool(self._resuming) or self.launcher.queue_is_live(path) or has_work_left(path)

    # -- the UI thread ---------------------------------------------------------------------------------
    def add(self, *items: Queued) -> None:
        """New runs and resumptions of this session's runs go to the session's queue on disk now;
        a run of another session waits here for the worker to follow it."""
        for item in items:
            if isinstance(item, RunConfig):
                SessionQueue(self._session_for_new_runs().path).add(NewRun(item))
            elif isinstance(item, Resumption) and (self.session is None or self.session.path == item.session_dir):
                self._adopt(Session.open(item.session_dir))
                events = item.folder.events_path
                self._resuming[item.folder.path] = (item, events.stat().st_size if events.exists() else 0)
                SessionQueue(item.session_dir).add(Resume(item.folder.path))
            else:
                self.queue.add(item)
        # the worker starts the session's queue runner when none runs (`_session_busy`): a process
        # to spawn, never on the UI thread

    def add_sweep(self, points: list[RunConfig], until_resolved: bool = False, margin: float | None = None) -> Session:
        """A sweep's session of its own, its points queued there; it becomes the window's session
        (a run followed now trains on, in its own session). After the grid, each method given several
        settings trains its chosen one on as many fresh seeds as the grid has, where methods are compared
        (as `sweep` does)."""
        from sst2_tui.core.sweep.confirmation import default_confirm_seeds
        from sst2_tui.core.sweep.start import create_sweep

        seeds = len({config.sweep.seed for config in points if config.sweep is not None})
        methods = len({config.method for config in points})
        rounds = UntilResolved() if until_resolved else None  # it decides its own rounds and confirmation seeds
        session = create_sweep(self.sessions_dir, None, points, 1, confirm_seeds=default_confirm_seeds(seeds, methods, until_resolved),
                               until_resolved=rounds, margin=margin)
        self.session, self._runs_before = session, set()
        return session

    def watch_existing(self, session_path: Path) -> None:
        """Make an existing session the window's: it follows the runs that start there from now on."""
        self._adopt(Session.open(session_path))

    def follow_instead(self, item: Attachment) -> None:
        """Let go of the followed run (it trains on) and follow this one (a sweep's running point)."""
        self.queue.add(item)
        if self.following is not None:
            self.following.leave.set()

    def has_work(self) -> bool:
        """Something to follow now or soon: a run of another session, a queued resumption, or runs
        waiting in the session's queue."""
        return bool(len(self.queue)) or bool(self._resuming) or (
            self.session is not None and bool(SessionQueue(self.session.path).entries()))

    def send(self, *commands: Command) -> bool:
        """Append commands to the followed run's control file (as `ctl` does); False if none is followed."""
        following = self.following
        if following is None:
            return False
        for command in commands:
            append_command(following.folder.control_path, command, "app")
        return True

    def leave(self) -> None:
        """The window closes: nothing more is handed on; the followed run trains on."""
        self.quitting = True
        self.queue.clear()
        if self.following is not None:
            self.following.leave.set()

    def stop(self, empty_queue: bool = False) -> None:
        """Stop the followed run gracefully; with `empty_queue`, the session's queued runs never start
        (else its queue runner starts them, window or not)."""
        self.quitting = True
        self.queue.clear()
        self.send(STOP)
        if empty_queue and self.session is not None:
            SessionQueue(self.session.path).clear()

    def waiting(self) -> list[Waiting]:
        """What waits to start: here, and in the session's queue on disk (shared by every window)."""
        waiting = [Waiting(queue_label(item), item=item) for item in self.queue.snapshot()]
        if self.session is not None:
            for entry in SessionQueue(self.session.path).items():
                waiting.append(Waiting(disk_label(entry), disk_id=entry.id))
        return waiting

    def remove_waiting(self, waiting: Waiting) -> bool:
        """Take one item out of the queue; False when it has started (or gone) meanwhile."""
        if waiting.disk_id is not None:
            return self.session is not None and SessionQueue(self.session.path).remove(waiting.disk_id)
        return waiting.item is not None and self.queue.remove(waiting.item)


def disk_label(entry: NewRun | Resume | Unreadable) -> str:
    if isinstance(entry, Resume):
        return f"{'restart' if entry.from_scratch else 'resume'} {entry.run_dir.name}"
    if isinstance(entry, Unreadable):
        return f"{entry.id} (unreadable: the queue runner will skip it)"
    return queue_label(entry.config)
