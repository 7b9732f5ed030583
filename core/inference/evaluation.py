"""Validation accuracy: the same function for every method, so their numbers compare."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import torch

from sst2_tui.core.data.batching import Encoded, collate, sequential_batches, to_device
from sst2_tui.core.inference.task_metrics import TASK_METRICS, metric_value
from sst2_tui.core.model.device import PrecisionPlan
from sst2_tui.core.model.fast_ops import needs_attention_mask


@dataclass
class EvalResult:
    accuracy: float
    loss: float
    n: int
    seconds: float
    positive_probability: list[float] = field(default_factory=list)
    """P(label 1) per validation example, in the validation split's order."""
    correct: list[bool] = field(default_factory=list)
    """Whether each validation example was classified right (the argmax, as `accuracy` counts it), in the same order."""
    predicted: list[int] = field(default_factory=list)
    """The class each example was given (the argmax), in the same order."""
    probabilities: list[list[float]] = field(default_factory=list)
    """P(each class) per example, in the same order."""
    metric: tuple[str, float] | None = None
    """The task's own metric where it is not accuracy (`task_metrics.py`): its name and value."""


@torch.inference_mode()
def evaluate(model: torch.nn.Module, data: Encoded, pad_id: int, batch_size: int, device: torch.device,
             plan: PrecisionPlan, task: str | None = None, head_order: list[int] | None = None) -> EvalResult:
    """Sorted by length in large batches; results are gathered on the device and read once. `task`:
    the GLUE task, whose own metric (where it is not accuracy) is computed too. `head_order`: for each
    of the data's classes, the model output that answers it (a model fine-tuned elsewhere numbers its
    classes its own way, core/data/head_order.py)."""
    started = time.perf_counter()
    was_training = model.training
    model.eval()
    loss_sum = torch.zeros((), device=device, dtype=torch.float32)
    correct = torch.zeros((), device=device, dtype=torch.long)
    probabilities: torch.Tensor | None = None  # (examples, classes), made at the first batch, which shows the classes
    hits = torch.zeros(len(data), dtype=torch.bool, device=device)
    chosen = torch.zeros(len(data), dtype=torch.long, device=device)
    mask = needs_attention_mask(model)
    try:
        for indices in sequential_batches([len(x) for x in data.ids], batch_size):
            batch = to_device(collate(data, indices, pad_id, attention_mask=mask), device)
            with plan.autocast(device.type):
                extra = {"token_type_ids": batch["token_type_ids"]} if "token_type_ids" in batch else {}
                logits = model(input_ids=batch["input_ids"], attention_mask=batch.get("attention_mask"), **extra).logits.float()
            if head_order is not None:
                logits = logits[:, head_order]
            loss_sum += torch.nn.functional.cross_entropy(logits, batch["labels"], reduction="sum")
            answer = logits.argmax(-1)
            right = answer == batch["labels"]
            correct += right.sum()
            at = torch.tensor(indices, device=device)
            if probabilities is None:
                probabilities = torch.empty(len(data), logits.shape[-1], dtype=torch.float32, device=device)
            probabilities[at] = logits.softmax(-1)
            hits[at] = right
            chosen[at] = answer
    finally:
        model.train(was_training)
    n = len(data)
    # .item()/.tolist() below are the sync points: once per evaluation, not per batch.
    every = probabilities.cpu() if probabilities is not None else torch.zeros(0, 2)
    predicted = chosen.cpu().tolist()
    name = TASK_METRICS.get(task or "")
    return EvalResult(
        accuracy=correct.item() / n, loss=loss_sum.item() / n, n=n, seconds=time.perf_counter() - started,
        positive_probability=every[:, 1].tolist() if every.shape[-1] > 1 else every[:, 0].tolist(),
        correct=hits.cpu().tolist(), predicted=predicted, probabilities=every.tolist(),
        metric=(name, metric_value(name, predicted, data.labels)) if name else None,
    )
