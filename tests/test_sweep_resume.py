"""`sweep --resume` whatever state a sweep was left in (#34 items 2 and 3): typed as a relative path,
with a point killed before its first checkpoint, on a session that is not a sweep, with an edited
point. Every path in JSON is absolute."""

from __future__ import annotations

import json
import os
import signal

from sst2_tui.core.config import RunConfig
from sst2_tui.core.storage.queue_file import NewRun, Resume, SessionQueue
from sst2_tui.core.storage.sessions import RunFolder, Session, load_run
from sst2_tui.core.sweep.grid import build_grid, parse_listed
from sst2_tui.core.sweep.start import create_sweep
from sst2_tui.core.sweep.state import next_entry
from sst2_tui.core.sweep.sweep import Requeued, Sweep
from tests.cli import run_cli, start_cli, wait_until

TINY = {"model": "demo", "data": "demo", "train_subset": 32, "eval_subset": 16, "batch_size": 16, "epochs": 1.0}


def tiny_points(seeds: list[int], **listed: str) -> list[RunConfig]:
    flags = {name: parse_listed("--" + name, [value]) for name, value in {**{k: str(v) for k, v in TINY.items()}, **listed}.items()}
    return build_grid(flags, seeds)


def test_every_folder_path_is_absolute_however_it_was_typed(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "w").mkdir()
    session = Session.create(tmp_path / "w" / ".." / "w", "s")
    assert session.path == tmp_path / "w" / "s"
    assert Session.open(os.path.relpath(session.path)).path == session.path
    folder = RunFolder(os.path.join("w", "s", "runs", "01-full"))
    assert folder.path == session.path / "runs" / "01-full"
    SessionQueue(session.path).add(Resume(os.path.join("w", ".", "s", "runs", "01-full")))
    [item] = json.loads((session.path / "queue.json").read_text())["items"]
    assert item["resume"] == str(folder.path), "queue.json holds the absolute, normalized folder"


def test_a_point_that_died_before_its_first_checkpoint_is_started_again_in_its_folder(tmp_path):
    [config] = tiny_points([0])
    session = create_sweep(tmp_path, "sw", [config], 1)
    folder = session.new_run(config)
    folder.events_path.write_text(json.dumps({"type": "run_started", "time": 1.0, "method": "full"}) + "\n")
    record = load_run(folder)
    assert record.status == "died"
    entry = next_entry(config, [record])
    assert entry == Resume(folder.path, from_scratch=True)
    assert "starts again from scratch in its folder" in Requeued("p001", entry).line()
    assert next_entry(config, []) == NewRun(config)


def test_resume_on_a_session_that_is_not_a_sweep_or_has_a_damaged_sweep_file_is_one_line(tmp_path):
    from sst2_tui.core.storage.sweep_file import SweepFileError

    plain = Session.create(tmp_path, "plain")
    try:
        Sweep.open(plain.path)
        raise AssertionError("a plain session opened as a sweep")
    except SweepFileError as error:
        assert "not a sweep" in str(error) and "run --resume" in str(error)
    session = create_sweep(tmp_path, "sw", tiny_points([0]), 1)
    (session.path / "sweep.json").write_text('{"parallel": 2, "points": [{"model": "demo"}]}')
    try:
        Sweep.open(session.path)
        raise AssertionError("a damaged sweep.json opened")
    except SweepFileError as error:
        assert str(session.path / "sweep.json") in str(error) and "point 1" in str(error)


def test_an_edited_point_is_named_not_trained_anew(tmp_path):
    [config] = tiny_points([0])
    session = create_sweep(tmp_path, "sw", [config], 1)
    SessionQueue(session.path).clear()
    folder = session.new_run(config.replace(lr=0.5))  # its config.json edited since
    folder.events_path.write_text(json.dumps({"type": "run_started", "time": 1.0, "method": "full"}) + "\n")
    sweep = Sweep.open(session.path)
    requeued, refused = sweep._needed()
    assert not requeued and [r.point for r in refused] == ["p001"]
    assert "no longer matches the point in sweep.json (lr differ)" in refused[0].reason


def test_sweep_resume_typed_relative_with_a_point_killed_before_its_first_checkpoint(tmp_path):
    """The two severe faults of #34: a relative SESSION_DIR lost every re-queued point ("being written
    by sst2-tui pid N"), and a point killed before its first checkpoint made resume crash."""
    points = tiny_points([0, 1], lr="3e-4,1e-3", train_subset="640")  # 40 steps to the first checkpoint
    session = create_sweep(tmp_path / "w", "sw", points, 2)
    SessionQueue(session.path).clear()
    SessionQueue(session.path).add(NewRun(points[0]))  # p001, killed -9 before its first checkpoint
    runner = start_cli("queue-runner", str(session.path))
    first = RunFolder(session.path / "runs" / "01-full")
    wait_until(lambda: first.events_path.exists() and '"type":"step"' in first.events_path.read_text(), 120, "a step")
    os.kill(first.holder_pid(), signal.SIGKILL)
    runner.wait(60)
    assert load_run(first).status == "died" and not list(first.checkpoints.glob("step-*/manifest.json"))
    (tmp_path / "elsewhere").mkdir()
    done = run_cli("sweep", "--resume", os.path.join("..", "w", "sw"), cwd=tmp_path / "elsewhere", timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    assert "p001: 01-full was stopped before its first checkpoint; it starts again from scratch in its folder" in done.stdout
    assert "4 point(s) to run again" in done.stdout and "Sweep: 4 of 4 runs finished" in done.stdout
    progress = [line.split() for line in done.stdout.splitlines() if line.startswith("   ")]
    assert sorted((line[0], line[1]) for line in progress) == [(f"0{n}-full", "finished") for n in range(1, 5)], \
        "each point said once, as it ended after the resume (never its stale 'died')"
    records = [load_run(f) for f in Session.open(session.path).run_folders()]
    assert sorted(r.config.sweep.point for r in records) == ["p001", "p002", "p003", "p004"]
    assert [r.status for r in records] == ["finished"] * 4, "no point lost to a path typed relative"
    for record in records:
        assert record.summary.run_dir == str(record.folder.path) and os.path.isabs(record.summary.session_dir)


def test_a_slurm_sweeps_options_come_back_typed_and_a_mistyped_one_is_named(tmp_path):
    from sst2_tui.core.storage.sweep_file import SlurmOptions, SweepFileError, read_sweep_file

    options = SlurmOptions(partition="gpu", gpus_per_task=1, time_min=90, extra={"mem_gb": 16})
    session = create_sweep(tmp_path, "sw", tiny_points([0]), 1, options)
    assert SessionQueue(session.path).entries() == [], "a SLURM sweep queues nothing locally"
    assert read_sweep_file(session.path).slurm == options
    data = json.loads((session.path / "sweep.json").read_text())
    data["slurm"]["time_min"] = "soon"
    (session.path / "sweep.json").write_text(json.dumps(data))
    try:
        Sweep.open(session.path)
        raise AssertionError("a mistyped SLURM option was read")
    except SweepFileError as error:
        assert str(session.path / "sweep.json") in str(error) and "'time_min'" in str(error)


def test_one_answer_to_has_work_left_for_the_follower_attach_and_the_app(tmp_path, monkeypatch):
    """The CLI's follower, `attach` and the app's watcher ask core/sweep/work.has_work_left: a queued
    point is work, a session with nothing queued or live is not (a sweep is still worth attaching to)."""
    from sst2_tui.cli.main import session_with_work
    from sst2_tui.core.run import queue_runner
    from sst2_tui.core.sweep import work

    monkeypatch.setattr(queue_runner, "runner_is_live", lambda path: False)
    monkeypatch.setattr(work, "runner_is_live", lambda path: False)
    session = create_sweep(tmp_path, "sw", tiny_points([0, 1]), 1)
    sweep = Sweep.open(session.path)
    assert sweep.has_work_left() and work.has_work_left(session.path) and session_with_work(session.path)
    SessionQueue(session.path).clear()
    assert not sweep.has_work_left() and session_with_work(session.path), "done, but a sweep: attach shows it"
    plain = Session.create(tmp_path, "plain")
    SessionQueue(plain.path).add(NewRun(RunConfig(model="demo", data="demo")))
    assert session_with_work(plain.path)
    SessionQueue(plain.path).clear()
    assert not session_with_work(plain.path)
    assert list(sweep.points_as_they_end()) == [], "nothing ended and no work left: the follower returns at once"
