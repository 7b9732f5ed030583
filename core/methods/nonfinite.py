"""Why a loss or gradient became NaN/Inf, and which control commands would fix it.

The classic case (the reference experiment): the model cast to float16 ("pure fp16") with AdamW's
default eps=1e-8. float16's smallest positive value is ~6e-8, so eps rounds to 0; the second-moment
estimate v of small gradients underflows to 0 as well, and the update m / (sqrt(v) + eps) divides
by zero. A fused AdamW does its arithmetic in float32, where 1e-8 survives, but v is still stored
in float16, so the update m / (sqrt(v) + 1e-8) can still overflow float16 when written back.
"""

from __future__ import annotations

from typing import Any

import torch

from sst2_tui.core.config import FP16_PURE_EPS, format_rate

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


def _command(kind: str, value: float | None = None) -> dict[str, Any]:
    return {"kind": kind} if value is None else {"kind": kind, "value": value}


def diagnose(*, what: str, precision: str, eps: float | None, lr: float, optimizer_impl: str,
             optimizer: str) -> tuple[str, list[dict[str, Any]]]:
    """A sentence naming the most likely cause, and numbered fixes that are control commands."""
    suggestions: list[dict[str, Any]] = []
    if precision == "fp16-pure" and optimizer == "adamw" and eps is not None and eps < FP16_PURE_EPS:
        if rounds_to_zero_in_fp16(eps) and optimizer_impl != "fused":
            diagnosis = (f"Pure fp16: eps={format_rate(eps)} rounds to 0 in float16 and sqrt(v) underflows to 0 for small "
                         "gradients, so AdamW's update m/(sqrt(v)+eps) divides by zero.")
        else:
            diagnosis = (f"Pure fp16: v is stored in float16 and underflows for small gradients; with eps={format_rate(eps)} "
                         "the update m/(sqrt(v)+eps) overflows float16.")
        suggestions.append({"key": "1", "label": f"set eps {format_rate(FP16_PURE_EPS)} and resume",
                            "commands": [_command("set_eps", FP16_PURE_EPS), _command("resume")]})
        suggestions.append({"key": "2", "label": "halve the learning rate and resume",
                            "commands": [_command("set_lr", lr / 2), _command("resume")]})
        # A stop alone cannot change the precision of a run: the app queues the rerun ("rerun" holds
        # what changes); from a shell it is `sst2-tui run ... --precision auto`.
        suggestions.append({"key": "3", "label": "stop; rerun with --precision auto (float32 weights, autocast)",
                            "commands": [_command("stop")], "rerun": {"precision": "auto"}})
        return diagnosis, suggestions
    if precision in ("fp16", "fp16-pure"):
        diagnosis = (f"Non-finite {what} in float16: activations or gradients overflowed float16's range "
                     f"(max 65504). A lower learning rate usually helps; bf16 or fp32 avoid the overflow.")
    else:
        diagnosis = (f"Non-finite {what} with {precision} precision: the learning rate ({format_rate(lr)}) is most likely too high "
                     "for this model, or the data produced an extreme value.")
    suggestions.append({"key": "1", "label": "halve the learning rate and resume",
                        "commands": [_command("set_lr", lr / 2), _command("resume")]})
    suggestions.append({"key": "2", "label": "divide the learning rate by 10 and resume",
                        "commands": [_command("set_lr", lr / 10), _command("resume")]})
    suggestions.append({"key": "3", "label": "stop the run", "commands": [_command("stop")]})
    return diagnosis, suggestions
