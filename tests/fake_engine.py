"""A scripted method generator: deterministic events, real control handling, no model.

It has the methods' contract (`core.methods`): one optimizer step per `next()`, events out,
commands in through the `ControlChannel` the real runner fills from the run's control file. It
steers a real (one-parameter) optimizer through the engine's own `Steering`, so pauses, lr and eps
changes behave exactly as in a real run, and it records every command it received. Run through
`tests.thread_launcher.ThreadLauncher`, everything around it is the real thing: `execute` writes
the run folder, the app follows it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import torch

from sst2_tui.core.config import RunConfig
from sst2_tui.core.controls import ControlChannel
from sst2_tui.core.device_info import DeviceInfo
from sst2_tui.core.events import CommandSpec, Eval, Event, Nonfinite, Paused, RunFinished, RunStarted, Step
from sst2_tui.core.methods.nonfinite import diagnose
from sst2_tui.core.methods.run_state import RunState
from sst2_tui.core.methods.steering import Steering
from sst2_tui.core.model.optim import current_eps, current_lr
from sst2_tui.core.summary import Status, Summary

EFFECTIVE = {
    "full": {"max_grad_norm": None, "batching": "length-grouped", "checkpoints": "each epoch end and on stop"},
    "trainer": {"max_grad_norm": 1.0, "batching": "Trainer sampler: group_by_length", "checkpoints": "ours"},
    "lora": {"max_grad_norm": None, "batching": "length-grouped", "checkpoints": "each epoch end and on stop",
             "lora_targets": "c_attn"},
    "evaluate": {},
}
HOLD_AT_MOST_SECONDS = 30


@dataclass
class FakeEngine:
    steps: int = 40
    nan_at: int | tuple[int, ...] | None = None
    """The step (or steps) whose loss is non-finite: the run pauses there with the engine's diagnosis."""
    fail_with: str | None = None
    """The run fails as it starts, with this error."""
    hold_at: int | None = None
    """Block after this step until `release()` (lets a test look at a run mid-way)."""
    spread: bool = False
    """Each later run climbs a little slower (different curves on a compare chart)."""
    received: list[CommandSpec] = field(default_factory=list)
    hold: threading.Event = field(default_factory=threading.Event)
    device: DeviceInfo = field(default_factory=lambda: DeviceInfo("cpu", "Test CPU", threads=2))
    """What the run reports as its device (a data-parallel run's has world_size and backend)."""
    runs: int = 0
    step_seconds: float = 0.0
    """How long each step takes (a test that must catch a run mid-way)."""

    def release(self) -> None:
        self.hold.set()

    def __call__(self, config: RunConfig, controls: ControlChannel, run_dir: Path,
                 resume_from: object = None) -> Iterator[list[Event]]:
        self.runs += 1
        config = config.resolved()
        if self.fail_with:
            raise RuntimeError(self.fail_with)
        optimizer = torch.optim.AdamW([torch.nn.Parameter(torch.zeros(1))], lr=config.lr, eps=config.eps)
        state = RunState(total_steps=self.steps, steps_per_epoch=self.steps // 2)
        steering = Steering(controls, optimizer, None, state)
        steering.answer = lambda text: ("positive", 0.9) if "good" in text else ("negative", 0.2)
        trainable = 296_448 if config.method == "lora" else 124_441_344
        yield [RunStarted(run_id=Path(run_dir).name, method=config.method, config=config,
                          effective=EFFECTIVE[config.method], device=self.device, precision="fp32",
                          trainable_params=trainable, total_params=124_737_792 if config.method == "lora" else 124_441_344,
                          versions={}, train_examples=640, eval_examples=100, total_steps=self.steps,
                          steps_per_epoch=self.steps // 2, time=time.time())]
        accuracy = 0.5
        while state.step < self.steps:
            yield from self._boundary(steering)
            if state.stop_requested:
                break
            state.step += 1
            if self.step_seconds:
                time.sleep(self.step_seconds)
            events: list[Event] = [Step(step=state.step, epoch=state.step / (self.steps // 2), loss=round(0.7 - 0.01 * state.step, 4),
                                        lr=current_lr(optimizer), eps=current_eps(optimizer), samples_per_second=100.0,
                                        tokens_per_second=1000.0, memory_mb=512.0, time=time.time())]
            if state.step % 10 == 0:
                gain = 0.1 - (0.015 * (self.runs - 1) if self.spread else 0.0)
                accuracy = round(min(0.95, accuracy + gain), 4)
                state.best_accuracy = max(state.best_accuracy or 0, accuracy)
                state.final_accuracy = accuracy
                events.append(Eval(step=state.step, epoch=state.epoch, accuracy=accuracy, loss=0.5, n=100,
                                   best_accuracy=state.best_accuracy, seconds=0.0, time=time.time()))
            if state.step in (self.nan_at if isinstance(self.nan_at, tuple) else (self.nan_at,)):
                diagnosis, suggestions = diagnose(what="loss", precision="fp16-pure", eps=1e-8, lr=current_lr(optimizer),
                                                  optimizer_impl="foreach", optimizer="adamw")
                state.paused, state.stop_reason = True, "nonfinite"
                events.append(Nonfinite(step=state.step, what="loss", diagnosis=diagnosis, suggestions=suggestions,
                                        action="paused", time=time.time()))
                events.append(Paused(step=state.step, reason="nonfinite", time=time.time()))
            yield events
            if self.hold_at == state.step:
                self.hold.wait(HOLD_AT_MOST_SECONDS)
        status = "stopped" if state.stop_requested else "finished"
        summary = Summary(run_id=Path(run_dir).name, method=config.method, model=config.model, status=Status(status),
                          steps=state.step, best_val_accuracy=state.best_accuracy, final_val_accuracy=state.final_accuracy,
                          precision="fp32", trainable_params=trainable,
                          final_lr=current_lr(optimizer), final_eps=current_eps(optimizer))
        yield [RunFinished(summary=summary, time=time.time())]

    def _boundary(self, steering: Steering) -> Iterator[list[Event]]:
        """The step boundary: commands apply here; while paused it blocks in the channel."""
        generator = steering.boundary()
        try:
            while True:
                events = next(generator)
                self._record(events)
                yield events
        except StopIteration as done:
            self._record(done.value)
            yield done.value

    def _record(self, events: list[Event]) -> None:
        for event in events:
            command = getattr(event, "command", None)
            if command is not None:
                self.received.append(command)
