"""One `run` line per queue entry: the queue runner, a SLURM task and `sweep --print-commands` start
a sweep's point with the same arguments (`NewRun.argv`), and a resumed point with `Resume.argv`."""

from __future__ import annotations

import shlex

from sst2_tui.cli.main import main
from sst2_tui.core.run.queue_runner import runner_argv
from sst2_tui.core.run.self_command import sst2_command
from sst2_tui.core.storage.queue_file import NewRun, Resume, SessionQueue
from sst2_tui.core.storage.sessions import Session
from sst2_tui.core.storage.sweep_file import read_sweep_file
from sst2_tui.core.sweep.point_task import point_command
from sst2_tui.core.sweep.start import create_sweep

GRID = ["sweep", "--model", "demo", "--data", "demo", "--method", "full,lora", "--lr", "1e-3,3e-4", "--seeds", "0",
        "--notify", "echo a,b", "--epochs", "0.5"]


def test_a_point_gets_the_same_run_line_from_the_queue_runner_a_slurm_task_and_print_commands(tmp_path, capsys):
    sessions = tmp_path / "sessions"
    assert main([*GRID, "--print-commands", "--sessions-dir", str(sessions), "--session", "grid"]) == 0
    printed = [shlex.split(line)[1:] for line in capsys.readouterr().out.splitlines()]  # after "sst2-tui"
    assert not sessions.exists(), "--print-commands starts nothing"

    from sst2_tui.core.sweep.grid import build_grid, parse_listed

    points = build_grid({"method": parse_listed("--method", ["full,lora"]), "lr": parse_listed("--lr", ["1e-3,3e-4"])}, [0])
    points = [p.replace(model="demo", data="demo", notify="echo a,b", epochs=0.5) for p in points]
    session = create_sweep(sessions, "grid", points, 1)
    queued = SessionQueue(session.path).entries()
    assert len(queued) == len(printed) == 4
    for entry, line in zip(queued, printed, strict=True):
        assert isinstance(entry, NewRun)
        assert runner_argv(entry, session) == [*line, "--attachable"], "the queue runner: the same line, attachable"
        point = read_sweep_file(session.path).points[queued.index(entry)]
        assert point_command(session.path, point.sweep.point) == [*sst2_command(), *line], "a SLURM task"


def test_a_resumed_point_has_one_line_too(tmp_path):
    session = Session.create(tmp_path, "s")
    run_dir = session.path / "runs" / "01-full"
    run_dir.mkdir(parents=True)
    entry = Resume(run_dir, from_scratch=True)
    assert runner_argv(entry, session) == ["run", "--resume", str(run_dir), "--from-scratch", "--quiet", "--attachable"]
