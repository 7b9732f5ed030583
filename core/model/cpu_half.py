"""Pure fp16 on a CPU without float16 matrix units: the matrix products computed in float32.

A CPU without AVX512-FP16 or AMX-FP16 runs float16 `addmm`/`mm` through a slow reference kernel:
measured on this project's 2-core CI CPU, a demo step in pure fp16 took 211 ms against 22 ms in
float32, 90% of it in `addmm` and `mm`. A GPU's float16 GEMM reads and writes float16 but
accumulates in float32; doing the same here (cast in, float32 product, cast out) keeps what pure
fp16 is about -- weights, activations, gradients and AdamW's state all stored in float16, so
eps=1e-8 still rounds to 0 -- at float32 speed. Applied only to a CPU model whose weights are float16.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import torch
from torch import nn


def _half_addmm(bias: torch.Tensor | None, x: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    # The casts are differentiable: the backward products run in float32 too, and the gradients
    # reaching the float16 weights are cast back to float16, as they would be on a GPU.
    flat = x.reshape(-1, x.shape[-1]).float()
    out = flat @ weight.float() if bias is None else torch.addmm(bias.float(), flat, weight.float())
    return out.to(x.dtype).view(*x.shape[:-1], out.shape[-1])


def _conv1d_forward(self: Any, x: torch.Tensor) -> torch.Tensor:
    return _half_addmm(self.bias, x, self.weight)  # transformers' Conv1D stores its weight in x out


class Float32GemmLinear(nn.Linear):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return _half_addmm(self.bias, x, self.weight.t())


def float32_gemms_for_cpu_half(model: nn.Module) -> int:
    """Give every float16 `Conv1D` and `nn.Linear` of `model` a float32 product; returns how many.
    The classes are swapped in place (a subclass of each), so state dicts, peft's `isinstance`
    checks and saving are unchanged."""
    from transformers.pytorch_utils import Conv1D

    swapped = 0
    for module in model.modules():
        weight = getattr(module, "weight", None)
        if weight is None or weight.dtype != torch.float16:
            continue
        if type(module) is Conv1D:
            module.__class__ = _float32_gemm_conv1d(Conv1D)
        elif type(module) is nn.Linear:
            module.__class__ = Float32GemmLinear
        else:
            continue
        swapped += 1
    return swapped


@cache
def _float32_gemm_conv1d(conv1d: type) -> type:
    # Made once: a subclass of the Conv1D of the transformers in use, with the float32 product.
    return type("Float32GemmConv1D", (conv1d,), {"forward": _conv1d_forward})
