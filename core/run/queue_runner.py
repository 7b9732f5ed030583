"""A session's queue runner: one detached process per session that starts the queued runs one
after the other, whether or not any app is open. Each run is its own `sst2-tui run` process.

It holds `.queue-runner.lock` in the session while it lives (so there is never a second one),
waits while a run of the session is live (a run holds the session's write lock), takes the next
item from `queue.json`, runs it, and exits when the queue is empty.

A sweep's session (`sweep.json` says how many slots) is scheduled with N slots instead: the runner
holds the session's write lock itself, for the whole sweep, and keeps up to N runs going at once,
each told that its session is held for it (`SCHEDULED_ENV`). On a GPU box each slot is one GPU
(`CUDA_VISIBLE_DEVICES`); on a CPU the slots share the cores (`OMP_NUM_THREADS`, divided).
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from sst2_tui.core.run.needs_you import payload, run_hook
from sst2_tui.core.run.self_command import sst2_command
from sst2_tui.core.run.start_watch import StderrTail, note_if_never_started, start_watched
from sst2_tui.core.storage.locks import held
from sst2_tui.core.storage.own_files import open_own
from sst2_tui.core.storage.queue_file import RUNNER_LOCK, QueueEntry, Resume, SessionQueue, Taken
from sst2_tui.core.storage.sessions import Session, lock_is_held
from sst2_tui.core.storage.validated import read_config
from sst2_tui.core.summary import Status

LOCK_NAME = RUNNER_LOCK
LOG_NAME = "queue-runner.log"
WAIT_SECONDS = 0.5


def runner_is_live(session_path: Path) -> bool:
    return lock_is_held(session_path / LOCK_NAME)


def ensure_queue_runner(session_path: Path) -> None:
    """Start the session's queue runner, detached, unless one is already running."""
    if runner_is_live(session_path):
        return
    log = open_own(session_path / LOG_NAME, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o666)  # a log to read: the umask decides
    try:
        subprocess.Popen([*sst2_command(), "queue-runner", str(session_path)], stdin=subprocess.DEVNULL,
                         stdout=log, stderr=log, start_new_session=True)
    finally:
        os.close(log)
    deadline = time.monotonic() + 10  # until it holds its lock: a second call must not start another
    while not runner_is_live(session_path) and time.monotonic() < deadline:
        time.sleep(0.05)


SCHEDULED_ENV = "SST2_TUI_SCHEDULED_SESSION"
"""Set for a sweep's runs: the session whose write lock their scheduler holds for them."""


def slots_of(session_path: Path) -> tuple[int, bool]:
    """(slots, one GPU each) from the session's sweep.json; (1, False) for an ordinary session."""
    from sst2_tui.core.storage.sweep_file import SweepFileError, is_sweep, read_sweep_file

    try:
        parallel = read_sweep_file(session_path).parallel if is_sweep(session_path) else 1
    except SweepFileError as error:
        print(f"{error}; running its queue one at a time", flush=True)
        parallel = 1
    if parallel == "gpus":
        import torch

        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        return max(count, 1), count > 0
    return int(parallel), False


def run_in_its_own_process(entry: QueueEntry, session: Session) -> None:
    """How a queue runner starts each entry: `sst2-tui run ...` in its own process, waited for.
    A run killed by a signal (kill -9, out of memory) cannot say so itself: its `--notify` hook is
    run from here."""
    before = {f.path for f in session.run_folders()}
    process, tail = start_watched([*sst2_command(), *runner_argv(entry, session)], session.path)
    returncode = process.wait()
    tell_if_killed(entry, session, before, returncode)
    note_if_never_started(entry, session, returncode, tail)


def runner_argv(entry: QueueEntry, session: Session) -> list[str]:
    """The entry's own `run` line, started away from any terminal: `--attachable` (a NaN pause
    waits for whoever attaches, where a foreground run would stop)."""
    return [*entry.argv(session.path), "--attachable"]


def tell_if_killed(entry: QueueEntry, session: Session, before: set[Path], returncode: int) -> None:
    """A run killed by a signal cannot run its own `--notify` hook: its runner does."""
    if returncode >= 0:
        return
    folder = entry.run_dir if isinstance(entry, Resume) else next(
        (f.path for f in session.run_folders() if f.path not in before), None)
    if folder is None:
        return
    saved, _ = read_config(folder / "config.json")
    if saved is not None and saved.notify:
        message = f"died: its process was killed (signal {-returncode}); resume it from its last checkpoint"
        run_hook(saved.notify, payload(str(Status.DIED), message, folder, saved.method, saved.model), folder / "notify.log")


def _next(queue: SessionQueue) -> QueueEntry | None:
    """The next entry; unreadable items before it are said in the log (one line each) and dropped."""
    taken: Taken = queue.take()
    for bad in taken.skipped:
        print(f"queue item {bad.id} skipped: {bad.reason}", flush=True)
    return taken.entry


def run_queue(session_path: Path, start: Callable[[QueueEntry, Session], None] = run_in_its_own_process,
              when_done: Callable[[], list[QueueEntry]] | None = None) -> int:
    """Start the session's queued entries one by one with `start`: users get each in its own process;
    tests pass one that runs the same `execute` on this thread with a scripted method. `when_done`:
    asked when the queue is empty and nothing runs, for what comes next (a sweep's confirmation runs,
    chosen from its finished grid); the runner exits when it gives nothing."""
    with held(session_path / LOCK_NAME) as mine:
        if not mine:
            return 0  # another runner has this session's queue
        session, queue = Session.open(session_path), SessionQueue(session_path)
        slots, gpus = slots_of(session_path)
        if slots > 1 or gpus:
            return _run_slots(session, queue, slots, gpus, when_done)
        while True:
            while session.is_being_written():  # a run of this session is live: the next one waits
                time.sleep(WAIT_SECONDS)
            entry = _next(queue)
            if entry is None and not _more(queue, when_done):
                return 0
            if entry is not None:
                start(entry, session)


def _more(queue: SessionQueue, when_done: Callable[[], list[QueueEntry]] | None) -> bool:
    """Whatever comes after the queue, queued; False when nothing does."""
    more = when_done() if when_done is not None else []
    if more:
        queue.add(*more)
    return bool(more)


def _run_slots(session: Session, queue: SessionQueue, slots: int, gpus: bool,
               when_done: Callable[[], list[QueueEntry]] | None = None) -> int:
    """Up to `slots` runs at once, under the session's write lock held here for all of them. A run
    that fails or dies does not stop the others; the next item takes its slot."""
    with held(session.path / ".lock", wait=True):  # after any run of the session still going
        running: dict[int, tuple[subprocess.Popen, QueueEntry, set[Path], StderrTail]] = {}
        threads = max(1, (os.cpu_count() or 1) // slots)
        while True:
            for slot, (process, started, before, tail) in list(running.items()):
                if process.poll() is not None:
                    del running[slot]
                    tell_if_killed(started, session, before, process.returncode)
                    note_if_never_started(started, session, process.returncode, tail)
            free = [slot for slot in range(slots) if slot not in running]
            entry = _next(queue) if free else None
            if entry is not None:
                argv = runner_argv(entry, session)
                env = {**os.environ, SCHEDULED_ENV: str(session.path)}
                env.update({"CUDA_VISIBLE_DEVICES": str(free[0])} if gpus else {"OMP_NUM_THREADS": str(threads)})
                before = {f.path for f in session.run_folders()}
                process, tail = start_watched([*sst2_command(), *argv], session.path, env)
                running[free[0]] = (process, entry, before, tail)
                time.sleep(0.2)  # its run folder is made before the next one's: numbers follow the queue
                continue
            if not running and not queue.items() and not _more(queue, when_done):
                return 0
            time.sleep(WAIT_SECONDS)
