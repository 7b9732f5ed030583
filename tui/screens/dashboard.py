"""The live dashboard: device, the running run's progress, curves, interventions and the queue."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, ProgressBar

from core.config import RunConfig
from tui.run_view import RunView
from tui.widgets.curve import Curve
from tui.widgets.device_panel import DevicePanel
from tui.widgets.intervention_log import InterventionLog
from tui.widgets.pause_banner import PauseBanner
from tui.widgets.queue_list import QueueList
from tui.widgets.run_status import RunNumbers, RunTitle


class DashboardScreen(Screen):
    def compose(self) -> ComposeResult:
        yield DevicePanel(id="device")
        with Vertical(id="run"):
            yield RunTitle(id="title")
            yield ProgressBar(id="progress", show_eta=False)
            yield RunNumbers(id="numbers")
        yield PauseBanner(id="pause-banner")
        with Horizontal(id="charts"):
            yield Curve("training loss", id="loss-chart")
            yield Curve("validation accuracy", id="accuracy-chart", y_range=(0.0, 1.0))
        with Horizontal(id="bottom"):
            yield InterventionLog(id="log")
            yield QueueList(id="queue")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(PauseBanner).display = False
        self.show_run(None, [])

    def show_device(self, device: dict, precision: str) -> None:
        panel = self.query_one(DevicePanel)
        panel.device = device
        panel.precision = precision

    def show_run(self, view: RunView | None, queued: list[RunConfig], charts: bool = True) -> None:
        self.query_one(RunTitle).show(view)
        self.query_one(RunNumbers).show(view)
        progress = self.query_one(ProgressBar)
        if view is None:
            progress.update(total=1, progress=0)  # idle: an empty bar, not the animated "working" one
        elif view.total_steps:
            progress.update(total=view.total_steps, progress=view.step)
        else:
            progress.update(total=None, progress=0)  # running, length unknown (evaluate)
        self.query_one(PauseBanner).show(view.nonfinite if view else None, view.disk_full if view else None)
        if charts:
            self.query_one("#loss-chart", Curve).show(view.losses if view else [])
            self.query_one("#accuracy-chart", Curve).show(view.accuracies if view else [])
        self.query_one(InterventionLog).show(view.run_id if view else None, view.log if view else [])
        self.query_one(QueueList).show(queued)
        if view is not None and view.precision:
            self.query_one(DevicePanel).precision = view.precision
