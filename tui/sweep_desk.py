"""What the window does for a sweep session: whether it is one (`g` and the footer's n/g), the
verdict when its work runs out (in the log and a notice), and following a running point from `g`.

Attributes down, calls up: the desk holds the watcher and the app's `notify`, never the app."""

from __future__ import annotations

from pathlib import Path

from sst2_tui.core.storage.sessions import RunFolder
from sst2_tui.core.storage.sweep_file import SWEEP_FILE
from sst2_tui.tui.queueing import Notify
from sst2_tui.tui.run_queue import Attachment
from sst2_tui.tui.run_view import RunView
from sst2_tui.tui.session_watcher import SessionWatcher


class SweepDesk:
    def __init__(self, watcher: SessionWatcher, notify: Notify) -> None:
        self.watcher = watcher
        self.notify = notify

    def session_path(self) -> Path | None:
        """The window's session, when it is a sweep's."""
        session = self.watcher.session
        return session.path if session is not None and (session.path / SWEEP_FILE).is_file() else None

    def ended(self, session_name: str, lines: list[str], view: RunView | None) -> None:
        """The verdict in the log under the last run, and a notice (the log may be scrolled away)."""
        if view is not None:
            view.log += [f"Sweep {session_name} ended.", *lines]
        verdicts = [line.removeprefix("Verdict: ") for line in lines if line.startswith(("Verdict: ", "No verdict"))]
        said = f" {verdicts[0]}" if verdicts else ""
        self.notify(f"Sweep ended.{said} (g: the grid, r: the report)", timeout=15, markup=False)

    def follow(self, run_dir: Path) -> None:
        """Enter on a running point in `g`: the window follows it (the one followed before trains on)."""
        self.watcher.follow_instead(Attachment.of(RunFolder(run_dir)))
