"""Take a run out of the queue: pick one with the arrows, Enter (or d, Delete) removes it."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from sst2_tui.tui.run_queue import Waiting


class QueueScreen(ModalScreen[Waiting | None]):
    BINDINGS = [Binding("escape,q", "cancel", "Cancel"), Binding("d,delete", "remove", "Remove")]

    def __init__(self, waiting: list[Waiting]) -> None:
        super().__init__()
        self.waiting = waiting

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static("Remove which queued run? Enter removes it, Escape keeps them all.", classes="wrap")
            # Labels are data (model paths, run ids): shown literally, never as markup.
            yield OptionList(*(Option(f"{i}. {w.label}", id=str(i)) for i, w in enumerate(self.waiting, start=1)),
                             id="queue-items", markup=False)

    def on_mount(self) -> None:
        self.query_one(OptionList).highlighted = 0

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.waiting[event.option_index])

    def action_remove(self) -> None:
        highlighted = self.query_one(OptionList).highlighted
        if highlighted is not None:
            self.dismiss(self.waiting[highlighted])

    def action_cancel(self) -> None:
        self.dismiss(None)
