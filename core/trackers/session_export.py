"""A session written to a tracker after the fact (`sst2-tui export-tracker`), and a sweep's verdict
as text when the sweep ends: the same calls a live run makes, replayed from the run folders' logs
(each event at the time it happened, where the tracker takes one)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from sst2_tui.core.events import Eval
from sst2_tui.core.report.sweep_verdict import sweep_verdict
from sst2_tui.core.storage.sessions import Session, load_run
from sst2_tui.core.storage.sweep_file import is_sweep
from sst2_tui.core.summary import Status
from sst2_tui.core.trackers.calls import RunPlace, Start, Text
from sst2_tui.core.trackers.sink import TrackerSink, deliver, open_trackers
from sst2_tui.core.trackers.tracker import TrackedRun

VERDICT_RUN = "sweep-verdict"
"""The tracker run that holds a sweep's verdict (its text, one line per pair of methods)."""


@dataclass
class ExportOutcome:
    written: list[str] = field(default_factory=list)
    """One line per run written: its name, evaluations, best accuracy."""
    skipped: list[str] = field(default_factory=list)
    """Runs left out, and why (live, never started)."""
    failures: list[str] = field(default_factory=list)
    """What a tracker refused, one line each."""


def export_session(session: Session, name: str, project: str | None = None, tensorboard_root: Path | None = None) -> ExportOutcome:
    """Every ended run of `session` to the tracker `name`; a sweep's verdict too."""
    outcome = ExportOutcome()
    for folder in session.run_folders():
        record = load_run(folder)
        if record.status.is_live:
            outcome.skipped.append(f"{record.run_id}: still training; export it once it has ended")
            continue
        if record.started is None:
            outcome.skipped.append(f"{record.run_id}: it never started (no run_started event)")
            continue
        place = RunPlace(run_id=record.run_id, session=session.name, run_dir=folder.path, project=project or session.name)
        sink = TrackerSink(open_trackers((name,), project is not None, tensorboard_root), place, threaded=False)
        for event in record.events:
            outcome.failures += sink.on_event(event)
        outcome.failures += sink.close()
        best = record.summary.best_val_accuracy if record.summary else None
        evaluations = sum(1 for e in record.events if isinstance(e, Eval))
        outcome.written.append(f"{record.run_id}: {evaluations} evaluation(s)"
                               + (f", best accuracy {best:.4f}" if best is not None else ""))
    if is_sweep(session.path):
        outcome.failures += write_verdict(session, (name,), project, tensorboard_root)
        outcome.written.append(f"{VERDICT_RUN}: the sweep's verdict as text")
    return outcome


def write_verdict(session: Session, names: tuple[str, ...], project: str | None = None,
                  tensorboard_root: Path | None = None) -> list[str]:
    """The sweep's verdict, as `sweep` prints it, as a tracker run of its own; what failed, one line each."""
    text = "\n".join(sweep_verdict(session).lines())
    run = TrackedRun(run_id=VERDICT_RUN, session=session.name, run_dir=session.path, project=project or session.name,
                     tags={"kind": "sweep verdict"})
    failures = []
    for tracker in open_trackers(names, project is not None, tensorboard_root):
        try:
            for call in (Start(run), Text(0, "verdict", text, time.time())):
                deliver(tracker, call)
            tracker.finish(Status.FINISHED)
        except Exception as error:  # noqa: BLE001 - a tracker must never stop a sweep
            failures.append(f"--report-to {tracker.name}: the sweep's verdict was not written: {' '.join(str(error).split())[:200]}")
    return failures
