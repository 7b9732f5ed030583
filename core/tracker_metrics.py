"""A run's numbers under the names the Hugging Face `Trainer` gives them (`train/loss`,
`train/learning_rate`, `train/epoch`, `eval/loss`, `eval/accuracy`), so our runs and a user's
Trainer runs line up in one dashboard; what the Trainer has no name for keeps ours (`train/eps`,
`train/samples_per_second`, `eval/best_accuracy`). One place for every tracker and for the MCP
server's metric history. The loop does not compute a gradient norm (it would cost a sync of every
step), so there is no `train/grad_norm`."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator

from sst2_tui.core.events import Eval, Event, Step

TRAINER_NAMES = ("train/loss", "train/learning_rate", "train/epoch", "eval/loss", "eval/accuracy")
"""The names shared with the Trainer's logs."""


def step_metrics(event: Step) -> dict[str, float | None]:
    return {"train/loss": event.loss, "train/learning_rate": event.lr, "train/epoch": event.epoch, "train/eps": event.eps,
            "train/samples_per_second": event.samples_per_second, "train/tokens_per_second": event.tokens_per_second,
            "train/memory_mb": event.memory_mb, "train/skipped_steps": float(event.skipped_steps)}


def eval_metrics(event: Eval) -> dict[str, float | None]:
    own = {f"eval/{event.metric_name}": event.metric} if event.metric_name and event.metric is not None else {}
    return {"eval/accuracy": event.accuracy, "eval/loss": event.loss,
            "eval/best_accuracy": event.best_accuracy, **own}


def finite(values: dict[str, float | None]) -> dict[str, float]:
    """A NaN is told as text (the `nonfinite` note), not plotted: some trackers refuse one."""
    return {key: float(value) for key, value in values.items() if value is not None and math.isfinite(value)}


def metric_points(events: Iterable[Event]) -> Iterator[tuple[int, str, float]]:
    """(step, name, value) for every finite number of every step and evaluation, in order."""
    for event in events:
        if isinstance(event, Step):
            values = finite(step_metrics(event))
        elif isinstance(event, Eval):
            values = finite(eval_metrics(event))
        else:
            continue
        for name, value in values.items():
            yield event.step, name, value
