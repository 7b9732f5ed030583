"""Leaving the app while a run is active: leave it training in the background (the default),
stop it gracefully, or stay."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label


class LeaveScreen(ModalScreen[str | None]):
    BINDINGS = [Binding("enter,l", "answer('leave')", "Leave it training"), Binding("s", "answer('stop')", "Stop it"),
                Binding("escape,c,n", "answer(None)", "Cancel")]

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label("A run is active. Quit the app and:")
            yield Label("Enter/l: leave it training in the background (come back with `sst2-tui attach`)")
            yield Label("s: stop it gracefully (it evaluates and saves; its session stays complete)")
            yield Label("Esc: cancel, keep watching")

    def action_answer(self, answer: str | None) -> None:
        self.dismiss(answer)
