"""A sweep on disk: `sweep.json` in its session (the points and how many run at once), and which
points are done, going, or to be queued again (`sweep --resume`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sst2_tui.core.config import RunConfig
from sst2_tui.core.storage.files import atomic_write_json
from sst2_tui.core.storage.queue_file import SWEEP_FILE, SessionQueue
from sst2_tui.core.storage.sessions import RunRecord, Session, load_run
from sst2_tui.core.storage.validated import read_object
from sst2_tui.core.summary import LIVE, RESUMABLE


def write_sweep_file(session_path: Path, points: list[RunConfig], parallel: int | str,
                     slurm: dict[str, Any] | None = None) -> None:
    """`parallel`: points at once on this machine; `slurm`: the sweep runs as SLURM job arrays instead
    (its options, for `sweep --resume`)."""
    executor = {"executor": "slurm", "slurm": slurm} if slurm is not None else {"executor": "local"}
    atomic_write_json(session_path / SWEEP_FILE, {"parallel": parallel, **executor,
                                                   "points": [c.to_dict() for c in points]})


def sweep_settings(session: Session) -> dict[str, Any]:
    """sweep.json's own settings (executor, slurm options, submissions), {} when unreadable."""
    data, _ = read_object(session.path / SWEEP_FILE)
    return {k: v for k, v in (data or {}).items() if k != "points"}


def point_of(config: dict[str, Any] | None) -> str | None:
    sweep = ((config or {}).get("extra") or {}).get("sweep")
    return sweep.get("point") if isinstance(sweep, dict) and isinstance(sweep.get("point"), str) else None


def sweep_points(session: Session) -> list[dict[str, Any]]:
    data, _ = read_object(session.path / SWEEP_FILE)
    points = (data or {}).get("points", [])
    return [p for p in points if isinstance(p, dict) and point_of(p)] if isinstance(points, list) else []


def runs_by_point(session: Session) -> dict[str, list[RunRecord]]:
    found: dict[str, list[RunRecord]] = {}
    for folder in session.run_folders():
        record = load_run(folder)
        point = point_of(record.config)
        if point is not None:
            found.setdefault(point, []).append(record)
    return found


def next_entry(config: dict[str, Any], records: list[RunRecord]) -> dict[str, Any] | None:
    """What a point still needs: nothing once a run of it finished or is going; else its latest
    interrupted, stopped or died run resumed from its checkpoint in its own folder; else (it never
    started, or failed before saving anything) a fresh start."""
    from sst2_tui.core.storage.checkpoints import complete_checkpoints

    if any(r.status == "finished" or r.status in LIVE for r in records):
        return None
    resumable = [r for r in records if r.status in RESUMABLE and complete_checkpoints(r.folder.path / "checkpoints")[0]]
    return {"resume": str(resumable[-1].folder.path)} if resumable else {"config": config}


def unfinished_points(session: Session) -> list[tuple[str, dict[str, Any]]]:
    """Every point of the sweep that neither finished nor is going, with what it needs (`next_entry`)."""
    runs = runs_by_point(session)
    found = []
    for config in sweep_points(session):
        point = point_of(config)
        entry = next_entry(config, runs.get(point, []))
        if point is not None and entry is not None:
            found.append((point, entry))
    return found


def requeue_unfinished(session: Session) -> int:
    """Queue again every unfinished point that is not queued already. Returns how many were queued."""
    queue = SessionQueue(session.path)
    waiting = queue.items()
    queued_points = {point_of(i.get("config")) for i in waiting} | {
        point_of(load_run_config(Path(i["resume"]))) for i in waiting if "resume" in i}
    entries = [entry for point, entry in unfinished_points(session) if point not in queued_points]
    if entries:
        queue.add(*entries)
    return len(entries)


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
        sweep = config["extra"]["sweep"]
        cell = cells.setdefault((sweep.get("method", "?"), sweep.get("setting", "?")),
                                {"method": sweep.get("method", "?"), "setting": sweep.get("setting", "?"), "total": 0,
                                 "finished": 0, "going": 0, "failed": 0, "accuracies": []})
        cell["total"] += 1
        records = runs.get(point_of(config), [])
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
            going.append({"run_id": latest.folder.run_id, "run_dir": str(latest.folder.path), "point": point_of(config),
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
