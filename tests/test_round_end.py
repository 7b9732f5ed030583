"""#47: a sweep's step after its points end lives in one place (`Sweep.after_points_end`), taken the
same way by the local queue runner, `sweep --resume`, a SLURM follower and the SLURM array task that
ends last; and one rule for the default confirmation seeds, the CLI's and the app's form alike."""

from __future__ import annotations

import numpy as np

from sst2_tui.core.config import RunConfig
from sst2_tui.core.storage.sweep_file import MAX_CONFIRM_SEEDS, UntilResolved, read_sweep_file
from sst2_tui.core.sweep import point_task
from sst2_tui.core.sweep.adaptive import first_round
from sst2_tui.core.sweep.confirmation import default_confirm_seeds
from sst2_tui.core.sweep.grid import build_grid, parse_listed
from sst2_tui.core.sweep.state import runs_by_point, write_sweep_file
from sst2_tui.core.sweep.sweep import Sweep, after_points_end_at
from tests.sweep_session import accurate, planned_sweep, record_run, run_grid


def _record_what_is_new(sweep: Sweep, rng: np.random.Generator) -> None:
    have = runs_by_point(sweep.session)
    for config in read_sweep_file(sweep.path).points:
        if config.sweep is not None and config.sweep.point not in have:
            record_run(sweep.session, config, [accurate(rng, 0.8 if config.method == "full" else 0.6, 0.7)])


def test_the_step_adds_the_confirmation_runs_once_whoever_takes_it(tmp_path):
    sweep = planned_sweep(tmp_path)
    assert sweep.after_points_end().added == [], "nothing has ended"
    run_grid(sweep, np.random.default_rng(0))
    grid = len(read_sweep_file(sweep.path).points)
    first, second = Sweep.open(sweep.path).after_points_end(), Sweep.open(sweep.path).after_points_end()
    assert [c.sweep.confirmation for c in first.added] == [True] * 3 and second.added == [], "added once"
    assert len(read_sweep_file(sweep.path).points) == grid + 3


def test_the_array_task_that_ends_last_takes_the_next_round_with_nobody_following(tmp_path, monkeypatch):
    """On SLURM an `--until-resolved` sweep went on only while someone followed it."""
    grid = build_grid({"method": parse_listed("--method", ["full,lora"]), "lr": parse_listed("--lr", ["lora=1e-4,3e-4"]),
                       "model": parse_listed("--model", ["demo"]), "data": parse_listed("--data", ["demo"])}, [0])
    from sst2_tui.core.storage.sessions import Session
    from sst2_tui.core.storage.sweep_file import SlurmOptions

    session = Session.create(tmp_path, "ur", label="sweep")
    write_sweep_file(session.path, first_round(grid), 1, SlurmOptions(), until_resolved=UntilResolved(max_runs=40))
    submitted: list[list[str]] = []
    monkeypatch.setattr("sst2_tui.core.sweep.slurm.submit",
                        lambda path, points, options, **kw: submitted.append(points) or "4242")
    sweep = Sweep.open(session.path)
    _record_what_is_new(sweep, np.random.default_rng(1))
    before = len(read_sweep_file(session.path).points)
    point_task._after_points_end(after_points_end_at, session.path)  # as the task whose point ended last does
    after = read_sweep_file(session.path).points
    assert len(after) > before and submitted == [[c.sweep.point for c in after[before:]]]
    point_task._after_points_end(after_points_end_at, session.path)  # a second task that ends at the same moment adds nothing
    assert len(read_sweep_file(session.path).points) == len(after) and len(submitted) == 1


def test_one_rule_for_the_default_confirmation_seeds():
    assert default_confirm_seeds(3, 2) == 3 and default_confirm_seeds(3, 1) == 0
    assert default_confirm_seeds(101, 2) == MAX_CONFIRM_SEEDS, "the form once wrote 101, which the reader refused"
    assert default_confirm_seeds(5, 3, until_resolved=True) == 0


def test_the_apps_sweep_of_101_seeds_writes_a_sweep_file_its_reader_takes(tmp_path):
    from sst2_tui.tui.session_watcher import SessionWatcher

    points = build_grid({"method": parse_listed("--method", ["full,lora"]), "model": parse_listed("--model", ["demo"]),
                         "data": parse_listed("--data", ["demo"])}, list(range(101)))
    watcher = SessionWatcher(tmp_path, None, launcher=None, bridge=None, post=lambda message: None)  # type: ignore[arg-type]
    session = watcher.add_sweep(points)
    assert read_sweep_file(session.path).confirm_seeds == MAX_CONFIRM_SEEDS
    assert isinstance(points[0], RunConfig)


def test_a_torn_decisions_line_is_said_cut_off_and_the_next_lines_stay_whole(tmp_path):
    """#46: a damaged decisions file is named, not passed over in silence; a torn last line once
    swallowed the next decision appended after it."""
    from sst2_tui.core.storage.decisions_file import FILE, read_decisions

    sweep, rng = planned_sweep(tmp_path), np.random.default_rng(0)
    grid = build_grid({"method": parse_listed("--method", ["full,lora"]), "lr": parse_listed("--lr", ["lora=1e-4,3e-4"]),
                       "model": parse_listed("--model", ["demo"]), "data": parse_listed("--data", ["demo"])}, [0])
    from sst2_tui.core.storage.sessions import Session

    session = Session.create(tmp_path, "ur", label="sweep")
    write_sweep_file(session.path, first_round(grid), 1, until_resolved=UntilResolved(max_runs=40))
    sweep = Sweep.open(session.path)
    _record_what_is_new(sweep, rng)
    assert sweep.after_points_end().added
    whole = (session.path / FILE).read_bytes()
    (session.path / FILE).write_bytes(whole + b'{"round": 2, "kind": "dro')  # a kill while appending
    end = Sweep.open(session.path).after_points_end()
    assert any("its last line was cut short (25 bytes" in line for line in end.said), end.said
    assert (session.path / FILE).read_bytes() == whole
    _record_what_is_new(sweep, rng)
    Sweep.open(session.path).after_points_end()
    assert read_decisions(session.path)[1] is None, "every line after the cut parses"


def test_cutting_a_torn_tail_longer_than_a_block_keeps_every_whole_line(tmp_path):
    from sst2_tui.core.storage.own_files import drop_torn_tail

    path = tmp_path / "log.jsonl"
    path.write_bytes(b'{"a": 1}\n{"b": 2}\n' + b"x" * 200_000)
    assert drop_torn_tail(path) == 200_000 and path.read_bytes() == b'{"a": 1}\n{"b": 2}\n'
    assert drop_torn_tail(path) == 0 and drop_torn_tail(tmp_path / "none") == 0


def test_a_planted_decisions_link_stops_the_step_with_its_reason(tmp_path):
    from sst2_tui.core.storage.decisions_file import FILE
    from sst2_tui.core.storage.sessions import Session

    grid = build_grid({"method": parse_listed("--method", ["full,lora"]), "lr": parse_listed("--lr", ["lora=1e-4,3e-4"]),
                       "model": parse_listed("--model", ["demo"]), "data": parse_listed("--data", ["demo"])}, [0])
    session = Session.create(tmp_path, "ur", label="sweep")
    write_sweep_file(session.path, first_round(grid), 1, until_resolved=UntilResolved(max_runs=40))
    sweep = Sweep.open(session.path)
    _record_what_is_new(sweep, np.random.default_rng(0))
    victim = tmp_path / "precious.txt"
    victim.write_text("keep\n")
    (session.path / FILE).symlink_to(victim)
    end = sweep.after_points_end()
    assert end.added == [] and end.problem is not None and "symbolic link" in end.problem
    assert victim.read_text() == "keep\n"
