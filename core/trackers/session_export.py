"""A session written to a tracker after the fact (`sst2-tui export-tracker`), and a sweep's verdict
as text when the sweep ends: the same calls a live run makes, replayed from the run folders' logs
(each event at the time it happened, where the tracker takes one)."""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from sst2_tui.core.events import Eval
from sst2_tui.core.report.sweep_verdict import SweepVerdict, sweep_verdict
from sst2_tui.core.storage.sessions import Session, load_run
from sst2_tui.core.storage.sweep_file import is_sweep
from sst2_tui.core.summary import Status
from sst2_tui.core.trackers.calls import Call, RunPlace, Scalars, Start, Text
from sst2_tui.core.trackers.sink import TrackerSink, deliver, open_trackers, said_whole
from sst2_tui.core.trackers.tracker import TrackedRun

VERDICT_RUN = "sweep-verdict"
"""The tracker run that holds a sweep's verdict (its text, and its numbers as metrics)."""


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
        if name == "tensorboard" and tensorboard_root is None and _has_event_files(folder.path / "tensorboard"):
            outcome.skipped.append(f"{record.run_id}: it reported to TensorBoard as it trained (its tensorboard/ "
                                   "folder); a second copy there would show every point twice: --logdir DIR writes one elsewhere")
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
        if name == "tensorboard" and tensorboard_root is None and _has_event_files(session.path / "tensorboard"):
            outcome.skipped.append(f"{VERDICT_RUN}: the sweep wrote its verdict to TensorBoard as it ended")
        else:
            outcome.failures += write_verdict(session, (name,), project, tensorboard_root)
            outcome.written.append(f"{VERDICT_RUN}: the sweep's verdict as text and metrics")
    return outcome


def _tag(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)


def verdict_metrics(verdict: SweepVerdict) -> dict[str, float]:
    """The verdict's numbers as metrics: per pair its difference in points and its interval's ends
    (`verdict/full_minus_lora`, `..._low`, `..._high`); across tasks each task's under its name
    (`verdict/tickets/full_minus_lora`) and the mean over tasks under `verdict/across/`. Ends that do
    not exist yet (too few seeds) are left out."""
    found: dict[str, float] = {}
    tasks = verdict.each_task()
    for task, part in tasks:
        prefix = f"verdict/{_tag(task)}/" if verdict.tasks else "verdict/"
        for pair in part.pairs:
            for suffix, value in (("", pair.points), ("_low", pair.low), ("_high", pair.high)):
                found[f"{prefix}{_tag(pair.a)}_minus_{_tag(pair.b)}{suffix}"] = value
    for line in verdict.across:
        for suffix, value in (("", line.points), ("_low", line.low), ("_high", line.high)):
            found[f"verdict/across/{_tag(line.a_name)}_minus_{_tag(line.b_name)}{suffix}"] = value
    return {name: value for name, value in found.items() if math.isfinite(value)}


def _has_event_files(folder: Path) -> bool:
    """TensorBoard's files already there (a run that reported to it live)."""
    return folder.is_dir() and any(path.name.startswith("events.out.tfevents") for path in folder.iterdir())


def write_verdict(session: Session, names: tuple[str, ...], project: str | None = None,
                  tensorboard_root: Path | None = None) -> list[str]:
    """The sweep's verdict, as `sweep` prints it, as a tracker run of its own (its text, and its numbers
    as metrics); what failed, one line each."""
    verdict = sweep_verdict(session)
    text = "\n".join(verdict.lines())
    metrics = verdict_metrics(verdict)
    run = TrackedRun(run_id=VERDICT_RUN, session=session.name, run_dir=session.path, project=project or session.name,
                     tags={"kind": "sweep verdict"})
    failures = []
    for tracker in open_trackers(names, project is not None, tensorboard_root):
        try:
            calls: list[Call] = [Start(run), Text(0, "verdict", text, time.time()),
                                 *([Scalars(0, metrics, time.time())] if metrics else [])]
            for call in calls:
                deliver(tracker, call)
            tracker.finish(Status.FINISHED)
        except Exception as error:  # noqa: BLE001 - a tracker must never stop a sweep
            failures.append(f"--report-to {tracker.name}: the sweep's verdict was not written: {said_whole(error)}")
    return failures
