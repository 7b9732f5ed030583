"""`full`: full fine-tuning in a hand-written PyTorch loop. Every weight is trained."""

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
    prep = prepare(config, run_dir)
    yield from fit(prep, controls, resume_from)
