"""The headless run's view: a Rich progress bar on stderr (only on a terminal) and one-line notes."""

from __future__ import annotations

import sys

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from sst2_tui.core.device_info import device_line
from sst2_tui.core.events import DiskFull, Eval, Event, Nonfinite, Resumed, RunFailed, RunStarted, Step, WarningEvent
from sst2_tui.core.text.words import event_line
from sst2_tui.core.tracker_names import parse_report_to


class ProgressPrinter:
    def __init__(self, enabled: bool = True) -> None:
        self.console = Console(stderr=True, highlight=False)
        self.bar_enabled = enabled and sys.stderr.isatty()
        self.notes_enabled = enabled
        self.progress: Progress | None = None
        self.task: TaskID | None = None
        self.accuracy = "-"
        self.loss = "-"
        self.speed = ""

    def __enter__(self) -> ProgressPrinter:
        return self

    def __exit__(self, *exc) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress = None

    def note(self, text: str, always: bool = False) -> None:
        """A line on stderr; warnings and faults (`always`) are printed even with --quiet. Never
        wrapped, so a path in a message stays one piece."""
        if self.notes_enabled or always:
            self.console.print(text, soft_wrap=True)

    def on_event(self, event: Event) -> None:
        if isinstance(event, RunStarted):
            device = device_line(event.device)
            self.note(f"[bold]{escape(event.run_id)}[/]: {escape(event.method)} on {escape(str(device))} ({event.precision}), "
                      f"{event.trainable_params:,} of {event.total_params:,} parameters trainable, "
                      f"{event.train_examples:,} train / {event.eval_examples:,} validation examples"
                      + (f"; {escape(task)}" if (task := event.task_line()) else ""))
            if event.config.report_to and "trackio" in parse_report_to(event.config.report_to):
                self.note(escape(trackio_line(event.config.tracker_project)))
            if event.config.report_to and "mlflow" in parse_report_to(event.config.report_to) and (line := mlflow_line()):
                self.note(escape(line))
            if self.bar_enabled and event.total_steps:
                self.progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                         TextColumn("{task.fields[info]}"), TimeElapsedColumn(), TimeRemainingColumn(),
                                         console=self.console)
                self.task = self.progress.add_task(event.method, total=event.total_steps, info="")
                self.progress.start()
        elif isinstance(event, Step):
            self.loss, self.speed = f"{event.loss:.4f}", f"{event.samples_per_second:.0f} samples/s"
            self._update(event.step)
        elif isinstance(event, Eval):
            self.accuracy = f"{event.accuracy:.4f}"
            self._update(event.step)  # the accuracy shows at once, not from the next step on
            self.note(escape(event_line(event) or ''))
        elif isinstance(event, WarningEvent):
            self.note(f"[yellow]{escape(event_line(event) or '')}[/]", always=True)
        elif isinstance(event, Nonfinite):
            self.note(f"[red]{escape(event_line(event, detail=True) or '')}[/]", always=True)
            for suggestion in event.suggestions:
                self.note(f"  fix {suggestion.key}: {escape(suggestion.label)}", always=True)
        elif isinstance(event, DiskFull):
            self.note(f"[red]{escape(event_line(event) or '')}[/]", always=True)
        elif isinstance(event, Resumed):
            self.note(escape(event_line(event) or ''))
        elif isinstance(event, RunFailed):
            pass  # the command prints the one-line error itself

    def _update(self, step: int) -> None:
        if self.progress is not None and self.task is not None:
            info = f"loss {self.loss} acc {self.accuracy} {self.speed}"
            self.progress.update(self.task, completed=step, info=info)


def mlflow_line() -> str | None:
    """Where MLflow records when no tracking server is set (a local store here; None: MLflow's own place)."""
    from sst2_tui.core.trackers.mlflow_tracker import LOCAL_STORE, local_store

    if local_store() is None:
        return None
    return (f"mlflow: no MLFLOW_TRACKING_URI, so this run is recorded in ./{LOCAL_STORE}; "
            f"`MLFLOW_ALLOW_FILE_STORE=true mlflow ui --backend-store-uri {LOCAL_STORE}` shows it")


def trackio_line(project: str | None) -> str:
    """Where trackio's dashboard is, in our words (trackio's own banner is kept off the terminal)."""
    named = f'--project "{project}"' if project else "(its project is the session's name)"
    return f"trackio: this run reports to trackio; `trackio show {named}` opens its dashboard" if project else \
        f"trackio: this run reports to trackio {named}; `trackio show` opens its dashboard"
