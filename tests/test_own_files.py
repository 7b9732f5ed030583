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


# -- #46: the writers and readers the fourth probe found outside the layer ------------------------

def _finished_run(tmp_path):
    import numpy as np

    from tests.sweep_session import accurate, record_run

    session = Session.create(tmp_path / "sessions", "s")
    record_run(session, DEMO, [accurate(np.random.default_rng(0), 0.8, 0.8)])
    return session, session.run_folders()[0]


@pytest.mark.parametrize("where", ["in the run folder", "under the root"])
def test_tensorboard_never_writes_through_a_planted_link(tmp_path, monkeypatch, where):
    pytest.importorskip("tensorboard")
    from sst2_tui.core.trackers.session_export import export_session
    from sst2_tui.core.trackers.tensorboard_tracker import DIR_ENV

    session, run = _finished_run(tmp_path)
    victim = tmp_path / "victim"
    victim.mkdir()
    if where == "in the run folder":
        (run.path / "tensorboard").symlink_to(victim)
    else:
        root = tmp_path / "tb-root"
        root.mkdir()
        (root / session.name).symlink_to(victim)  # ROOT/SESSION planted: the run's folder would go into victim/
        monkeypatch.setenv(DIR_ENV, str(root))
    outcome = export_session(session, "tensorboard")
    assert any("symbolic link" in failure for failure in outcome.failures), outcome.failures
    assert list(victim.iterdir()) == []


def test_a_planted_decisions_file_is_never_appended_through(tmp_path):
    from sst2_tui.core.storage.decisions_file import FILE, Decision, DecisionKind, append_decisions

    session = Session.create(tmp_path / "sessions", "s")
    victim = tmp_path / "precious.txt"
    victim.write_text("do not touch")
    (session.path / FILE).symlink_to(victim)
    with pytest.raises(UserError, match="symbolic link"):
        append_decisions(session.path, [Decision(1, DecisionKind.END, "stopped")])
    assert victim.read_text() == "do not touch"


def test_a_planted_checkpoints_folder_is_never_written_into(tmp_path):
    import torch

    from sst2_tui.core.storage.checkpoint_state import CheckpointState
    from sst2_tui.core.storage.checkpoints import write_checkpoint

    session = Session.create(tmp_path / "sessions", "s")
    run = session.new_run(DEMO)
    victim = tmp_path / "victim"
    victim.mkdir()
    run.checkpoints.symlink_to(victim)
    with pytest.raises(UserError, match="symbolic link"):
        write_checkpoint(run.checkpoints, CheckpointState(step=1), torch.nn.Linear(2, 2), None, full=True)
    assert list(victim.iterdir()) == []


@pytest.mark.parametrize("name", ["evaluations.jsonl", BEST_FILE, "summary.json", "events.jsonl"])
def test_a_planted_link_among_a_runs_files_is_never_read_through(tmp_path, name):
    """`report` read a root-only file through another user's planted `evaluations.jsonl`: a file
    sst2-tui wrote is read back without following a link, said as unreadable, never used."""
    from sst2_tui.core.inference.evaluation_log import read_evaluations
    from sst2_tui.core.inference.saved_predictions import read_predictions
    from sst2_tui.core.storage.files import read_events
    from sst2_tui.core.storage.validated import read_summary

    _session, run = _finished_run(tmp_path)
    secret = tmp_path / "secret.jsonl"
    secret.write_text({"evaluations.jsonl": (run.path / "evaluations.jsonl").read_text(),
                       BEST_FILE: '{"id": "a", "text": "secret", "label": 1, "p_positive": 0.9, "step": 1}\n',
                       "summary.json": '{"status": "finished"}',
                       "events.jsonl": run.events_path.read_text()}[name])
    target = run.path / name
    target.unlink(missing_ok=True)
    target.symlink_to(secret)
    if name == "evaluations.jsonl":
        problem = read_evaluations(run.path).problem
    elif name == BEST_FILE:
        problem = read_predictions(run.path, BEST_FILE).problem
    elif name == "summary.json":
        problem = read_summary(target)[1]
    else:
        log = read_events(target)
        problem = None if log.events else "nothing read"
    assert problem is not None and ("symbolic link" in problem or problem == "nothing read"), problem


@as_root
def test_a_sessions_folder_that_leads_into_another_users_folder_gets_no_session(tmp_path):
    """The platformdirs sessions folder as a link into another user's folder: runs landed there,
    readable by them, without a word."""
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    os.chown(theirs, 65534, 65534)
    mine = tmp_path / "share" / "sst2-tui"
    mine.mkdir(parents=True)
    (mine / "sessions").symlink_to(theirs)
    with pytest.raises(UserError, match="belongs to another user"):
        Session.create(mine / "sessions", "s")
    assert list(theirs.iterdir()) == []


@as_root
def test_export_tracker_on_another_users_session_writes_nothing_there(tmp_path, capsys):
    pytest.importorskip("tensorboard")
    session, run = _finished_run(tmp_path)
    for path in (session.path, session.runs_dir, run.path):
        os.chown(path, 65534, 65534)
    assert main(["export-tracker", str(session.path), "--to", "tensorboard"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "belongs to another user" in err and "--logdir" in err
    assert not (run.path / "tensorboard").exists()


def test_a_control_file_replaced_by_a_link_then_by_a_file_again_loses_no_command(tmp_path):
    """A run polled its control file while a planted link stood there: the link's length moved the
    read offset, and the `stop` appended to the new plain file afterwards was cut and ignored (the
    run trained on; a fault probe under load). The link is said once; the new file is read whole."""
    from sst2_tui.core.controls import STOP

    session = Session.create(tmp_path / "sessions", "s")
    run = session.new_run(DEMO)
    reader = ControlFileReader(run.control_path)
    victim = tmp_path / "victim-with-a-long-name-so-the-link-is-long.txt"
    victim.write_text("secret\n")
    run.control_path.unlink()
    run.control_path.symlink_to(victim)
    commands, problems = reader.poll()
    assert commands == [] and len(problems) == 1 and "symbolic link" in problems[0]
    assert reader.poll() == ([], []), "said once"
    run.control_path.unlink()
    append_command(run.control_path, STOP, "cli")
    commands, problems = reader.poll()
    assert [c.kind for c in commands] == ["stop"] and problems == []
