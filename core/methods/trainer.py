"""`trainer`: the same full fine-tuning, through the Hugging Face `Trainer`.

Trainer owns its loop, so it runs in a helper thread and hands over at each step end: a callback
posts the step's events and waits until the generator is asked for the next step. The generator
applies control commands while the trainer thread waits, so nothing touches the optimizer
concurrently. Trainer gets the very same optimizer and schedule objects as the hand loop, the same
batch size, precision and evaluation; what Trainer adds of its own (gradient clipping at 1.0, its
checkpoint saving, NaN filtering of logged losses) is listed in the run's effective settings.

Trainer's own sampler is replaced by the hand loop's batches (length-grouped, a function of seed and
epoch only): both methods then train on the same batches in the same order, so what differs
between them is what Trainer itself adds, and a resumed run sees the order the uninterrupted one
would have. Resume goes through Trainer's own hooks, fed from our safetensors checkpoints (Trainer's
format pickles the optimizer, scheduler and RNG states).
"""

from __future__ import annotations

import dataclasses
import json
import math
import queue
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch

# Imported at the top: this module itself is only imported when a trainer run starts
# (`core.methods.get_method`), and Trainer pulls in much of transformers' training stack.
from transformers import PrinterCallback, Trainer, TrainerCallback, TrainingArguments

from core.config import RunConfig
from core.controls import ControlChannel
from core.data.batching import Encoded, length_grouped_batches, pad_rows
from core.events import Event
from core.methods.prepare import Prepared, prepare
from core.methods.restore import (
    ResumeFrom,
    pick_checkpoint,
    restore_optimizer_and_schedule,
    restore_progress,
    restore_scaler,
    restore_weights,
)
from core.methods.step_end import end_step, finish, step_boundary
from core.methods.training_run import TrainingRun, first_events, skipped_notices, start_training
from core.model.compiling import (
    CompileTimer,
    compile_backend,
    compile_mode,
    compile_summary,
    compiling_notice,
    mark_step,
    pad_multiple,
    prepare_for_compile,
)
from core.storage.checkpoints import restore_rng


class _EncodedDataset(torch.utils.data.Dataset):
    """The pre-tokenized examples as Trainer sees them."""

    def __init__(self, data: Encoded) -> None:
        self.data = data

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, index: int) -> dict[str, Any]:
        return {"input_ids": self.data.ids[index], "labels": self.data.labels[index]}


class _HandLoopBatches(torch.utils.data.Sampler):
    """The hand loop's batches for each epoch; Trainer (through accelerate) calls `set_epoch`."""

    def __init__(self, lengths: list[int], batch_size: int, seed: int) -> None:
        self.lengths, self.batch_size, self.seed, self.epoch = lengths, batch_size, seed, 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return math.ceil(len(self.lengths) / self.batch_size)

    def __iter__(self):
        return iter(length_grouped_batches(self.lengths, self.batch_size, self.seed, self.epoch))


def _collator(pad_id: int, seen: dict[str, int], width_multiple: int):
    def collate(rows: list[dict[str, Any]]) -> dict[str, torch.Tensor]:
        # Real tokens are counted here, on the host, so throughput needs no device read.
        seen["samples"] += len(rows)
        seen["tokens"] += sum(len(r["input_ids"]) for r in rows)
        return pad_rows([r["input_ids"] for r in rows], [r["labels"] for r in rows], pad_id, width_multiple)

    return collate


def _training_arguments(prep: Prepared, output_dir: Path):
    config, plan = prep.config, prep.plan
    return TrainingArguments(
        output_dir=str(output_dir),
        per_device_train_batch_size=config.batch_size,
        max_steps=prep.total_steps,
        report_to="none",  # never wait for a tracker's login prompt
        save_strategy="no",  # our own safetensors checkpoints; Trainer's would pickle the optimizer state
        eval_strategy="no",  # our own evaluation, identical for every method
        logging_strategy="no",
        disable_tqdm=True,
        log_level="error",
        bf16=plan.name == "bf16",
        fp16=plan.name == "fp16",
        use_cpu=prep.device.kind == "cpu",
        seed=config.seed,
        data_seed=config.seed,
        remove_unused_columns=False,
        dataloader_pin_memory=prep.device.kind == "cuda",
        # Trainer compiles through accelerate (dynamic shapes after the first new shape).
        **({"torch_compile": True, "torch_compile_backend": compile_backend(),
            "torch_compile_mode": compile_mode(prep.torch_device.type)} if config.compile == "on" else {}),
    )


def _effective(args) -> dict[str, Any]:
    return {
        "max_grad_norm": args.max_grad_norm,
        "batching": "the hand loop's length-grouped batches (Trainer's own sampler replaced: same batches as full)",
        "checkpoints": "ours (safetensors); Trainer's own saving disabled (its default: every 500 steps, pickled optimizer)",
        "nan_losses_in_logs": "Trainer's logging_nan_inf_filter drops them" if args.logging_nan_inf_filter else "kept",
        "gradient_accumulation_steps": args.gradient_accumulation_steps,
        "drop_last": args.dataloader_drop_last,
        "grad_scaler": bool(args.fp16),
        "nonfinite_detection": "at loss reads; Trainer cannot skip a step whose gradients are not finite",
    }


class _Handover:
    """The two threads take turns. The trainer thread runs one step, posts its events and waits;
    the generator applies commands while it waits (so nothing touches the optimizer concurrently),
    then gives it the next turn."""

    def __init__(self) -> None:
        self._turn = threading.Semaphore(0)
        self._posted: queue.Queue[tuple[str, Any]] = queue.Queue()

    def post(self, kind: str, payload: Any = None) -> None:
        self._posted.put((kind, payload))

    def take(self) -> tuple[str, Any]:
        return self._posted.get()

    def wait_for_turn(self) -> None:
        self._turn.acquire()

    def give_turn(self, times: int = 1) -> None:
        for _ in range(times):
            self._turn.release()


class _SteppedTrainer(Trainer):
    """Trainer on the hand loop's batches, adding each step's loss to the shared device totals, and
    resuming from our checkpoints through its own resume hooks."""

    def __init__(self, *args: Any, run: TrainingRun, batches: _HandLoopBatches, timer: CompileTimer, **kwargs: Any) -> None:
        self.sst2_run, self.sst2_batches, self.sst2_timer = run, batches, timer
        super().__init__(*args, **kwargs)

    def training_step(self, model, inputs, num_items_in_batch=None):  # type: ignore[override]
        run, timer = self.sst2_run, self.sst2_timer
        with timer.step():
            if timer.enabled:
                mark_step(run.prep.torch_device.type)
            loss = super().training_step(model, inputs, num_items_in_batch)
        run.state.compile_seconds = timer.seconds
        run.scaler = getattr(self.accelerator, "scaler", None)  # checkpoints keep its scale
        value = loss.detach().float()
        run.totals.add(value, ~torch.isfinite(value), run.state.step + 1)  # stays on the device: no sync
        return loss

    def get_train_dataloader(self):
        loader = torch.utils.data.DataLoader(self.train_dataset, batch_sampler=self.sst2_batches,
                                             collate_fn=self.data_collator, pin_memory=self.args.dataloader_pin_memory)
        return self.accelerator.prepare(loader)

    # Trainer's resume hooks, reading our checkpoint (called only when resuming).
    def _load_from_checkpoint(self, resume_from_checkpoint, model=None):
        restore_weights(Path(resume_from_checkpoint), model or self.model, full=True)

    def _load_optimizer_and_scheduler(self, checkpoint):
        if checkpoint is not None:
            restore_optimizer_and_schedule(Path(checkpoint), self.sst2_run.optimizer, self.sst2_run.scheduler)

    def _load_rng_state(self, checkpoint):
        if checkpoint is not None:
            restore_rng(Path(checkpoint))

    def _load_scaler(self, checkpoint):
        if checkpoint is not None:
            restore_scaler(Path(checkpoint), getattr(self.accelerator, "scaler", None))


class _StoppedBeforeFirstStep(Exception):
    """Raised out of Trainer's loop: a callback cannot stop Trainer before its first step."""


class _StepEnds(TrainerCallback):
    """On the trainer thread: the shared step end (read, evaluate, save), then hand over."""

    def __init__(self, run: TrainingRun, handover: _Handover, seen: dict[str, int]) -> None:
        self.run, self.handover, self.seen = run, handover, seen

    def on_train_begin(self, args, trainer_state, control, **kwargs):
        self.run.prep.model.train()
        self.run.state.clock.start()
        with self.run.state.clock.stopped():
            self.handover.wait_for_turn()  # the first `next()` after the start events
        if self.run.state.stop_requested:  # stopped while the model loaded: not one step
            raise _StoppedBeforeFirstStep

    def on_step_end(self, args, trainer_state, control, **kwargs):
        run, state = self.run, self.run.state
        state.step = trainer_state.global_step
        # Real samples and tokens, counted by the collator on the host (it may run a batch ahead).
        run.account(self.seen["samples"] - state.samples, self.seen["tokens"] - state.tokens)
        events = end_step(run)
        with state.clock.stopped():
            self.handover.post("events", events)
            self.handover.wait_for_turn()
        if state.stop_requested:
            control.should_training_stop = True


def run(config: RunConfig, controls: ControlChannel, run_dir: Path, resume_from: ResumeFrom | None = None) -> Iterator[list[Event]]:
    # -- set up ------------------------------------------------------------------------------------
    prep = prepare(config, run_dir)
    config = prep.config
    run = start_training(prep, controls, saves_whole_model=True, watches="loss")
    compiled = config.compile == "on"
    if compiled:
        prepare_for_compile(prep.model)
    args = _training_arguments(prep, run_dir / "trainer")
    _record_effective(run, args, compiled)
    handover = _Handover()
    trainer = _build_trainer(run, args, handover, compiled)
    skipped: list[str] = []
    if resume_from is not None:
        resume_from, skipped = pick_checkpoint(resume_from, prep.model, run.optimizer, full=True)
        restore_progress(resume_from, run.state)
        prep.effective["resumed_from_step"] = run.state.step
    yield first_events(run, resume_from, *skipped_notices(skipped), compiling_notice(prep.torch_device.type) if compiled else None)

    # -- the steps: Trainer's loop on its own thread, one step per `next()` ---------------------------
    thread = threading.Thread(target=_train, args=(trainer, resume_from, handover), name="trainer-steps", daemon=True)
    thread.start()
    try:
        yield from _steps(run, handover)
    finally:
        run.state.stop_requested = True
        handover.give_turn(2)  # never leave the trainer thread waiting, even if the consumer quits early
        thread.join(timeout=30)
    yield from finish(run)


def _steps(run: TrainingRun, handover: _Handover) -> Iterator[list[Event]]:
    while True:
        pending = yield from step_boundary(run)  # the trainer thread waits meanwhile
        handover.give_turn()
        kind, payload = handover.take()
        if kind == "error":
            raise payload
        if kind == "done":
            if pending:
                yield pending
            return
        yield pending + payload


def _train(trainer: Trainer, resume_from: Path | None, handover: _Handover) -> None:
    try:
        trainer.train(resume_from_checkpoint=str(resume_from) if resume_from is not None else None)
        handover.post("done")
    except _StoppedBeforeFirstStep:
        handover.post("done")
    except BaseException as error:  # noqa: BLE001 - re-raised in the generator's thread
        handover.post("error", error)


def _build_trainer(run: TrainingRun, args: TrainingArguments, handover: _Handover, compiled: bool) -> Trainer:
    prep, config = run.prep, run.config
    seen = {"samples": 0, "tokens": 0}
    trainer = _SteppedTrainer(
        model=prep.model, args=args, train_dataset=_EncodedDataset(prep.train),
        data_collator=_collator(prep.loaded.pad_id, seen, pad_multiple(config.compile)),
        optimizers=(run.optimizer, run.scheduler), callbacks=[_StepEnds(run, handover, seen)],
        run=run, batches=_HandLoopBatches([len(x) for x in prep.train.ids], config.batch_size, config.seed),
        timer=CompileTimer(enabled=compiled))
    trainer.remove_callback(PrinterCallback)
    # What Trainer's resume reads (global step, epoch) goes into every checkpoint as plain JSON.
    run.extra_files = lambda: {"trainer_state.json": json.dumps(dataclasses.asdict(trainer.state), indent=2)}
    plugin = getattr(getattr(trainer.accelerator, "state", None), "dynamo_plugin", None)
    if compiled and plugin is not None:
        # Trainer leaves `dynamic` unset: a static compile, then a second one at the first new
        # width. Dynamic from the start compiles once, as the hand loop does.
        plugin.dynamic = True
    return trainer


def _record_effective(run: TrainingRun, args: TrainingArguments, compiled: bool) -> None:
    effective = run.prep.effective
    effective["compile"] = (compile_summary(run.prep.torch_device.type) + " (through Trainer's torch_compile)"
                            if compiled else "off (eager)")
    effective.update(_effective(args))
    effective.update({"optimizer": f"{run.config.optimizer} ({run.optimizer_impl}), passed to Trainer",
                      "nonfinite_policy": run.config.nonfinite})
