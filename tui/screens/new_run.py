"""The new-run form. Every field goes through `RunConfig`, so the form, the CLI and config.json agree.

Each bad field is marked and explained inline, each message naming its field once, and the run
cannot start; a local model or data path that does not exist is refused here, when the run is
queued, not minutes later when its turn comes. Leaving lr or eps empty uses the per-method
defaults of the reference experiment. One row per field, so all of them fit at 80x24.
"""

from __future__ import annotations

import re
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from sst2_tui.core.config import FORM_FIELDS, ConfigError, RunConfig, format_rate, options, shown_default, value_type
from sst2_tui.core.data.files import DataChoice
from sst2_tui.core.data.loading import data_path_problem
from sst2_tui.core.errors import UserError
from sst2_tui.core.hub import model_path_problem
from sst2_tui.core.storage.sweep_file import UntilResolved
from sst2_tui.core.sweep.grid import ONE_VALUE
from sst2_tui.core.sweep.margin import margin_points
from sst2_tui.core.sweep.start import describe_grid
from sst2_tui.core.tracker_names import check_installed, parse_report_to
from sst2_tui.tui.form_sweep import SweepRequest, form_grid, is_listed, list_items
from sst2_tui.tui.run_queue import settings_line

# Built from RunConfig's fields: their labels, placeholders, choices and value types.
_OPTIONS = {option.name: option for option in options()}
SELECTS = [(name, _OPTIONS[name].metadata["choices"]) for name in FORM_FIELDS if _OPTIONS[name].metadata["choices"]]
TEXT_FIELDS = [  # (field, label, placeholder)
    (name, _OPTIONS[name].metadata["form"], _OPTIONS[name].metadata["placeholder"] or shown_default(_OPTIONS[name]))
    for name in FORM_FIELDS if not _OPTIONS[name].metadata["choices"]
]
ALL_THREE = ("full", "trainer", "lora")
DEMO_FORM = RunConfig(model="demo", data="demo", epochs=4, init="random")  # the demo model has no pretrained weights


def shown_value(name: str, value: object) -> str:
    """A value as a person types it: `3e-4` for rates, `2` for 2.0 epochs."""
    if value is None:
        return ""
    if name in ("lr", "eps"):
        return format_rate(value)
    return f"{value:g}" if isinstance(value, float) else str(value)


def label(name: str) -> str:
    """The field's name as the form shows it ("batch size", "LoRA r"), never the internal one."""
    return _OPTIONS[name].metadata["form"] or name.replace("_", " ")


def _typed(name: str, text: str) -> str:
    """The text a field means: its own placeholder `all` typed in is the same as leaving it empty."""
    text = text.strip()
    return "" if text.lower() == "all" and _OPTIONS[name].default is None else text


def field_errors(values: dict[str, str]) -> dict[str, str]:
    """Every field whose text is not a value of its type or out of its range, all of them at once,
    each with one message naming the field as the form shows it."""
    errors: dict[str, str] = {}
    for name, text in values.items():
        text = _typed(name, text)
        kind = value_type(_OPTIONS[name])
        if not text or kind is str:
            continue
        try:
            value = kind(text)
        except ValueError:
            what = "a whole number" if kind is int else "a number"
            errors[name] = f"{label(name)}: {text!r} is not {what}"
            continue
        try:
            RunConfig(**{"model": "demo", "data": "demo", name: value})  # this field's own range, alone
        except ConfigError as error:
            errors[name] = f"{label(name)}: {str(error).removeprefix(name).strip()}"
    return errors


def parse_form(values: dict[str, str]) -> RunConfig:
    """Strings from the form to a config; raises ConfigError naming the (first) bad field."""
    errors = field_errors(values)
    if errors:
        name, message = next(iter(errors.items()))
        raise ConfigError(name, message)
    kwargs = {name: value_type(_OPTIONS[name])(_typed(name, text)) for name, text in values.items() if _typed(name, text)}
    return RunConfig(**kwargs)


def path_errors(config: RunConfig, hub_unreachable: bool = False) -> dict[str, str]:
    """Local paths that do not exist, local data whose rows are not labelled sentences (read now, in
    a fraction of a second, not when the run's turn comes), and, when the window knows the Hub
    cannot be reached, data that would come from it."""
    problems = {"model": model_path_problem(config.model), "data": data_path_problem(config.data)}
    if problems["data"] is None and config.data != "demo":
        if Path(config.data).expanduser().exists():
            problems["data"] = data_content_problem(config)
        elif hub_unreachable:
            problems["data"] = (f"data: {config.data!r} comes from the Hugging Face Hub, which cannot be reached from here; "
                                "give a local folder or file, or demo")
    return {name: problem for name, problem in problems.items() if problem}


DATA_FIELDS = ("data", "text_columns", "label_column")
"""The fields that decide what the data holds: a change to one reads the data again."""


def as_fields(text: str) -> str:
    """A core message for the form: each `--flag` it names becomes the field the form shows
    (`--text-columns` -> `the text columns field`)."""
    def field(match: re.Match[str]) -> str:
        name = match.group(1).replace("-", "_")
        return f"the {label(name)} field" if name in _OPTIONS else match.group(0)

    return re.sub(r"--([a-z][a-z0-9-]*)", field, text)


def data_found_line(config: RunConfig) -> str:
    """What a local data file or folder holds, as the form shows it before Start: sizes, the text
    column(s), the classes. Empty for demo and Hub data (the Hub is not asked from a form);
    the problem, naming file and row, where it cannot be trained on."""
    from sst2_tui.core.data.loading import load_splits

    if config.data == "demo" or not Path(config.data).expanduser().exists():
        return ""
    try:
        splits = load_splits(config.data, seed=config.data_seed, train_subset=config.train_subset,
                             eval_subset=config.eval_subset,
                             columns=DataChoice.of(config.text_columns, config.label_column, config.validation_split))
    except (UserError, ValueError, OSError) as error:
        return f"data: {as_fields(str(error))}"
    names = splits.label_set.names
    shown = ", ".join(names[:6]) + (", ..." if len(names) > 6 else "")
    texts = " + ".join(splits.text_columns) + (" (pairs)" if len(splits.text_columns) == 2 else "")
    return (f"found: {len(splits.train):,} train / {len(splits.validation):,} validation; text {texts}; "
            f"{len(names)} classes ({shown})")


class DataFound(Message):
    """What the data fields name, read on a worker (a large file takes a second)."""

    def __init__(self, fields: tuple[str, ...], line: str) -> None:
        super().__init__()
        self.fields, self.line = fields, line


def data_content_problem(config: RunConfig) -> str | None:
    """Why a local data file or folder cannot be trained on (a label that is not 0 or 1, a missing
    column...), naming the file and row, or None."""
    from sst2_tui.core.data.loading import load_splits

    try:
        load_splits(config.data, seed=config.data_seed, train_subset=config.train_subset, eval_subset=config.eval_subset,
                         columns=DataChoice.of(config.text_columns, config.label_column,
                                                 config.validation_split))
    except (UserError, ValueError, OSError) as error:
        return f"data: {as_fields(str(error))}"
    return None


class Choice(Select):
    """A form's choice: Enter queues the form, as in every other field (space or the arrows open the
    list). The key reaches it in order after the keys typed before it, so the form reads every field
    as typed (a screen-wide Enter would run ahead of a field's own queue of keys)."""

    BINDINGS = [Binding("enter", "submit", "Queue", show=False)]

    class Submitted(Message):
        """Enter on a choice: queue the form."""

    def action_submit(self) -> None:
        self.post_message(self.Submitted())


def _sweep_line(sweeps: dict[bool, SweepRequest | str]) -> str:
    """`Start: sweep of 4 runs (...); Run all three: 12 runs (...)`, or why a button cannot start."""
    said = []
    for three, name in ((False, "Start"), (True, "Run all three")):
        sweep = sweeps[three]
        if isinstance(sweep, str):
            said.append(f"{name}: {sweep}")
        elif sweep.until_resolved:
            said.append(f"{name}: until resolved, round 1 of {len(sweep.points)} runs (at most {UntilResolved.max_runs})")
        else:
            said.append(f"{name}: sweep of {describe_grid(sweep.points)}")
    return "; ".join(said) + " (a session of its own; g shows it)"


def _field_problems(plain: dict[str, str], listed: dict[str, str]) -> dict[str, str]:
    """Each field's problem: a plain value as the field checks it, a comma list item by item."""
    errors = field_errors(plain)
    for name, text in listed.items():
        try:
            problems = [field_errors({name: item}).get(name) for item in list_items(label(name), text)]
        except UserError as error:
            problems = [str(error)]
        if any(problems):
            errors[name] = next(p for p in problems if p)
    return errors


def _field_id(name: str) -> str:
    """The widget of a field's problem: a run setting's `#f-NAME`, or the sweep's own margin field."""
    return "#margin" if name == "margin" else f"#f-{name}"


class NewRunScreen(ModalScreen[list[RunConfig] | SweepRequest | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, initial: RunConfig | None = None, hub_unreachable: bool = False) -> None:
        super().__init__()
        self.initial = initial or DEMO_FORM
        self.hub_unreachable = hub_unreachable
        """The window found the Hub unreachable (or offline): data that would come from it is refused here."""
        self._refused: dict[str, str] = {}
        self._refused_for: tuple[str, str] | None = None
        """What the last Start refused (model, data), and for which texts of those two fields."""

    def compose(self) -> ComposeResult:
        with Vertical(id="form"):
            yield Label("New run: Enter or Start queues it; Run all three queues full, trainer and lora with these "
                        "settings; comma lists (lr 3e-4,1e-3; seed 0,1,2) make a sweep; Escape cancels.")
            # not focusable: the screen's first focus (AUTO_FOCUS) lands on the first field, at once
            with VerticalScroll(id="fields", can_focus=False):
                for name, choices in SELECTS:
                    with Horizontal(classes="field"):
                        yield Label(_OPTIONS[name].metadata["form"], classes="field-label")
                        yield Choice([(c, c) for c in choices], value=getattr(self.initial, name), allow_blank=False,
                                     id=f"f-{name}", compact=True)
                for name, label, placeholder in TEXT_FIELDS:
                    value = getattr(self.initial, name)
                    with Horizontal(classes="field"):
                        yield Label(label, classes="field-label")
                        yield Input(value=shown_value(name, value), placeholder=str(placeholder or ""), id=f"f-{name}", compact=True)
            yield Static("", id="data-found", markup=False)
            yield Static("", id="form-error", markup=False)
            with Horizontal(id="buttons"):
                yield Button("Start", id="start", variant="primary", compact=True)
                yield Button("Run all three", id="all-three", compact=True)
                yield Button("Cancel", id="cancel", compact=True)
                yield Checkbox("until resolved", id="until-resolved", compact=True,
                               tooltip="a sweep that races the settings and adds seeds until the answer is clear")
                yield Input(placeholder="margin ±pts", id="margin", compact=True,
                            tooltip="a sweep: two methods within ±this many accuracy points are practically the same "
                                    "(empty: what the judging sentences can resolve)")

    def _values(self) -> dict[str, str]:
        values = {name: str(self.query_one(f"#f-{name}", Select).value) for name, _ in SELECTS}
        values.update({name: self.query_one(f"#f-{name}", Input).value for name, _, _ in TEXT_FIELDS})
        return values

    def validate(self, check_paths: bool = False, all_three: bool = False) -> RunConfig | SweepRequest | None:
        """The config (or, with comma lists in fields, the sweep) that the button pressed queues
        (`all_three`: Run all three), or None with every problem shown: each bad field marked, one
        line each. The line above the buttons says what each of them queues."""
        values = self._values()
        listed = {name: text.strip() for name, text in values.items() if is_listed(text) and name not in ONE_VALUE}
        plain = {name: text for name, text in values.items() if name not in listed}
        errors = _field_problems(plain, listed)
        config: RunConfig | None = None
        sweeps: dict[bool, SweepRequest | str] = {}
        """Per button (Run all three or not): its sweep, or why it cannot start."""
        if not errors:
            try:
                config = parse_form({**plain, **{name: list_items(name, text)[0] for name, text in listed.items()}})
            except ConfigError as error:  # a rule across fields (e.g. --merge is for lora)
                errors[error.field] = f"{label(error.field)}: {str(error).removeprefix(error.field).strip()}"
            if config is not None and config.report_to:
                try:  # a tracker this machine lacks: said now, not when the run's turn comes
                    check_installed(parse_report_to(config.report_to))
                except UserError as error:
                    errors["report_to"] = str(error)
            sweeps = self._sweeps(config, values, plain, listed, errors)
        blocking = bool(errors)  # a value the form can see is wrong: no button starts until it is fixed
        where = (values.get("model", ""), values.get("data", ""))
        if config is not None and check_paths:
            self._refused, self._refused_for = path_errors(config, self.hub_unreachable), where
            errors.update(self._refused)
        elif config is not None and where == self._refused_for:  # said on Enter: kept until model or data changes
            errors.update(self._refused)
        self._show(errors, config, sweeps, blocking)
        chosen = sweeps.get(all_three)
        if errors or isinstance(chosen, str):
            return None
        return chosen or config

    def _sweeps(self, config: RunConfig | None, values: dict[str, str], plain: dict[str, str], listed: dict[str, str],
                errors: dict[str, str]) -> dict[bool, SweepRequest | str]:
        """Per button (Run all three or not), the sweep the comma lists (or until resolved) make, or why
        it cannot start; a margin's problem, or a sweep neither button can start, goes into `errors`."""
        rounds = self.query_one("#until-resolved", Checkbox).value
        try:
            margin = margin_points(self.query_one("#margin", Input).value, "margin")
        except UserError as error:
            errors["margin"], margin = str(error), None
        if margin is not None and not (listed or rounds):
            errors["margin"] = "margin: a sweep's setting (comma lists, or until resolved); leave it empty for one run"
        sweeps: dict[bool, SweepRequest | str] = {}
        if config is None or not (listed or rounds) or "margin" in errors:
            return sweeps
        for three in (False, True):
            try:
                sweeps[three] = SweepRequest(form_grid({k: _typed(k, v) for k, v in plain.items()}, listed,
                                                       list(ALL_THREE) if three else [values["method"]], rounds),
                                             until_resolved=rounds, margin=margin)
            except UserError as error:
                sweeps[three] = str(error)
        if all(isinstance(s, str) for s in sweeps.values()):
            errors[next(iter(listed))] = str(sweeps[False])
        return sweeps

    def _show(self, errors: dict[str, str], config: RunConfig | None, sweeps: dict[bool, SweepRequest | str],
              blocking: bool) -> None:
        """Each bad field marked and said; with none, what each button queues."""
        for widget in self.query(".-invalid"):
            widget.remove_class("-invalid")
        for name in errors:
            self.query_one(_field_id(name)).add_class("-invalid")
        # no problem: what each button queues, read before Enter queues it (keys pasted in a burst can
        # be lost upstream in Textual; README, known issues)
        shown = "\n".join(errors.values()) if errors or config is None else (
            _sweep_line(sweeps) if sweeps else settings_line(config))
        self.query_one("#form-error", Static).update(shown)
        self.query_one("#form-error", Static).set_class(not errors and config is not None, "-summary")
        self.query_one("#start", Button).disabled = blocking or isinstance(sweeps.get(False), str)
        self.query_one("#all-three", Button).disabled = blocking or isinstance(sweeps.get(True), str)
        if errors:
            self.query_one(_field_id(next(iter(errors)))).scroll_visible(animate=False)

    def on_mount(self) -> None:
        # No focus() here: it is applied later, and a Tab typed before it would be undone by it.
        self.validate()

    def on_input_changed(self, event: Input.Changed) -> None:
        config = self.validate()
        if event.input.id in {f"f-{name}" for name in DATA_FIELDS}:
            if isinstance(config, SweepRequest):  # a sweep across tasks: each data set read, one line each
                self._read_data(list({point.data: point for point in config.points}.values()))
            else:
                self._read_data([config] if isinstance(config, RunConfig) else [])

    def _read_data(self, configs: list[RunConfig]) -> None:
        """What the data fields name (each task's, in a sweep across tasks), read on a worker; only the
        latest read is shown."""
        fields = tuple(self.query_one(f"#f-{name}", Input).value for name in DATA_FIELDS)
        self.query_one("#data-found", Static).update("")
        if not configs:
            return

        def read() -> None:
            lines = [data_found_line(config) for config in configs]
            if len(configs) > 1:  # each line under its task's name
                lines = [f"{config.sweep.task}: {line.removeprefix('found: ')}" if config.sweep and line else line
                         for config, line in zip(configs, lines, strict=True)]
            line = "\n".join(found for found in lines if found)
            self.post_message(DataFound(fields, line))

        self.run_worker(read, thread=True, group="data-found", exclusive=True, exit_on_error=False)

    def on_data_found(self, message: DataFound) -> None:
        if message.fields == tuple(self.query_one(f"#f-{name}", Input).value for name in DATA_FIELDS):
            self.query_one("#data-found", Static).update(message.line)

    def on_select_changed(self, event: Select.Changed) -> None:
        self.validate()

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        self.validate()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._start(all_three=False)

    def on_choice_submitted(self, event: Choice.Submitted) -> None:
        event.stop()
        self._start(all_three=False)

    @on(Button.Pressed, "#cancel")
    def cancel_pressed(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#all-three")
    def all_three_pressed(self) -> None:
        self._start(all_three=True)

    @on(Button.Pressed, "#start")
    def start_pressed(self) -> None:
        self._start(all_three=False)

    def _start(self, all_three: bool) -> None:
        config = self.validate(check_paths=True, all_three=all_three)
        if config is None:
            return
        if isinstance(config, SweepRequest):
            self.dismiss(config)
        elif all_three:
            self.dismiss([config.replace(method=m) for m in ALL_THREE])
        else:
            self.dismiss([config])

    def action_cancel(self) -> None:
        self.dismiss(None)
