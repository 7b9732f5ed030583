"""A run failed: its message and a hint. The app keeps working."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, Static


class ErrorModal(ModalScreen[None]):
    BINDINGS = [Binding("escape,enter,space", "close", "Close")]

    def __init__(self, title: str, message: str, hint: str | None) -> None:
        super().__init__()
        self.title_text, self.message, self.hint = title, message, hint

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="error"):
            yield Label(Text(self.title_text, style="bold"))
            yield Static(Text(self.message))  # Text, not markup: the message may quote user data
            if self.hint:
                yield Static(Text("hint: " + self.hint))
            yield Label("Enter or Escape: close")

    def action_close(self) -> None:
        self.dismiss(None)
