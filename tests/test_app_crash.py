"""A crashed app exits non-zero and says where its session is and what still trains."""

from __future__ import annotations

import subprocess
import textwrap

import pytest

from sst2_tui.core.config import RunConfig
from sst2_tui.core.run.self_command import python_command
from sst2_tui.core.storage.queue_file import NewRun, SessionQueue
from sst2_tui.core.storage.sessions import Session
from sst2_tui.tui.launching import after_a_crash


def test_after_a_crash_names_the_session_its_live_runs_and_its_queue(tmp_path):
    session = Session.create(tmp_path, "crashed")
    live = session.new_run(RunConfig(model="demo", data="demo"))
    session.new_run(RunConfig(model="demo", data="demo", method="lora"))  # ended: no lock held
    SessionQueue(session.path).add(NewRun(RunConfig(model="demo", data="demo")))
    with live.hold_lock():
        told = after_a_crash(session)
    assert str(session.path.resolve()) in told
    assert f"Still training in the background: {live.run_id};" in told and "1 more queued" in told
    assert f"sst2-tui attach {session.path.resolve()}" in told
    assert "1 run(s) queued" in after_a_crash(session)
    SessionQueue(session.path).clear()
    assert "Nothing is training now." in after_a_crash(session)


@pytest.mark.slow
def test_a_crashed_app_exits_non_zero_and_says_where_its_session_is(tmp_path):
    script = textwrap.dedent("""
        import sys
        from pathlib import Path
        from sst2_tui.core.storage.sessions import Session
        from sst2_tui.tui import app as app_module, launching

        def crash(self):
            self.watcher.session = Session.create(self.sessions_dir, "boom", label="app")
            raise RuntimeError("a bug in the app")

        app_module.SST2App.on_mount = crash
        sys.exit(launching.launch(Path(sys.argv[1]), headless=True))
    """)
    result = subprocess.run([*python_command(), "-c", script, str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stderr[-2000:]
    assert "the app crashed" in result.stderr and str((tmp_path / "boom").resolve()) in result.stderr
