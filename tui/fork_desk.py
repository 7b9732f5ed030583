"""The app's forks (`f`): the blocking work (asking a live run for a checkpoint, starting the fork's
process) in a worker thread, what became of it said as a notification; the window never waits."""

from __future__ import annotations

from pathlib import Path

from textual.app import App

from sst2_tui.core.errors import UserError
from sst2_tui.core.run.fork import ForkChanges


class ForkDesk:
    def __init__(self, app: App) -> None:
        self.app = app

    def fork(self, folder: Path, changes: ForkChanges, live: bool, step: int | None = None) -> None:
        """Fork `folder`: live, at its next step; else from its kept checkpoint at `step` (None: the newest)."""
        if live:
            self.app.notify("Forking at the next step boundary...")
        self.app.run_worker(lambda: self._work(folder, changes, live, step), thread=True, group="forks",
                            exit_on_error=False)

    def _work(self, folder: Path, changes: ForkChanges, live: bool, step: int | None) -> None:
        from sst2_tui.core.run.fork_now import fork_kept, fork_live

        try:
            fork = fork_live(folder, changes, source="app") if live else fork_kept(folder, step, changes)
        except UserError as error:
            self.app.call_from_thread(self.app.notify, str(error), severity="warning", markup=False)
            return
        self.app.call_from_thread(
            self.app.notify, f"{fork.run_dir.name} forked from {folder.name} at step {fork.branch_step}: it trains in "
            f"the background beside it (b: sessions; attach {fork.run_dir.name} to watch)", markup=False, timeout=10)
