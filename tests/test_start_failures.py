"""#46: a sweep point whose process ends before it makes a run folder (the model folder gone since
the sweep started, a data file turned unreadable) is counted and its reason said in `sweep`'s lines,
the verdict, the app's sweep page and the report, never only in the queue runner's log."""

from __future__ import annotations

import shutil
import sys

from sst2_tui.core.report.sweep_layout import sweep_blocks
from sst2_tui.core.report.sweep_verdict import sweep_verdict
from sst2_tui.core.run.start_watch import note_if_never_started, start_watched
from sst2_tui.core.storage.queue_file import NewRun
from sst2_tui.core.storage.sessions import Session, load_run
from sst2_tui.core.storage.start_failures import FILE, StartFailure, read_start_failures, record_start_failure, unstarted
from sst2_tui.core.sweep.state import grid_state, point_of
from sst2_tui.core.sweep.sweep import Sweep
from sst2_tui.tui.screens.sweep import verdict_text
from tests.sweep_session import recorded_sweep

REASON = "sst2-tui run: --model /models/gone: no such folder; give a model folder or a Hub name"


def _one_point_without_its_folder(tmp_path) -> tuple[Session, NewRun]:
    """A finished 6-run sweep whose last run's folder is gone, as if its process never made it."""
    session = recorded_sweep(tmp_path)
    folder = session.run_folders()[-1]
    config = load_run(folder).config
    shutil.rmtree(folder.path)
    return Session.open(session.path), NewRun(config)


def _fail_to_start(entry: NewRun, session: Session, code: int = 2) -> None:
    script = f"import sys; print('loading...', file=sys.stderr); print({REASON!r}, file=sys.stderr); sys.exit({code})"
    process, tail = start_watched([sys.executable, "-c", script], session.path)
    note_if_never_started(entry, session, process.wait(), tail)


def test_the_queue_runner_records_a_point_whose_process_ended_before_its_folder_with_its_last_line(tmp_path, capfd):
    """The run's stderr goes to a file of its own (never a pipe: a run outlives a killed runner, and
    would get a broken pipe writing to it), passed on to the runner's log and removed at its end."""
    session, entry = _one_point_without_its_folder(tmp_path)
    _fail_to_start(entry, session)
    assert REASON in capfd.readouterr().err, "what the run said is in the runner's log"
    assert not list(session.path.glob(".run-stderr-*")), "its file is removed once passed on"
    [failure], problem = read_start_failures(session.path)
    assert problem is None and failure.point == point_of(entry.config) and failure.exit_code == 2
    assert failure.reason == REASON, "the process's last line on stderr is its reason"
    made_its_folder = NewRun(load_run(session.run_folders()[0]).config)
    _fail_to_start(made_its_folder, session)
    assert len(read_start_failures(session.path)[0]) == 1, "a point with a run folder: the run tells how it ended"


def test_a_point_that_failed_to_start_is_counted_and_said_by_the_verdict_the_grid_the_app_and_the_report(tmp_path):
    session, entry = _one_point_without_its_folder(tmp_path)
    point = point_of(entry.config)
    _fail_to_start(entry, session)
    verdict = sweep_verdict(session)
    assert verdict.head_line() == "Sweep: 5 of 6 runs finished; 1 failed to start"
    assert f"  {point} failed to start: {REASON}" in verdict.lines() and not verdict.all_finished
    assert verdict.final and verdict.answer_word() == "Verdict", "nothing is left to come: it will not start by itself"
    assert any("sweep --resume" in line for line in verdict.closing_lines())
    state = grid_state(session)
    assert sorted(cell.state for cell in state.cells) == ["done", "some failed"]
    assert f"{point} failed to start: {REASON}" in verdict_text(verdict, state)
    report = " ".join(str(getattr(block, "values", "")) for block in sweep_blocks(verdict, []))
    assert f"{point} failed to start" in report
    [told] = [e for e in Sweep.open(session.path).ended().values() if e.unstarted]
    assert told.line().split() == [point, "failed", "to", "start:", *REASON.split()]


def test_a_point_started_since_is_its_runs_to_tell_and_a_damaged_line_is_named(tmp_path):
    record_start_failure(tmp_path, StartFailure("p001", 2, "first try"))
    record_start_failure(tmp_path, StartFailure("p001", 2, "second try"))
    record_start_failure(tmp_path, StartFailure("p002", -9, ""))
    assert [(f.point, f.line()) for f in unstarted(tmp_path, set())] == [
        ("p001", "p001 failed to start: second try"), ("p002", "p002 failed to start: killed by signal 9")]
    assert [f.point for f in unstarted(tmp_path, {"p001"})] == ["p002"]
    with open(tmp_path / FILE, "a") as damaged:
        damaged.write('{"point": 3}\n{"point": "p004", "exit_code": 1, "rea')
    found, problem = read_start_failures(tmp_path)
    assert len(found) == 3 and problem is not None and f"{FILE} line 4" in problem
