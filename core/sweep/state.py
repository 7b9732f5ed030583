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


def write_sweep_file(session_path: Path, points: list[RunConfig], parallel: int | str) -> None:
    atomic_write_json(session_path / SWEEP_FILE, {"parallel": parallel, "points": [c.to_dict() for c in points]})


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


def requeue_unfinished(session: Session) -> int:
    """Queue again every point that neither finished nor is going: an interrupted, stopped or died
    run continues from its checkpoint in its own folder; a point that never started, or failed
    before saving anything, starts again. Returns how many were queued."""
    from sst2_tui.core.storage.checkpoints import complete_checkpoints

    queue = SessionQueue(session.path)
    waiting = queue.items()
    queued_points = {point_of(i.get("config")) for i in waiting} | {
        point_of(load_run_config(Path(i["resume"]))) for i in waiting if "resume" in i}
    runs = runs_by_point(session)
    entries = []
    for config in sweep_points(session):
        point = point_of(config)
        records = runs.get(point, [])
        if point in queued_points or any(r.status == "finished" or r.status in LIVE for r in records):
            continue
        resumable = [r for r in records if r.status in RESUMABLE and complete_checkpoints(r.folder.path / "checkpoints")[0]]
        entries.append({"resume": str(resumable[-1].folder.path)} if resumable else {"config": config})
    if entries:
        queue.add(*entries)
    return len(entries)


def load_run_config(run_dir: Path) -> dict[str, Any] | None:
    data, _ = read_object(run_dir / "config.json")
    return data
