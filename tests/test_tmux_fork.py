"""#49 in a real terminal: a live run forked from the app at 80x24 trains on beside its fork."""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

import pytest

from tests.cli import run_cli
from tests.tmux_driver import SESSION, ctl, open_window, steps_in, stop_everything, tmux, wait_for_text

pytestmark = [pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"), pytest.mark.slow,
              pytest.mark.alone]  # a real terminal read against the clock: alone, as tests/test_tmux.py


def test_a_live_run_forked_from_the_app_at_80x24_trains_on_beside_its_fork(tmp_path):
    """#49 done-when: `f` on the dashboard of a live run (attached, paused), a bad value said inline, then
    `lr=1e-3`, Enter: the app says which run it started and from which step; resumed, the parent trains
    on while the fork trains beside it at its new lr (both live at once, both stepping)."""
    import json

    from sst2_tui.core.storage.sessions import RunFolder

    sessions = tmp_path / "sessions"
    launched = run_cli("run", "--detach", "--model", "demo", "--data", "demo", "--train-subset", "64", "--eval-subset", "16",
                       "--batch-size", "16", "--epochs", "5000", "--save-every", "500", "--sessions-dir", str(sessions))
    assert launched.returncode == 0, launched.stderr
    parent = Path(json.loads(launched.stdout)["run_dir"])
    child = parent.parent / "02-full"
    session = f"{SESSION}-fork"
    env = {**os.environ, "TERM": "xterm-256color"}
    tmux("kill-session", "-t", session)
    open_window(session, 80, 24, f"exec {Path(sys.executable).parent / 'sst2-tui'} attach {parent}", env=env)
    try:
        wait_for_text(lambda s: "01-full" in s and "loss " in s and "space Pause" in s, timeout=60, session=session)
        tmux("send-keys", "-t", session, "space")
        wait_for_text(lambda s: "PAUSED" in s, timeout=10, session=session)
        tmux("send-keys", "-t", session, "f")
        wait_for_text(lambda s: "Fork 01-full at its next step" in s, timeout=10, session=session)
        tmux("send-keys", "-t", session, "lr=banana", "Enter")
        wait_for_text(lambda s: "learning rate 'banana' is not a number" in s, timeout=10, session=session)
        tmux("send-keys", "-t", session, "C-u")  # alone: in one burst with the text, the text was lost
        time.sleep(0.3)
        tmux("send-keys", "-t", session, "lr=1e-3")
        wait_for_text(lambda s: "lr=1e-3" in s, timeout=10, session=session)
        tmux("send-keys", "-t", session, "Enter")
        text, _ = wait_for_text(lambda s: "02-full forked from 01-full at step" in s, timeout=60, session=session)
        assert "PAUSED" in text, "the parent waits as it was"
        config = json.loads((child / "config.json").read_text())
        branch = config["fork"]["branch_step"]
        assert config["fork"]["parent"] == "01-full" and config["fork"]["changed"] == ["lr 5e-4 -> 1e-3"]
        tmux("send-keys", "-t", session, "space")
        deadline = time.monotonic() + 120
        both_stepping = lambda: steps_in(parent / "events.jsonl") > branch + 20 and steps_in(child / "events.jsonl") > 20  # noqa: E731
        while time.monotonic() < deadline and not both_stepping():
            time.sleep(0.5)
        assert RunFolder(parent).is_live() and RunFolder(child).is_live(), "the parent trains on beside its fork"
        steps = [json.loads(line) for line in (child / "events.jsonl").read_text().splitlines() if '"type":"step"' in line]
        assert steps and steps[0]["step"] == branch + 1 and {s["lr"] for s in steps} == {1e-3}
        for run in (parent, child):
            assert ctl(str(run), "stop").returncode == 0
    finally:
        tmux("kill-session", "-t", session)
        stop_everything(sessions)
