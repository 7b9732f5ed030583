"""Side-by-side results: one row per run, then the effective settings that differ between runs."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label

from core.report.compare import COLUMNS, differing_settings, result_row
from tui.run_view import RunView, fmt_value
from tui.widgets.device_panel import describe_device


def rows_for(views: list[RunView]) -> list[dict[str, str]]:
    return [result_row(v.run_id, v.config, v.summary or _live_summary(v), describe_device(v.device) if v.device else "-",
                       v.status, v.trainable_params, v.total_params) for v in views]


def _live_summary(view: RunView) -> dict:
    return {"best_val_accuracy": view.best_accuracy, "final_val_accuracy": view.accuracy, "precision": view.precision,
            "train_samples_per_second": view.samples_per_second}


class ResultsTable(Vertical):
    """The table pair, reusable by the sessions browser."""

    def __init__(self, views: list[RunView], **kwargs) -> None:
        super().__init__(**kwargs)
        self.views = views

    def compose(self) -> ComposeResult:
        yield Label(Text("Results (validation accuracy)", style="bold"))
        yield DataTable(id="results-table", zebra_stripes=True, cursor_type="row")
        yield Label(Text("Effective settings that differ between runs (* marks a difference)", style="bold"), id="diff-title")
        yield DataTable(id="diff-table", cursor_type="row")

    def on_mount(self) -> None:
        table = self.query_one("#results-table", DataTable)
        table.add_columns(*COLUMNS)
        for row in rows_for(self.views):
            table.add_row(*(Text(row[c]) for c in COLUMNS))
        diff = self.query_one("#diff-table", DataTable)
        keys = differing_settings([v.effective for v in self.views])
        diff.add_columns("setting", *(v.run_id for v in self.views))
        for key in keys:
            diff.add_row(Text(key), *(Text("* " + fmt_value(v.effective.get(key)), style="bold") for v in self.views))
        if not keys:
            diff.add_row(Text("no differences" if len(self.views) > 1 else "one run: nothing to compare"),
                         *(Text("") for _ in self.views))


class ResultsScreen(Screen):
    BINDINGS = [Binding("escape,r,q", "app.pop_screen", "Back")]

    def __init__(self, views: list[RunView], title: str = "") -> None:
        super().__init__()
        self.views = views
        self.title_text = title

    def compose(self) -> ComposeResult:
        if self.title_text:
            yield Label(Text(self.title_text, style="bold"))
        if not self.views:
            yield Label("No runs in this session yet.")
        yield ResultsTable(self.views)
        yield Footer(compact=True)
