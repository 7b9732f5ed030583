"""A model's pretrained weights in a few numbers per tensor, so an adapter can tell the base it was
trained on from another model of the same shape (#46: `predict ADAPTER --base MERGED` applied the
adapter a second time and answered with flipped labels, without a word).

Each backbone tensor (the classification head left out: a LoRA run trains it, and a base's head is
new) is kept as its sum and its sum of squares, in float64 on the host: two numbers a tensor, about
300 for GPT-2 small, computed in well under a second. Names are the plain model's (a `PeftModel`'s
wrappers and a compiled model's prefix taken off), so the adapter's export and a base loaded by
`predict` name each tensor alike. Two bases agree when every tensor they share agrees to a relative
`TOLERANCE` (the same file loaded twice agrees exactly; an adapter merged into the weights moves its
target tensors by far more).
"""

from __future__ import annotations

import math
from typing import Any

TOLERANCE = 1e-6
HEADS = frozenset({"score", "classifier", "pre_classifier", "classification_head", "head", "logits_proj"})
"""Names of sequence-classification heads in transformers' models (any part of a tensor's name)."""


def _plain_name(name: str) -> str | None:
    """The plain model's name of a tensor, or None for one that is not the base's (LoRA's own, the head)."""
    for prefix in ("_orig_mod.", "base_model.model."):
        name = name.removeprefix(prefix)
    parts = [p for p in name.split(".") if p not in ("base_layer", "original_module")]
    if any(p.startswith("lora_") or p == "modules_to_save" or p in HEADS for p in parts):
        return None
    return ".".join(parts)


def weights_fingerprint(model: Any) -> dict[str, list[float]]:
    """{tensor name: [sum, sum of squares]} of the model's backbone weights."""
    import torch

    found: dict[str, list[float]] = {}
    with torch.no_grad():
        for name, tensor in model.named_parameters():
            plain = _plain_name(name)
            if plain is None or plain in found:
                continue
            values = tensor.detach().to("cpu", torch.float64)
            found[plain] = [float(values.sum()), float((values * values).sum())]
    return found


def fingerprint_differs(recorded: object, given: dict[str, list[float]]) -> str | None:
    """The first tensor whose numbers differ (named), or None where they agree or none can be compared
    (an export from before fingerprints, a damaged record)."""
    if not isinstance(recorded, dict):
        return None
    compared = 0
    for name, numbers in recorded.items():
        if name not in given or not (isinstance(numbers, list) and len(numbers) == 2
                                     and all(isinstance(n, int | float) for n in numbers)):
            continue
        compared += 1
        for kept, now in zip(numbers, given[name], strict=True):
            if not math.isclose(kept, now, rel_tol=TOLERANCE, abs_tol=TOLERANCE):
                return name
    return None if compared or not recorded else "every tensor (none has the adapter's base's name)"
