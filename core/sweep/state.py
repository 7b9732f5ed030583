"""A sweep on disk: which of its points are done, going, or to be queued again (`sweep --resume`),
and its grid as the app shows it. The points themselves are in `sweep.json`
(`core/storage/sweep_file.py`)."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from pathlib import Path

from sst2_tui.core.config import RunConfig
from sst2_tui.core.storage.queue_file import NewRun, QueueEntry, Resume
from sst2_tui.core.storage.sessions import RunRecord, Session, load_run
from sst2_tui.core.storage.start_failures import unstarted
from sst2_tui.core.storage.sweep_file import (
    SlurmOptions,
    SweepFile,
    SweepFileError,
    UntilResolved,
    point_label,
    read_sweep_file,
)
from sst2_tui.core.storage.validated import read_config
from sst2_tui.core.summary import Status
from sst2_tui.core.sweep_label import sweep_label


def write_sweep_file(session_path: Path, points: list[RunConfig], parallel: int | str,
                     slurm: SlurmOptions | None = None, confirm_seeds: int = 0,
                     until_resolved: UntilResolved | None = None, margin: float | None = None) -> None:
    """`parallel`: points at once on this machine; `slurm`: the sweep runs as SLURM job arrays instead
    (its options, for `sweep --resume`); `confirm_seeds`: fresh seeds of each chosen setting after the
    grid; `margin`: --margin (None: the default for the judging sentences)."""
    SweepFile(points, parallel, "slurm" if slurm is not None else "local", slurm, until_resolved=until_resolved,
              confirm_seeds=confirm_seeds, margin=margin).write(session_path)


def point_of(config: object) -> str | None:
    """The point a run's config (a `RunConfig`, or as saved) is of; None for a run of no sweep."""
    label = sweep_label(config)
    return label.point if label else None


def sweep_points(session: Session) -> list[RunConfig]:
    """The sweep's points; none where sweep.json is missing or damaged (the app shows what it can)."""
    try:
        return read_sweep_file(session.path).points
    except SweepFileError:
        return []


def runs_by_point(session: Session) -> dict[str, list[RunRecord]]:
    found: dict[str, list[RunRecord]] = {}
    for folder in session.run_folders():
        record = load_run(folder)
        point = point_of(record.config)
        if point is not None:
            found.setdefault(point, []).append(record)
    return found


def next_entry(config: RunConfig, records: list[RunRecord]) -> QueueEntry | None:
    """What a point still needs: nothing once a run of it finished or is going; else its latest
    interrupted, stopped or died run continued in its own folder, from its newest complete
    checkpoint, or from scratch when it was killed before it saved one; else (it never started, or
    failed) a fresh run."""
    from sst2_tui.core.storage.checkpoints import has_complete_checkpoint

    if any(r.status == Status.FINISHED or r.status.is_live for r in records):
        return None
    resumable = [r for r in records if r.status.is_resumable]
    if resumable:
        folder = resumable[-1].folder
        return Resume(folder.path, from_scratch=not has_complete_checkpoint(folder.checkpoints))
    return NewRun(config)


def unfinished_points(session: Session, sweep: SweepFile | None = None) -> list[tuple[str, QueueEntry]]:
    """Every point of the sweep that neither finished nor is going, with what it needs (`next_entry`)."""
    runs = runs_by_point(session)
    found = []
    for config in (sweep or read_sweep_file(session.path)).points:
        point = point_label(config)
        entry = next_entry(config, runs.get(point, [])) if point is not None else None
        if point is not None and entry is not None:
            found.append((point, entry))
    return found


def point_of_entry(entry: QueueEntry) -> str | None:
    if isinstance(entry, Resume):
        return point_of(read_config(entry.run_dir / "config.json")[0])
    return point_label(entry.config)


@dataclass
class GridCell:
    """One method and setting of a sweep: how many of its points there are, finished, going or
    ended otherwise, and the best accuracy of each finished one."""

    method: str
    setting: str
    confirmation: bool = False
    """The chosen setting's confirmation runs (fresh seeds after the grid), a cell of their own."""
    task: str = ""
    """A sweep across tasks: the task's short name (each task's cells are its own); empty for one task."""
    total: int = 0
    finished: int = 0
    going: int = 0
    ended_otherwise: int = 0
    """Failed, stopped, interrupted or died: not finished, not going."""
    unstarted: int = 0
    """Failed to start: no run folder (start-failures.jsonl)."""
    accuracies: list[float] = field(default_factory=list)
    dropped: str | None = None
    """`--until-resolved`: why the race dropped this setting (`dropped after round 2: 3.1 points below ...`)."""

    @property
    def state(self) -> str:
        if self.dropped and not self.going:
            return "dropped"
        if self.finished == self.total:
            return "done"
        if self.going:
            return "going"
        if self.unstarted == self.total - self.finished - self.going and not self.finished:
            return "failed to start"
        if self.ended_otherwise or self.unstarted:
            return "some failed"
        return "waiting" if not self.finished else "partly done"

    @property
    def mean_accuracy(self) -> float | None:
        return statistics.fmean(self.accuracies) if self.accuracies else None


@dataclass(frozen=True)
class GoingPoint:
    """A point that trains now, as the sweep screen lists it."""

    run_id: str
    run_dir: Path
    point: str
    method: str
    setting: str
    seed: object
    status: Status
    step: int
    loss: float | None
    accuracy: float | None


@dataclass(frozen=True)
class GridState:
    cells: list[GridCell]
    going: list[GoingPoint]
    planned: int = 0
    """The runs the sweep will have in all, its confirmation runs counted before they are added (0: unknown)."""
    planned_exact: bool = True
    """False for an `--until-resolved` sweep that has not stopped: `planned` is its budget, at most."""

    @property
    def total(self) -> int:
        return max(sum(c.total for c in self.cells), self.planned)

    def total_text(self) -> str:
        return f"{self.total}" if self.planned_exact else f"at most {self.total}"

    @property
    def finished(self) -> int:
        return sum(c.finished for c in self.cells)


def grid_state(session: Session) -> GridState:
    """A sweep as the app shows it: per method and setting, its points' states and the mean best
    accuracy of the finished ones; and one line per point that is going now."""
    from sst2_tui.core.events import Eval, Step

    runs = runs_by_point(session)
    never_started = {failure.point for failure in unstarted(session.path, set(runs))}
    cells: dict[tuple[str, str, str, bool], GridCell] = {}
    going = []
    for config in sweep_points(session):
        label = sweep_label(config)
        method, setting = (label.method, label.setting) if label else ("?", "?")
        confirmation = bool(label and label.confirmation)
        task = label.task if label else ""
        cell = cells.setdefault((task, method, setting, confirmation), GridCell(method, setting, confirmation, task))
        cell.total += 1
        records = runs.get(point_label(config) or "", [])
        latest = records[-1] if records else None
        if latest is None:
            cell.unstarted += (point_label(config) or "") in never_started
            continue
        if latest.status == Status.FINISHED:
            cell.finished += 1
            best = latest.summary.best_val_accuracy if latest.summary else None
            if isinstance(best, float):
                cell.accuracies.append(best)
        elif latest.status.is_live:
            cell.going += 1
            steps = [e for e in latest.events if isinstance(e, Step)]
            evals = [e for e in latest.events if isinstance(e, Eval)]
            going.append(GoingPoint(latest.folder.run_id, latest.folder.path, point_label(config) or "?", method, setting,
                                    label.seed if label else None, latest.status, steps[-1].step if steps else 0,
                                    steps[-1].loss if steps else None, evals[-1].accuracy if evals else None))
        else:
            cell.ended_otherwise += 1
    from sst2_tui.core.storage.decisions_file import DecisionKind, read_decisions

    for decision in read_decisions(session.path)[0]:
        raced = cells.get(("", decision.method or "", decision.setting or "", False))  # rounds: a sweep of one task
        if decision.kind == DecisionKind.DROPPED and raced is not None:
            raced.dropped = decision.text
    try:
        planned, exact = read_sweep_file(session.path).planned_runs()
    except SweepFileError:
        planned, exact = 0, True
    if not exact and any(d.kind == DecisionKind.END for d in read_decisions(session.path)[0]):
        planned, exact = 0, True  # it has stopped: its points are all it will have
    return GridState(list(cells.values()), going, planned, exact)
