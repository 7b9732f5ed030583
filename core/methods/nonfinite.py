"""Non-finite values, end to end: what the step leaves on the device between reads (the loss
total, the bad steps, the skipped updates), the last finite weights in pure fp16, and why a loss or
gradient became NaN/Inf with the control commands that would fix it.

The classic case (the reference experiment): the model cast to float16 ("pure fp16") with AdamW's
default eps=1e-8. float16's smallest positive value is ~6e-8, so eps rounds to 0; the second-moment
estimate v of small gradients underflows to 0 as well, and the update m / (sqrt(v) + eps) divides
by zero. A fused AdamW does its arithmetic in float32, where 1e-8 survives, but v is still stored
in float16, so the update m / (sqrt(v) + 1e-8) can still overflow float16 when written back.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from sst2_tui.core.config import FP16_PURE_EPS, format_rate
from sst2_tui.core.events import CommandKind, CommandSpec, Suggestion

FLOAT16_TINY = float(torch.finfo(torch.float16).smallest_normal)


def rounds_to_zero_in_fp16(eps: float) -> bool:
    return float(torch.tensor(eps, dtype=torch.float16)) == 0.0


def preflight_eps_warning(precision: str, eps: float | None, optimizer_impl: str) -> str | None:
    """The warning shown before training starts, or None when eps is safe for the precision."""
    if precision != "fp16-pure" or eps is None:
        return None
    if rounds_to_zero_in_fp16(eps):
        if optimizer_impl == "fused":
            return (f"eps={format_rate(eps)} is 0 in float16; the fused AdamW in use computes in float32 so eps survives, "
                    "but v is stored in float16 and underflows, so updates m/(sqrt(v)+eps) can overflow float16. "
                    f"Use --eps {format_rate(FP16_PURE_EPS)} or --precision auto (float32 weights).")
        return (f"eps={format_rate(eps)} rounds to 0 in float16 (anything below ~6e-8 does): once v underflows, AdamW divides by "
                f"zero and the loss turns NaN. Use --eps {format_rate(FP16_PURE_EPS)} or --precision auto (float32 weights).")
    if eps < FLOAT16_TINY:
        return (f"eps={format_rate(eps)} is below float16's smallest normal number ({FLOAT16_TINY:.1e}) and loses precision; "
                f"consider --eps {format_rate(FP16_PURE_EPS)}.")
    return None


def _command(kind: str, value: float | None = None) -> CommandSpec:
    return CommandSpec(CommandKind(kind), value)


def diagnose(*, what: str, precision: str, eps: float | None, lr: float, optimizer_impl: str,
             optimizer: str) -> tuple[str, list[Suggestion]]:
    """A sentence naming the most likely cause, and numbered fixes that are control commands."""
    suggestions: list[Suggestion] = []
    if precision == "fp16-pure" and optimizer == "adamw" and eps is not None and eps < FP16_PURE_EPS:
        if rounds_to_zero_in_fp16(eps) and optimizer_impl != "fused":
            diagnosis = (f"Pure fp16: eps={format_rate(eps)} rounds to 0 in float16 and sqrt(v) underflows to 0 for small "
                         "gradients, so AdamW's update m/(sqrt(v)+eps) divides by zero.")
        else:
            diagnosis = (f"Pure fp16: v is stored in float16 and underflows for small gradients; with eps={format_rate(eps)} "
                         "the update m/(sqrt(v)+eps) overflows float16.")
        suggestions.append(Suggestion("1", f"set eps {format_rate(FP16_PURE_EPS)} and resume",
                            [_command("set_eps", FP16_PURE_EPS), _command("resume")]))
        suggestions.append(Suggestion("2", "halve the learning rate and resume",
                            [_command("set_lr", lr / 2), _command("resume")]))
        # A stop alone cannot change the precision of a run: the app queues the rerun ("rerun" holds
        # what changes); from a shell it is `sst2-tui run ... --precision auto`.
        suggestions.append(Suggestion("3", "stop; rerun with --precision auto (float32 weights, autocast)",
                            [_command("stop")], {"precision": "auto"}))
        return diagnosis, suggestions
    if precision in ("fp16", "fp16-pure"):
        diagnosis = (f"Non-finite {what} in float16: activations or gradients overflowed float16's range "
                     f"(max 65504). A lower learning rate usually helps; bf16 or fp32 avoid the overflow.")
    else:
        diagnosis = (f"Non-finite {what} with {precision} precision: the learning rate ({format_rate(lr)}) is most likely too high "
                     "for this model, or the data produced an extreme value.")
    suggestions.append(Suggestion("1", "halve the learning rate and resume",
                        [_command("set_lr", lr / 2), _command("resume")]))
    suggestions.append(Suggestion("2", "divide the learning rate by 10 and resume",
                        [_command("set_lr", lr / 10), _command("resume")]))
    suggestions.append(Suggestion("3", "stop the run", [_command("stop")]))
    return diagnosis, suggestions


# -- on the device between reads ----------------------------------------------------------------------
# What the training step leaves on the device between reads: the loss total, the bad steps and
# the skipped updates. Adding to them is asynchronous; `read` is the one sync point.
#
# Why not read the loss every step: on a GPU, `.item()` waits for every queued kernel to finish, so
# the host stops feeding the GPU; for a small model the wait can cost more than the step itself.

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


def all_finite(tensors: Sequence[torch.Tensor]) -> bool:
    """Whether every value is finite. A sync point: called at reads only."""
    norms = torch._foreach_norm(list(tensors))
    return bool(torch.isfinite(torch.stack([n.float() for n in norms])).all())


# -- the last finite weights (pure fp16) -------------------------------------------------------------
# The last weights and optimizer state known to be finite, for pure fp16 only: there AdamW itself
# can overflow the float16 weights from finite gradients, and a bad step cannot be undone by
# skipping it. A device-side copy taken at each clean read: cheap next to a step.

class FiniteCopy:
    def __init__(self, params: list[torch.nn.Parameter]) -> None:
        self.params = params
        self.step: int | None = None
        self._values: list[torch.Tensor] = []
        self._optimizer: dict | None = None

    def take(self, step: int, optimizer: torch.optim.Optimizer) -> None:
        self.step = step
        self._values = [p.detach().clone() for p in self.params]
        state = optimizer.state_dict()
        self._optimizer = {
            "state": {k: {n: (v.clone() if isinstance(v, torch.Tensor) else v) for n, v in s.items()}
                      for k, s in state["state"].items()},
            "param_groups": [dict(g) for g in state["param_groups"]],
        }

    def restore(self, optimizer: torch.optim.Optimizer) -> int | None:
        """Put the copy back (keeping the current lr/eps); the step it was taken at, or None."""
        if self.step is None or self._optimizer is None:
            return None
        with torch.no_grad():
            for param, saved in zip(self.params, self._values, strict=True):
                param.copy_(saved)
        groups = [dict(g) for g in optimizer.state_dict()["param_groups"]]
        optimizer.load_state_dict({"state": self._optimizer["state"], "param_groups": groups})
        return self.step

    def params_finite(self) -> bool:
        """Whether every weight is still finite. A sync point: called at reads only."""
        return all_finite(self.params)
