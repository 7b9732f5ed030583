"""Drive a method generator directly, as the app's worker does."""

from __future__ import annotations

import math
from pathlib import Path

import torch

from sst2_tui.core.config import RunConfig
from sst2_tui.core.controls import ControlChannel
from sst2_tui.core.events import Event
from sst2_tui.core.methods import get_method

DEMO = {"model": "demo", "data": "demo"}


def start(config: RunConfig, run_dir: Path, controls: ControlChannel | None = None):
    controls = controls or ControlChannel()
    run_dir.mkdir(parents=True, exist_ok=True)
    generator = get_method(config.method)(config, controls, run_dir)
    return generator, controls


def drain(generator) -> list[Event]:
    events: list[Event] = []
    for batch in generator:
        events.extend(batch)
    return events


def inject_nan_at(monkeypatch, call: int) -> None:
    """Make the model's loss NaN on its `call`-th training forward pass."""
    import sst2_tui.core.methods.prepare

    real = sst2_tui.core.methods.prepare.load_model

    def load(config, *args, **kwargs):
        loaded = real(config, *args, **kwargs)
        calls = {"n": 0}

        def hook(module, args, output):
            if module.training:
                calls["n"] += 1
                if calls["n"] == call and output.loss is not None:
                    output.loss = output.loss * torch.tensor(math.nan)
            return output

        loaded.model.register_forward_hook(hook)
        return loaded

    monkeypatch.setattr(sst2_tui.core.methods.prepare, "load_model", load)


def run_interrupted_at(config: RunConfig, sessions: Path, step: int):
    """Run `config` in session `cut`, interrupted (as by a signal) after `step`; returns the outcome
    and `plan_resume` of its run folder (config, session, folder)."""
    from sst2_tui.core.controls import RunHandle
    from sst2_tui.core.events import Step
    from sst2_tui.core.run.resume import plan_resume
    from sst2_tui.core.run.runner import execute
    from sst2_tui.core.storage.sessions import Session

    handle = RunHandle()

    def interrupt(event: Event) -> None:
        if isinstance(event, Step) and event.step == step:
            handle.interrupt()

    cut = execute(config, Session.create(sessions, "cut"), handle, on_event=interrupt)
    return cut, plan_resume(sessions / "cut" / "runs" / f"01-{config.method}")


def unfinish(run_dir: Path) -> None:
    """As if the run's process died after its last checkpoint: no run_finished line, no summary."""
    (run_dir / "summary.json").unlink()
    lines = (run_dir / "events.jsonl").read_text().splitlines()
    (run_dir / "events.jsonl").write_text("\n".join(line for line in lines if '"type":"run_finished"' not in line) + "\n")
