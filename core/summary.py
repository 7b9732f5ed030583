"""A run's summary (the last stdout line of `run`, `summary.json`, the report's rows) and the one
set of statuses, as types: the field order is the documented JSON order, each field says what it
holds, and what a status means for an exit code is said here once.

The run builds its `Summary` (`methods/run_state.py`) and it travels typed: in `RunFinished`, the
`RunOutcome`, a session's `RunRecord`, the reports and the app. Dictionaries only at the JSON edge:
`to_json()` writes it in the documented order, `Summary.from_json` reads one back (checked field by
field: `core/records.py`)."""

from __future__ import annotations

import dataclasses
import enum
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sst2_tui.core.errors import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK
from sst2_tui.core.records import RecordError, record_from_json, to_json_value


class Status(str, enum.Enum):
    """Every status a run can have, wherever it is shown: `live` and `paused` while its process holds
    its lock; `died` when the process vanished without a summary; the rest from the summary. A
    `str`, so it is written to JSON and compared with what JSON gave back as the word it is."""

    FINISHED = "finished"
    STOPPED = "stopped"
    INTERRUPTED = "interrupted"
    FAILED = "failed"
    LIVE = "live"
    PAUSED = "paused"
    DIED = "died"

    def __str__(self) -> str:
        return self.value

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)

    @property
    def is_live(self) -> bool:
        """Its process holds its lock now (training, or paused waiting for someone)."""
        return self in (Status.LIVE, Status.PAUSED)

    @property
    def is_resumable(self) -> bool:
        """`--resume` (and `u` in the app) continues it from its newest checkpoint."""
        return self in (Status.INTERRUPTED, Status.STOPPED, Status.DIED)

    @property
    def ended(self) -> bool:
        """It will not train again by itself: anything but live or paused."""
        return not self.is_live

    @property
    def exit_code(self) -> int:
        """The exit code of a command whose run ended so."""
        return {Status.INTERRUPTED: EXIT_INTERRUPTED, Status.FAILED: EXIT_FAILED}.get(self, EXIT_OK)

    @classmethod
    def of(cls, value: object, default: Status | None = None) -> Status | None:
        """The status a word read back names, or `default` for anything else."""
        try:
            return cls(value)
        except ValueError:
            return default


STATUSES = tuple(Status)


def exit_code(status: object) -> int:
    """The exit code of a command whose run ended with `status`."""
    known = Status.of(status)
    return known.exit_code if known is not None else EXIT_OK


@dataclass(frozen=True)
class Summary:
    """One run's outcome. The first 18 fields are the documented ones, always present (null when
    unknown); the rest follow."""

    run_id: str
    """The run's folder name, e.g. `01-full`."""
    run_dir: str | None = None
    """The run's folder."""
    session_dir: str | None = None
    """Its session's folder."""
    method: str | None = None
    """full, trainer, lora or evaluate."""
    model: str | None = None
    """As given: a Hub id, a folder, or demo."""
    device: str | None = None
    """The device as `core/text/words.device_line` says it."""
    precision: str | None = None
    """The precision that ran (auto resolved)."""
    seed: int | None = None
    """The seed."""
    epochs: float | None = None
    """The epochs asked for."""
    steps: int | None = None
    """Optimizer steps taken."""
    best_val_accuracy: float | None = None
    """The best validation accuracy of any evaluation."""
    final_val_accuracy: float | None = None
    """The last evaluation's accuracy."""
    train_samples_per_second: float | None = None
    """Training examples per second of training time."""
    train_seconds: float | None = None
    """Training time: paused, evaluating and saving not counted."""
    trainable_params: int | None = None
    """Parameters the optimizer updates."""
    total_params: int | None = None
    """All parameters of the model."""
    nonfinite_events: int | None = None
    """Steps with a NaN or infinite loss or gradients."""
    status: Status = Status.FINISHED
    """How it ended (or that it is still live)."""
    train_tokens_per_second: float | None = None
    """Real (unpadded) tokens per second of training time."""
    seconds_per_epoch: float | None = None
    """Training time per epoch."""
    eval_seconds: float | None = None
    """Time spent evaluating."""
    compile_seconds: float | None = None
    """Training time spent in steps that compiled (`--compile on`)."""
    skipped_steps: int | None = None
    """Updates skipped because they were not finite."""
    peak_memory_mb: float | None = None
    """Peak device (or process) memory."""
    stop_reason: str | None = None
    """Why it stopped early: stopped, early_stop, nonfinite..."""
    final_lr: float | None = None
    """The learning rate it ended with (it may have been changed mid-run)."""
    final_eps: float | None = None
    """The eps it ended with."""
    world_size: int | None = None
    """Processes it trained on (data-parallel)."""
    per_device_batch_size: int | None = None
    """Each process's share of a batch."""
    export_path: str | None = None
    """Its exported model or adapter folder."""
    export_step: int | None = None
    """The step that export holds."""
    compile_graphs: int | None = None
    """`--compile on`: graphs compiled."""
    compile_graph_breaks: int | None = None
    """`--compile on`: graph breaks."""
    compile_fallbacks: int | None = None
    """`--compile on`: frames left eager."""
    cudagraph_skips: int | None = None
    """`--compile on`: graphs CUDA graphs could not record."""
    forked_from: str | None = None
    """A fork's parent run (its folder name in the same session); None for other runs."""
    branch_step: int | None = None
    """A fork's branch step: the parent's step whose checkpoint it started from."""
    metric_name: str | None = None
    """The task's own metric where it is not accuracy (`matthews_correlation`, `f1`), reported beside it."""
    best_val_metric: float | None = None
    """That metric at the best step (the step chosen by accuracy)."""
    final_val_metric: float | None = None
    """That metric at the last evaluation."""

    def to_json(self) -> dict[str, object]:
        """The summary as JSON values, in the documented field order."""
        value = to_json_value(self)
        assert isinstance(value, dict)
        return value

    def but(self, **changes: Any) -> Summary:
        """A copy with some fields changed."""
        return dataclasses.replace(self, **changes)

    def __post_init__(self) -> None:
        for name in ("best_val_accuracy", "final_val_accuracy"):
            value = getattr(self, name)
            if value is not None and not (math.isfinite(value) and 0.0 <= value <= 1.0):
                raise RecordError(f"field {name!r} is {value!r}, not an accuracy between 0 and 1")
        for name in ("best_val_metric", "final_val_metric"):  # F1 from 0, Matthews correlation from -1, to 1
            value = getattr(self, name)
            if value is not None and not (isinstance(value, int | float) and math.isfinite(value) and -1.0 <= value <= 1.0):
                raise RecordError(f"field {name!r} is {value!r}, not a score between -1 and 1")

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> Summary:
        """A summary read back; raises RecordError naming the field that does not fit."""
        return record_from_json(cls, data)


DOCUMENTED = tuple(f.name for f in dataclasses.fields(Summary))[:18]
"""The fields `run` promises on its last stdout line, always present (null when unknown)."""
