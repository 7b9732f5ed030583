"""Does a session still have work? One answer for the CLI's `sweep` (when to print the verdict),
the app's watcher (when to stop looking for runs) and `attach` (whether to open on a session).

Work is left while the session's queue runner lives, anything waits in its queue, any of its runs
is live, or (a SLURM sweep) its last job array still has tasks pending or running."""

from __future__ import annotations

import time
from pathlib import Path

from sst2_tui.core.run.queue_runner import runner_is_live
from sst2_tui.core.storage.queue_file import SessionQueue
from sst2_tui.core.storage.sessions import Session
from sst2_tui.core.storage.sweep_file import SweepFileError, is_sweep, read_sweep_file


def has_work_left(session_path: Path) -> bool:
    if runner_is_live(session_path) or SessionQueue(session_path).entries():
        return True
    if any(folder.is_live() for folder in Session.open(session_path).run_folders()):
        return True
    return slurm_array_queued(session_path) is not None


def slurm_array_queued(session_path: Path) -> str | None:
    """A SLURM sweep's last job array id while any of its tasks is pending or running, else None."""
    if not is_sweep(session_path):
        return None
    try:
        sweep = read_sweep_file(session_path)
    except SweepFileError:
        return None
    if sweep.executor != "slurm" or not sweep.submissions:
        return None
    last = sweep.submissions[-1]
    return last.job_id if last.cluster == "slurm" and _queued(last.job_id) else None


SQUEUE_EVERY_SECONDS = 5.0  # the app's watcher asks four times a second; the controller is asked at most this often
_asked: dict[str, tuple[float, bool | None]] = {}


def _queued(job_id: str) -> bool | None:
    from sst2_tui.core.sweep.slurm import job_is_queued

    now = time.monotonic()
    when, answer = _asked.get(job_id, (-SQUEUE_EVERY_SECONDS, None))
    if now - when >= SQUEUE_EVERY_SECONDS:
        answer = job_is_queued(job_id)
        _asked[job_id] = (now, answer)
    return answer
