"""`f`: fork a run. On the dashboard, the live run at its next step (it trains on, the fork beside it);
in the results or a past session, a run that is not live, from one of its kept checkpoints (listed
with the validation accuracy at each; `step=N` picks one, the newest by default). The changes are
typed as `lr=1e-5 eps=... weight-decay=... patience=... epochs=...` (empty: an exact copy); a bad word
is said inline, the run unaffected."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, Label

from sst2_tui.core.run.fork import ForkChanges, parse_changes
from sst2_tui.tui.messages import ForkNow
from sst2_tui.tui.run_view import RunView


@dataclass(frozen=True)
class ForkRequest:
    changes: ForkChanges
    step: int | None = None
    """The kept checkpoint to start from (None: the live run's next step, or the newest kept one)."""


def kept_text(checkpoints: list[tuple[int, float | None]]) -> str:
    return ", ".join(f"{step}" + (f" (val acc {acc:.3f})" if acc is not None else "") for step, acc in checkpoints)


class ForkDialog(ModalScreen[ForkRequest | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, run_id: str, checkpoints: list[tuple[int, float | None]] | None = None) -> None:
        super().__init__()
        self.run_id = run_id
        self.checkpoints = checkpoints
        """(step, validation accuracy there) of each kept checkpoint; None: a live run, forked at its next step."""

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            if self.checkpoints is None:
                yield Label(f"Fork {self.run_id} at its next step: it trains on, and the fork beside it with these "
                            "changes. Enter forks, Escape cancels.")
            else:
                yield Label(f"Fork {self.run_id} from a kept checkpoint, step {kept_text(self.checkpoints)}; step=N "
                            f"picks one (default {self.checkpoints[-1][0]}). Enter forks, Escape cancels.")
            yield Input(placeholder="e.g. lr=1e-5 (also eps, weight-decay, patience, epochs, schedule, lora-dropout; "
                                    "empty: an exact copy)",
                        id="value")
            yield Label("", id="error")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            request = self.read(event.value)
        except ValueError as error:
            self.query_one("#error", Label).update(str(error))
            self.query_one(Input).add_class("-invalid")
            return
        self.dismiss(request)

    def read(self, text: str) -> ForkRequest:
        words = text.replace(",", " ").split()
        steps = [w for w in words if w.lower().startswith("step=")]
        if steps and self.checkpoints is None:
            raise ValueError("a live run forks at its next step: leave out step=")
        if len(steps) > 1:
            raise ValueError("step is given twice")
        step = None
        if steps:
            value = steps[0].partition("=")[2]
            kept = [s for s, _ in self.checkpoints or []]
            if not value.isdigit() or int(value) not in kept:
                raise ValueError(f"step {value!r}: give one of the kept steps ({', '.join(map(str, kept))})")
            step = int(value)
        return ForkRequest(parse_changes(" ".join(w for w in words if w not in steps)), step)

    def action_cancel(self) -> None:
        self.dismiss(None)


def fork_dialog_for(view: RunView) -> tuple[ForkDialog, bool] | str:
    """The dialog for `f` on a run in the results or a past session, and whether the run is live; or
    why it cannot be forked, in one line."""
    from sst2_tui.core.storage.checkpoints import list_checkpoints
    from sst2_tui.core.storage.sessions import RunFolder

    if view.folder is None:
        return f"{view.run_id}: its folder is not known here; fork it with sst2-tui fork RUN_DIR"
    if view.config is not None and view.config.method == "evaluate":
        return f"{view.run_id} is an evaluation: it trains nothing to fork"
    if RunFolder(view.folder).is_live():
        return ForkDialog(view.run_id), True
    kept = list_checkpoints(view.folder / "checkpoints")
    if not kept:
        return f"{view.run_id} kept no checkpoint to fork from (a run saves one every --save-every steps and at its end)"
    accuracy = dict(view.accuracies)
    return ForkDialog(view.run_id, [(step, accuracy.get(step)) for step, _ in kept]), False


def ask_and_fork(screen: Screen, view: RunView) -> None:
    """`f` on a highlighted run: the dialog, then a ForkNow message up to the app (or why not, said)."""
    chosen = fork_dialog_for(view)
    if isinstance(chosen, str):
        screen.notify(chosen, severity="warning", markup=False)
        return
    dialog, live = chosen

    def fork(request: ForkRequest | None) -> None:
        if request is not None:
            screen.post_message(ForkNow(request.changes, view.folder, request.step, live))

    screen.app.push_screen(dialog, fork)
