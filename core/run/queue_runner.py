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

from sst2_tui.core.config import RunConfig, run_argv
from sst2_tui.core.run.needs_you import payload, run_hook
from sst2_tui.core.run.self_command import sst2_command
from sst2_tui.core.storage.locks import held
from sst2_tui.core.storage.queue_file import RUNNER_LOCK, SWEEP_FILE, SessionQueue
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


SCHEDULED_ENV = "SST2_TUI_SCHEDULED_SESSION"
"""Set for a sweep's runs: the session whose write lock their scheduler holds for them."""


def slots_of(session_path: Path) -> tuple[int, bool]:
    """(slots, one GPU each) from the session's sweep.json; (1, False) for an ordinary session."""
    from sst2_tui.core.storage.validated import read_object

    sweep, _ = read_object(session_path / SWEEP_FILE)
    parallel = (sweep or {}).get("parallel", 1)
    if parallel == "gpus":
        import torch

        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        return max(count, 1), count > 0
    return (parallel if isinstance(parallel, int) and 1 <= parallel <= 1024 else 1), False


def run_in_its_own_process(item: dict, session: Session) -> None:
    """How a queue runner starts each item: `sst2-tui run ...` in its own process, waited for.
    A hand-edited item that is not a run raises ValueError or TypeError. A run killed by a signal
    (kill -9, out of memory) cannot say so itself: its `--notify` hook is run from here."""
    argv = _argv(item, session)
    before = {f.path for f in session.run_folders()}
    finished = subprocess.run([*sst2_command(), *argv], stdin=subprocess.DEVNULL, check=False)
    tell_if_killed(item, session, before, finished.returncode)


def tell_if_killed(item: dict, session: Session, before: set[Path], returncode: int) -> None:
    """A run killed by a signal cannot run its own `--notify` hook: its runner does."""
    if returncode >= 0:
        return
    folder = Path(item["resume"]) if "resume" in item else next(
        (f.path for f in session.run_folders() if f.path not in before), None)
    saved, _ = read_config(folder / "config.json") if folder is not None else (None, None)
    if isinstance(saved, dict) and isinstance(saved.get("notify"), str):
        message = f"died: its process was killed (signal {-returncode}); resume it from its last checkpoint"
        run_hook(saved["notify"], payload("died", message, folder, saved), folder / "notify.log")


def run_queue(session_path: Path, start: Callable[[dict, Session], None] = run_in_its_own_process) -> int:
    """Start the session's queued items one by one with `start`: users get each in its own process;
    tests pass one that runs the same `execute` on this thread with a scripted method."""
    with held(session_path / LOCK_NAME) as mine:
        if not mine:
            return 0  # another runner has this session's queue
        session, queue = Session.open(session_path), SessionQueue(session_path)
        slots, gpus = slots_of(session_path)
        if slots > 1 or gpus:
            return _run_slots(session, queue, slots, gpus)
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


def _run_slots(session: Session, queue: SessionQueue, slots: int, gpus: bool) -> int:
    """Up to `slots` runs at once, under the session's write lock held here for all of them. A run
    that fails or dies does not stop the others; the next item takes its slot."""
    with held(session.path / ".lock", wait=True):  # after any run of the session still going
        running: dict[int, tuple[subprocess.Popen, dict, set[Path]]] = {}
        threads = max(1, (os.cpu_count() or 1) // slots)
        while True:
            for slot, (process, item, before) in list(running.items()):
                if process.poll() is not None:
                    del running[slot]
                    tell_if_killed(item, session, before, process.returncode)
            free = [slot for slot in range(slots) if slot not in running]
            item = queue.take() if free else None
            if item is not None:
                try:
                    argv = _argv(item, session)
                except (ValueError, TypeError, KeyError) as error:
                    print(f"queue item {item.get('id')} skipped: {error}", flush=True)
                    continue
                env = {**os.environ, SCHEDULED_ENV: str(session.path)}
                env.update({"CUDA_VISIBLE_DEVICES": str(free[0])} if gpus else {"OMP_NUM_THREADS": str(threads)})
                before = {f.path for f in session.run_folders()}
                running[free[0]] = (subprocess.Popen([*sst2_command(), *argv], stdin=subprocess.DEVNULL, env=env),
                                    item, before)
                time.sleep(0.2)  # its run folder is made before the next one's: numbers follow the queue
                continue
            if not running and not queue.items():
                return 0
            time.sleep(WAIT_SECONDS)
