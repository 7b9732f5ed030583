"""`trainer`: the same full fine-tuning, through the Hugging Face `Trainer`.

Trainer owns its loop, so it runs in a helper thread and hands over at each step end: a callback
posts the step's events and waits until the generator is asked for the next step. The generator
applies control commands while the trainer thread waits, so nothing touches the optimizer
concurrently. Trainer gets the very same optimizer and schedule objects as the hand loop, the same
batch size, precision and evaluation; what Trainer adds of its own (gradient clipping at 1.0, its
sampler, checkpoint saving, NaN filtering of logged losses) is listed in the run's effective settings.
"""

from __future__ import annotations

import inspect
import queue
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch

from core.batching import Encoded
from core.checkpoints import rotate, write_checkpoint
from core.closing import close_run
from core.config import RunConfig
from core.controls import ControlChannel
from core.device import memory_in_use_mb
from core.errors import UserError
from core.evaluation import evaluate
from core.events import Checkpoint, Event, Nonfinite, Paused, Step
from core.loop import GPU_LOG_EVERY, MIN_SECONDS_BETWEEN_READS
from core.nonfinite import diagnose
from core.optim import build_optimizer, build_scheduler, current_eps, current_lr, optimizer_impl
from core.run_state import RunState
from core.setup import Prepared, prepare
from core.steering import Steering


class _EncodedDataset(torch.utils.data.Dataset):
    """The pre-tokenized examples as Trainer sees them; `length` feeds its LengthGroupedSampler."""

    def __init__(self, data: Encoded) -> None:
        self.data = data

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, index: int) -> dict[str, Any]:
        ids = self.data.ids[index]
        return {"input_ids": ids, "labels": self.data.labels[index], "length": len(ids)}


def _collator(pad_id: int, seen: dict[str, int]):
    def collate(rows: list[dict[str, Any]]) -> dict[str, torch.Tensor]:
        # Real tokens are counted here, on the host, so throughput needs no device read.
        seen["samples"] += len(rows)
        seen["tokens"] += sum(len(r["input_ids"]) for r in rows)
        width = max(len(r["input_ids"]) for r in rows)
        input_ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
        attention = torch.zeros((len(rows), width), dtype=torch.long)
        for i, row in enumerate(rows):
            input_ids[i, : len(row["input_ids"])] = torch.tensor(row["input_ids"])
            attention[i, : len(row["input_ids"])] = 1
        return {"input_ids": input_ids, "attention_mask": attention,
                "labels": torch.tensor([r["labels"] for r in rows], dtype=torch.long)}

    return collate


def _training_arguments(prep: Prepared, output_dir: Path):
    from transformers import TrainingArguments

    config, plan = prep.config, prep.plan
    # transformers >= 5.20 names the sampler `train_sampling_strategy`; earlier ones have `group_by_length`.
    accepted = inspect.signature(TrainingArguments.__init__).parameters
    sampler = ({"train_sampling_strategy": "group_by_length"} if "train_sampling_strategy" in accepted
               else {"group_by_length": True})
    return TrainingArguments(**sampler,
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
        length_column_name="length",
        remove_unused_columns=False,
        dataloader_pin_memory=prep.device.kind == "cuda",
    )


def _effective(args) -> dict[str, Any]:
    return {
        "max_grad_norm": args.max_grad_norm,
        "batching": "Trainer sampler: group_by_length (LengthGroupedSampler)",
        "checkpoints": "ours (safetensors); Trainer's own saving disabled (its default: every 500 steps, pickled optimizer)",
        "nan_losses_in_logs": "Trainer's logging_nan_inf_filter drops them" if args.logging_nan_inf_filter else "kept",
        "gradient_accumulation_steps": args.gradient_accumulation_steps,
        "drop_last": args.dataloader_drop_last,
        "grad_scaler": bool(args.fp16),
        "nonfinite_detection": "at loss reads; Trainer cannot skip a step whose gradients are not finite",
    }


def run(config: RunConfig, controls: ControlChannel, run_dir: Path, resume_from: Path | None = None) -> Iterator[list[Event]]:
    if resume_from is not None:
        raise UserError(f"--resume: the {config.method} method cannot resume; full and lora can (rerun this one)")
    from transformers import PrinterCallback, Trainer, TrainerCallback

    prep = prepare(config, run_dir)
    config, model, device = prep.config, prep.model, prep.torch_device
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = build_optimizer(params, config, device.type)
    scheduler = build_scheduler(optimizer, config, prep.total_steps)
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

    class SteppedTrainer(Trainer):
        def training_step(self, model, inputs, num_items_in_batch=None):  # type: ignore[override]
            loss = super().training_step(model, inputs, num_items_in_batch)
            loss_sum.add_(loss.detach().float())  # stays on the device: no sync
            loss_count.add_(1.0)
            return loss

    def checkpoint(reason: str) -> Checkpoint:
        with state.clock.stopped():
            path = write_checkpoint(checkpoint_dir, state.step, model, optimizer, full=True,
                                    extra={"epoch": state.epoch, "lr": current_lr(optimizer), "eps": current_eps(optimizer),
                                           "best_accuracy": state.best_accuracy, "seed": config.seed, "run_id": prep.run_id})
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
                events.append(checkpoint("every" if config.save_every else "epoch_end"))
            with state.clock.stopped():
                out.put(("events", events))
                go.acquire()  # hand over; the generator applies controls, then lets us take the next step
            if state.stop_requested:
                control.should_training_stop = True

    trainer = SteppedTrainer(model=model, args=args, train_dataset=_EncodedDataset(prep.train),
                             data_collator=_collator(prep.loaded.pad_id, seen), optimizers=(optimizer, scheduler),
                             callbacks=[Bridge()])
    trainer.remove_callback(PrinterCallback)

    def work() -> None:
        try:
            trainer.train()
            out.put(("done", None))
        except BaseException as error:  # noqa: BLE001 - re-raised in the generator's thread
            out.put(("error", error))

    yield [started]
    thread = threading.Thread(target=work, name="trainer-steps", daemon=True)
    thread.start()
    try:
        while True:
            pending = yield from steering.boundary()
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
    closing += close_run(prep, state, started, checkpoint)
    yield closing
