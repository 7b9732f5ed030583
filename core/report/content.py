"""Everything a session report says, as typed records: the one source for md, html, json and csv
(`SessionReport.to_json` is the JSON edge: session.json).

Repeated configurations (the same settings with different seeds) are grouped, with mean and
standard deviation of best and final validation accuracy. Noise: one run's accuracy on n
validation sentences has a standard error of sqrt(p(1-p)/n), about one point at 90% on 872.
"""

from __future__ import annotations

import json
import math
import statistics
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sst2_tui.core.config import LABEL_NAMES, RunConfig
from sst2_tui.core.device_info import DeviceInfo
from sst2_tui.core.events import (
    SETTING_OF,
    Checkpoint,
    Control,
    Eval,
    Exported,
    Nonfinite,
    Paused,
    Resumed,
    RunFailed,
    RunStarted,
    Setting,
    Step,
)
from sst2_tui.core.inference.saved_predictions import Mistake, Predictions, most_confident_mistakes, read_predictions
from sst2_tui.core.records import to_json_value
from sst2_tui.core.report.compare import differing_settings, result_row, settings_of
from sst2_tui.core.report.forks import Family, families_of
from sst2_tui.core.report.sweep_verdict import SweepVerdict
from sst2_tui.core.storage.sessions import RunRecord, Session
from sst2_tui.core.summary import Status, Summary
from sst2_tui.core.sweep_label import sweep_label
from sst2_tui.core.text.words import event_line

SCHEMA_VERSION = 1
CSV_COLUMNS = ("run_id", "method", "model", "init", "seed", "lr", "eps", "final_lr", "final_eps",
               "precision", "epochs", "batch_size", "status",
               "steps", "best_val_accuracy", "final_val_accuracy", "seconds_per_epoch", "train_samples_per_second",
               "trainable_params", "total_params", "nonfinite_events", "group", "metric_name", "best_val_metric",
               "final_val_metric")
GROUP_IGNORES = ("seed", "extra", "sweep")


def standard_error(accuracy: float | None, n: int | None) -> float | None:
    if accuracy is None or not n:
        return None
    return math.sqrt(max(accuracy * (1 - accuracy), 0.0) / n)


def mean_std(values: list[float]) -> tuple[float | None, float | None]:
    if not values:
        return None, None
    mean = statistics.fmean(values)
    return mean, (statistics.stdev(values) if len(values) > 1 else None)  # one run has no spread: None, not 0


def group_key(config: RunConfig | None) -> str:
    saved = config.to_dict() if config else {}
    return json.dumps({k: v for k, v in sorted(saved.items()) if k not in GROUP_IGNORES}, sort_keys=True, default=str)


TIMELINE = {Control: Control.type, Paused: Paused.type, Resumed: Resumed.type, Nonfinite: Nonfinite.type, Exported: Exported.type,
            Checkpoint: "checkpoint"}


@dataclass(frozen=True)
class TimelineItem:
    """What happened during a run, at which step: a control command, a pause, a nonfinite, a checkpoint."""

    step: int | None
    kind: str
    detail: str


@dataclass(frozen=True)
class Failure:
    """Why a run that did not finish ended, and what to do."""

    error: str
    hint: str


@dataclass
class RunReport:
    run_id: str
    status: Status
    config: RunConfig | None
    """The run's settings (`run_started`, else config.json); None where they do not read."""
    summary: Summary | None
    effective: dict[str, Setting]
    """Settings that applied, library defaults included (`RunStarted.effective`)."""
    device: DeviceInfo | None
    versions: dict[str, str]
    evaluation_only: bool
    loss_curve: list[list[float]]
    """[step, loss] pairs."""
    accuracy_curve: list[list[float]]
    """[step, validation accuracy] pairs."""
    validation_n: int | None
    standard_error: float | None
    timeline: list[TimelineItem]
    misclassified: list[Mistake]
    unusable_files: list[str]
    bad_log_lines: int
    failure: Failure | None
    row: dict[str, str]
    """The results table's row (`compare.COLUMNS` -> text)."""
    group: str | None = None
    """The repeated configuration it belongs to (`g1`), if any."""
    label_names: list[str] = field(default_factory=lambda: list(LABEL_NAMES))
    """The task's classes by id, as the run recorded them."""
    confusions: list[tuple[str, str, int]] = field(default_factory=list)
    """(label, what it was taken for, how many times), the most common first: which classes it mixes up."""


@dataclass(frozen=True)
class GroupReport:
    """Settings run more than once (all but the seed the same): mean and spread of the finished runs."""

    id: str
    runs: list[str]
    n: int
    method: str | None
    model: str | None
    seeds: list[int | None]
    over: str
    """`seeds`, or `repeats of one seed` (the spread is run-to-run noise then)."""
    best_mean: float | None
    best_std: float | None
    final_mean: float | None
    final_std: float | None


@dataclass
class SessionReport:
    schema_version: int
    session: str
    created: object
    host: object
    device: DeviceInfo | None
    versions: dict[str, str]
    runs: list[RunReport]
    groups: list[GroupReport]
    sweep: SweepVerdict | None
    differing_settings: list[str]
    skipped_files: list[str]
    families: list[Family]
    """Runs forked from others (`sst2-tui fork`), by family: the lineage tree and each fork against its parent."""

    def to_json(self) -> dict[str, Any]:
        """session.json's report fields (schema 1: a missing summary or device is `{}`)."""
        data = to_json_value(self)
        assert isinstance(data, dict)
        data["device"] = data["device"] or {}
        data["sweep"] = self.sweep.to_dict() if self.sweep is not None else None
        for run in data["runs"]:
            run["summary"], run["device"] = run["summary"] or {}, run["device"] or {}
        return data


def _timeline(record: RunRecord) -> list[TimelineItem]:
    items: list[TimelineItem] = []
    for event in record.events:
        kind = TIMELINE.get(type(event))
        line = event_line(event, detail=True) if kind else None
        if kind is not None and line is not None:
            if isinstance(event, Control):
                kind = f"set {SETTING_OF[event.command.kind]}" if event.command.kind in SETTING_OF else "stop"
            items.append(TimelineItem(getattr(event, "step", None), kind, line.split(": ", 1)[1]))
    return items


def _failure(record: RunRecord) -> Failure | None:
    """Why a run that did not finish ended, in its own words (its `run_failed` event), or for a run
    whose process vanished, what that means and how to go on."""
    failed = next((e for e in reversed(record.events) if isinstance(e, RunFailed)), None)
    if failed is not None:
        return Failure(failed.error, failed.hint)
    if record.status == Status.DIED:
        return Failure("its process ended without finishing: killed, out of memory, or a reboot",
                       f"Resume it from its last checkpoint: sst2-tui run --resume {record.folder.path}")
    return None


def run_report(record: RunRecord) -> RunReport:
    started = record.started if isinstance(record.started, RunStarted) else None
    config = started.config if started else record.config
    evals = [e for e in record.events if isinstance(e, Eval)]
    n = evals[-1].n if evals else None
    predictions = read_predictions(record.folder.path)
    summary = record.summary
    return RunReport(
        run_id=record.run_id, status=record.status, config=config, summary=summary,
        effective=started.effective if started else {}, device=started.device if started else None,
        versions=started.versions if started else {}, evaluation_only=config is not None and config.method == "evaluate",
        loss_curve=[[e.step, e.loss] for e in record.events if isinstance(e, Step)],
        accuracy_curve=[[e.step, e.accuracy] for e in evals], validation_n=n,
        standard_error=standard_error(summary.final_val_accuracy if summary else None, n),
        timeline=_timeline(record), misclassified=most_confident_mistakes(predictions),
        unusable_files=[predictions.problem] if predictions.problem else [], bad_log_lines=record.bad_lines,
        failure=_failure(record),
        row=result_row(record.run_id, config, summary, summary.device or "" if summary else "", record.status,
                       started.trainable_params if started else None, started.total_params if started else None),
        label_names=list(started.label_names) if started else list(LABEL_NAMES),
        confusions=confusions(predictions, list(started.label_names) if started else list(LABEL_NAMES)))


def confusions(predictions: Predictions, names: list[str], most: int = 5) -> list[tuple[str, str, int]]:
    """Which labels a run's final evaluation took for which, most often first (its wrong answers)."""
    counted = Counter((row.label, row.predicted) for row in predictions.rows if not row.correct)

    def name(k: int) -> str:
        return names[k] if 0 <= k < len(names) else f"LABEL_{k}"

    return [(name(label), name(taken), count) for (label, taken), count in counted.most_common(most)]


def groups_of(runs: list[RunReport]) -> list[GroupReport]:
    """Configurations run more than once (the same settings but the seed), with mean and spread of
    their finished runs. A group none of whose runs finished is left out (nothing to average); one
    whose runs all share a seed says so: its spread is run-to-run noise, not seed variation."""
    grouped: dict[str, list[RunReport]] = {}
    for run in runs:
        grouped.setdefault(group_key(run.config), []).append(run)
    result: list[GroupReport] = []
    for members in grouped.values():
        finished = [(r, r.summary) for r in members if r.summary is not None and r.summary.best_val_accuracy is not None]
        if len(members) < 2 or not finished:
            continue
        best_mean, best_std = mean_std([s.best_val_accuracy for _, s in finished if s.best_val_accuracy is not None])
        final_mean, final_std = mean_std([s.final_val_accuracy for _, s in finished if s.final_val_accuracy is not None])
        first = members[0].config
        seeds = [r.config.seed if r.config else None for r, _ in finished]
        result.append(GroupReport(
            f"g{len(result) + 1}", [r.run_id for r in members], len(finished), first.method if first else None,
            first.model if first else None, seeds, "seeds" if len(set(seeds)) > 1 else "repeats of one seed",
            best_mean, best_std, final_mean, final_std))
    return result


def _sweep_verdict(session: Session, margin: float | None = None) -> SweepVerdict | None:
    """A sweep's session (sweep.json, or runs labelled as points: `--print-commands` lines run by
    another scheduler): its verdict; any other session: None."""
    from sst2_tui.core.storage.sweep_file import SWEEP_FILE

    if not (session.path / SWEEP_FILE).is_file() and not any(sweep_label(record.config) for record in session.runs()):
        return None
    from sst2_tui.core.report.sweep_verdict import sweep_verdict

    return sweep_verdict(session, margin)


def session_report(session: Session, margin: float | None = None) -> SessionReport:
    """`margin`: a sweep's practical-equivalence margin in points, over its own (`report --margin`)."""
    records = session.runs()
    runs = [run_report(record) for record in records]
    groups = groups_of(runs)
    for group in groups:
        for run in runs:
            if run.run_id in group.runs:
                run.group = group.id
    first_started = next((r for r in runs if r.device is not None), None)
    return SessionReport(
        schema_version=SCHEMA_VERSION, session=session.name, created=session.meta.get("created"),
        host=session.meta.get("host"), device=first_started.device if first_started else None,
        versions=first_started.versions if first_started else {}, runs=runs, groups=groups, sweep=_sweep_verdict(session, margin),
        differing_settings=differing_settings([settings_of(r.config, r.effective) for r in runs]),
        skipped_files=session.problems + [problem for record in records for problem in record.problems]
        + [problem for run in runs for problem in run.unusable_files],
        families=families_of(records))
