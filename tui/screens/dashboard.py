"""The live dashboard: device, the running run's progress, curves, interventions and the queue."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer

from sst2_tui.tui.run_queue import Waiting
from sst2_tui.tui.run_view import RunView
from sst2_tui.tui.widgets.curve import Curve
from sst2_tui.tui.widgets.device_panel import DevicePanel
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


class DashboardScreen(Screen):
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

    def show_device(self, device: dict, precision: str) -> None:
        panel = self.query_one(DevicePanel)
        panel.device = device
        panel.precision = precision

    def show_run(self, view: RunView | None, queued: list[Waiting], charts: bool = True,
                 outlives_app: bool = False, welcome: list[str] | None = None) -> None:
        self.query_one(RunTitle).show(view)
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
        log.border_subtitle = LEAVING_HINT if outlives_app and view is not None and view.active else ""
        self.query_one(QueueList).show(queued)
        if view is not None and view.precision:
            self.query_one(DevicePanel).precision = view.precision
