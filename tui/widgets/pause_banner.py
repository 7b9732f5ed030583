"""The pause banner: a NaN (where, the diagnosis, numbered fixes applied with one key) or a full
disk (which path, how much room it needs; the run continues by itself once there is room)."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from sst2_tui.core.events import DiskFull, Nonfinite


def rerun_flags(changes: dict[str, str]) -> str:
    """`{"precision": "auto"}` as the flags a user would type: `--precision auto`."""
    return " ".join(f"--{name.replace('_', '-')} {value}" for name, value in changes.items())


class PauseBanner(Static):
    def show(self, report: Nonfinite | None, disk_full: DiskFull | None = None, did_not_help: str | None = None) -> None:
        self.display = report is not None or disk_full is not None
        if disk_full is not None:
            text = Text()
            text.append("Disk full: the run is paused.\n", style="bold")
            text.append(disk_full.message + "\n")
            text.append(" space ", style="bold reverse")
            text.append(" try again now")
            self.update(text)
            return
        if report is None:
            return
        text = Text()
        text.append(f"Non-finite {report.what} at step {report.step}: the run is paused.\n", style="bold")
        if did_not_help:
            text.append(f"The previous fix ({did_not_help}) did not help: try another.\n", style="bold")
        text.append(report.diagnosis + "\n")
        if report.restored_step is not None:
            text.append(f"Weights were restored to their last finite copy (step {report.restored_step}).\n")
        for suggestion in report.suggestions:  # one per line: none is ever cut off by the width
            text.append(f" {suggestion.key} ", style="bold reverse")
            label = f"stop, and queue a rerun with {rerun_flags(suggestion.rerun)}" if suggestion.rerun else suggestion.label
            text.append(f" {label}\n")
        text.rstrip()
        self.update(text)
