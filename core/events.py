"""Typed events that the methods yield. Each is a small dataclass that is one JSON line on disk.

Every event has a `type` (its JSON tag) and `time` (wall clock, seconds since the epoch).
`event_from_json` reads a line back into the same class; unknown types come back as `Unknown`.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import math
import time
import types
import typing
from dataclasses import dataclass, field
from typing import Any, ClassVar

from sst2_tui.core.json_text import parse_json
from sst2_tui.core.summary import restore_numbers


def _clean(value: Any) -> Any:
    """JSON has no NaN/Inf: write them as strings so every line stays valid JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def _restore(value: Any, hint: Any) -> Any:
    """NaN and infinities come back as numbers where the field is a number (a text field that holds
    "nan", a sentence say, stays text); a summary's numbers by the summary's own schema."""
    if isinstance(value, str) and value in ("nan", "inf", "-inf") and value_matches(0.5, hint):
        return float(value)
    if isinstance(value, dict) and value.get("run_id") is not None and "status" in value:
        return restore_numbers(value)
    return value


@dataclass
class Event:
    type: ClassVar[str] = "event"
    time: float = field(default_factory=time.time, kw_only=True)

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, **_clean(dataclasses.asdict(self))}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":"))


@dataclass
class RunStarted(Event):
    type: ClassVar[str] = "run_started"
    run_id: str
    method: str
    config: dict[str, Any]
    effective: dict[str, Any]
    """Settings that actually apply, including hidden library defaults (e.g. Trainer's max_grad_norm)."""
    device: dict[str, Any]
    precision: str
    trainable_params: int
    total_params: int
    versions: dict[str, str]
    train_examples: int
    eval_examples: int
    total_steps: int
    steps_per_epoch: int


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


@dataclass
class Nonfinite(Event):
    type: ClassVar[str] = "nonfinite"
    step: int
    what: str
    """What was not finite: `loss`, `gradients` or `parameters`."""
    diagnosis: str
    suggestions: list[dict[str, Any]]
    """Each: {"key": "1", "label": ..., "commands": [control dicts]} applied in order."""
    action: str
    """What the run did: `paused`, `skipped`, `stopped`."""
    restored_step: int | None = None
    """If weights had become non-finite, the step whose weights were restored."""


@dataclass
class Control(Event):
    type: ClassVar[str] = "control"
    step: int
    command: dict[str, Any]
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
    summary: dict[str, Any]


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


def value_matches(value: Any, hint: Any) -> bool:
    """Whether a value read back from JSON has the type a field declares (lists item by item,
    dicts by their own type only). Booleans are not numbers here."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is Any:
        return True
    if origin in (typing.Union, types.UnionType):
        return any(value_matches(value, arg) for arg in args)
    if hint is type(None):
        return value is None
    if hint is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if origin is list or hint is list:
        return isinstance(value, list) and all(value_matches(item, args[0]) for item in value) if args else isinstance(value, list)
    if origin is dict or hint is dict:
        return isinstance(value, dict)
    return isinstance(value, hint) if isinstance(hint, type) else True


def event_from_dict(data: dict[str, Any]) -> Event:
    """Raises ValueError when a field of a known event type holds the wrong type of value."""
    cls = EVENT_TYPES.get(data.get("type", ""))
    if cls is None:
        return Unknown(raw=data, time=data.get("time", 0.0) if isinstance(data.get("time"), int | float) else 0.0)
    hints = _field_types(cls)
    kwargs = {k: _restore(v, hints[k]) for k, v in data.items() if k in hints}
    for name, value in kwargs.items():
        if not value_matches(value, hints[name]):
            raise ValueError(f"{cls.type} event: field {name!r} has a {type(value).__name__}")
    return cls(**kwargs)


@functools.cache
def _field_types(cls: type[Event]) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    return {f.name: hints[f.name] for f in dataclasses.fields(cls)}


def event_from_json(line: str) -> Event:
    data = parse_json(line)
    if not isinstance(data, dict):
        raise ValueError("an event line must be a JSON object")
    return event_from_dict(data)
