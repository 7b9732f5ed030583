"""A run failed: its message and a hint. The app keeps working."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, Static


class ErrorModal(ModalScreen[bool]):
    """Dismissed with True when the user takes the offered way on (`u`: resume a run that died)."""

    BINDINGS = [Binding("escape,enter,space", "close", "Close"), Binding("u", "resume", "Resume", show=False)]

    def __init__(self, title: str, message: str, hint: str | None, offer_resume: bool = False) -> None:
        super().__init__()
        self.title_text, self.message, self.hint, self.offer_resume = title, message, hint, offer_resume

    @classmethod
    def for_run(cls, run_id: str, ending: str, error: str, hint: str | None, died: bool) -> ErrorModal:
        """A run that failed or died; one that died (with a folder) offers `u` to resume it."""
        return cls(f"Run {run_id} {ending}", error, "Press u to resume it from its last checkpoint." if died else hint,
                   offer_resume=died)

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="error"):
            yield Label(Text(self.title_text, style="bold"))
            yield Static(Text(self.message))  # Text, not markup: the message may quote user data
            if self.hint:
                yield Static(Text("hint: " + self.hint))
            yield Label("u: resume it from its last checkpoint   Enter or Escape: close" if self.offer_resume
                        else "Enter or Escape: close")

    def action_close(self) -> None:
        self.dismiss(False)

    def action_resume(self) -> None:
        if self.offer_resume:
            self.dismiss(True)
