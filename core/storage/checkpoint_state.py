"""A checkpoint's `state.json` as a typed record: where the run was, and what a resumed run's
summary, schedule and loss scale continue from. Written and read through `core/records.py` like
every other file; a field of the wrong type or out of its range makes the checkpoint damaged (named,
and an older one used), never a resume that fails or trains on nonsense."""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sst2_tui.core.errors import quote
from sst2_tui.core.records import RecordError, record_from_json, to_json_value
from sst2_tui.core.storage.files import atomic_write_json
from sst2_tui.core.storage.validated import read_record

STATE_FILE = "state.json"
MAX_STEP = 10**12


@dataclass(frozen=True)
class CheckpointState:
    step: int
    """Optimizer steps taken; the data order is a function of (seed, epoch), so also the position in it."""
    epoch: float | None = None
    """Epochs done at this step."""
    lr: float | None = None
    """The learning rate at this step (after any change made during the run)."""
    eps: float | None = None
    """AdamW's eps at this step (None for SGD)."""
    best_accuracy: float | None = None
    """The best validation accuracy so far (0 to 1), or None before the first evaluation."""
    best_step: int | None = None
    """The step of `best_accuracy`."""
    best_score: float | None = None
    """The accuracy the best step was chosen by (a sweep point's tuning half); absent in older checkpoints."""
    seed: int | None = None
    """The run's seed, for a reader's sake (the resumed run takes its config's)."""
    run_id: str | None = None
    """The run it belongs to, for a reader's sake."""
    scheduler_base_lrs: list[float] | None = None
    """The schedule's base learning rates, with the lr changes made during the run."""
    grad_scaler: dict[str, Any] | None = None  # torch's GradScaler.state_dict(), as torch writes it
    """fp16 autocast's loss scale and growth tracker, so a resumed run does not rediscover its scale."""
    train_seconds: float = 0.0
    """Training time so far (a resumed run's summary covers the whole run)."""
    eval_seconds: float = 0.0
    """Evaluation time so far."""
    compile_seconds: float = 0.0
    """Time spent in steps that compiled (`--compile on`), included in `train_seconds`."""
    samples: int = 0
    """Examples trained on so far."""
    tokens: int = 0
    """Real (unpadded) tokens trained on so far."""
    nonfinite_events: int = 0
    """Steps whose loss was NaN or infinite so far."""
    evals_without_better: int = 0
    """Evaluations since the best improved (early stopping counts these)."""
    metric_name: str | None = None
    """The task's own metric where it is not accuracy (`matthews_correlation`, `f1`); absent in older checkpoints."""
    best_metric: float | None = None
    """Its value at `best_step` (from -1 to 1)."""

    def __post_init__(self) -> None:
        if (why := self._range_problem()) is not None:
            raise RecordError(why)

    def _range_problem(self) -> str | None:
        """One range check for every number, as it was written."""
        if not 0 <= self.step <= MAX_STEP:
            return f"step is {self.step}, not a whole number from 0 to {MAX_STEP:,}"
        for name in ("best_accuracy", "best_score"):
            if (value := getattr(self, name)) is not None and not _within(value, 0.0, 1.0):
                return f"{name} is {quote(value, 30)}, not an accuracy from 0 to 1"
        if self.best_metric is not None and not _within(self.best_metric, -1.0, 1.0):
            return f"best_metric is {quote(self.best_metric, 30)}, not a value from -1 to 1"
        if self.metric_name is not None and not re.fullmatch(r"[a-z][a-z0-9_]{0,39}", self.metric_name):
            return f"metric_name is {quote(self.metric_name, 30)}, not a metric's name (such as f1)"
        if self.best_step is not None and not 0 <= self.best_step <= self.step:
            return f"best_step is {self.best_step}, not a step from 0 to {self.step}"
        for name in ("epoch", "lr", "eps", "train_seconds", "eval_seconds", "compile_seconds", "samples", "tokens",
                     "nonfinite_events", "evals_without_better"):
            if (value := getattr(self, name)) is not None and not _within(value, 0.0):
                return f"{name} is {quote(value, 30)}, not a number of at least 0"
        lrs = self.scheduler_base_lrs
        if lrs is not None and not (lrs and all(_within(v, 0.0) for v in lrs)):
            return f"scheduler_base_lrs is {quote(lrs, 40)}, not a list of learning rates"
        return None

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> CheckpointState:
        return record_from_json(cls, data)

    def but(self, **changes: Any) -> CheckpointState:
        return dataclasses.replace(self, **changes)


def _within(value: float, low: float, high: float = math.inf) -> bool:
    return math.isfinite(value) and low <= value <= high


def write_state(folder: Path, state: CheckpointState) -> None:
    atomic_write_json(folder / STATE_FILE, to_json_value(state))


def read_state(folder: Path) -> tuple[CheckpointState | None, str | None]:
    """A checkpoint folder's state, or None and why not (naming the file and field). A `step-N`
    folder's state must be of step N."""
    state, problem = read_record(folder / STATE_FILE, CheckpointState.from_json)
    if state is None:
        return None, problem or f"{folder / STATE_FILE}: missing"
    if folder.name.startswith("step-") and folder.name[5:].isdigit() and int(folder.name[5:]) != state.step:
        return None, f"{folder / STATE_FILE}: step {state.step} is not the folder's step {int(folder.name[5:])}"
    return state, None


def load_state(folder: Path) -> CheckpointState:
    """The state of a checkpoint already verified (`checkpoints.verify`)."""
    state, problem = read_state(folder)
    if state is None:
        raise RecordError(problem or f"{folder / STATE_FILE}: unreadable")
    return state
