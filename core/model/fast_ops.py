"""Same-math, faster module swaps applied to every loaded model.

GPT-2's `gelu_new` is written in Python as seven elementwise ops (pow, mul, add, tanh, ...), each
its own kernel forward and more backward; `nn.GELU(approximate="tanh")` is the same formula in one
kernel. Measured on GPT-2 small (2-core CPU, batch 32 x 16 tokens): forward+backward 9-12% faster,
outputs within 2.4e-7 of the Python version. On a GPU, where a GPT-2 step is bound by kernel
launches, it should save roughly 200 launches per step (counted from the ops, not measured). The
model's config is left as it is, so saved models still say `gelu_new`.
"""

from __future__ import annotations

from torch import nn


def fuse_gelu(model: nn.Module) -> int:
    """Swap every `NewGELUActivation` for `nn.GELU(approximate="tanh")` (torch's own module, so
    the swap does not depend on which transformers version names it); returns how many."""
    from transformers.activations import NewGELUActivation

    swaps = [(parent, name) for parent in model.modules() for name, child in parent.named_children()
             if type(child) is NewGELUActivation]
    for parent, name in swaps:
        setattr(parent, name, nn.GELU(approximate="tanh"))
    return len(swaps)
