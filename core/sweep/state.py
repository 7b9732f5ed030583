"""A sweep on disk: which of its points are done, going, or to be queued again (`sweep --resume`),
and its grid as the app shows it. The points themselves are in `sweep.json`
(`core/storage/sweep_file.py`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sst2_tui.core.config import RunConfig
from sst2_tui.core.storage.queue_file import NewRun, QueueEntry, Resume
from sst2_tui.core.storage.sessions import RunRecord, Session, load_run
from sst2_tui.core.storage.sweep_file import SweepFile, SweepFileError, point_label, read_sweep_file
from sst2_tui.core.storage.validated import read_object
from sst2_tui.core.summary import LIVE, RESUMABLE


def write_sweep_file(session_path: Path, points: list[RunConfig], parallel: int | str,
                     slurm: dict[str, Any] | None = None) -> None:
    """`parallel`: points at once on this machine; `slurm`: the sweep runs as SLURM job arrays instead
    (its options, for `sweep --resume`)."""
    SweepFile(points, parallel, "slurm" if slurm is not None else "local", slurm).write(session_path)


def point_of(config: dict[str, Any] | None) -> str | None:
    sweep = ((config or {}).get("extra") or {}).get("sweep")
    return sweep.get("point") if isinstance(sweep, dict) and isinstance(sweep.get("point"), str) else None


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

    if any(r.status == "finished" or r.status in LIVE for r in records):
        return None
    resumable = [r for r in records if r.status in RESUMABLE]
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
        return point_of(load_run_config(entry.run_dir))
    return point_label(entry.config)


def load_run_config(run_dir: Path) -> dict[str, Any] | None:
    data, _ = read_object(run_dir / "config.json")
    return data


def grid_state(session: Session) -> dict[str, Any]:
    """A sweep as the app shows it: per method and setting, its points' states and the mean best
    accuracy of the finished ones; and one line per point that is going now."""
    from statistics import fmean

    from sst2_tui.core.events import Eval, Step

    runs = runs_by_point(session)
    cells: dict[tuple[str, str], dict[str, Any]] = {}
    going = []
    for config in sweep_points(session):
        sweep = config.extra["sweep"]
        cell = cells.setdefault((sweep.get("method", "?"), sweep.get("setting", "?")),
                                {"method": sweep.get("method", "?"), "setting": sweep.get("setting", "?"), "total": 0,
                                 "finished": 0, "going": 0, "failed": 0, "accuracies": []})
        cell["total"] += 1
        records = runs.get(point_label(config), [])
        latest = records[-1] if records else None
        if latest is None:
            continue
        if latest.status == "finished":
            cell["finished"] += 1
            best = (latest.summary or {}).get("best_val_accuracy")
            if isinstance(best, float):
                cell["accuracies"].append(best)
        elif latest.status in LIVE:
            cell["going"] += 1
            steps = [e for e in latest.events if isinstance(e, Step)]
            evals = [e for e in latest.events if isinstance(e, Eval)]
            going.append({"run_id": latest.folder.run_id, "run_dir": str(latest.folder.path), "point": point_label(config),
                          "method": cell["method"], "setting": cell["setting"], "seed": sweep.get("seed"),
                          "status": latest.status, "step": steps[-1].step if steps else 0,
                          "loss": steps[-1].loss if steps else None, "accuracy": evals[-1].accuracy if evals else None})
        else:
            cell["failed"] += 1
    rows = []
    for cell in cells.values():
        state = ("done" if cell["finished"] == cell["total"] else "going" if cell["going"]
                 else "some failed" if cell["failed"] else "waiting" if not cell["finished"] else "partly done")
        rows.append({**cell, "state": state, "mean_accuracy": fmean(cell["accuracies"]) if cell["accuracies"] else None})
    return {"rows": rows, "going": going, "total": sum(c["total"] for c in cells.values()),
            "finished": sum(c["finished"] for c in cells.values())}
