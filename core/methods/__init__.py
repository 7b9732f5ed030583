"""The methods, each a generator function `run(config, controls, run_dir)` in its own module.

Contract: the first `next()` sets up and yields `[run_started, ...]`; each later `next()` performs
at most one optimizer step and yields the events it produced; the last yields `[..., run_finished]`.
Commands sent on the `ControlChannel` apply between steps. The optional fourth argument is a
checkpoint folder to resume from (full and lora).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from sst2_tui.core.config import RunConfig
from sst2_tui.core.controls import ControlChannel
from sst2_tui.core.events import Event
from sst2_tui.core.methods.resume_from import ResumeFrom

MethodFn = Callable[[RunConfig, ControlChannel, Path, ResumeFrom | None], Iterator[list[Event]]]
"""`run(config, controls, run_dir, resume_from)`: resume_from is a checkpoint folder, or the run's
checkpoints newest first (a damaged one is skipped for the one before)."""


def get_method(name: str) -> MethodFn:
    """Imported lazily: `trainer` pulls in much of transformers' training stack."""
    if name == "full":
        from sst2_tui.core.methods.full import run
    elif name == "lora":
        from sst2_tui.core.methods.lora import run
    elif name == "trainer":
        from sst2_tui.core.methods.trainer import run
    elif name == "evaluate":
        from sst2_tui.core.methods.evaluate import run
    else:
        raise ValueError(f"unknown method {name!r}")
    return run
