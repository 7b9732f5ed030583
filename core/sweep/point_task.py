"""One grid point as a SLURM array task runs it (`sweep --executor slurm`): what the point still
needs is decided when the task starts, from the session on the shared filesystem, so a task that
SLURM requeues, or a point submitted again by `sweep --resume`, never trains a finished point twice
and continues an interrupted one from its checkpoint."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from submitit.helpers import Checkpointable, DelayedSubmission

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


CHECKPOINT_WAIT_SECONDS = 80.0
"""How long a warned task waits for its run to save and end: SLURM warns 90 s before the time limit
(submitit's default), and kills the task's processes when it ends."""


class PointTask(Checkpointable):
    """The array task's body (submitit pickles it; this module must import on the nodes, as the package
    is installed in the same environment there): run the point's `sst2-tui run` as a child, in the
    task's own process group.

    Near its time limit, or when preempted, SLURM signals the whole group (SIGUSR2, as submitit asks
    for with --signal): the run saves a checkpoint and ends `interrupted`. submitit's handler in this
    process then calls `checkpoint`, which waits for the run to end and hands submitit this same task
    to requeue: the point continues from its checkpoint in its own folder, with no `sweep --resume`."""

    def __init__(self, after: Callable[[Path], list[str]] | None = None) -> None:
        self._child: subprocess.Popen | None = None
        self._after = after
        """What to call when the point has ended (`submit`'s `after`), pickled with the task by name."""

    def __call__(self, session_dir: str, point: str) -> int:
        command = point_command(Path(session_dir), point)
        if command is None:
            return 0
        env = dict(os.environ)
        cpus = env.get("SLURM_CPUS_PER_TASK")
        if cpus and "OMP_NUM_THREADS" not in env:  # the cores SLURM gave this task, not every core of the node
            env["OMP_NUM_THREADS"] = cpus
        # submitit sets SIGTERM to be ignored in this process; the child must not inherit that
        self._child = subprocess.Popen(command, env=env, preexec_fn=_default_signals)
        while (code := self._child.poll()) is None:  # polling, not wait(): a signal handler may poll too
            time.sleep(0.5)
        _after_points_end(self._after, Path(session_dir))
        return code

    def checkpoint(self, session_dir: str, point: str) -> DelayedSubmission:
        """Called by submitit on SIGUSR2. The run got the signal with the whole process group; it is
        told again (a signal sent to this process alone), and waited for while it saves."""
        child = self._child
        if child is not None and child.poll() is None:
            with contextlib.suppress(OSError):
                child.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + CHECKPOINT_WAIT_SECONDS
            while child.poll() is None and time.monotonic() < deadline:
                time.sleep(0.5)
        return DelayedSubmission(PointTask(self._after), session_dir, point)

    def __getstate__(self) -> dict:
        return {"after": self._after}  # a running child is not part of what is requeued

    def __setstate__(self, state: dict) -> None:
        self._child = None
        self._after = state.get("after")


def _after_points_end(after: Callable[[Path], list[str]] | None, session_dir: Path) -> None:
    """The task that ends last takes the sweep's step after its points (`after`, the sweep's own
    `after_points_end_at`): an `--until-resolved` sweep on SLURM goes on to its next round with nobody
    following it. Any task may ask; only one that finds every point ended adds anything. Said in the
    task's log, never a failed task: the point itself ran."""
    if after is None:
        return
    try:
        for line in after(session_dir):
            print(f"sst2-tui: {line}", flush=True)
    except Exception as error:  # noqa: BLE001 - the point's own result stands whatever happens here
        print(f"sst2-tui: the sweep's next step was not taken here ({error}); `sst2-tui sweep --resume` takes it",
              flush=True)


def _default_signals() -> None:
    for number in (signal.SIGTERM, signal.SIGINT, signal.SIGUSR2, signal.SIGCONT):
        signal.signal(number, signal.SIG_DFL)


def run_point(session_dir: str, point: str) -> int:
    """One point, run to its end in this process's child (also what a test or a local executor calls)."""
    return PointTask()(session_dir, point)
