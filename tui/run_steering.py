"""The keys that steer the current run (space, l, e, s, and the NaN banner's 1 2 3): each becomes
control commands for the run's folder. Mixed into `SST2App`; it uses the app's current run and
handle, its queue (a NaN fix may queue a rerun), `notify` and `push_screen`."""

from __future__ import annotations

from sst2_tui.core.config import RunConfig
from sst2_tui.core.controls import PAUSE, RESUME, STOP, Command, eps_command, lr_command
from sst2_tui.tui.run_view import RunView
from sst2_tui.tui.screens.rate_dialog import RateDialog
from sst2_tui.tui.widgets.pause_banner import rerun_flags


class RunSteering:
    def _run_is_active(self) -> bool:
        return self.handle is not None and self.current is not None and self.current.active

    def _send(self, *commands: Command) -> bool:
        if not self._run_is_active():
            self.notify("No run is active.", severity="warning")
            return False
        self.handle.controls.send_all(list(commands))
        return True

    def action_toggle_pause(self) -> None:
        if self.current is not None and self.current.status == "paused":
            self._send(RESUME)
        elif self._send(PAUSE):
            self.notify("Pausing at the next step boundary.")

    def action_set_rate(self, what: str) -> None:
        if not self._run_is_active():
            self.notify("No run is active.", severity="warning")
            return
        current = self.current.lr if what == "learning rate" else self.current.eps

        def apply(value: float | None) -> None:
            if value is not None:
                self._send(lr_command(value) if what == "learning rate" else eps_command(value))

        self.push_screen(RateDialog(what, current), apply)

    def action_stop_run(self) -> None:
        if self._send(STOP):
            self.notify("Stopping: finishing the step, evaluating and saving.")

    def action_fix(self, key: str) -> None:
        report = self.current.nonfinite if self.current else None
        if report is None:
            return
        for suggestion in report.suggestions:
            if suggestion["key"] == key and self._send(*(Command.from_dict(c) for c in suggestion["commands"])):
                self.current.applied_fix = suggestion["label"]
                if "rerun" in suggestion:
                    self._queue_rerun(self.current, suggestion["rerun"])

    def _queue_rerun(self, view: RunView, changes: dict) -> None:
        """NaN fix 3: the same run again with what the fix changes (e.g. --precision auto)."""
        try:
            config = RunConfig.from_dict({**view.config, **changes})
        except (ValueError, TypeError) as error:
            self.notify(f"Could not queue the rerun: {error}", severity="error", markup=False)
            return
        self.queue.add(config)
        self.notify(f"Stopping {view.run_id}; queued a rerun with {rerun_flags(changes)}.", markup=False)
        self._refresh()
        self._start_worker_if_needed()
