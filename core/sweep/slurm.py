"""A sweep on a SLURM cluster, through submitit: the grid's points go out as one job array, one point
per array task, and every task runs its point into the sweep's session on the shared filesystem,
so the app, `attach`, `sessions` and `report` on the login node read the sweep live, as they read
a local one. Nothing here schedules: SLURM does; submitit writes the sbatch script and submits it.

The session keeps what was submitted in sweep.json (`submissions`: job id and points), and each
task's log in `SESSION/slurm/<job>_<task>/` (submitit's folders)."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sst2_tui.core.errors import UserError, quote
from sst2_tui.core.storage.sweep_file import SlurmOptions, Submission, read_sweep_file
from sst2_tui.core.text.json_text import parse_json

SLURM_FOLDER = "slurm"
# Generic submitit parameters that our own flags already set: `--slurm-param` may not set them twice.
OWN = {"timeout_min": "--slurm-time", "slurm_partition": "--slurm-partition",
       "slurm_gpus_per_task": "--slurm-gpus-per-task", "slurm_array_parallelism": "--slurm-array-parallelism"}


def parse_time(text: str) -> int:
    """`--slurm-time` as sbatch reads it: minutes (`90`), `MM:SS`, `HH:MM:SS`, `D-HH`, `D-HH:MM`,
    `D-HH:MM:SS`; in whole minutes, rounded up."""
    days, dash, rest = text.strip().rpartition("-")
    parts = rest.split(":")
    numbers = [days, *parts] if dash else parts
    if all(n.isdigit() and len(n) <= 7 for n in numbers) and len(parts) <= 3:
        values = [int(n) for n in parts]
        if days:
            hours, minutes, seconds = [*values, 0, 0][:3]
            hours += 24 * int(days)
        else:
            hours, minutes, seconds = ([0, *values] if len(values) == 2 else [0, values[0], 0] if len(values) == 1
                                       else values)
        total = hours * 60 + minutes + (seconds > 0)
        if 1 <= total <= 366 * 1440:
            return total
    raise UserError(f"--slurm-time {quote(text)}: give minutes (90), HH:MM:SS or D-HH:MM, at least one minute")


def parse_params(items: list[str]) -> dict[str, Any]:  # submitit's parameters: an open mapping
    """`--slurm-param KEY=VALUE`: a value that reads as JSON is taken as JSON (4, true, {"qos": "x"})."""
    params: dict[str, Any] = {}
    for item in items:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or not re.fullmatch(r"[a-z][a-z0-9_]*", key):
            raise UserError(f"--slurm-param {quote(item)}: give KEY=VALUE with a submitit parameter name, "
                            "e.g. cpus_per_task=4 or slurm_account=myproject")
        if key in OWN:
            raise UserError(f"--slurm-param {quote(item)}: use {OWN[key]} for {key}")
        try:
            params[key] = parse_json(text)
        except ValueError:
            params[key] = text
    return params


def submit(session_path: Path, points: list[str], options: SlurmOptions, cluster: str = "slurm",
           after: Callable[[Path], list[str]] | None = None) -> str:
    """Submits the points as one job array (`cluster="local"`: submitit's local executor, the same
    road without a cluster). Returns the job id; records it in sweep.json. `after(session_path)` is
    what each task calls when its point has ended (the sweep's step after its points, which only the
    task that finds every point ended acts on): passed in by the sweep, so this module and the task's
    never import the sweep (which imports them)."""
    import submitit

    from sst2_tui.core.sweep.point_task import PointTask

    folder = session_path / SLURM_FOLDER / "%j"
    try:
        executor = submitit.AutoExecutor(folder=folder, cluster=cluster)
        executor.update_parameters(name=f"sst2-sweep-{session_path.name}"[:60], **options.parameters())
        jobs = executor.map_array(PointTask(after), [str(session_path)] * len(points), points)
    except (ValueError, TypeError) as error:  # an unknown or mistyped submitit parameter
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise UserError(f"sweep --executor slurm: submitit refused the parameters: {first[:300]}") from None
    except (subprocess.CalledProcessError, submitit.core.utils.FailedJobError, OSError) as error:
        said = getattr(error, "output", b"") or b""
        said = said.decode(errors="replace") if isinstance(said, bytes) else str(said)
        raise UserError(f"sweep --executor slurm: sbatch failed: {last_line(said) or last_line(str(error))}") from None
    job_id = str(jobs[0].job_id).split("_")[0] if jobs else ""
    record_submission(session_path, job_id, points, cluster)
    return job_id


def last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:300] if lines else ""


def check_cluster() -> None:
    """Before anything is created: SLURM's commands are here and its controller answers (else one
    line, with SLURM's own last word on why)."""
    if shutil.which("sbatch") is None or shutil.which("squeue") is None:
        raise UserError("sweep --executor slurm: no sbatch/squeue on this machine's PATH; run the sweep on the "
                        "cluster's login node (or use --print-commands for another scheduler)")
    try:
        answer = subprocess.run(["squeue", "-h", "-o", "%i", "-j", "0"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        raise UserError("sweep --executor slurm: the SLURM controller did not answer squeue in 20 s; "
                        "run the sweep on the cluster's login node") from None
    if answer.returncode != 0 and "invalid job id" not in answer.stderr.lower():
        raise UserError(f"sweep --executor slurm: SLURM does not answer here ({last_line(answer.stderr) or 'squeue failed'}); "
                        "run the sweep on the cluster's login node")


def record_submission(session_path: Path, job_id: str, points: list[str], cluster: str) -> None:
    read_sweep_file(session_path).with_submission(job_id, points, cluster).write(session_path)


def last_submission(session_path: Path) -> Submission | None:
    submissions = read_sweep_file(session_path).submissions
    return submissions[-1] if submissions else None


def job_is_queued(job_id: str) -> bool | None:
    """True while any task of the array is pending or running in SLURM; False once none is; None when
    squeue cannot tell (not on this machine, or the controller does not answer)."""
    if not job_id or shutil.which("squeue") is None:
        return None
    try:
        result = subprocess.run(["squeue", "-h", "-r", "-j", job_id, "-o", "%T"], capture_output=True, text=True,
                                timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if result.returncode != 0:
        # a job that ended long ago is no longer known to the controller: gone, not unknown
        return False if "invalid job id" in result.stderr.lower() else None
    states = [line.strip() for line in result.stdout.splitlines() if line.strip()]
    return any(state in ("PENDING", "RUNNING", "CONFIGURING", "REQUEUED", "RESIZING", "SUSPENDED")
               for state in states)
