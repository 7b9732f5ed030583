"""Type a new learning rate or eps. Refused inline (the run unaffected) unless finite, > 0 and <= 1."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from sst2_tui.core.config import format_rate, parse_rate

EXAMPLES = {"learning rate": "e.g. 2e-5", "eps": "e.g. 1e-6 (above fp16's 6e-8: 1e-8 rounds to 0)"}
"""The placeholder for each value: an eps dialog showed an lr's."""


class RateDialog(ModalScreen[float | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, what: str, current: float | None) -> None:
        super().__init__()
        self.what = what
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            shown = format_rate(self.current)
            yield Label(f"New {self.what} (now {shown}); Enter applies it at the next step, Escape cancels")
            yield Input(placeholder=EXAMPLES.get(self.what, "e.g. 2e-5"), id="value")
            yield Label("", id="error")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            value = parse_rate(event.value, self.what)
        except ValueError as error:
            self.query_one("#error", Label).update(str(error))
            self.query_one(Input).add_class("-invalid")
            return
        self.dismiss(value)

    def action_cancel(self) -> None:
        self.dismiss(None)
