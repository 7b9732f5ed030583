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
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch

from core.config import RunConfig
from core.controls import ControlChannel
from core.data.batching import Encoded, length_grouped_batches, pad_rows
from core.events import Checkpoint, Event, Nonfinite, Paused, Step, WarningEvent
from core.methods.closing import close_run
from core.methods.evaluation import evaluate
from core.methods.hand_loop import GPU_LOG_EVERY, MIN_SECONDS_BETWEEN_READS
from core.methods.nonfinite import diagnose
from core.methods.prepare import Prepared, prepare
from core.methods.restore import restore_optimizer_and_schedule, restore_progress, restore_scaler, restore_weights
from core.methods.run_state import RunState
from core.methods.saving import retry_pending_save, save_or_pause
from core.methods.steering import Steering
from core.model.compiling import CompileTimer, backend, compiling_notice, mark_step, pad_multiple, prepare_for_compile
from core.model.compiling import describe as describe_compile
from core.model.compiling import mode as compile_mode
from core.model.device import memory_in_use_mb
from core.model.optim import build_optimizer, build_scheduler, current_eps, current_lr, optimizer_impl
from core.storage.checkpoints import restore_rng, rotate, write_checkpoint


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
    from transformers import TrainingArguments

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
        **({"torch_compile": True, "torch_compile_backend": backend(),
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


def run(config: RunConfig, controls: ControlChannel, run_dir: Path, resume_from: Path | None = None) -> Iterator[list[Event]]:
    from transformers import PrinterCallback, Trainer, TrainerCallback

    prep = prepare(config, run_dir)
    config, model, device = prep.config, prep.model, prep.torch_device
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = build_optimizer(params, config, device.type)
    scheduler = build_scheduler(optimizer, config, prep.total_steps)
    compiled = config.compile == "on"
    if compiled:
        prepare_for_compile(model)
    compile_timer = CompileTimer(enabled=compiled)
    prep.effective["compile"] = describe_compile(device.type) + " (through Trainer's torch_compile)" if compiled else "off (eager)"
    args = _training_arguments(prep, run_dir / "trainer")
    prep.effective.update(_effective(args))
    prep.effective.update({"optimizer": f"{config.optimizer} ({optimizer_impl(optimizer)}), passed to Trainer",
                           "nonfinite_policy": config.nonfinite})
    state = RunState(prep.total_steps, prep.steps_per_epoch)
    steering = Steering(controls, optimizer, scheduler, state)
    log_every = config.log_every or (GPU_LOG_EVERY if device.type == "cuda" else 1)
    checkpoint_dir = run_dir / "checkpoints"
    started = prep.run_started()

    go = threading.Semaphore(0)
    out: queue.Queue[tuple[str, Any]] = queue.Queue()
    loss_sum = torch.zeros((), device=device)
    loss_count = torch.zeros((), device=device)
    since = {"steps": 0, "samples": 0, "tokens": 0, "seconds": 0.0, "wall": time.perf_counter()}
    seen = {"samples": 0, "tokens": 0}

    batches = _HandLoopBatches([len(x) for x in prep.train.ids], config.batch_size, config.seed)

    class SteppedTrainer(Trainer):
        def training_step(self, model, inputs, num_items_in_batch=None):  # type: ignore[override]
            with compile_timer.step():
                if compiled:
                    mark_step(device.type)
                loss = super().training_step(model, inputs, num_items_in_batch)
            state.compile_seconds = compile_timer.seconds
            loss_sum.add_(loss.detach().float())  # stays on the device: no sync
            loss_count.add_(1.0)
            return loss

        def get_train_dataloader(self):
            loader = torch.utils.data.DataLoader(self.train_dataset, batch_sampler=batches, collate_fn=self.data_collator,
                                                 pin_memory=self.args.dataloader_pin_memory)
            return self.accelerator.prepare(loader)

        # Trainer's resume hooks, reading our checkpoint (called only when resuming).
        def _load_from_checkpoint(self, resume_from_checkpoint, model=None):
            restore_weights(Path(resume_from_checkpoint), model or self.model, full=True)

        def _load_optimizer_and_scheduler(self, checkpoint):
            if checkpoint is not None:
                restore_optimizer_and_schedule(Path(checkpoint), optimizer, scheduler)

        def _load_rng_state(self, checkpoint):
            if checkpoint is not None:
                restore_rng(Path(checkpoint))

        def _load_scaler(self, checkpoint):
            if checkpoint is not None:
                restore_scaler(Path(checkpoint), getattr(self.accelerator, "scaler", None))

    def checkpoint(reason: str) -> Checkpoint:
        scaler = getattr(trainer.accelerator, "scaler", None)
        with state.clock.stopped():
            path = write_checkpoint(checkpoint_dir, state.step, model, optimizer, full=True,
                                    extra={"epoch": state.epoch, "lr": current_lr(optimizer), "eps": current_eps(optimizer),
                                           "best_accuracy": state.best_accuracy, "best_step": state.best_step,
                                           "seed": config.seed, "run_id": prep.run_id,
                                           "scheduler_base_lrs": list(scheduler.base_lrs),
                                           "grad_scaler": scaler.state_dict() if scaler is not None else None},
                                    # what Trainer's resume reads (global step, epoch): plain JSON
                                    extra_files={"trainer_state.json": json.dumps(dataclasses.asdict(trainer.state), indent=2)})
            rotate(checkpoint_dir, config.keep_checkpoints, state.best_step)
        return Checkpoint(step=state.step, path=str(path), reason=reason)

    def read_back() -> list[Event]:
        count, total = loss_count.item(), loss_sum.item()  # the sync point, every `log_every` steps
        since["samples"], since["tokens"] = seen["samples"] - state.samples, seen["tokens"] - state.tokens
        state.samples, state.tokens = seen["samples"], seen["tokens"]
        now = state.clock.seconds
        seconds = max(now - since["seconds"], 1e-9)
        events: list[Event] = []
        if since["steps"]:
            loss = total / count if count else float("nan")
            events.append(Step(step=state.step, epoch=round(state.epoch, 4), loss=loss, lr=current_lr(optimizer),
                               eps=current_eps(optimizer), samples_per_second=round(since["samples"] / seconds, 2),
                               tokens_per_second=round(since["tokens"] / seconds, 1), memory_mb=memory_in_use_mb(prep.device),
                               steps_covered=since["steps"]))
            if not torch.isfinite(torch.tensor(loss)):
                events += on_nonfinite()
        since.update(steps=0, samples=0, tokens=0, seconds=now, wall=time.perf_counter())
        loss_sum.zero_()
        loss_count.zero_()
        return events

    def on_nonfinite() -> list[Event]:
        state.nonfinite_events += 1
        diagnosis, suggestions = diagnose(what="loss", precision=prep.plan.name, eps=current_eps(optimizer),
                                          lr=current_lr(optimizer), optimizer_impl=optimizer_impl(optimizer),
                                          optimizer=config.optimizer)
        if config.nonfinite == "skip":
            return [Nonfinite(step=state.step, what="loss", diagnosis=diagnosis, suggestions=suggestions, action="skipped")]
        if config.nonfinite == "stop":
            state.stop_requested, state.stop_reason = True, "nonfinite"
            return [Nonfinite(step=state.step, what="loss", diagnosis=diagnosis, suggestions=suggestions, action="stopped")]
        state.paused, state.stop_reason = True, "nonfinite"
        return [Nonfinite(step=state.step, what="loss", diagnosis=diagnosis, suggestions=suggestions, action="paused"),
                Paused(step=state.step, reason="nonfinite")]

    class Bridge(TrainerCallback):
        def on_train_begin(self, args, trainer_state, control, **kwargs):
            model.train()
            state.clock.start()
            with state.clock.stopped():
                go.acquire()  # wait for the first `next()`

        def on_step_end(self, args, trainer_state, control, **kwargs):
            state.step = trainer_state.global_step
            since["steps"] += 1
            events: list[Event] = []
            end_of_epoch = state.step % prep.steps_per_epoch == 0
            due_eval = end_of_epoch or bool(config.eval_every and state.step % config.eval_every == 0)
            if since["steps"] >= log_every or due_eval or state.step == prep.total_steps or \
                    time.perf_counter() - since["wall"] >= MIN_SECONDS_BETWEEN_READS:
                events += read_back()
            if due_eval and not state.paused:
                with state.clock.stopped():
                    result = evaluate(model, prep.validation, prep.loaded.pad_id, config.eval_batch_size, device, prep.plan)
                events.append(state.record_eval(result))
            due_save = bool(config.save_every and state.step % config.save_every == 0) or (not config.save_every and end_of_epoch)
            if due_save and not state.paused:
                events += save_or_pause(checkpoint, "every" if config.save_every else "epoch_end", state)
            with state.clock.stopped():
                out.put(("events", events))
                go.acquire()  # hand over; the generator applies controls, then lets us take the next step
            if state.stop_requested:
                control.should_training_stop = True

    trainer = SteppedTrainer(model=model, args=args, train_dataset=_EncodedDataset(prep.train),
                             data_collator=_collator(prep.loaded.pad_id, seen, pad_multiple(config.compile)),
                             optimizers=(optimizer, scheduler), callbacks=[Bridge()])
    trainer.remove_callback(PrinterCallback)
    plugin = getattr(getattr(trainer.accelerator, "state", None), "dynamo_plugin", None)
    if compiled and plugin is not None:
        # Trainer leaves `dynamic` unset: a static compile, then a second one at the first new
        # width. Dynamic from the start compiles once, as the hand loop does.
        plugin.dynamic = True

    if resume_from is not None:
        restore_progress(resume_from, state)
        prep.effective["resumed_from_step"] = state.step

    def work() -> None:
        try:
            trainer.train(resume_from_checkpoint=str(resume_from) if resume_from is not None else None)
            out.put(("done", None))
        except BaseException as error:  # noqa: BLE001 - re-raised in the generator's thread
            out.put(("error", error))

    first: list[Event] = [started]
    if resume_from is not None:
        first.append(WarningEvent(code="resumed", message=f"resumed from {resume_from} at step {state.step}"))
    if compiled:
        first.append(compiling_notice(device.type))
    yield first
    thread = threading.Thread(target=work, name="trainer-steps", daemon=True)
    thread.start()
    try:
        while True:
            pending = yield from steering.boundary()
            pending += yield from retry_pending_save(checkpoint, state, steering)  # the trainer thread waits
            go.release()
            kind, payload = out.get()
            if kind == "error":
                raise payload
            if kind == "done":
                if pending:
                    yield pending
                break
            yield pending + payload
    finally:
        state.stop_requested = True
        for _ in range(2):
            go.release()  # never leave the trainer thread waiting, even if the consumer quits early
        thread.join(timeout=30)

    state.clock.stop()
    closing: list[Event] = []
    if since["steps"]:
        closing += read_back()
    yield from close_run(prep, state, started, checkpoint, steering, closing)
