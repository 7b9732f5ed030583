"""kill -9 of a session's queue runner: the queue is reported stalled (with the fix) instead of
waiting forever in silence, and `queue-runner --start` (or any app watching the session) restarts it."""

from __future__ import annotations

import json
import os
import signal

from sst2_tui.core.config import RunConfig
from sst2_tui.core.run.queue_runner import LOCK_NAME, ensure_queue_runner
from sst2_tui.core.storage.locks import holder
from sst2_tui.core.storage.queue_file import NewRun, SessionQueue
from sst2_tui.core.storage.sessions import Session
from tests.cli import run_cli, wait_until

QUICK = RunConfig(model="demo", data="demo", epochs=0.3, eval_every=5)


def _finished(session: Session) -> int:
    return sum((f.summary_path).exists() for f in session.run_folders())


def _listed(tmp_path) -> dict:
    result = run_cli("sessions", "--sessions-dir", str(tmp_path), "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)[0]["queue"]


def test_a_killed_queue_runner_is_reported_and_restarted(tmp_path):
    session = Session.create(tmp_path, "q")
    SessionQueue(session.path).add(NewRun(QUICK), NewRun(QUICK))
    ensure_queue_runner(session.path)
    wait_until(lambda: session.run_folders() and session.is_being_written(), timeout=60, what="the first run started")
    os.kill(int(holder(session.path / LOCK_NAME).rsplit(" ", 1)[-1]), signal.SIGKILL)
    wait_until(lambda: _finished(session) == 1 and not session.is_being_written(), timeout=120, what="the first run ended")
    assert _listed(tmp_path) == {"waiting": 1, "runner_live": False, "stalled": True}
    table = run_cli("sessions", "--sessions-dir", str(tmp_path)).stdout
    assert "stalled" in table and "--start" in " ".join(table.split())
    started = run_cli("queue-runner", str(session.path), "--start")
    assert started.returncode == 0, started.stderr
    wait_until(lambda: _finished(session) == 2, timeout=120, what="the second run finished")
    assert _listed(tmp_path)["waiting"] == 0
