"""#34 item 4: every file sst2-tui appends to or rewrites in a run or session folder is opened
without following a link, in a folder of this user's (reported: root's `ctl` on another user's run
followed a planted `control.jsonl` and appended to a root-only 0600 file)."""

from __future__ import annotations

import os

import pytest

from sst2_tui.cli.main import main
from sst2_tui.core.config import RunConfig
from sst2_tui.core.controls import PAUSE
from sst2_tui.core.errors import UserError
from sst2_tui.core.events import RunStarted
from sst2_tui.core.inference.saved_predictions import BEST_FILE
from sst2_tui.core.run.needs_you import _log
from sst2_tui.core.storage.control_file import ControlFileReader, append_command
from sst2_tui.core.storage.files import EventLog, atomic_write_json, atomic_write_text
from sst2_tui.core.storage.locks import held
from sst2_tui.core.storage.queue_file import NewRun, SessionQueue
from sst2_tui.core.storage.sessions import Session
from sst2_tui.core.storage.sweep_file import SWEEP_FILE, SweepFile
from sst2_tui.core.sweep_label import SweepLabel

as_root = pytest.mark.skipif(os.geteuid() != 0, reason="needs root to act as a second local user")
DEMO = RunConfig(model="demo", data="demo")


@pytest.mark.parametrize("which", ["control", "control reader", "events", "notify.log"])
def test_a_planted_symlink_is_never_appended_through(tmp_path, which):
    session = Session.create(tmp_path / "sessions", "s")
    run = session.new_run(DEMO)
    victim = tmp_path / "precious.txt"
    victim.write_text("do not touch")
    target = {"control": run.control_path, "control reader": run.control_path, "events": run.events_path,
              "notify.log": run.path / "notify.log"}[which]
    target.unlink(missing_ok=True)
    target.symlink_to(victim)
    if which == "notify.log":  # a hook's log line is never worth an error: it is dropped
        _log(target, "a hook's output\n")
    else:
        with pytest.raises(UserError, match="symbolic link"):
            {"control": lambda: append_command(run.control_path, PAUSE, "cli"),
             "control reader": lambda: ControlFileReader(run.control_path),
             "events": lambda: EventLog(run.events_path).append(RunStarted(method="full"))}[which]()
    assert victim.read_text() == "do not touch"


@pytest.mark.parametrize("which", ["summary", "queue", "sweep.json", "predictions"])
def test_a_planted_symlink_is_replaced_by_a_rewrite_never_written_through(tmp_path, which):
    session = Session.create(tmp_path / "sessions", "s")
    run = session.new_run(DEMO)
    victim = tmp_path / "precious.txt"
    victim.write_text("do not touch")
    target = {"summary": run.summary_path, "queue": session.path / "queue.json", "sweep.json": session.path / SWEEP_FILE,
              "predictions": run.path / BEST_FILE}[which]
    target.symlink_to(victim)
    {"summary": lambda: atomic_write_json(run.summary_path, {"status": "finished"}),
     "queue": lambda: SessionQueue(session.path).add(NewRun(DEMO)),
     "sweep.json": lambda: SweepFile([DEMO.replace(sweep=SweepLabel("p001", "full", "default", 0))]).write(session.path),
     "predictions": lambda: atomic_write_text(run.path / BEST_FILE, "{}\n")}[which]()
    assert victim.read_text() == "do not touch" and not target.is_symlink()


@as_root
def test_root_ctl_on_another_users_live_run_appends_nowhere(tmp_path, capsys):
    session = Session.create(tmp_path / "sessions", "theirs")
    run = session.new_run(DEMO)
    EventLog(run.events_path).close()
    victim = tmp_path / "root-only"
    victim.write_text("secret\n")
    os.chmod(victim, 0o600)
    with held(run.lock_path) as mine:  # the run is live
        assert mine
        run.control_path.unlink(missing_ok=True)
        run.control_path.symlink_to(victim)
        for path in (session.path, session.runs_dir, run.path):
            os.chown(path, 65534, 65534)  # another user's run folder now
        os.lchown(run.control_path, 65534, 65534)
        assert main(["ctl", str(run.path), "pause", "--no-wait"]) == 2
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1 and "belongs to another user" in error
    assert victim.read_text() == "secret\n"


@as_root
def test_a_file_of_another_user_in_an_own_folder_is_refused(tmp_path):
    session = Session.create(tmp_path / "sessions", "s")
    run = session.new_run(DEMO)
    run.control_path.write_text("")
    os.chown(run.control_path, 65534, 65534)
    with pytest.raises(UserError, match="belongs to another user"):
        append_command(run.control_path, PAUSE, "cli")
