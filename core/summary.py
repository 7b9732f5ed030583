"""A run's summary (the last stdout line of `run`, `summary.json`, the report's rows) and the one
set of statuses, as types: the field order is the documented JSON order, each field says what it
holds, and what a status means for an exit code is said here once.

Summaries travel as dicts (JSON out, JSON in); `Summary` is their schema: `summary_dict` builds one
in field order, `SUMMARY_TYPES` checks one read back (`storage/validated.py`), and `restore_numbers`
brings back the NaN and infinities that JSON had to write as text."""

from __future__ import annotations

import dataclasses
import enum
import functools
import typing
from dataclasses import dataclass
from typing import Any

from sst2_tui.core.errors import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK


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


@dataclass
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
    """The device as `core/words.device_line` says it."""
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
    status: str = Status.FINISHED
    """One of `Status`."""
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


DOCUMENTED = tuple(f.name for f in dataclasses.fields(Summary))[:18]


@functools.cache
def summary_types() -> dict[str, Any]:
    hints = typing.get_type_hints(Summary)
    return {f.name: hints[f.name] for f in dataclasses.fields(Summary)}


def summary_dict(values: dict[str, Any]) -> dict[str, Any]:
    """`values` in the documented order, the documented keys always present; unknown keys keep
    their place after the known ones (a newer version's fields)."""
    ordered = {name: values.get(name) for name in summary_types() if name in values or name in DOCUMENTED}
    ordered.update({k: v for k, v in values.items() if k not in ordered})
    return ordered


def restore_numbers(summary: dict[str, Any]) -> dict[str, Any]:
    """JSON wrote NaN and infinities as text; put them back where the field is a number."""
    numbers = {name for name, hint in summary_types().items() if float in typing.get_args(hint) or hint is float}
    return {k: float(v) if k in numbers and v in ("nan", "inf", "-inf") else v for k, v in summary.items()}
