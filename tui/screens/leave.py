"""Leaving the app while a run is active: leave it in the background (the default), stop it
gracefully, or stay. It says what happens to the run and to the runs queued after it, and lets
the user keep the queue or empty it."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label

from sst2_tui.core.summary import Status


class LeaveScreen(ModalScreen[str | None]):
    BINDINGS = [Binding("enter,l", "answer('leave')", "Leave it"), Binding("s", "answer('stop')", "Stop it"),
                Binding("e", "answer('stop_all')", "Stop, empty the queue"), Binding("escape,c,n", "answer(None)", "Cancel")]

    def __init__(self, queued: int = 0, paused: bool = False) -> None:
        super().__init__()
        self.queued = queued
        self.paused = paused

    def compose(self) -> ComposeResult:
        runs = f"{self.queued} queued run{'s' if self.queued != 1 else ''}"
        after = f"; {runs} {'start' if self.queued != 1 else 'starts'} after it" if self.queued else ""
        with Vertical(id="dialog"):
            yield Label(f"A run is {Status.PAUSED if self.paused else 'active'}. Quit the app and:")
            if self.paused:
                yield Label(f"Enter/l: leave it paused in the background (resume: `sst2-tui attach`, or ctl){after}")
            else:
                yield Label(f"Enter/l: leave it training in the background (back: `sst2-tui attach`){after}")
            yield Label("s: stop it gracefully (it evaluates and saves)" + ("; the queue is kept" if self.queued else ""))
            if self.queued:
                yield Label(f"e: stop it and empty the queue ({runs} never {'start' if self.queued != 1 else 'starts'})")
            yield Label("Esc: cancel, keep watching")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not (action == "answer" and parameters == ("stop_all",) and not self.queued)

    def action_answer(self, answer: str | None) -> None:
        self.dismiss(answer)
