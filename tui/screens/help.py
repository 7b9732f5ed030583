"""Keys, what each method does, where sessions are stored, library versions."""

from __future__ import annotations

from pathlib import Path

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
    ("n", "new run (or run all three methods)"),
    ("r", "results table of this session"),
    ("x", "export the session report (md, html, csv, json) into the session folder"),
    ("b", "browse past sessions (Enter opens one; u there resumes an interrupted or died run)"),
    ("1 2 3", "apply a fix offered by the NaN banner"),
    ("?", "this help"),
    ("q", "quit (while a run is active: leave it training, come back with sst2-tui attach; or stop it)"),
]
METHODS = [
    ("full", "full fine-tuning in a hand-written PyTorch loop: every weight trains"),
    ("trainer", "the same full fine-tuning through Hugging Face's Trainer (note its max_grad_norm=1.0)"),
    ("lora", "LoRA via peft (r=8, alpha=16, dropout 0.05): small adapters and the head train"),
    ("evaluate", "validation accuracy of an already fine-tuned model, no training"),
]


class HelpScreen(Screen):
    BINDINGS = [Binding("escape,question_mark,q", "app.pop_screen", "Back")]

    def __init__(self, sessions_dir: Path, versions: dict[str, str]) -> None:
        super().__init__()
        self.sessions_dir = sessions_dir
        self.versions = versions

    def compose(self) -> ComposeResult:
        text = Text()
        text.append("Keys\n", style="bold")
        for key, meaning in KEYS:
            text.append(f"  {key:<7}", style="bold")
            text.append(meaning + "\n")
        text.append("\nMethods\n", style="bold")
        for name, meaning in METHODS:
            text.append(f"  {name:<9}", style="bold")
            text.append(meaning + "\n")
        text.append("\nSessions are stored in ", style="bold")
        text.append(f"{self.sessions_dir}\n")
        text.append("  (change with --sessions-dir or $SST2_TUI_SESSIONS)\n")
        text.append("\nLibrary versions\n", style="bold")
        for name, version in (self.versions or {"": "loading..."}).items():
            text.append(f"  {name:<13}{version}\n")
        with VerticalScroll():
            yield Static(text)
        yield Footer(compact=True)
