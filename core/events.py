"""Typed events that the methods yield. Each is a small dataclass that is one JSON line on disk.

Every event has a `type` (its JSON tag) and `time` (wall clock, seconds since the epoch).
`event_from_json` reads a line back into the same class; unknown types come back as `Unknown`.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any, ClassVar

from sst2_tui.core.config import LABEL_NAMES, RunConfig
from sst2_tui.core.device_info import DeviceInfo
from sst2_tui.core.records import RecordError, Word, record_from_json, to_json_value
from sst2_tui.core.summary import Summary
from sst2_tui.core.text.json_text import parse_json


@dataclass
class Event:
    type: ClassVar[str] = "event"
    time: float = field(default_factory=time.time, kw_only=True)

    def to_dict(self) -> dict[str, Any]:
        fields = to_json_value(self)
        assert isinstance(fields, dict)
        return {"type": self.type, **fields}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":"))


Setting = str | int | float | bool | None
"""One setting's value as events and reports carry it: a number, a text, a switch, or none."""


class CommandKind(Word):
    """What a control command asks (the word its JSON holds)."""

    SET_LR = "set_lr"
    SET_EPS = "set_eps"
    SET_WEIGHT_DECAY = "set_weight_decay"
    PAUSE = "pause"
    RESUME = "resume"
    STOP = "stop"
    PREDICT = "predict"
    CHECKPOINT = "checkpoint"
    """Save a checkpoint now, at this step boundary (a live run being forked: `sst2-tui fork --now`)."""


SETTING_OF = {"set_lr": "lr", "set_eps": "eps", "set_weight_decay": "weight decay"}
"""The command kinds that set an optimizer value, and the value's name in words."""


@dataclass(frozen=True)
class CommandSpec:
    """What a control command asks, without who sent it: `set_lr`/`set_eps` with a value, `pause`,
    `resume`, `stop`, `predict` with a sentence (`core/controls.Command` adds its origin)."""

    kind: CommandKind
    value: float | None = None
    text: str | None = None

    def to_json(self) -> dict[str, object]:
        """The fields it has, as a control file line and `ctl`'s answer write them."""
        return {name: value for name, value in (("kind", self.kind.value), ("value", self.value), ("text", self.text))
                if value is not None}


@dataclass(frozen=True)
class Suggestion:
    """One numbered fix a `nonfinite` event offers: its commands, applied in order, and for a fix a
    running run cannot take (another precision), the settings of a rerun."""

    key: str
    label: str
    commands: list[CommandSpec]
    rerun: dict[str, str] | None = None
    """Flag name -> value of the rerun to queue (`{"precision": "auto"}`); None: the commands do it."""


@dataclass
class RunStarted(Event):
    type: ClassVar[str] = "run_started"
    run_id: str
    method: str
    config: RunConfig
    effective: dict[str, Setting]
    """Settings that actually apply, including hidden library defaults (e.g. Trainer's max_grad_norm)."""
    device: DeviceInfo
    precision: str
    trainable_params: int
    total_params: int
    versions: dict[str, str]
    train_examples: int
    eval_examples: int
    total_steps: int
    steps_per_epoch: int
    label_names: list[str] = field(default_factory=lambda: list(LABEL_NAMES))
    """The task's classes by id (written since #48; an older run's are SST-2's)."""
    text_columns: list[str] = field(default_factory=lambda: ["sentence"])
    """The column(s) the texts came from: two for a sentence-pair task."""

    def task_line(self) -> str:
        """`5 classes (billing, hr, ...)`, `pairs of sentence1 + sentence2`; empty for SST-2's task."""
        said = []
        if len(self.text_columns) == 2:
            said.append(f"pairs of {self.text_columns[0]} + {self.text_columns[1]}")
        if self.label_names != list(LABEL_NAMES):
            shown = ", ".join(self.label_names[:6]) + (", ..." if len(self.label_names) > 6 else "")
            said.append(f"{len(self.label_names)} classes ({shown})")
        return "; ".join(said)


@dataclass
class WarningEvent(Event):
    type: ClassVar[str] = "warning"
    code: str
    message: str
    command_id: str | None = None
    """Set when the warning is a run's answer to a command it refused (`ctl` reports it at once)."""


@dataclass
class Step(Event):
    type: ClassVar[str] = "step"
    step: int
    epoch: float
    loss: float
    """Mean training loss over the steps since the previous `step` event."""
    lr: float
    eps: float | None
    samples_per_second: float
    tokens_per_second: float
    memory_mb: float | None
    """Device memory in use (CUDA allocated, or process RSS on CPU)."""
    steps_covered: int = 1
    """How many optimizer steps this event summarises (values are read from the device every N)."""
    skipped_steps: int = 0
    """Steps whose update was skipped so far (GradScaler overflow or a `skip` policy)."""


@dataclass
class Eval(Event):
    type: ClassVar[str] = "eval"
    step: int
    epoch: float
    accuracy: float
    loss: float
    n: int
    best_accuracy: float
    seconds: float
    metric_name: str | None = None
    """The task's own metric where it is not accuracy (`matthews_correlation`, `f1`); None otherwise."""
    metric: float | None = None
    """Its value at this evaluation (beside accuracy, outside the verdict)."""


@dataclass
class Nonfinite(Event):
    type: ClassVar[str] = "nonfinite"
    step: int
    what: str
    """What was not finite: `loss`, `gradients` or `parameters`."""
    diagnosis: str
    suggestions: list[Suggestion]
    action: str
    """What the run did: `paused`, `skipped`, `stopped`."""
    restored_step: int | None = None
    """If weights had become non-finite, the step whose weights were restored."""


@dataclass
class Control(Event):
    type: ClassVar[str] = "control"
    step: int
    command: CommandSpec
    old: Any = None
    new: Any = None
    source: str = "user"
    command_id: str | None = None
    """The id a command sent through the run's control file had (its sender waits for this event)."""


@dataclass
class Paused(Event):
    type: ClassVar[str] = "paused"
    step: int
    reason: str = "user"


@dataclass
class Resumed(Event):
    type: ClassVar[str] = "resumed"
    step: int


@dataclass
class Checkpoint(Event):
    type: ClassVar[str] = "checkpoint"
    step: int
    path: str
    reason: str


@dataclass
class Exported(Event):
    """A Hugging Face model folder (or peft adapter) written for use outside sst2-tui."""

    type: ClassVar[str] = "exported"
    step: int
    path: str
    what: str
    """model | adapter | merged model"""
    accuracy: float | None = None
    """The validation accuracy of that step (None for `--export last` before any evaluation)."""


@dataclass
class Prediction(Event):
    """The run's answer to a `predict` command, from the weights of this step."""

    type: ClassVar[str] = "prediction"
    step: int
    text: str
    label: str
    positive_probability: float
    command_id: str | None = None


@dataclass
class DiskFull(Event):
    """A write failed for lack of space (ENOSPC/EDQUOT). The run pauses; it continues once
    `needed_mb` are free again (checked every few seconds) or when the user resumes it."""

    type: ClassVar[str] = "disk_full"
    step: int
    path: str
    what: str
    """events | checkpoint | predictions | summary"""
    needed_mb: float
    message: str


@dataclass
class RunFinished(Event):
    type: ClassVar[str] = "run_finished"
    summary: Summary


@dataclass
class RunFailed(Event):
    type: ClassVar[str] = "run_failed"
    error: str
    hint: str
    step: int | None = None


@dataclass
class Unknown(Event):
    type: ClassVar[str] = "unknown"
    raw: dict[str, Any] = field(default_factory=dict)


EVENT_TYPES: dict[str, type[Event]] = {
    cls.type: cls
    for cls in (RunStarted, WarningEvent, Step, Eval, Nonfinite, Control, Paused, Resumed, Checkpoint, Exported, Prediction,
                DiskFull, RunFinished, RunFailed)
}


def event_from_dict(data: dict[str, Any]) -> Event:
    """Raises ValueError when a field of a known event type holds the wrong type of value."""
    cls = EVENT_TYPES.get(data.get("type", ""))
    if cls is None:
        return Unknown(raw=data, time=data.get("time", 0.0) if isinstance(data.get("time"), int | float) else 0.0)
    try:
        return record_from_json(cls, data)
    except RecordError as error:
        raise ValueError(f"{cls.type} event: {error}") from None


def event_from_json(line: str) -> Event:
    data = parse_json(line)
    if not isinstance(data, dict):
        raise ValueError("an event line must be a JSON object")
    return event_from_dict(data)
