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
from typing import Any, cast

import torch

# Imported at the top: this module itself is only imported when a trainer run starts
# (`core.methods.get_method`), and Trainer pulls in much of transformers' training stack.
from transformers import PrinterCallback, Trainer, TrainerCallback, TrainingArguments

from sst2_tui.core.config import RunConfig
from sst2_tui.core.controls import ControlChannel
from sst2_tui.core.data.batching import Encoded, length_grouped_batches, pad_rows
from sst2_tui.core.events import Event, Setting
from sst2_tui.core.methods.leading import Leading
from sst2_tui.core.methods.prepare import Prepared, prepare, seed_step
from sst2_tui.core.methods.restore import (
    ResumeFrom,
    pick_checkpoint,
    restore_optimizer_and_schedule,
    restore_progress,
    restore_scaler,
    restore_weights,
)
from sst2_tui.core.methods.step_end import end_step, finish, step_boundary
from sst2_tui.core.methods.training_run import TrainingRun, first_events, skipped_notices, start_training
from sst2_tui.core.model.compile_watch import CompileWatch
from sst2_tui.core.model.compiling import (
    compile_backend,
    compile_mode,
    compile_summary,
    compiling_notice,
    mark_step,
    pad_multiple,
    prepare_for_compile,
)
from sst2_tui.core.parallel.lockstep import broadcast_object
from sst2_tui.core.parallel.sharding import mean_over_ranks, shard
from sst2_tui.core.storage.checkpoints import restore_rng


class _EncodedDataset(torch.utils.data.Dataset):
    """The pre-tokenized examples as Trainer sees them. In a data-parallel run the sampler hands
    out (index, share) pairs, the share being (this rank's loss weight, the whole batch's samples
    and real tokens); see `_HandLoopBatches`."""

    def __init__(self, data: Encoded) -> None:
        self.data = data

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, key: int | tuple[int, tuple[float, int, int]]) -> dict[str, Any]:  # a Trainer row
        index, share = key if isinstance(key, tuple) else (key, None)
        item = {"input_ids": self.data.ids[index], "labels": self.data.labels[index]}
        if self.data.type_ids is not None:
            item["token_type_ids"] = self.data.type_ids[index]
        return item if share is None else {**item, "share": share}


class _HandLoopBatches(torch.utils.data.Sampler):
    """The hand loop's batches for each epoch (Trainer calls `set_epoch`); in a data-parallel run,
    this rank's share of each, every index with (the share's weight, the whole batch's samples
    and real tokens), so the collator can count every rank's work."""

    def __init__(self, lengths: list[int], batch_size: int, seed: int, rank: int = 0, size: int = 1) -> None:
        self.lengths, self.batch_size, self.seed, self.epoch = lengths, batch_size, seed, 0
        self.rank, self.size = rank, size

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return math.ceil(len(self.lengths) / self.batch_size)

    def __iter__(self):
        for batch in length_grouped_batches(self.lengths, self.batch_size, self.seed, self.epoch):
            if self.size == 1:
                yield batch
            else:
                share = shard(batch, self.rank, self.size)
                whole = (share.weight, len(batch), sum(self.lengths[i] for i in batch))
                yield [(i, whole) for i in share.indices]


class _EpochLoader(torch.utils.data.DataLoader):
    """A data-parallel rank's loader: already its own share, so accelerate must not split it again;
    Trainer finds `set_epoch` here."""

    def set_epoch(self, epoch: int) -> None:
        cast(Any, self.batch_sampler).set_epoch(epoch)  # our own batches (above), which have set_epoch


def _collator(pad_id: int, seen: dict[str, int], width_multiple: int, attention_mask: bool):
    def collate(rows: list[dict[str, Any]]) -> dict[str, Any]:  # Trainer's rows and batch
        types = [r["token_type_ids"] for r in rows] if "token_type_ids" in rows[0] else None
        batch: dict[str, Any] = pad_rows([r["input_ids"] for r in rows], [r["labels"] for r in rows], pad_id, width_multiple,
                                           attention_mask, types)
        # Real samples and tokens, counted here on the host, so throughput needs no device read
        # (a data-parallel rank counts the whole batch: samples/s covers every rank).
        if "share" in rows[0]:
            weight, samples, tokens = rows[0]["share"]
            batch[WEIGHT_KEY] = weight
        else:
            samples, tokens = len(rows), sum(len(r["input_ids"]) for r in rows)
        seen["samples"] += samples
        seen["tokens"] += tokens
        return batch

    return collate


WEIGHT_KEY = "sst2_share_weight"


def _training_arguments(prep: Prepared, output_dir: Path):
    config, plan = prep.config, prep.plan
    compile_arguments: dict[str, Any] = {"torch_compile": True, "torch_compile_backend": compile_backend(),
                                         "torch_compile_mode": compile_mode(prep.torch_device.type)}
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
        # On, Trainer multiplies the loss by the number of processes for any model whose forward
        # takes **kwargs, assuming the model divided by the tokens of every rank; a sequence
        # classifier's loss is a plain mean, so its gradients would come out N times too large.
        average_tokens_across_devices=False,
        # Trainer's DDP default looks for unused parameters (an extra pass over the autograd graph
        # every step); every weight of these models gets a gradient.
        ddp_find_unused_parameters=False,
        # Trainer compiles through accelerate (dynamic shapes after the first new shape).
        **(compile_arguments if config.compile == "on" else {}),
    )


def _effective(args) -> dict[str, Setting]:
    return {
        "max_grad_norm": args.max_grad_norm,
        "batching": "the hand loop's length-grouped batches (Trainer's own sampler replaced: same batches as full)",
        "checkpoints": "ours (safetensors); Trainer's own saving disabled (its default: every 500 steps, pickled optimizer)",
        "nan_losses_in_logs": "Trainer's logging_nan_inf_filter drops them" if args.logging_nan_inf_filter else "kept",
        "gradient_accumulation_steps": args.gradient_accumulation_steps,
        "drop_last": args.dataloader_drop_last,
        "grad_scaler": bool(args.fp16),
        "nonfinite_detection": "at loss reads; Trainer cannot skip a step whose gradients are not finite",
        **({"data_parallel_trainer": "Trainer's DDP (through accelerate) on each rank's share of the same batches; "
                                     "average_tokens_across_devices off (on, it multiplies a classifier's mean loss by the "
                                     "number of processes), ddp_find_unused_parameters off (Trainer's default: on)"}
           if args.world_size > 1 else {}),
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

    def __init__(self, *args: Any, run: TrainingRun, batches: _HandLoopBatches, **kwargs: Any) -> None:
        self.sst2_run, self.sst2_batches = run, batches
        super().__init__(*args, **kwargs)

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        weight = inputs.pop(WEIGHT_KEY, None)  # data-parallel: this rank's share of the batch mean
        result = super().compute_loss(model, inputs, return_outputs=return_outputs, num_items_in_batch=num_items_in_batch)
        if weight is None or weight == 1.0:
            return result
        if return_outputs:
            return result[0] * weight, result[1]
        return result * weight

    def training_step(self, model, inputs, num_items_in_batch=None):
        run = self.sst2_run
        watch = run.compile_watch
        seed_step(run.prep.config.seed, run.prep.world.rank, self.state.global_step)  # steps done, on every rank
        with watch.step():
            if watch.enabled:
                mark_step(run.prep.torch_device.type)
            loss = super().training_step(model, inputs, num_items_in_batch)
        watch.record(run.state)
        run.scaler = getattr(self.accelerator, "scaler", None)  # checkpoints keep its scale
        value = loss.detach().float()
        if run.prep.world.parallel:
            value = mean_over_ranks(value, run.prep.world.size)  # the batch's mean loss, judged alike by every rank
        run.totals.add(value, ~torch.isfinite(value), run.state.step + 1)  # stays on the device: no sync
        return loss

    def get_train_dataloader(self):
        if self.sst2_run.prep.world.parallel:
            return _EpochLoader(self.train_dataset, batch_sampler=self.sst2_batches, collate_fn=self.data_collator,
                                pin_memory=self.args.dataloader_pin_memory)
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
    """On the trainer thread: the shared step end (read, evaluate, save), then hand over. In a
    data-parallel run, rank 0 then tells the other ranks how the next step goes (or that none
    comes), so every Trainer leaves its loop after the same step."""

    def __init__(self, run: TrainingRun, handover: _Handover, seen: dict[str, int], leading: Leading) -> None:
        self.run, self.handover, self.seen, self.leading = run, handover, seen, leading

    def on_train_begin(self, args, trainer_state, control, **kwargs):
        self.run.prep.model.train()
        self.run.state.clock.start()
        with self.run.state.clock.stopped():
            self.handover.wait_for_turn()  # the first `next()` after the start events
        self.leading.step(stop=self.run.state.stop_requested)
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
        self.leading.step(stop=state.stop_requested or state.step >= run.prep.total_steps)
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
    leading, seen = Leading(run), {"samples": 0, "tokens": 0}
    trainer = _build_trainer(run, args, [_StepEnds(run, handover, seen, leading)], compiled, seen)
    skipped: list[str] = []
    if resume_from is not None:
        resume_from, skipped = pick_checkpoint(resume_from, prep.model, run.optimizer, full=True)
        restore_progress(resume_from, run.state)
        prep.effective["resumed_from_step"] = run.state.step
    if prep.world.parallel:  # the other ranks resume through Trainer's hooks from the same checkpoint
        broadcast_object(prep.world, str(resume_from) if resume_from is not None else None)
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
    yield from finish(run, leading.release())


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


def _build_trainer(run: TrainingRun, args: TrainingArguments, callbacks: list[TrainerCallback], compiled: bool,
                   seen: dict[str, int]) -> Trainer:
    prep, config, world = run.prep, run.config, run.prep.world
    trainer = _SteppedTrainer(
        model=prep.model, args=args, train_dataset=_EncodedDataset(prep.train),
        data_collator=_collator(prep.loaded.pad_id, seen, pad_multiple(config.compile), prep.loaded.attention_mask),
        optimizers=(run.optimizer, run.scheduler), callbacks=callbacks, run=run,
        batches=_HandLoopBatches([len(x) for x in prep.train.ids], config.batch_size, config.seed, world.rank, world.size))
    run.compile_watch = CompileWatch(compiled, prep.torch_device.type)
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
