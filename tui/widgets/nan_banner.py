"""The NaN banner: where it happened, the diagnosis, and numbered fixes applied with one key."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from core.events import Nonfinite


class NanBanner(Static):
    def show(self, report: Nonfinite | None) -> None:
        self.display = report is not None
        if report is None:
            return
        text = Text()
        text.append(f"Non-finite {report.what} at step {report.step}: the run is paused.\n", style="bold")
        text.append(report.diagnosis + "\n")
        if report.restored_step is not None:
            text.append(f"Weights were restored to their last finite copy (step {report.restored_step}).\n")
        for suggestion in report.suggestions:
            text.append(f" {suggestion['key']} ", style="bold reverse")
            text.append(f" {suggestion['label']}   ")
        self.update(text)
