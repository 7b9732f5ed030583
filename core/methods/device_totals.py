"""What the training step leaves on the device between reads: the loss total, the bad steps and
the skipped updates. Adding to them is asynchronous; `read` is the one sync point.

Why not read the loss every step: on a GPU, `.item()` waits for every queued kernel to finish, so
the host stops feeding the GPU; for a small model the wait can cost more than the step itself.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class Totals:
    """The values read back from the device, covering every step since the previous read."""

    mean_loss: float
    """Mean of the finite losses (NaN when none was finite)."""
    bad_steps: int
    """Steps whose loss (or, where watched, gradients) was not finite."""
    first_bad_step: int | None
    """The first of those steps, numbered from 1, or None."""
    skipped_total: int
    """Updates skipped since the run began (bad steps, or GradScaler overflows)."""


class DeviceTotals:
    def __init__(self, device: torch.device) -> None:
        self._loss_sum = torch.zeros((), device=device)
        self._loss_count = torch.zeros((), device=device)
        self._bad_steps = torch.zeros((), device=device)
        self._first_bad = torch.full((), -1, device=device, dtype=torch.long)
        self._skipped = torch.zeros((), device=device)

    def add(self, loss: torch.Tensor, step_bad: torch.Tensor, step_number: int,
            skipped: torch.Tensor | float = 0.0) -> None:
        """One step's values, all on the device (no sync). A non-finite loss stays out of the mean."""
        loss_bad = ~torch.isfinite(loss)
        self._loss_sum.add_(torch.where(loss_bad, torch.zeros_like(loss), loss))
        self._loss_count.add_((~loss_bad).float())
        self._bad_steps.add_(step_bad.float())
        first = (self._first_bad < 0) & step_bad
        self._first_bad.copy_(torch.where(first, torch.full_like(self._first_bad, step_number), self._first_bad))
        self._skipped.add_(skipped)

    def read(self) -> Totals:
        """The sync point: waits for the device, then starts a new window (the skipped count runs on)."""
        # One transfer for the five numbers (a step number is exact in float32 up to 16.7 million).
        count, total, bad, first, skipped = torch.stack([
            self._loss_count, self._loss_sum, self._bad_steps, self._first_bad.float(), self._skipped]).tolist()
        bad, first, skipped = int(bad), int(first), int(skipped)
        self._loss_sum.zero_()
        self._loss_count.zero_()
        self._bad_steps.zero_()
        self._first_bad.fill_(-1)
        return Totals(total / count if count else math.nan, bad, first if first >= 0 else None, skipped)


def grads_not_finite(grads: list[torch.Tensor], device: torch.device) -> torch.Tensor:
    """One pass over the gradients, on the device (no sync). Norms are taken in float32: float16
    gradients that are finite could otherwise overflow in their own sum of squares."""
    if not grads:
        return torch.zeros((), dtype=torch.bool, device=device)
    norms = torch._foreach_norm(grads, 2, dtype=torch.float32)
    return ~torch.isfinite(torch.stack(norms).sum())


def all_finite(tensors: list[torch.Tensor]) -> bool:
    """Whether every value is finite. A sync point: called at reads only."""
    norms = torch._foreach_norm(tensors)
    return bool(torch.isfinite(torch.stack([n.float() for n in norms])).all())
