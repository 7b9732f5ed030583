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

from core.config import FORM_FIELDS, ConfigError, RunConfig, options, shown_default, value_type

# Built from RunConfig's fields: their labels, placeholders, choices and value types.
_OPTIONS = {option.name: option for option in options()}
SELECTS = [(name, _OPTIONS[name].metadata["choices"]) for name in FORM_FIELDS if _OPTIONS[name].metadata["choices"]]
TEXT_FIELDS = [  # (field, label, placeholder)
    (name, _OPTIONS[name].metadata["form"], _OPTIONS[name].metadata["placeholder"] or shown_default(_OPTIONS[name]))
    for name in FORM_FIELDS if not _OPTIONS[name].metadata["choices"]
]


def parse_form(values: dict[str, str]) -> RunConfig:
    """Strings from the form to a config; raises ConfigError naming the field."""
    kwargs: dict[str, object] = {}
    for name, text in values.items():
        text = text.strip()
        if not text:
            continue
        kind = value_type(_OPTIONS[name])
        try:
            kwargs[name] = kind(text)
        except ValueError:
            what = "a whole number" if kind is int else "a number"
            raise ConfigError(name, f"{name.replace('_', ' ')}: {text!r} is not {what}") from None
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
                        yield Label(_OPTIONS[name].metadata["form"], classes="field-label")
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
