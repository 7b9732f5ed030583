"""The live dashboard: device, the running run's progress, curves, interventions and the queue.

Its keys steer the followed run (space, l, e, s, and the NaN banner's 1 2 3): each posts a `Steer`
message up to the app, which appends the commands to the run's control file. The app sets `view`
and `steerable` down when it shows a run."""

from __future__ import annotations

import dataclasses

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer

from sst2_tui.core.controls import PAUSE, RESUME, STOP, Command, eps_command, lr_command
from sst2_tui.core.summary import Status
from sst2_tui.tui.messages import ForkNow, Steer
from sst2_tui.tui.run_queue import Waiting
from sst2_tui.tui.run_view import RunView
from sst2_tui.tui.screens.fork_dialog import ForkDialog, ForkRequest
from sst2_tui.tui.screens.rate_dialog import RateDialog
from sst2_tui.tui.widgets.curve import Curve
from sst2_tui.tui.widgets.device_panel import DevicePanel, ShownDevice
from sst2_tui.tui.widgets.intervention_log import InterventionLog
from sst2_tui.tui.widgets.pause_banner import PauseBanner
from sst2_tui.tui.widgets.queue_list import QueueList
from sst2_tui.tui.widgets.run_status import RunNumbers, RunTitle
from sst2_tui.tui.widgets.step_bar import StepBar

TALL_ENOUGH_FOR_CHARTS_AND_BANNER = 36
LEAVING_HINT = "q leaves it training · back: sst2-tui attach"


def progress_note(view: RunView) -> str:
    """What the bar says when the run's length is not known (yet, or at all)."""
    if view.status == "starting":
        return "starting..."
    if view.active:
        return f"step {view.step}" if view.step else "evaluating..."
    return f"{view.status}: no steps" if not view.step else ""


STEERING = {"pause", "resume", "set_rate", "stop_run", "fix", "fork"}


class DashboardScreen(Screen):
    # Help first: at 80 columns the footer cuts what does not fit. Then the keys that steer the run
    # (they leave the footer while no run can take them: check_action), then the app's own. While a
    # run is steered, q is said on the log's border ("q leaves it training") instead of the footer,
    # so Export, Sessions and Try still fit 80 columns. One key, two bindings: space says Pause or
    # Resume, whichever it does now.
    BINDINGS = [
        Binding("question_mark", "app.help", "Help"),
        Binding("q", "quit('steering')", "Quit", show=False),
        Binding("q", "quit('idle')", "Quit"),
        Binding("space", "pause", "Pause"),
        Binding("space", "resume", "Resume"),
        Binding("l", "set_rate('learning rate')", "LR"),
        Binding("e", "set_rate('eps')", "eps"),
        Binding("s", "stop_run", "Stop"),
        Binding("f", "fork", "Fork", show=False),  # the footer is full at 80 columns; the help screen says it
        Binding("1", "fix('1')", "fix 1", show=False),
        Binding("2", "fix('2')", "fix 2", show=False),
        Binding("3", "fix('3')", "fix 3", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.view: RunView | None = None
        """The run shown (set by the app)."""
        self.steerable = False
        """Whether that run is live and followed: only then do the steering keys act."""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "quit":
            return self.steerable == (parameters == ("steering",))
        if action in ("pause", "resume"):
            paused = self.view is not None and self.view.status == Status.PAUSED
            return self.steerable and paused == (action == "resume")
        return self.steerable if action in STEERING else True

    def action_quit(self, _when: str) -> None:
        self.app.action_quit_app()  # type: ignore[attr-defined]  # SST2App's: a screen of this app only

    def action_pause(self) -> None:
        self.post_message(Steer([PAUSE], "Pausing at the next step boundary."))

    def action_resume(self) -> None:
        self.post_message(Steer([RESUME]))

    def action_set_rate(self, what: str) -> None:
        if self.view is None:
            return
        current = self.view.lr if what == "learning rate" else self.view.eps

        def apply(value: float | None) -> None:
            if value is not None:
                self.post_message(Steer([lr_command(value) if what == "learning rate" else eps_command(value)]))

        self.app.push_screen(RateDialog(what, current), apply)

    def action_fork(self) -> None:
        if self.view is None:
            return

        def fork(request: ForkRequest | None) -> None:
            if request is not None:
                self.post_message(ForkNow(request.changes))

        self.app.push_screen(ForkDialog(self.view.run_id), fork)

    def action_stop_run(self) -> None:
        self.post_message(Steer([STOP], "Stopping: finishing the step, evaluating and saving."))

    def action_fix(self, key: str) -> None:
        report = self.view.nonfinite if self.view is not None else None
        for suggestion in report.suggestions if report is not None else []:
            if suggestion.key == key:
                self.post_message(Steer([Command.from_spec(c) for c in suggestion.commands], fix=suggestion.label,
                                        rerun=suggestion.rerun))

    def compose(self) -> ComposeResult:
        yield DevicePanel(id="device")
        with Vertical(id="run"):
            yield RunTitle(id="title")
            yield StepBar(id="progress")
            yield RunNumbers(id="numbers")
        yield PauseBanner(id="pause-banner")
        with Horizontal(id="charts"):
            yield Curve("training loss", id="loss-chart")
            yield Curve("validation accuracy", id="accuracy-chart", y_range=(0.0, 1.0))
        with Horizontal(id="bottom"):
            yield InterventionLog(id="log")
            yield QueueList(id="queue")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one(PauseBanner).display = False
        self.show_run(None, [])

    def show_device(self, shown: ShownDevice) -> None:
        self.query_one(DevicePanel).shown = shown

    def show_run(self, view: RunView | None, queued: list[Waiting], charts: bool = True, steerable: bool = False,
                 welcome: list[str] | None = None, starting: str | None = None) -> None:
        """`starting`: what the window queued first, taken off the queue by now (the title says it
        until its run starts)."""
        self.view, self.steerable = view, steerable
        self.query_one(RunTitle).show(view, starting or (queued[0].label if queued else None))
        self.query_one(RunNumbers).show(view)
        if view is None:
            self.query_one(StepBar).show(0, None, "")
        else:
            self.query_one(StepBar).show(view.step, view.total_steps, progress_note(view))
        banner = self.query_one(PauseBanner)
        banner.show(view.nonfinite if view else None, view.disk_full if view else None,
                    view.fix_did_not_help if view else None)
        # A banner on a short terminal: it and the log matter now, the charts give way.
        self.set_class(banner.display and self.size.height < TALL_ENOUGH_FOR_CHARTS_AND_BANNER, "-alert")
        if charts:
            self.query_one("#loss-chart", Curve).show(view.losses if view else [])
            self.query_one("#accuracy-chart", Curve).show(view.accuracies if view else [])
        log = self.query_one(InterventionLog)
        # Before the first run (and with nothing queued), the log box welcomes: device, Hub, how to start.
        log.show(view.run_id if view else None, view.log if view else ([] if queued else welcome or []))
        # Said where the eye is while a run trains: closing this window does not stop it.
        log.border_subtitle = LEAVING_HINT if view is not None and view.active else ""
        self.query_one(QueueList).show(queued)
        if view is not None and view.precision:
            panel = self.query_one(DevicePanel)
            panel.shown = dataclasses.replace(panel.shown, precision=view.precision)
