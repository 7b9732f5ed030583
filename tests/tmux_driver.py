"""Driving the app in a real terminal: tmux windows of a size, keys in, the screen read back, and
what a test started stopped afterwards (tests/test_tmux.py)."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from tests.cli import run_cli
from tests.forked_process import children_forked

SESSION = f"sst2-tui-test-{os.getpid()}"  # one per test process: two checkouts on one machine never meet


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True, check=False).stdout


def open_window(session: str, columns: int, rows: int, command: str, env: dict[str, str]) -> None:
    """A detached tmux session running `command`. A session of that name killed (or quit) just before
    may still be closing, and when it was the last one the tmux server exits with it: a new-session
    in that moment failed (exit 1, once in CI). Wait until the name is free, and try again.

    The app itself starts fresh (it is what is tested); the runs it starts are forked from the
    preloaded server (`-e`: a tmux server started earlier keeps its own environment otherwise)."""
    forked = [f"-e{name}={value}" for name, value in children_forked().items()]
    made = None
    for _ in range(5):
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and subprocess.run(["tmux", "has-session", "-t", f"={session}"],
                                                             capture_output=True).returncode == 0:
            time.sleep(0.1)
        made = subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", str(columns), "-y", str(rows), *forked,
                               command],
                              capture_output=True, text=True, env=env)
        if made.returncode == 0:
            return
        time.sleep(0.5)
    raise AssertionError(f"tmux new-session {session} failed: {made.stderr.strip() if made else ''}")


def screen(session: str = SESSION) -> str:
    return tmux("capture-pane", "-p", "-t", session)


def wait_for_text(predicate, timeout: float, session: str = SESSION) -> tuple[str, float]:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        text = screen(session)
        if predicate(text):
            return text, time.monotonic() - started
        time.sleep(0.2)
    raise AssertionError(f"screen never matched; last screen:\n{screen(session)}")


def stop_everything(sessions: Path) -> None:
    """What a test started keeps running without a window (that is the design): clear the queue,
    stop every live run, and wait until none is left."""
    from sst2_tui.core.storage.queue_file import SessionQueue
    from sst2_tui.core.storage.sessions import RunFolder

    for folder in sessions.glob("*/"):
        SessionQueue(folder).clear()
    live = [RunFolder(p) for p in sessions.glob("*/runs/*/") if RunFolder(p).is_live()]
    for run in live:
        ctl(str(run.path), "stop")
    deadline = time.monotonic() + 60
    while any(run.is_live() for run in live) and time.monotonic() < deadline:
        time.sleep(0.2)


def process_alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except (OSError, IndexError):
        return False


def ctl(*args: str) -> subprocess.CompletedProcess:
    return run_cli("ctl", *args, timeout=120)


def steps_in(events: Path) -> int:
    return events.read_bytes().count(b'"type":"step"')
