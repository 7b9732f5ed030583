"""The new-run form. Every field goes through `RunConfig`, so the form, the CLI and config.json agree.

A bad value is marked and explained inline and the run cannot start. Leaving lr or eps empty
uses the per-method defaults of the reference experiment.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select

from core.config import COMPILE_CHOICES, INITS, METHODS, PRECISIONS, ConfigError, RunConfig

TEXT_FIELDS = [  # (field, label, placeholder)
    ("model", "model (Hub id, folder, demo)", "gpt2"),
    ("data", "data (sst2, folder/file, demo)", "sst2"),
    ("lr", "learning rate", "default: 1e-5 (lora 1e-4; demo 1e-3)"),
    ("eps", "AdamW eps", "default: 1e-8 (fp16-pure 1e-4)"),
    ("batch_size", "batch size", "32"),
    ("epochs", "epochs", "1"),
    ("train_subset", "train subset", "all"),
    ("eval_subset", "eval subset", "all"),
    ("seed", "seed", "0"),
    ("lora_r", "LoRA r", "8"),
    ("lora_alpha", "LoRA alpha", "16"),
    ("lora_dropout", "LoRA dropout", "0.05"),
]
SELECTS = [("method", METHODS), ("init", INITS), ("precision", PRECISIONS), ("compile", COMPILE_CHOICES)]
INTS = {"batch_size", "train_subset", "eval_subset", "seed", "lora_r", "lora_alpha"}
FLOATS = {"lr", "eps", "epochs", "lora_dropout"}


def parse_form(values: dict[str, str]) -> RunConfig:
    """Strings from the form to a config; raises ConfigError naming the field."""
    kwargs: dict[str, object] = {}
    for name, text in values.items():
        text = text.strip()
        if not text:
            continue
        if name in INTS:
            try:
                kwargs[name] = int(text)
            except ValueError:
                raise ConfigError(name, f"{name.replace('_', ' ')}: {text!r} is not a whole number") from None
        elif name in FLOATS:
            try:
                kwargs[name] = float(text)
            except ValueError:
                raise ConfigError(name, f"{name.replace('_', ' ')}: {text!r} is not a number") from None
        else:
            kwargs[name] = text
    return RunConfig(**kwargs)


class NewRunScreen(ModalScreen[list[RunConfig] | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, initial: RunConfig | None = None) -> None:
        super().__init__()
        self.initial = initial or RunConfig(model="demo", data="demo", epochs=3)

    def compose(self) -> ComposeResult:
        with Vertical(id="form"):
            yield Label("New run: Enter in a field or Start queues it; all three queues full, trainer and lora")
            with VerticalScroll(id="fields"):
                for name, choices in SELECTS:
                    with Horizontal(classes="field"):
                        yield Label(name, classes="field-label")
                        yield Select([(c, c) for c in choices], value=getattr(self.initial, name), allow_blank=False,
                                     id=f"f-{name}")
                for name, label, placeholder in TEXT_FIELDS:
                    value = getattr(self.initial, name)
                    shown = "" if value is None else value
                    with Horizontal(classes="field"):
                        yield Label(label, classes="field-label")
                        yield Input(value="" if shown is None else str(shown), placeholder=placeholder, id=f"f-{name}")
            yield Label("", id="form-error")
            with Horizontal(id="buttons"):
                yield Button("Start", id="start", variant="primary")
                yield Button("Run all three", id="all-three")
                yield Button("Cancel", id="cancel")

    def _values(self) -> dict[str, str]:
        values = {name: str(self.query_one(f"#f-{name}", Select).value) for name, _ in SELECTS}
        values.update({name: self.query_one(f"#f-{name}", Input).value for name, _, _ in TEXT_FIELDS})
        return values

    def validate(self) -> RunConfig | None:
        for widget in self.query(".-invalid"):
            widget.remove_class("-invalid")
        error_label = self.query_one("#form-error", Label)
        try:
            config = parse_form(self._values())
        except ConfigError as error:
            error_label.update(f"{error.field}: {error}")
            invalid = self.query_one(f"#f-{error.field}")
            invalid.add_class("-invalid")
            invalid.scroll_visible(animate=False)  # at once: the error line and the field stay in step
            self.query_one("#start", Button).disabled = True
            self.query_one("#all-three", Button).disabled = True
            return None
        error_label.update("")
        self.query_one("#start", Button).disabled = False
        self.query_one("#all-three", Button).disabled = False
        return config

    def on_mount(self) -> None:
        self.validate()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.validate()

    def on_select_changed(self, event: Select.Changed) -> None:
        self.validate()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._start(all_three=False)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "cancel":
            self.dismiss(None)
        else:
            self._start(all_three=event.button.id == "all-three")

    def _start(self, all_three: bool) -> None:
        config = self.validate()
        if config is None:
            return
        if all_three:
            self.dismiss([config.replace(method=m) for m in ("full", "trainer", "lora")])
        else:
            self.dismiss([config])

    def action_cancel(self) -> None:
        self.dismiss(None)
