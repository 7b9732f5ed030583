"""The small state object both training loops share: the hand loop of `full` and `lora`, and
`trainer`. It holds what a step end needs (optimizer, schedule, progress, the device totals, the
read window) and writes checkpoints, so both loops save the same contents the same way.

Not merged into `run_state.py`: the run state is what evaluation, resume and the summary read
(and `export` imports it), while this object imports the steering, the non-finite guard and the
checkpoint writer, which themselves read the run state; one module would import itself in a circle.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from sst2_tui.core.config import RunConfig
from sst2_tui.core.controls import ControlChannel, branch_commands
from sst2_tui.core.data.batching import encode
from sst2_tui.core.events import Checkpoint, Event, RunStarted, WarningEvent
from sst2_tui.core.inference.evaluation import evaluate
from sst2_tui.core.inference.saved_predictions import sentence_ids
from sst2_tui.core.methods.nonfinite import DeviceTotals, FiniteCopy
from sst2_tui.core.methods.prepare import Prepared
from sst2_tui.core.methods.run_state import RunState
from sst2_tui.core.methods.steering import Steering
from sst2_tui.core.model.compile_watch import CompileWatch
from sst2_tui.core.model.optim import build_optimizer, build_scheduler, current_eps, current_lr, optimizer_impl
from sst2_tui.core.stats.halves import tuning_mask
from sst2_tui.core.storage.checkpoint_state import CheckpointState
from sst2_tui.core.storage.checkpoints import rotate, verify, write_checkpoint
from sst2_tui.core.storage.disk_space import DiskFullError

# Reading values back from a GPU stalls it (see device_totals), so a GPU run reads every 25 steps;
# on a CPU a read costs nothing and every step is shown. Whatever the count, at most every 0.25 s.
GPU_LOG_EVERY = 25
MIN_SECONDS_BETWEEN_READS = 0.25


@dataclass
class ReadWindow:
    """Host-side counts since the last read of the device totals (known without a sync)."""

    steps: int = 0
    samples: int = 0
    tokens: int = 0
    clock_seconds: float = 0.0
    """The training clock at the last read."""
    wall: float = field(default_factory=time.perf_counter)
    """The wall clock at the last read."""


@dataclass
class TrainingRun:
    prep: Prepared
    optimizer: torch.optim.Optimizer
    scheduler: Any
    state: RunState
    steering: Steering
    totals: DeviceTotals
    log_every: int
    saves_whole_model: bool
    """False for LoRA: its checkpoints hold the adapter and the head only."""
    watches: str
    """What the non-finite check looks at, for the diagnosis ("loss or gradients", or "loss")."""
    window: ReadWindow = field(default_factory=ReadWindow)
    guard: FiniteCopy | None = None
    scaler: Any = None
    """The GradScaler (fp16 autocast), whose scale is part of every checkpoint."""
    extra_files: Callable[[], dict[str, str]] | None = None
    """More files for each checkpoint (Trainer's own progress record)."""
    started: RunStarted | None = None
    """The run's first event, once yielded (its parameter counts go into the summary)."""
    compile_watch: CompileWatch = field(default_factory=lambda: CompileWatch(enabled=False))
    """`--compile on`: times the steps that compiled and says what kept the step from compiling whole."""
    resync_due: bool = False
    """Data-parallel: the other ranks must copy this rank's weights and optimizer state before the
    next step (after a resume, or after the pure-fp16 guard put finite weights back)."""

    @property
    def config(self) -> RunConfig:
        return self.prep.config

    @property
    def optimizer_impl(self) -> str:
        return optimizer_impl(self.optimizer)

    def account(self, samples: int, tokens: int) -> None:
        """One optimizer step done on `samples` examples holding `tokens` real tokens."""
        self.state.samples += samples
        self.state.tokens += tokens
        self.window.steps += 1
        self.window.samples += samples
        self.window.tokens += tokens

    def checkpoint(self, reason: str) -> Checkpoint:
        state, config = self.state, self.config
        saved = state.checkpoint_state(CheckpointState(
            step=state.step, lr=current_lr(self.optimizer), eps=current_eps(self.optimizer), seed=config.seed,
            scheduler_base_lrs=list(self.scheduler.base_lrs), run_id=self.prep.run_id,
            grad_scaler=self.scaler.state_dict() if self.scaler is not None else None))
        directory = self.prep.run_dir / "checkpoints"
        with state.clock.stopped():
            path = write_checkpoint(directory, saved, self.prep.model, self.optimizer, full=self.saves_whole_model,
                                    extra_files=self.extra_files() if self.extra_files else None)
            rotate(directory, config.keep_checkpoints, state.best_step, state.kept_for_forks)
        return Checkpoint(step=state.step, path=str(path), reason=reason)

    def checkpoint_for_fork(self) -> list[Event]:
        """A checkpoint of this step for a fork (`sst2-tui fork --now`), kept by rotation from now on:
        the one already written at this step where it is complete, else a new one."""
        state = self.state
        existing = self.prep.run_dir / "checkpoints" / f"step-{state.step:07d}"
        state.kept_for_forks.add(state.step)
        if existing.is_dir() and verify(existing) is None:
            return [Checkpoint(step=state.step, path=str(existing), reason="fork")]
        try:
            return [self.checkpoint("fork")]
        except DiskFullError as error:
            state.kept_for_forks.discard(state.step)
            return [WarningEvent(code="fork_checkpoint", message=f"no room for a checkpoint to fork from: {error}")]


def start_training(prep: Prepared, controls: ControlChannel, *, saves_whole_model: bool, watches: str) -> TrainingRun:
    """The optimizer and schedule over the trainable parameters, and the run's progress."""
    config, device = prep.config, prep.torch_device
    params = [p for p in prep.model.parameters() if p.requires_grad]
    optimizer = build_optimizer(params, config, device.type)
    scheduler = build_scheduler(optimizer, config, prep.total_steps)
    state = RunState(prep.total_steps, prep.steps_per_epoch)
    if config.sweep is not None:  # a sweep point: its best step is chosen where the verdict does not judge
        state.tuning = tuning_mask(sentence_ids(prep.splits.validation.keys))
    run = TrainingRun(prep=prep, optimizer=optimizer, scheduler=scheduler, state=state,
                      steering=Steering(controls, optimizer, scheduler, state), totals=DeviceTotals(device),
                      log_every=config.log_every or (GPU_LOG_EVERY if device.type == "cuda" else 1),
                      saves_whole_model=saves_whole_model, watches=watches)
    if prep.plan.name == "fp16-pure":
        run.guard = FiniteCopy(params)
    run.steering.answer = lambda text: classify(prep, text)
    run.steering.save = run.checkpoint_for_fork
    return run


def classify(prep: Prepared, text: str) -> tuple[str, float]:
    """One sentence through the model of this step (a `predict` command): eval mode, no
    gradients, the training mode restored; the label's name and, for SST-2's two classes, P(positive),
    else P(the label). A pair task's pair is written `first text<TAB>second text`."""
    first, tab, second = text.partition("\t")
    pairs = [second] if prep.splits.train.pairs is not None and tab else None
    encoded = encode(prep.loaded.tokenizer, [first if pairs else text], [0], prep.config.max_length, pairs)
    result = evaluate(prep.model, encoded, prep.loaded.pad_id, 1, prep.torch_device, prep.plan)
    label, names = result.predicted[0], prep.splits.label_set
    if names.is_binary_sentiment:
        return names.name(label), result.positive_probability[0]
    return names.name(label), result.probabilities[0][label]


def skipped_notices(problems: list[str]) -> list[Event]:
    return [WarningEvent(code="checkpoint_skipped", message=f"skipped damaged checkpoint: {p}") for p in problems]


def first_events(run: TrainingRun, resume_from: Path | None, *notices: Event | None) -> list[Event]:
    """What the first `next()` yields: the run's start, whether it resumed, and any warnings."""
    run.started = run.prep.run_started()
    events: list[Event] = [run.started, *(WarningEvent(code="data", message=m) for m in run.prep.warnings)]
    if resume_from is not None:
        # the checkpoint by its name in the run folder: this note reaches trackers, which must hold no machine path
        events.append(WarningEvent(code="resumed", message=f"resumed from RUN_DIR/checkpoints/{resume_from.name} "
                                                           f"at step {run.state.step}"))
        fork = run.prep.config.fork
        if fork is not None and run.state.step == fork.branch_step:
            # a fork starting from its branch checkpoint (its first start, or a resume before it saved one
            # of its own): its changes apply at the first step boundary, recorded as control events
            for command in branch_commands(fork):
                run.steering.controls.send(command)
    return events + [notice for notice in notices if notice is not None]
