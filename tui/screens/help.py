"""Keys, what each method does, where sessions are stored, library versions."""

from __future__ import annotations

from pathlib import Path

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

KEYS = [
    ("space", "pause / resume the run (at the next step boundary)"),
    ("l", "set the learning rate (e.g. 2e-5; applied at the next step)"),
    ("e", "set AdamW's eps"),
    ("s", "stop the run gracefully (finish the step, evaluate, save)"),
    ("f", "fork the run at its next step with changes (lr=1e-5, eps, weight-decay, patience, epochs): it trains on, "
          "the fork beside it; the report then says whether the change helped"),
    ("n", "new run (or run all three methods)"),
    ("d", "take a run out of the queue (shown while runs wait)"),
    ("r", "results table of this session"),
    ("x", "export the session report (md, html, csv, json) into the session folder"),
    ("b", "browse past sessions (Enter opens one; u there resumes an interrupted or died run)"),
    ("t", "try a sentence: a live run answers at its next step; a finished run's exported model answers"),
    ("g", "a sweep's grid (in a sweep's session): methods x settings, done of all, mean accuracy so far, "
          "and the running points (Enter follows one); c there: each method's best setting over seeds, mean ±1 std"),
    ("1 2 3", "apply a fix offered by the NaN banner"),
    ("?", "this help"),
    ("q", "quit (while a run is active: leave it training, come back with sst2-tui attach; or stop it); "
          "Ctrl-C and Ctrl-Q ask the same"),
    ("Tab", "next field in a form (Shift-Tab: previous); Escape closes a dialog or page"),
]
METHODS = [
    ("full", "full fine-tuning in a hand-written PyTorch loop: every weight trains"),
    ("trainer", "the same full fine-tuning through Hugging Face's Trainer (note its max_grad_norm=1.0)"),
    ("lora", "LoRA via peft (r=8, alpha=16, dropout 0.05): small adapters and the head train. It adapts what a "
             "pretrained model already knows; on a model with random weights (the demo) there is nothing to adapt, so "
             "it trails full fine-tuning there"),
    ("evaluate", "validation accuracy of an already fine-tuned model, no training"),
]


# A sweep's verdict (g, the report, `sweep`'s last lines), term by term, for someone who is not a statistician.
VERDICT_TERMS = [
    ("Verdict", "the answer once no run is left to come; before that, \"So far (8 of 12 runs; 4 to come)\": it may change"),
    ("judging half", "the verdict's sentences: half of the validation set, never used to choose a step or a setting "
                     "(those are chosen on the other, tuning half), so the winner is not flattered"),
    ("judged accuracy", "each method's mean accuracy on the judging half over the runs judged: the two numbers whose "
                        "difference is \"A − B\""),
    ("95% sure", "the interval: in 95 of 100 sweeps like this one the true gap lies inside it (for all pairs of "
                 "methods together); it counts both the seeds' luck and which sentences happened to judge"),
    ("can't tell yet", "the interval holds 0 and more than the margin: the advice says how many more seeds of each "
                       "(and their device time) would tell a gap of the margin, or, where no sensible number would, "
                       "what would: all the validation sentences, or a wider margin"),
    ("practically the same", "the whole interval lies within ±margin points (--margin; by default what the judging "
                             "sentences can resolve with 10 seeds of each, said as the sweep starts)"),
    ("how steady", "a method given one setting and judged on fewer than 5 seeds: its few runs cannot show whether "
                   "it sometimes trains badly, so the interval allows for that and only a large gap is called; "
                   "5 seeds of each, or several settings of the method in the sweep, remove this"),
    ("collapsed", "a run that answers one class for (almost) every sentence: it learned nothing (lr too high?); kept "
                  "as it scored, since leaving it out would flatter its method"),
    ("P(A beats B)", "the chance a fresh seed of A scores above a fresh seed of B on these sentences; shown from 8 "
                     "seeds of each (with fewer it is mostly luck)"),
    ("from seeds / sentences", "how much of the uncertainty more seeds would remove, and how much only more "
                               "sentences would"),
]


# The demo's fourth run, in two lines: what the user saw and why.
NAN_STORY = [
    ("NaN run", "pure fp16 (weights and AdamW's state in float16) with AdamW's default eps=1e-8: float16 cannot "
                "hold 1e-8 (it rounds to 0), so when v underflows AdamW divides by zero and the loss turns NaN."),
    ("the fix", "eps 1e-4 (fix 1) is representable in float16: the run resumes from its last finite weights and "
                "learns; the reference experiment used the same eps. Mixed precision (--precision auto) avoids it."),
]


class HelpScreen(Screen):
    BINDINGS = [Binding("escape,question_mark,q", "app.pop_screen", "Back")]

    def __init__(self, sessions_dir: Path, versions: dict[str, str]) -> None:
        super().__init__()
        self.sessions_dir = sessions_dir
        self.versions = versions

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(Text("Keys", style="bold"))
            yield Static(two_columns(KEYS, 8))
            yield Static(Text("Methods", style="bold"), classes="heading")
            yield Static(two_columns(METHODS, 10))
            yield Static(Text("Reading a sweep's verdict", style="bold"), classes="heading")
            yield Static(two_columns(VERDICT_TERMS, 14))
            yield Static(Text("Why the demo's fourth run turns NaN", style="bold"), classes="heading")
            yield Static(two_columns(NAN_STORY, 10))
            text = Text()
            text.append("\nSessions are stored in ", style="bold")
            text.append(f"{self.sessions_dir}\n")
            text.append("  (change with --sessions-dir or $SST2_TUI_SESSIONS)\n")
            text.append("\nLibrary versions\n", style="bold")
            for name, version in (self.versions or {"": "loading..."}).items():
                text.append(f"  {name:<13}{version}\n")
            yield Static(text)
        yield Footer(compact=True)


def two_columns(rows: list[tuple[str, str]], width: int) -> Table:
    """Name and meaning; a long meaning wraps inside its own column, never back to column 0."""
    table = Table.grid(padding=(0, 1))
    table.add_column(width=width, style="bold", no_wrap=True)
    table.add_column(ratio=1)
    for name, meaning in rows:
        table.add_row(f"  {name}", meaning)
    return table
