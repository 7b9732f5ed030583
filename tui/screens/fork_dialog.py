"""`f` on the dashboard: fork the live run at its next step, with some settings changed (or none: an
exact copy that trains on beside it). Refused inline, the run unaffected, until the changes read."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from sst2_tui.core.run.fork import ForkChanges, parse_changes


class ForkDialog(ModalScreen[ForkChanges | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, run_id: str) -> None:
        super().__init__()
        self.run_id = run_id

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(f"Fork {self.run_id} at its next step: it trains on, and the fork beside it with these "
                        "changes. Enter forks, Escape cancels.")
            yield Input(placeholder="e.g. lr=1e-5 (also eps, weight-decay, patience, epochs; empty: an exact copy)",
                        id="value")
            yield Label("", id="error")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            changes = parse_changes(event.value)
        except ValueError as error:
            self.query_one("#error", Label).update(str(error))
            self.query_one(Input).add_class("-invalid")
            return
        self.dismiss(changes)

    def action_cancel(self) -> None:
        self.dismiss(None)
