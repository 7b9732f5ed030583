"""What the app knows about one run, built only from its events (live, or read back from disk)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sst2_tui.core.config import RunConfig
from sst2_tui.core.device_info import DeviceInfo
from sst2_tui.core.events import (
    CommandKind,
    Control,
    DiskFull,
    Eval,
    Event,
    Nonfinite,
    Paused,
    Prediction,
    Resumed,
    RunFailed,
    RunFinished,
    RunStarted,
    Setting,
    Step,
)
from sst2_tui.core.report.compare import point_words
from sst2_tui.core.storage.sessions import RunFolder
from sst2_tui.core.summary import Status, Summary
from sst2_tui.core.text.words import event_line

STARTING = "starting"
"""A view's status before its run's first event: not a run status (the run has not said anything yet)."""
ACTIVE = (STARTING, Status.LIVE, Status.PAUSED)




RECENT_RATES = 21


@dataclass
class RunView:
    run_id: str
    method: str
    config: RunConfig | None = None
    """Its settings (`run_started`, else config.json); None until known, or where they do not read."""
    status: str = "starting"
    device: DeviceInfo | None = None
    precision: str = ""
    effective: dict[str, Setting] = field(default_factory=dict)
    trainable_params: int | None = None
    total_params: int | None = None
    total_steps: int = 0
    steps_per_epoch: int = 0
    step: int = 0
    epoch: float = 0.0
    loss: float | None = None
    lr: float | None = None
    eps: float | None = None
    samples_per_second: float | None = None
    recent_rates: list[float] = field(default_factory=list)
    """The last steps' samples/s: the ETA uses their median, so one slow step (an evaluation, a
    checkpoint) does not swing it from minutes to half an hour."""
    tokens_per_second: float | None = None
    memory_mb: float | None = None
    accuracy: float | None = None
    best_accuracy: float | None = None
    task: str = ""
    """The task where it is not SST-2's (`5 classes (billing, hr, ...)`, `pairs of A + B`), for the title."""
    metric: tuple[str, float] | None = None
    """The task's own metric at the last evaluation, where it is not accuracy (GLUE's CoLA, MRPC, QQP)."""
    losses: list[tuple[int, float]] = field(default_factory=list)
    accuracies: list[tuple[int, float]] = field(default_factory=list)
    log: list[str] = field(default_factory=list)
    """Interventions and milestones, one plain-text line each (never markup)."""
    nonfinite: Nonfinite | None = None
    """The NaN report waiting for a fix (cleared on resume)."""
    disk_full: DiskFull | None = None
    """The full-disk pause waiting for space (cleared on resume)."""
    predictions: list[Prediction] = field(default_factory=list)
    """The run's answers to `t` (a sentence tried on the model of that step), oldest first."""
    applied_fix: str | None = None
    """The label of the NaN fix last applied from the banner (until the next NaN, or the end)."""
    fix_did_not_help: str | None = None
    """That fix, when the run went non-finite again after it: the banner says so."""
    summary: Summary | None = None
    error: str | None = None
    hint: str | None = None
    folder: Path | None = None
    """The run's folder: one row per folder in the results, whoever followed it."""

    @property
    def model(self) -> str:
        return self.config.model if self.config else ""

    @property
    def point(self) -> str:
        """A sweep point's setting and seed (`lr=3e-4, seed 1`), or empty for an ordinary run."""
        return point_words(self.config)

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    @property
    def eta_seconds(self) -> float | None:
        """Remaining steps at the latest measured throughput (derived from events, no clock)."""
        rates = sorted(r for r in self.recent_rates if r > 0)
        if not rates or not self.total_steps:
            return None
        batch = self.config.batch_size if self.config else 32
        return max(0, self.total_steps - self.step) * batch / rates[len(rates) // 2]

    def take_ending(self, outcome) -> Status:
        """The window stopped following this run (`RunOutcome`): keep what only the follower knows
        (its summary if it wrote none, where it lives) and, on an error, how it ended: `died` (its
        process vanished) or `failed`. Returns that word."""
        ending = Status.DIED if outcome.summary.status == Status.DIED else Status.FAILED
        summary = self.summary or outcome.summary
        # where it lives is known to the follower, not to the run's last event
        self.summary = summary.but(run_dir=summary.run_dir or outcome.summary.run_dir,
                                   session_dir=summary.session_dir or outcome.summary.session_dir)
        if outcome.error:
            self.status, self.error, self.hint = ending, outcome.error, outcome.hint
        return ending

    def apply(self, event: Event) -> None:
        if isinstance(event, RunStarted):
            self.run_id, self.method, self.config = event.run_id, event.method, event.config
            self.device, self.precision, self.effective = event.device, event.precision, event.effective
            self.trainable_params, self.total_params = event.trainable_params, event.total_params
            self.total_steps, self.steps_per_epoch = event.total_steps, event.steps_per_epoch
            self.lr, self.eps = event.config.lr, event.config.eps
            self.task = event.task_line()
            self.status = Status.LIVE
        elif isinstance(event, Step):
            self.step, self.epoch, self.loss, self.lr, self.eps = event.step, event.epoch, event.loss, event.lr, event.eps
            self.samples_per_second, self.tokens_per_second = event.samples_per_second, event.tokens_per_second
            if event.samples_per_second:
                self.recent_rates = [*self.recent_rates[-(RECENT_RATES - 1):], event.samples_per_second]
            self.memory_mb = event.memory_mb
            self.losses.append((event.step, event.loss))
        elif isinstance(event, Eval):
            self.accuracy, self.best_accuracy = event.accuracy, event.best_accuracy
            if event.metric_name and event.metric is not None:
                self.metric = (event.metric_name, event.metric)
            self.accuracies.append((event.step, event.accuracy))
        elif isinstance(event, Control) and event.command.kind in (CommandKind.SET_LR, CommandKind.SET_EPS):
            setattr(self, "lr" if event.command.kind == CommandKind.SET_LR else "eps", event.new)
        elif isinstance(event, Paused):
            self.status = Status.PAUSED
        elif isinstance(event, Resumed):
            self.status = Status.LIVE
            self.nonfinite = None
            self.disk_full = None
        elif isinstance(event, Nonfinite):
            self.nonfinite = event if event.action == Status.PAUSED else None
            self.fix_did_not_help, self.applied_fix = self.applied_fix, None
        elif isinstance(event, Prediction):
            self.predictions.append(event)
        elif isinstance(event, DiskFull):
            self.disk_full = event
        elif isinstance(event, RunFinished):
            self.summary = event.summary
            self.status = event.summary.status
            self.nonfinite = None
        elif isinstance(event, RunFailed):
            self.status, self.error, self.hint = Status.FAILED, event.error, event.hint
        line = event_line(event)
        if line is not None:
            self.log.append(line)


def view_from_events(run_id: str, method: str, events: list[Event], config: RunConfig | None = None,
                     status: str | None = None) -> RunView:
    view = RunView(run_id=run_id, method=method, config=config)
    for event in events:
        view.apply(event)
    if status is not None:
        view.status = status
    return view


def closing_line(view: RunView) -> str:
    """One line saying how a run ended, for the top of the next run's log."""
    best = f", best val acc {view.best_accuracy:.4f}" if view.best_accuracy is not None else ""
    return f"(previous run {view.run_id}: {view.status}{best}; r shows all results)"


def starting_view(folder: RunFolder, config: RunConfig | None, history: list[Event]) -> RunView:
    """The view of a run the window starts to follow: named from its folder from the start; a resumed
    run's earlier events replayed (its curves and log go on), its earlier ending cleared. `config`
    None: not known yet (a run attached to before it wrote its config): no model or method shown
    until its `run_started` says them."""
    if history:
        view = view_from_events(folder.run_id, config.method if config else "", history, config, status="starting")
        view.summary = view.error = view.nonfinite = None  # the earlier ending is over
    else:
        view = RunView(run_id=folder.run_id, method=config.method if config else "", config=config)
    view.folder = folder.path
    return view
