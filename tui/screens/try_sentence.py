"""`t`: type a sentence, see what the model of this moment makes of it.

A live run answers itself at its next step boundary (a `predict` command, answered by a
`prediction` event: the weights of that step, no second copy of the model); for a finished run
the app loads the run's exported model on a worker thread. The sentence is shown literally.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static


class Answered(Message):
    """The answer to the sentence asked, from `source` (e.g. "01-full at step 120")."""

    def __init__(self, text: str, label: str, probability: float, source: str) -> None:
        super().__init__()
        self.text, self.label, self.probability, self.source = text, label, probability, source


class Unanswered(Message):
    """Why the sentence could not be answered, in one line."""

    def __init__(self, problem: str) -> None:
        super().__init__()
        self.problem = problem


SST2_EXAMPLE = "e.g. a gorgeous, witty, seductive movie."
OTHER_EXAMPLE = "a text like those it was trained on"
PAIR_SEPARATOR = "||"
PAIR_EXAMPLE = f"a pair: first text {PAIR_SEPARATOR} second text"


class TrySentenceScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape", "close", "Close")]

    def __init__(self, where: str, ask, example: str = SST2_EXAMPLE) -> None:
        super().__init__()
        self.where = where
        self.example = example
        """The input's placeholder: SST-2's kind of sentence, or a plain word for another task's."""
        self.ask = ask
        """Called on a worker thread with the sentence and this screen; the answer comes back as an
        `Answered` (or `Unanswered`) message to this screen."""

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(f"Try a sentence on {self.where}. Enter asks; Escape closes.")
            yield Input(placeholder=self.example, id="sentence")
            yield Static("", id="answer")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if not text:
            return
        self.query_one("#answer", Static).update(Text("asking...", style="italic"))
        self.run_worker(lambda: self.ask(text, self), thread=True, group="predict", exclusive=True, exit_on_error=False)

    def on_answered(self, message: Answered) -> None:
        answer = Text()
        sentiment = message.label in ("positive", "negative")  # SST-2's labels: P(positive), as the runs record it
        answer.append(message.label, style="bold green" if message.label == "positive" else "bold red" if sentiment else "bold")
        said = "positive" if sentiment else message.label
        answer.append(f"  P({said}) {message.probability:.3f}  from {message.source}\n")
        answer.append(message.text, style="italic")  # a Text: the sentence's brackets are never markup
        self.query_one("#answer", Static).update(answer)

    def on_unanswered(self, message: Unanswered) -> None:
        self.query_one("#answer", Static).update(Text(message.problem, style="bold red"))

    def action_close(self) -> None:
        self.dismiss(None)
