"""A sweep's `sweep.json`, typed and read in one place.

    {"parallel": 2, "executor": "local", "points": [{...RunConfig...}, ...],
     "confirm_seeds": 3, "slurm": {...}, "submissions": [{"job_id": "123", "points": ["p001"], "cluster": "slurm", "time": 1.7e9}]}

`parallel`: points at once on this machine (a number, or `gpus`: one per GPU); `executor`: `local`
(the session's queue runner) or `slurm` (job arrays, `slurm` their options, `submissions` each
array sent); `points`: every point's settings, its sweep label in `sweep` (the confirmation runs
too, once the grid has chosen: `confirm_seeds` of them per method given several settings). A file that
does not read as this is refused naming the file and what is wrong (`SweepFileError`).
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sst2_tui.core.config import RunConfig
from sst2_tui.core.errors import UserError
from sst2_tui.core.records import RecordError, record_from_json
from sst2_tui.core.storage.files import atomic_write_json
from sst2_tui.core.storage.validated import read_object
from sst2_tui.core.sweep_label import sweep_label

SWEEP_FILE = "sweep.json"
EXECUTORS = ("local", "slurm")
MAX_CONFIRM_SEEDS = 100


class SweepFileError(UserError):
    """sweep.json is missing where a sweep is expected, or damaged; the message names the file."""


@dataclass(frozen=True)
class Submission:
    """One SLURM job array sent for this sweep."""

    job_id: str
    points: list[str]
    cluster: str = "slurm"
    """`slurm`, or `local` (submitit's local executor, where no cluster answers)."""
    time: float = 0.0


@dataclass(frozen=True)
class SlurmOptions:
    """How each array task of a SLURM sweep is asked for: the flags of `sweep --executor slurm`, kept
    in sweep.json for `sweep --resume`."""

    partition: str | None = None
    """--slurm-partition: the partition (default: the cluster's default one)."""
    gpus_per_task: int | None = None
    """--slurm-gpus-per-task: GPUs each point gets (SLURM sets its CUDA_VISIBLE_DEVICES)."""
    time_min: int = 60
    """--slurm-time: each task's time limit in minutes; a point cut off resumes on `sweep --resume`."""
    array_parallelism: int | None = None
    """--slurm-array-parallelism: array tasks running at once (default: as many as SLURM allows)."""
    extra: dict[str, Any] = field(default_factory=dict)
    """--slurm-param KEY=VALUE: any other submitit parameter (cpus_per_task=4, mem_gb=16, slurm_account=x):
    an open mapping of submitit's, passed on as it is."""

    def parameters(self) -> dict[str, Any]:
        """submitit's `update_parameters` keywords (an open mapping: submitit's names)."""
        ours = (("slurm_partition", self.partition), ("slurm_gpus_per_task", self.gpus_per_task),
                ("slurm_array_parallelism", self.array_parallelism))
        return {"timeout_min": self.time_min, **{key: value for key, value in ours if value is not None}, **self.extra}


@dataclass(frozen=True)
class UntilResolved:
    """`sweep --until-resolved`: the sweep adds its points in rounds and stops itself when its answer is clear."""

    max_runs: int = 48
    """--max-runs: no round starts that would take the sweep past this many runs."""
    max_hours: float | None = None
    """--max-hours: no round starts once the finished runs have used this many device-hours."""
    margin: float | None = None
    """Practical equivalence within ±margin accuracy points, as sweeps before `SweepFile.margin` kept it
    (None: the sweep's own margin)."""


@dataclass(frozen=True)
class SweepFile:
    points: list[RunConfig]
    parallel: int | str = 1
    executor: str = "local"
    slurm: SlurmOptions | None = None
    """The SLURM options, for `sweep --resume` (None: a local sweep)."""
    submissions: list[Submission] = field(default_factory=list)
    until_resolved: UntilResolved | None = None
    """Rounds that stop when the answer is clear (None: the grid as given)."""
    confirm_seeds: int = 0
    """After the grid, each method given several settings trains its chosen one again on this many
    fresh seeds (`--confirm-seeds`), and the verdict judges those; 0: none (sweeps before them too)."""
    margin: float | None = None
    """--margin: two methods within ±margin accuracy points are practically the same (None: the default
    for the judging sentences, `core/comparison.default_margin`)."""

    @property
    def given_margin(self) -> float | None:
        """The margin the user gave (--margin), or an `--until-resolved` sweep's from before it was its own field."""
        return self.margin if self.margin is not None else (self.until_resolved.margin if self.until_resolved else None)

    def planned_runs(self) -> tuple[int, bool]:
        """(the runs this sweep will have, whether that is exact): the grid and its confirmation runs,
        counted before they are chosen; an `--until-resolved` sweep's budget (at most)."""
        if self.until_resolved is not None:
            return max(self.until_resolved.max_runs, len(self.points)), False
        if self.confirmations or not self.confirm_seeds:
            return len(self.points), True
        settings: dict[tuple[str, str], set[str]] = {}
        for config in self.grid:
            if config.sweep is not None:
                settings.setdefault((config.sweep.task, config.sweep.method), set()).add(config.sweep.setting)
        several = sum(1 for found in settings.values() if len(found) > 1)
        return len(self.points) + self.confirm_seeds * several, True

    def for_task(self, task: str) -> SweepFile:
        """The sweep as far as one task of a sweep across tasks goes: its points only."""
        return dataclasses.replace(self, points=[c for c in self.points if (c.sweep.task if c.sweep else "") == task])

    @property
    def grid(self) -> list[RunConfig]:
        """The points of the grid (not the confirmation runs added after it)."""
        return [config for config in self.points if not (config.sweep and config.sweep.confirmation)]

    @property
    def confirmations(self) -> list[RunConfig]:
        return [config for config in self.points if config.sweep and config.sweep.confirmation]

    def point(self, name: str) -> RunConfig | None:
        return next((config for config in self.points if point_label(config) == name), None)

    def write(self, session_path: Path) -> None:
        atomic_write_json(session_path / SWEEP_FILE, self)  # its fields, points as RunConfig fields

    def with_submission(self, job_id: str, points: list[str], cluster: str) -> SweepFile:
        return dataclasses.replace(self, submissions=[*self.submissions, Submission(job_id, points, cluster, time.time())])


def point_label(config: RunConfig) -> str | None:
    """The point's name in its sweep (`p003`), or None for a run that is not a sweep's point."""
    label = sweep_label(config)
    return label.point if label else None


def is_sweep(session_path: Path) -> bool:
    return (session_path / SWEEP_FILE).is_file()


def read_sweep_file(session_path: Path) -> SweepFile:
    """The session's sweep.json; SweepFileError (naming the file) when it is absent or damaged."""
    path = session_path / SWEEP_FILE
    data, problem = read_object(path)
    if problem:
        raise SweepFileError(f"{path}: {problem.removeprefix(f'{path}: ').removesuffix('; skipped')}; "
                             "the sweep cannot be read (restore the file from a backup, or start the sweep again)")
    if data is None:
        raise SweepFileError(f"{session_path}: not a sweep (it has no {SWEEP_FILE}); "
                             "resume one of its runs with `sst2-tui run --resume RUN_DIR`")
    return _parse(path, data)


def _bad(path: Path, what: str) -> SweepFileError:
    return SweepFileError(f"{path}: {what}; the sweep cannot be read (restore the file, or start the sweep again)")


def _parse(path: Path, data: dict[str, Any]) -> SweepFile:
    parallel = data.get("parallel", 1)
    if not (parallel == "gpus" or (isinstance(parallel, int) and not isinstance(parallel, bool) and 1 <= parallel <= 1024)):
        raise _bad(path, f"'parallel' is {parallel!r}, not a number from 1 to 1024 or \"gpus\"")
    executor = data.get("executor", "local")
    if executor not in EXECUTORS:
        raise _bad(path, f"'executor' is {executor!r}, not local or slurm")
    slurm = None
    if data.get("slurm") is not None:
        if not isinstance(data["slurm"], dict):
            raise _bad(path, "'slurm' is not an object")
        try:
            slurm = record_from_json(SlurmOptions, data["slurm"])
        except RecordError as error:
            raise _bad(path, f"'slurm' does not read ({str(error)[:100]})") from None
    raw_points = data.get("points")
    if not isinstance(raw_points, list) or not raw_points:
        raise _bad(path, "'points' is not a list of the sweep's runs")
    points = []
    for index, raw in enumerate(raw_points):
        try:
            if not isinstance(raw, dict):
                raise TypeError("not an object")
            config = RunConfig.from_dict(raw)
        except (TypeError, ValueError) as error:
            raise _bad(path, f"point {index + 1} does not read ({str(error)[:100]})") from None
        if point_label(config) is None:
            raise _bad(path, f"point {index + 1} has no sweep label (sweep.point)")
        points.append(config)
    names = [point_label(c) for c in points]
    if len(set(names)) != len(names):
        raise _bad(path, "two points share a name")
    submissions = []
    for raw in data.get("submissions") or []:
        if isinstance(raw, dict) and isinstance(raw.get("job_id"), str) and isinstance(raw.get("points"), list):
            submissions.append(Submission(raw["job_id"], [p for p in raw["points"] if isinstance(p, str)],
                                          str(raw.get("cluster", "slurm")), float(raw.get("time") or 0)
                                          if isinstance(raw.get("time"), int | float) else 0.0))
    confirm_seeds = data.get("confirm_seeds", 0)
    if isinstance(confirm_seeds, bool) or not isinstance(confirm_seeds, int) or not 0 <= confirm_seeds <= MAX_CONFIRM_SEEDS:
        raise _bad(path, f"'confirm_seeds' is {confirm_seeds!r}, not a whole number from 0 to {MAX_CONFIRM_SEEDS}")
    until_resolved = None
    if data.get("until_resolved") is not None:
        if not isinstance(data["until_resolved"], dict):
            raise _bad(path, "'until_resolved' is not an object")
        try:
            until_resolved = record_from_json(UntilResolved, data["until_resolved"])
        except RecordError as error:
            raise _bad(path, f"'until_resolved' does not read ({str(error)[:100]})") from None
        if not 1 <= until_resolved.max_runs <= 10_000 or (until_resolved.max_hours is not None and
                                                          not 0 < until_resolved.max_hours <= 1e6):
            raise _bad(path, "'until_resolved' has a budget out of range (max_runs 1 to 10000, max_hours above 0)")
    margin = data.get("margin")
    if margin is not None and (isinstance(margin, bool) or not isinstance(margin, int | float) or not 0 < margin <= 100):
        raise _bad(path, f"'margin' is {margin!r}, not a number of accuracy points above 0 and at most 100")
    return SweepFile(points, parallel, executor, slurm, submissions, until_resolved, confirm_seeds,
                     None if margin is None else float(margin))
