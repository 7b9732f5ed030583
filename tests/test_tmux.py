"""The real terminal: `sst2-tui --demo` in tmux at 120x36, keys sent, screen read.

This is the issue's acceptance path. It takes about a minute and a half; it skips without tmux.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
SESSION = "sst2-tui-test"


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True, check=False).stdout


def screen() -> str:
    return tmux("capture-pane", "-p", "-t", SESSION)


def wait_for_text(predicate, timeout: float) -> tuple[str, float]:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        text = screen()
        if predicate(text):
            return text, time.monotonic() - started
        time.sleep(0.2)
    raise AssertionError(f"screen never matched; last screen:\n{screen()}")


def test_demo_in_a_real_terminal(tmp_path):
    sessions = tmp_path / "sessions"
    command = f"{Path(sys.executable).parent / 'sst2-tui'} --demo --sessions-dir {sessions}"
    env = {**os.environ, "TERM": "xterm-256color"}
    tmux("kill-session", "-t", SESSION)
    subprocess.run(["tmux", "new-session", "-d", "-s", SESSION, "-x", "120", "-y", "36", command], check=True, env=env)
    try:
        text, seconds = wait_for_text(lambda s: "device CPU" in s and "loss 0." in s, timeout=60)
        print(f"device and a moving loss after {seconds:.1f} s")
        tmux("send-keys", "-t", SESSION, "space")
        wait_for_text(lambda s: "PAUSED" in s, timeout=10)
        tmux("send-keys", "-t", SESSION, "l")
        wait_for_text(lambda s: "New learning rate" in s, timeout=10)
        tmux("send-keys", "-t", SESSION, "2e-5", "Enter")
        wait_for_text(lambda s: "lr 2e-5" in s, timeout=10)
        tmux("send-keys", "-t", SESSION, "space")
        wait_for_text(lambda s: "RUNNING" in s, timeout=10)
        wait_for_text(lambda s: "03-lora" in s and "FINISHED" in s, timeout=240)
        tmux("send-keys", "-t", SESSION, "r")
        text, _ = wait_for_text(lambda s: "Results (validation accuracy)" in s, timeout=10)
        for run in ("01-full", "02-trainer", "03-lora"):
            assert run in text
        events = next(sessions.glob("*/runs/01-full/events.jsonl")).read_text()
        assert '"kind":"set_lr","value":2e-05' in events and '"type":"paused"' in events
    finally:
        tmux("kill-session", "-t", SESSION)


def process_alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except (OSError, IndexError):
        return False


@pytest.mark.parametrize("how", ["SIGTERM", "SIGINT", "SIGHUP (tmux session killed)"])
def test_a_signal_to_the_app_stops_the_run_gracefully(tmp_path, how):
    """The step finishes, a checkpoint is written, events are flushed, the run is marked
    interrupted, the queued runs do not start, and the app exits."""
    import signal

    from core.storage.files import read_events

    sessions = tmp_path / "sessions"
    session = f"{SESSION}-signal"
    command = f"exec {Path(sys.executable).parent / 'sst2-tui'} --demo --sessions-dir {sessions}"
    env = {**os.environ, "TERM": "xterm-256color"}
    tmux("kill-session", "-t", session)
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "120", "-y", "36", command], check=True, env=env)
    try:
        pid = int(tmux("display-message", "-p", "-t", session, "#{pane_pid}").strip())
        deadline = time.monotonic() + 90
        events = None
        while time.monotonic() < deadline:
            found = list(sessions.glob("*/runs/01-full/events.jsonl"))
            if found and found[0].read_bytes().count(b'"type":"step"') >= 3:
                events = found[0]
                break
            time.sleep(0.1)
        assert events is not None, "the demo run never logged steps"
        if how.startswith("SIGHUP"):
            tmux("kill-session", "-t", session)  # what a dropped SSH connection does to the terminal
        else:
            os.kill(pid, getattr(signal, how))
        deadline = time.monotonic() + 60
        while process_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not process_alive(pid), "the app did not exit"
    finally:
        tmux("kill-session", "-t", session)
    run_dir = events.parent
    log = read_events(events)
    assert log.bad_lines == 0 and log.events[-1].type == "run_finished"
    assert log.events[-1].summary["status"] == "interrupted"
    assert any((run_dir / "checkpoints").glob("step-*/manifest.json"))
    assert sorted(p.name for p in run_dir.parent.iterdir()) == ["01-full"], "queued runs did not start"
