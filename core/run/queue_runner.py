"""A session's queue runner: one detached process per session that starts the queued runs one
after the other, whether or not any app is open. Each run is its own `sst2-tui run` process.

It holds `.queue-runner.lock` in the session while it lives (so there is never a second one),
waits while a run of the session is live (a run holds the session's write lock), takes the next
item from `queue.json`, runs it, and exits when the queue is empty.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from sst2_tui.core.config import RunConfig, run_argv
from sst2_tui.core.run.needs_you import payload, run_hook
from sst2_tui.core.run.self_command import sst2_command
from sst2_tui.core.storage.locks import held
from sst2_tui.core.storage.queue_file import RUNNER_LOCK, SessionQueue
from sst2_tui.core.storage.sessions import Session, lock_is_held
from sst2_tui.core.storage.validated import read_config

LOCK_NAME = RUNNER_LOCK
LOG_NAME = "queue-runner.log"
WAIT_SECONDS = 0.5


def runner_is_live(session_path: Path) -> bool:
    return lock_is_held(session_path / LOCK_NAME)


def ensure_queue_runner(session_path: Path) -> None:
    """Start the session's queue runner, detached, unless one is already running."""
    if runner_is_live(session_path):
        return
    log = os.open(session_path / LOG_NAME, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o666)  # a log to read: the umask decides
    try:
        subprocess.Popen([*sst2_command(), "queue-runner", str(session_path)], stdin=subprocess.DEVNULL,
                         stdout=log, stderr=log, start_new_session=True)
    finally:
        os.close(log)
    deadline = time.monotonic() + 10  # until it holds its lock: a second call must not start another
    while not runner_is_live(session_path) and time.monotonic() < deadline:
        time.sleep(0.05)


def run_in_its_own_process(item: dict, session: Session) -> None:
    """How a queue runner starts each item: `sst2-tui run ...` in its own process, waited for.
    A hand-edited item that is not a run raises ValueError or TypeError. A run killed by a signal
    (kill -9, out of memory) cannot say so itself: its `--notify` hook is run from here."""
    argv = _argv(item, session)
    before = {f.path for f in session.run_folders()}
    finished = subprocess.run([*sst2_command(), *argv], stdin=subprocess.DEVNULL, check=False)
    if finished.returncode >= 0:
        return
    folder = Path(item["resume"]) if "resume" in item else next(
        (f.path for f in session.run_folders() if f.path not in before), None)
    saved, _ = read_config(folder / "config.json") if folder is not None else (None, None)
    if isinstance(saved, dict) and isinstance(saved.get("notify"), str):
        message = f"died: its process was killed (signal {-finished.returncode}); resume it from its last checkpoint"
        run_hook(saved["notify"], payload("died", message, folder, saved), folder / "notify.log")


def run_queue(session_path: Path, start: Callable[[dict, Session], None] = run_in_its_own_process) -> int:
    """Start the session's queued items one by one with `start`: users get each in its own process;
    tests pass one that runs the same `execute` on this thread with a scripted method."""
    with held(session_path / LOCK_NAME) as mine:
        if not mine:
            return 0  # another runner has this session's queue
        session, queue = Session.open(session_path), SessionQueue(session_path)
        while True:
            while session.is_being_written():  # a run of this session is live: the next one waits
                time.sleep(WAIT_SECONDS)
            item = queue.take()
            if item is None:
                return 0
            try:
                start(item, session)
            except (ValueError, TypeError, KeyError) as error:  # a hand-edited item: skipped, said in the log
                print(f"queue item {item.get('id')} skipped: {error}", flush=True)


def _argv(item: dict, session: Session) -> list[str]:
    if "resume" in item:
        return ["run", "--resume", item["resume"], "--quiet", "--attachable"]
    config = RunConfig.from_dict(item["config"])
    return ["run", *run_argv(config), "--session", session.name, "--sessions-dir", str(session.path.parent), "--quiet",
            "--attachable"]
