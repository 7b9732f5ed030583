"""A run's events as tracker calls: written once, the same for every method and every tracker."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sst2_tui.core.config import format_rate, options
from sst2_tui.core.events import (
    SETTING_OF,
    Control,
    DiskFull,
    Eval,
    Event,
    Exported,
    Nonfinite,
    Paused,
    Resumed,
    RunFailed,
    RunFinished,
    RunStarted,
    Setting,
    Step,
    WarningEvent,
)
from sst2_tui.core.summary import Status
from sst2_tui.core.tracker_metrics import eval_metrics, finite, step_metrics
from sst2_tui.core.trackers.tracker import TrackedRun

PRIVATE = frozenset({"notify", "report_to", "tracker_project"})
"""Settings never sent to a tracker: a `--notify` command may hold a webhook's secret; where the run
reports is not a setting of the run."""


@dataclass(frozen=True)
class Scalars:
    step: int
    values: dict[str, float]
    wall_time: float
    repeated: bool = False
    """A resumed run's step that its killed attempt had logged already (a tracker that purges from the
    resume step takes it again; one that cannot is not sent it twice)."""


@dataclass(frozen=True)
class Start:
    run: TrackedRun
    earlier: tuple[Scalars, ...] = ()
    """A resumed run: the numbers its earlier attempts logged up to the step it resumes from, for a
    tracker that lost some of them in the kill (each takes what its own store lacks)."""


@dataclass(frozen=True)
class Text:
    step: int
    tag: str
    text: str
    wall_time: float


@dataclass(frozen=True)
class Finish:
    status: Status


Call = Start | Scalars | Text | Finish


@dataclass(frozen=True)
class RunPlace:
    """Where a run is, known before its first event: what `TrackedRun` adds to `run_started`."""

    run_id: str
    session: str
    run_dir: Path
    project: str
    earlier: tuple[Scalars, ...] = ()
    """A resumed run: the numbers its earlier attempts logged (events.jsonl), in order."""

    @property
    def logged_through(self) -> int | None:
        """The last step the earlier attempts logged (None for a new run)."""
        return max((call.step for call in self.earlier), default=None)


def hyperparameters(started: RunStarted) -> dict[str, Setting]:
    """The settings as they applied: every run setting (resolved), the library defaults a method
    added (`effective`), and what the run was on."""
    values: dict[str, Setting] = {}
    for option in options():
        if option.name not in PRIVATE:
            value = getattr(started.config, option.name)
            values[option.name] = value if isinstance(value, str | int | float | bool) or value is None else str(value)
    for key, value in started.effective.items():
        values.setdefault(key, value)
    values.update(precision=started.precision, device_name=started.device.name, trainable_params=started.trainable_params,
                  total_params=started.total_params, train_examples=started.train_examples,
                  eval_examples=started.eval_examples, total_steps=started.total_steps)
    return values


def _lineage(started: RunStarted) -> dict[str, str]:
    """A fork's lineage as tags (a tracker's run list can be filtered by parent); nothing for other runs."""
    fork = started.config.fork
    if fork is None:
        return {}
    return {"forked_from": fork.parent, "branch_step": str(fork.branch_step),
            "fork_changed": "; ".join(fork.changed) or "nothing"}


class EventTranslator:
    """Turns events into calls, remembering the last step (the summary is logged at it)."""

    def __init__(self, place: RunPlace) -> None:
        self.place = place
        self.step = 0
        self.started = False
        self.finished = False
        self.ended_as = Status.INTERRUPTED
        """How the run ended when no `run_finished` said so (a sink closed early)."""

    def calls(self, event: Event) -> list[Call]:
        made = self._calls(event)
        self.finished = self.finished or any(isinstance(call, Finish) for call in made)
        return made

    def _calls(self, event: Event) -> list[Call]:
        step = getattr(event, "step", None)
        if isinstance(step, int):
            self.step = max(self.step, step)
        if isinstance(event, RunStarted):
            self.started = True
            run = self._tracked(event)
            upto = run.resumed_from_step if run.resumed_from_step is not None else -1
            return [Start(run, tuple(call for call in self.place.earlier if call.step <= upto))]
        if not self.started:
            return []
        return self._during(event)

    def _tracked(self, started: RunStarted) -> TrackedRun:
        label = started.config.sweep
        group = f"{label.task + ' ' if label.task else ''}{label.method} {label.setting}" if label is not None else None
        tags = {"method": started.method, "model": Path(started.config.model).name or started.config.model,
                **({"sweep_point": label.point, "seed": str(label.seed)} if label is not None else {}),
                **_lineage(started)}
        resumed = started.effective.get("resumed_from_step")
        return TrackedRun(run_id=self.place.run_id, session=self.place.session, run_dir=self.place.run_dir,
                          project=self.place.project, group=group, hyperparameters=hyperparameters(started), tags=tags,
                          resumed_from_step=resumed if isinstance(resumed, int) and not isinstance(resumed, bool) else None)

    def _during(self, event: Event) -> list[Call]:
        at = event.time
        through = self.place.logged_through
        repeated = through is not None and getattr(event, "step", 0) <= through
        if isinstance(event, Step):
            return [Scalars(event.step, finite(step_metrics(event)), at, repeated)]
        if isinstance(event, Eval):
            return [Scalars(event.step, finite(eval_metrics(event)), at, repeated)]
        if isinstance(event, Control):
            kind = event.command.kind
            said = (f"{SETTING_OF[kind]} {format_rate(event.old)} -> {format_rate(event.new)}"
                    if kind in SETTING_OF else kind)
            return [Text(event.step, "control", f"{said} (from {event.source})", at)]
        if isinstance(event, Paused):
            return [Text(event.step, "pause", f"paused ({event.reason})", at)]
        if isinstance(event, Resumed):
            return [Text(event.step, "pause", "resumed", at)]
        if isinstance(event, Nonfinite):
            fixes = "; ".join(f"{s.key}: {s.label}" for s in event.suggestions)
            return [Text(event.step, "nonfinite", f"{event.what} not finite. {event.diagnosis} The run {event.action}."
                         + (f" Fixes: {fixes}" if fixes else ""), at)]
        if isinstance(event, WarningEvent | DiskFull):
            return [Text(self.step, "warning", event.message, at)]
        if isinstance(event, Exported):
            where = Path(event.path).name
            return [Text(event.step, "exported", f"{event.what} of step {event.step} in RUN_DIR/{where}", at)]
        if isinstance(event, RunFinished):
            summary = event.summary
            numbers = finite({"summary/best_val_accuracy": summary.best_val_accuracy,
                               "summary/final_val_accuracy": summary.final_val_accuracy,
                               "summary/train_seconds": summary.train_seconds,
                               "summary/train_samples_per_second": summary.train_samples_per_second,
                               "summary/peak_memory_mb": summary.peak_memory_mb})
            said = summary.status.value + (f" ({summary.stop_reason})" if summary.stop_reason else "")
            return [Scalars(self.step, numbers, at), Text(self.step, "summary", said, at), Finish(summary.status)]
        if isinstance(event, RunFailed):
            return [Text(self.step, "failure", f"{event.error} ({event.hint})", at), Finish(Status.FAILED)]
        return []


def earlier_numbers(events: list[Event]) -> tuple[Scalars, ...]:
    """The numbers a run's earlier attempts logged, as the calls that sent them."""
    found = []
    for event in events:
        if isinstance(event, Step):
            found.append(Scalars(event.step, finite(step_metrics(event)), event.time))
        elif isinstance(event, Eval):
            found.append(Scalars(event.step, finite(eval_metrics(event)), event.time))
    return tuple(found)
