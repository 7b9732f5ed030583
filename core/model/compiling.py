"""`--compile on`: run the training forward and backward through `torch.compile`.

Why: on a GPU, a GPT-2 small step at batch 32 is bound by the host, not the GPU. Measured on an
H200 (benchmarks/RESULTS.md): ~33 ms per step for our eager loop and for the course's Trainer
alike, while the arithmetic needs a few ms (the issue's floor: ~4 s per 2,105-step epoch); an
eager step launches on the order of 1,500 kernels (counted from the ops). Inductor fuses the
elementwise ops, and on CUDA mode `reduce-overhead` records each input shape as a CUDA graph that
is replayed with one launch.

Shapes: every new (batch, width) costs a graph, and a static compile would cost a recompile, so
the model is compiled with dynamic shapes and batches are padded to a multiple of
`PAD_MULTIPLE` tokens (SST-2 with GPT-2's tokenizer: at most 9 widths). Padding changes no
result: padded positions are masked, and GPT-2 reads its last real token.

Cost: a one-time compile (tens of seconds; inductor caches it on disk for later runs), counted
in the run's training time and reported apart as `compile_seconds`. Evaluation runs eagerly.
"""

from __future__ import annotations

import os
from typing import cast

import torch
from torch import nn

from sst2_tui.core.events import WarningEvent

PAD_MULTIPLE = 8
BACKEND_ENV = "SST2_TUI_COMPILE_BACKEND"
"""Overrides the backend, e.g. `aot_eager` (no code generation) for fast tests and debugging."""


def compile_backend() -> str:
    return os.environ.get(BACKEND_ENV, "inductor")


def compile_mode(device_type: str) -> str | None:
    """CUDA graphs where they exist; other backends take no mode."""
    return "reduce-overhead" if device_type == "cuda" and compile_backend() == "inductor" else None


def compile_summary(device_type: str) -> str:
    how = f"torch.compile ({compile_backend()}, {compile_mode(device_type) or 'default'} mode, dynamic shapes)"
    return f"{how}; batches padded to a multiple of {PAD_MULTIPLE} tokens; evaluation eager"


def compile_for_training(model: nn.Module, device_type: str) -> nn.Module:
    """A compiled view of `model` for training steps; `model` itself (weights, state_dict keys,
    eager evaluation) is unchanged."""
    prepare_for_compile(model)
    compiled = torch.compile(model, backend=compile_backend(), mode=compile_mode(device_type), dynamic=True)
    return cast(nn.Module, compiled)  # an OptimizedModule: a Module that runs the compiled graph


def prepare_for_compile(model: nn.Module) -> None:
    # Each run compiles its own model. Code compiled for earlier runs in this process (the app runs
    # a queue) would count against dynamo's recompile limit, past which it silently runs eagerly;
    # the on-disk inductor cache still spares most of the work.
    torch._dynamo.reset()
    config = getattr(model, "config", None)
    if config is not None and getattr(config, "problem_type", "") is None:
        # Hugging Face sets this on the first forward with labels, which would cost a recompile.
        config.problem_type = "single_label_classification"


def pad_multiple(compile_choice: str) -> int:
    return PAD_MULTIPLE if compile_choice == "on" else 1


def compiling_notice(device_type: str) -> WarningEvent:
    message = ("compiling the training step (torch.compile): the first steps wait for it, tens of seconds for "
               "GPT-2 small; later runs reuse inductor's cache. --compile off trains eagerly")
    if device_type != "cuda":
        # Measured: benchmarks/results/cpu-minilm-compile-cpu-*.json (a 49 s compile, then 0.8x eager speed).
        message += "; on a CPU it is usually slower than eager (it is meant for GPUs)"
    return WarningEvent(code="compiling", message=message)


def mark_step(device_type: str) -> None:
    """Tell CUDA-graph trees that a new training iteration starts (outputs of the last may be reused)."""
    if device_type == "cuda" and compile_mode(device_type) == "reduce-overhead":
        torch.compiler.cudagraph_mark_step_begin()


def readiness(device_kind: str) -> str:
    """One line for `sst2-tui doctor`: whether `--compile on` can work here, and how."""
    import importlib.util
    import shutil

    if device_kind == "cuda":
        if importlib.util.find_spec("triton") is None:
            return "--compile on needs triton for CUDA (pip install triton); train with --compile off"
        return "--compile on: inductor with CUDA graphs (reduce-overhead); the first run compiles for tens of seconds"
    compiler = os.environ.get("CXX") or shutil.which("g++") or shutil.which("c++") or shutil.which("clang++")
    if not compiler:
        return "--compile on needs a C++ compiler on a CPU (none found: install g++); train with --compile off"
    return f"--compile on: inductor with {compiler}; on a CPU it measured slower than eager (meant for GPUs)"
