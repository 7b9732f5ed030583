"""One grid point as a SLURM array task runs it (`sweep --executor slurm`): what the point still
needs is decided when the task starts, from the session on the shared filesystem, so a task that
SLURM requeues, or a point submitted again by `sweep --resume`, never trains a finished point twice
and continues an interrupted one from its checkpoint."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

from sst2_tui.core.run.self_command import sst2_command
from sst2_tui.core.storage.sessions import Session
from sst2_tui.core.storage.sweep_file import SweepFileError, read_sweep_file
from sst2_tui.core.sweep.state import next_entry, runs_by_point


def point_command(session_path: Path, point: str) -> list[str] | None:
    """The `sst2-tui run` line the point needs now, or None (finished, going, or not in this sweep)."""
    session = Session.open(session_path)
    try:
        config = read_sweep_file(session.path).point(point)
    except SweepFileError:
        return None
    if config is None:
        return None
    entry = next_entry(config, runs_by_point(session).get(point, []))
    return None if entry is None else [*sst2_command(), *entry.argv(session.path)]


# SLURM warns a task before its time limit (submitit asks for SIGUSR2 90 s ahead) and then sends
# SIGTERM: either way the run is told to stop now, so it saves a checkpoint and ends `interrupted`,
# and `sweep --resume` continues it from there.
FORWARDED = (signal.SIGUSR2, signal.SIGTERM)


def run_point(session_dir: str, point: str) -> int:
    """The array task's body (submitit pickles it by reference: this module must import on the
    nodes, as the package is installed in the same environment there). Returns the run's exit code."""
    command = point_command(Path(session_dir), point)
    if command is None:
        return 0
    env = dict(os.environ)
    cpus = env.get("SLURM_CPUS_PER_TASK")
    if cpus and "OMP_NUM_THREADS" not in env:  # the cores SLURM gave this task, not every core of the node
        env["OMP_NUM_THREADS"] = cpus
    child = subprocess.Popen(command, env=env)
    previous = {}
    try:
        for number in FORWARDED:
            previous[number] = signal.signal(number, lambda *_: child.send_signal(signal.SIGTERM))
    except ValueError:  # not the main thread (a test's thread): no signals to forward
        pass
    try:
        return child.wait()
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
