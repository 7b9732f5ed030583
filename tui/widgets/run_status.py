"""The current run's identity and state, and its numbers: step, epoch, ETA, loss, accuracy, speed."""

from __future__ import annotations

from rich.text import Text

from sst2_tui.core.config import format_rate
from sst2_tui.core.inference.task_metrics import SHORT_NAMES
from sst2_tui.core.summary import Status
from sst2_tui.tui.run_view import STARTING, RunView
from sst2_tui.tui.widgets.changed_only import ChangedOnly

STATUS_STYLE = {Status.LIVE: "bold green", Status.PAUSED: "bold yellow reverse", Status.FAILED: "bold red",
                Status.FINISHED: "bold", Status.STOPPED: "bold", Status.INTERRUPTED: "bold yellow", STARTING: "italic"}


def _eta(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


def run_title(view: RunView | None, next_up: str | None = None) -> Text:
    """Run id and state first: a long model path is cut with an ellipsis, never the state. Before
    the first run: what starts next (the demo's four runs are queued at once), or how to start one."""
    if view is None:
        if next_up:
            return Text(f"Starting: {next_up} (loading the model and data takes a few seconds)", style="italic",
                        no_wrap=True, overflow="ellipsis")
        return Text("No run yet: press n for a new run", style="italic")
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f"{view.run_id} ", style="bold")
    text.append(view.status.upper(), style=STATUS_STYLE.get(view.status, "bold"))
    if view.method:  # not known yet for a run attached to before it wrote its config
        text.append(f"  {view.method}")
    if view.point:  # a sweep's points look alike but for this
        text.append(f" {view.point}", style="bold")
    if view.model:
        text.append(f" on {view.model}")
    if view.task:
        text.append(f"  {view.task}", style="dim")
    return text


def run_numbers(view: RunView | None) -> Text:
    if view is None:
        return Text("")
    loss = "-" if view.loss is None else f"{view.loss:.4f}"
    acc = "-" if view.accuracy is None else f"{view.accuracy:.4f}"
    best = "-" if view.best_accuracy is None else f"{view.best_accuracy:.4f}"
    moving = view.status in (Status.LIVE, STARTING)  # an ended run has no ETA
    waiting = view.status == Status.PAUSED  # a paused run moves no samples (an ended one shows the speed it had)
    sps = "-" if view.samples_per_second is None or waiting else f"{view.samples_per_second:,.0f}"
    tps = "-" if view.tokens_per_second is None or waiting else f"{view.tokens_per_second:,.0f}"
    mem = "-" if view.memory_mb is None else f"{view.memory_mb:,.0f} MB"
    text = Text()
    eta = f"{Status.PAUSED}" if view.status == Status.PAUSED else _eta(view.eta_seconds) if moving else "-"  # no clock runs while it waits
    text.append(f"step {view.step}/{view.total_steps}  epoch {view.epoch:.2f}  ETA {eta}\n")
    text.append("loss ", style="bold")
    text.append(f"{loss}   ")
    text.append("val acc ", style="bold")
    text.append(f"{acc} (best {best})")
    if view.metric is not None:  # the task's own metric, beside accuracy
        text.append(f"  {SHORT_NAMES.get(view.metric[0], view.metric[0])} {view.metric[1]:.4f}")
    text.append("\n")
    text.append("lr ", style="bold")
    text.append(f"{format_rate(view.lr)}   ")
    text.append("eps ", style="bold")
    text.append(f"{format_rate(view.eps)}   ")
    text.append("mem ", style="bold")
    text.append(f"{mem}   {sps} samples/s  {tps} tokens/s")  # on a narrow terminal the end is cut first
    return text


class RunTitle(ChangedOnly):
    def show(self, view: RunView | None, next_up: str | None = None) -> None:
        self.show_content(run_title(view, next_up))


class RunNumbers(ChangedOnly):
    def show(self, view: RunView | None) -> None:
        self.show_content(run_numbers(view))
