"""`lora`: the hand-written loop on a peft LoRA model.

Defaults r=8, alpha=16, dropout 0.05; targets chosen by peft for the architecture (GPT-2:
`c_attn`); the classification head stays trainable. On GPT-2 small: 296,448 of 124,737,792
parameters (0.24%) train, so the optimizer state and gradients are tiny.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from sst2_tui.core.config import RunConfig
from sst2_tui.core.controls import ControlChannel
from sst2_tui.core.events import Event
from sst2_tui.core.methods.hand_loop import fit
from sst2_tui.core.methods.prepare import prepare
from sst2_tui.core.methods.restore import ResumeFrom


def run(config: RunConfig, controls: ControlChannel, run_dir: Path, resume_from: ResumeFrom | None = None) -> Iterator[list[Event]]:
    prep = prepare(config, run_dir, lora=True)
    yield from fit(prep, controls, resume_from)
