"""A run as its own process, and a window onto it.

`start_detached` launches `sst2-tui run ...` in a new session (no controlling terminal: a dropped
SSH connection or a closed app never signals it) and returns where it runs once the child holds
its run folder. `follow` watches a run through its folder only: new lines of `events.jsonl` are
read from where it stopped (a torn last line waits for its newline), and the run's lock says
whether its process is alive. Whoever steers the run appends to its control file
(`storage.control_file.append_command`), the app's keys exactly as `sst2-tui ctl`.
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sst2_tui.core.errors import EXIT_FAILED, EXIT_OK, UserError
from sst2_tui.core.events import Event, RunFailed, RunFinished, event_from_json
from sst2_tui.core.run.runner import RunOutcome
from sst2_tui.core.run.self_command import sst2_command
from sst2_tui.core.run.terminal import redirect_output_to
from sst2_tui.core.storage.sessions import RunFolder
from sst2_tui.core.storage.validated import read_summary
from sst2_tui.core.summary import Status, Summary
from sst2_tui.core.text.json_text import parse_json

ANNOUNCE_ENV = "SST2_TUI_ANNOUNCE_RUN"
LOG_NAME = "run.log"
POLL_SECONDS = 0.25  # a window need not be faster than the eye; each poll is a stat and a read
DIED_AFTER_SECONDS = 1.0  # the lock is gone and no end event came within this: the process died


@dataclass(frozen=True)
class Launched:
    run_dir: Path
    session_dir: Path
    pid: int


def start_detached(argv: list[str], env: dict[str, str] | None = None) -> Launched:
    """`sst2-tui` with `argv`, detached; returns once its run folder exists and is locked. A run
    that fails before that (bad data, a locked session) raises UserError with its one line. `env`:
    more environment for it."""
    process = subprocess.Popen([*sst2_command(), *argv, "--attachable"], stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                               env={**os.environ, **(env or {}), ANNOUNCE_ENV: "1"}, text=True)
    assert process.stdout is not None  # stdout=PIPE
    line = process.stdout.readline()
    if not line.strip():
        _, err = process.communicate()
        lines = [x for x in err.strip().splitlines() if x.strip()]
        raise UserError(lines[-1].removeprefix("sst2-tui run: ").removeprefix("sst2-tui: ") if lines
                        else f"the run's process ended at once (exit {process.returncode})")
    where = parse_json(line)
    return Launched(Path(where["run_dir"]), Path(where["session_dir"]), int(where["pid"]))


def announce_and_leave_the_terminal(folder: RunFolder, session_path: Path) -> None:
    """In a detached child, once its run folder is locked: tell the parent where, then write
    everything else to the run's log. Only the first run of a `--seeds` series announces."""
    if not os.environ.pop(ANNOUNCE_ENV, None):
        return
    print(json.dumps({"run_dir": str(folder.path), "session_dir": str(session_path), "pid": os.getpid()}), flush=True)
    redirect_output_to(folder.path / LOG_NAME)


class EventFollower:
    """New events of a run's log since the last call, read incrementally (never re-parsed)."""

    def __init__(self, path: Path, offset: int = 0) -> None:
        self.path, self.offset, self._pending = path, offset, b""

    def poll(self) -> list[Event]:
        try:
            with self.path.open("rb") as handle:
                handle.seek(self.offset)
                chunk = handle.read()
        except OSError:
            return []
        self.offset += len(chunk)
        *lines, self._pending = (self._pending + chunk).split(b"\n")
        events = []
        for line in lines:
            try:
                events.append(event_from_json(line.decode("utf-8")))
            except (UnicodeDecodeError, ValueError, TypeError):
                continue  # a bad line is the log's problem to report, not the window's
        return events


@dataclass
class Following:
    """A window's hold on a run it follows: the run's folder, and `leave`, set when the window lets
    go (it closes; the run goes on)."""

    folder: RunFolder
    leave: threading.Event = field(default_factory=threading.Event)
    pid: int | None = None


def watch_run(following: Following, on_event: Callable[[Event], None] | None = None, offset: int = 0) -> RunOutcome:
    """Watch a run from `offset` in its log until it ends, dies, or the window lets go."""
    folder, pid = following.folder, following.pid
    follower = EventFollower(folder.events_path, offset)
    ended: Event | None = None
    lock_gone_at: float | None = None
    while ended is None:
        for event in follower.poll():
            if on_event is not None:
                on_event(event)
            if isinstance(event, RunFinished | RunFailed):
                ended = event
        if ended is not None or following.leave.is_set():
            break
        if folder.is_live():
            lock_gone_at = None
        elif lock_gone_at is None:
            lock_gone_at = time.monotonic()
        elif time.monotonic() - lock_gone_at > DIED_AFTER_SECONDS:
            return _died(folder, pid)
        time.sleep(POLL_SECONDS)
    if ended is None:
        return RunOutcome(Summary(run_id=folder.run_id, run_dir=str(folder.path), status=Status.LIVE), EXIT_OK)
    return _ended(folder, ended)


def _ended(folder: RunFolder, event: Event) -> RunOutcome:
    # The summary is written after the last event and before the run lets go of its lock (a
    # resumed run's folder still holds the previous one until then).
    deadline = time.monotonic() + 10
    while folder.is_live() and time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
    summary, _ = read_summary(folder.summary_path)
    if isinstance(event, RunFailed):
        summary = summary or Summary(run_id=folder.run_id, status=Status.FAILED)
        return RunOutcome(summary, EXIT_FAILED, event.error, event.hint)
    summary = summary or typing.cast(RunFinished, event).summary
    return RunOutcome(summary, summary.status.exit_code)


def _died(folder: RunFolder, pid: int | None) -> RunOutcome:
    who = f" (pid {pid})" if pid else ""
    return RunOutcome(Summary(run_id=folder.run_id, run_dir=str(folder.path), status=Status.DIED), EXIT_FAILED,
                      f"the run's process{who} ended without finishing: killed, out of memory, or a reboot",
                      "Resume it from its last checkpoint: b, open the session, u on the run.")


def live_runs(path: Path) -> list[RunFolder]:
    """Live runs under a run folder, a session folder, or a sessions folder; newest first."""
    if (path / "events.jsonl").is_file():
        candidates = [path]
    elif (path / "runs").is_dir():
        candidates = sorted((path / "runs").iterdir())
    else:
        candidates = sorted(path.glob("*/runs/*")) if path.is_dir() else []
    live = [RunFolder(p) for p in candidates if p.is_dir() and RunFolder(p).is_live()]
    return sorted(live, key=lambda f: f.events_path.stat().st_mtime if f.events_path.exists() else 0, reverse=True)


def describe_launch(launched: Launched) -> dict[str, Any]:  # printed as JSON
    return {"run_dir": str(launched.run_dir), "session_dir": str(launched.session_dir), "pid": launched.pid}
