"""The hand-written training loop shared by `full` and `lora`: one optimizer step per `next()`.

The generator yields a list of events per step (usually one `step` event every `log_every`
steps, plus `eval`/`checkpoint` when due). Not pulling is pausing.

Sync points. A CUDA step is queued asynchronously; reading a value back (`.item()`, `.tolist()`,
`bool(tensor)`) waits for the GPU to drain and stalls the pipeline. So the loss and the
non-finite flags are accumulated on the device and read every `log_every` steps (25 on a GPU, 1
on CPU where reading costs nothing). Bad steps are still skipped in the step they happen: on CPU
by reading the flag, on CUDA by handing it to the fused AdamW as `found_inf`, which skips the
update on the device without a sync.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from pathlib import Path

import torch

from core.controls import ControlChannel
from core.data.batching import collate, length_grouped_batches, to_device
from core.events import Checkpoint, Event, Nonfinite, Paused, Step, WarningEvent
from core.methods.closing import close_run
from core.methods.evaluation import evaluate
from core.methods.nonfinite import diagnose, preflight_eps_warning
from core.methods.prepare import Prepared
from core.methods.restore import restore_all
from core.methods.run_state import RunState
from core.methods.saving import retry_pending_save, save_or_pause
from core.methods.steering import Steering
from core.model.compiling import CompileTimer, compile_for_training, compiling_notice, mark_step, pad_multiple
from core.model.compiling import describe as describe_compile
from core.model.device import memory_in_use_mb
from core.model.optim import build_optimizer, build_scheduler, current_eps, current_lr, optimizer_impl
from core.storage.checkpoints import rotate, write_checkpoint

GPU_LOG_EVERY = 25
MIN_SECONDS_BETWEEN_READS = 0.25


class _Snapshot:
    """Last weights and optimizer state known to be finite (pure fp16 only, where AdamW itself can
    overflow the weights from finite gradients). A device-side copy: cheap next to a step."""

    def __init__(self) -> None:
        self.step: int | None = None
        self._params: list[torch.Tensor] = []
        self._optimizer: dict | None = None

    def take(self, step: int, params: list[torch.nn.Parameter], optimizer: torch.optim.Optimizer) -> None:
        self.step = step
        self._params = [p.detach().clone() for p in params]
        state = optimizer.state_dict()
        self._optimizer = {
            "state": {k: {n: (v.clone() if isinstance(v, torch.Tensor) else v) for n, v in s.items()}
                      for k, s in state["state"].items()},
            "param_groups": [dict(g) for g in state["param_groups"]],
        }

    def restore(self, params: list[torch.nn.Parameter], optimizer: torch.optim.Optimizer) -> int | None:
        if self.step is None:
            return None
        with torch.no_grad():
            for param, saved in zip(params, self._params, strict=True):
                param.copy_(saved)
        groups = [dict(g) for g in optimizer.state_dict()["param_groups"]]  # keep the current lr/eps
        optimizer.load_state_dict({"state": self._optimizer["state"], "param_groups": groups})
        return self.step


def _grads_not_finite(grads: list[torch.Tensor], device: torch.device) -> torch.Tensor:
    """One read over the gradients, on the device (no sync). Norms are taken in float32: float16
    gradients that are finite could otherwise overflow in their own sum of squares."""
    if not grads:
        return torch.zeros((), dtype=torch.bool, device=device)
    norms = torch._foreach_norm(grads, 2, dtype=torch.float32)
    return ~torch.isfinite(torch.stack(norms).sum())


def _all_finite(tensors: list[torch.Tensor]) -> torch.Tensor:
    norms = torch._foreach_norm(tensors)
    return torch.isfinite(torch.stack([n.float() for n in norms])).all()


def fit(prep: Prepared, controls: ControlChannel, resume_from: Path | None = None) -> Iterator[list[Event]]:
    config, model, device = prep.config, prep.model, prep.torch_device
    is_cuda = device.type == "cuda"
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = build_optimizer(params, config, device.type)
    scheduler = build_scheduler(optimizer, config, prep.total_steps)
    scaler = torch.amp.GradScaler(device.type) if prep.plan.use_grad_scaler else None
    impl = optimizer_impl(optimizer)
    prep.effective.update({"optimizer": f"{config.optimizer} ({impl})", "grad_scaler": scaler is not None,
                           "nonfinite_policy": config.nonfinite,
                           "nonfinite_detection": "every step; a bad step's update is skipped",
                           "nan_losses_in_logs": "kept (a NaN is reported, never hidden)"})
    compiled = config.compile == "on"
    # Training steps go through `train_model`; evaluation and checkpoints use `model` itself.
    train_model = compile_for_training(model, device.type) if compiled else model
    width_multiple = pad_multiple(config.compile)
    compile_timer = CompileTimer(enabled=compiled)
    prep.effective["compile"] = describe_compile(device.type) if compiled else "off (eager)"
    state = RunState(prep.total_steps, prep.steps_per_epoch)
    steering = Steering(controls, optimizer, scheduler, state)
    log_every = config.log_every or (GPU_LOG_EVERY if is_cuda else 1)
    guard_params = prep.plan.name == "fp16-pure"
    snapshot = _Snapshot()
    started = prep.run_started()
    checkpoint_dir = prep.run_dir / "checkpoints"

    if resume_from is not None:
        restore_all(resume_from, model, optimizer, scheduler, state, full=config.method != "lora", scaler=scaler)
        prep.effective["resumed_from_step"] = state.step
    first: list[Event] = [started]
    if resume_from is not None:
        first.append(WarningEvent(code="resumed", message=f"resumed from {resume_from} at step {state.step}"))
    warning = preflight_eps_warning(prep.plan.name, config.eps if config.optimizer == "adamw" else None, impl)
    if warning:
        first.append(WarningEvent(code="fp16_eps", message=warning))
    if compiled:
        first.append(compiling_notice(device.type))
    yield first

    # Accumulated on the device between reads (see the module docstring).
    loss_sum = torch.zeros((), device=device)
    loss_count = torch.zeros((), device=device)
    bad_steps = torch.zeros((), device=device)
    first_bad = torch.full((), -1, device=device, dtype=torch.long)
    skipped = torch.zeros((), device=device)
    since_read = {"steps": 0, "samples": 0, "tokens": 0, "seconds": 0.0, "wall": time.perf_counter()}

    def checkpoint(reason: str) -> Checkpoint:
        with state.clock.stopped():
            path = write_checkpoint(
                checkpoint_dir, state.step, model, optimizer, full=config.method != "lora",
                extra={"epoch": state.epoch, "lr": current_lr(optimizer), "eps": current_eps(optimizer),
                       "best_accuracy": state.best_accuracy, "best_step": state.best_step, "seed": config.seed,
                       "scheduler_base_lrs": list(scheduler.base_lrs), "run_id": prep.run_id,
                       "grad_scaler": scaler.state_dict() if scaler is not None else None})
            rotate(checkpoint_dir, config.keep_checkpoints, state.best_step)
        return Checkpoint(step=state.step, path=str(path), reason=reason)

    def read_back() -> list[Event]:
        """The sync point: read the accumulated values once for `since_read['steps']` steps."""
        events: list[Event] = []
        count, total_loss, bad, first_bad_step, skipped_total = (
            loss_count.item(), loss_sum.item(), int(bad_steps.item()), int(first_bad.item()), int(skipped.item()))
        state.skipped_steps = skipped_total
        now = state.clock.seconds
        seconds = max(now - since_read["seconds"], 1e-9)
        params_bad = guard_params and not bool(_all_finite(params))
        if since_read["steps"]:
            events.append(Step(
                step=state.step, epoch=round(state.epoch, 4), loss=total_loss / count if count else math.nan,
                lr=current_lr(optimizer), eps=current_eps(optimizer),
                samples_per_second=round(since_read["samples"] / seconds, 2),
                tokens_per_second=round(since_read["tokens"] / seconds, 1),
                memory_mb=memory_in_use_mb(prep.device), steps_covered=since_read["steps"], skipped_steps=skipped_total,
            ))
        since_read.update(steps=0, samples=0, tokens=0, seconds=now)
        loss_sum.zero_()
        loss_count.zero_()
        if bad or params_bad:
            bad_steps.zero_()
            first_bad.fill_(-1)
            events += on_nonfinite(first_bad_step if first_bad_step >= 0 else state.step,
                                   "parameters" if params_bad else "loss or gradients", params_bad)
        elif guard_params:
            snapshot.take(state.step, params, optimizer)
        return events

    def on_nonfinite(step: int, what: str, params_bad: bool) -> list[Event]:
        state.nonfinite_events += 1
        restored = snapshot.restore(params, optimizer) if params_bad else None
        diagnosis, suggestions = diagnose(what=what, precision=prep.plan.name, eps=current_eps(optimizer),
                                          lr=current_lr(optimizer), optimizer_impl=impl, optimizer=config.optimizer)
        if params_bad and restored is None:
            diagnosis += " The weights are no longer finite and no finite copy exists; stop and rerun with the fix."
        policy = config.nonfinite
        if policy == "skip" and not params_bad:
            return [Nonfinite(step=step, what=what, diagnosis=diagnosis, suggestions=suggestions, action="skipped")]
        if policy == "stop" or (params_bad and restored is None):
            state.stop_requested, state.stop_reason = True, "nonfinite"
            return [Nonfinite(step=step, what=what, diagnosis=diagnosis, suggestions=suggestions, action="stopped",
                              restored_step=restored)]
        state.paused, state.stop_reason = True, "nonfinite"
        return [Nonfinite(step=step, what=what, diagnosis=diagnosis, suggestions=suggestions, action="paused",
                          restored_step=restored), Paused(step=state.step, reason="nonfinite")]

    model.train()  # explicit: dropout on while training (the reference saw results depend on the mode)
    if guard_params:
        snapshot.take(0, params, optimizer)
    batches: list[list[int]] = []
    state.clock.start()
    while state.step < prep.total_steps:
        pending = yield from steering.boundary()
        pending += yield from retry_pending_save(checkpoint, state, steering)
        if state.stop_requested:
            if pending:
                yield pending
            break
        epoch_index, batch_index = divmod(state.step, prep.steps_per_epoch)
        if batch_index == 0 or not batches:
            batches = length_grouped_batches([len(x) for x in prep.train.ids], config.batch_size, config.seed, epoch_index)
        indices = batches[batch_index]
        batch = to_device(collate(prep.train, indices, prep.loaded.pad_id, width_multiple), device)

        with compile_timer.step():
            if compiled:
                mark_step(device.type)
            with prep.plan.autocast(device.type):
                loss = train_model(**batch).loss
            loss_value = loss.detach().float()
            loss_bad = ~torch.isfinite(loss_value)
            if scaler is not None:
                scaler.scale(loss).backward()
                scaler.unscale_(optimizer)
            else:
                loss.backward()
        state.compile_seconds = compile_timer.seconds
        grad_bad = _grads_not_finite([p.grad for p in params if p.grad is not None], device)
        if scaler is not None:
            # GradScaler skips overflowing steps itself and lowers its scale: counted, not flagged.
            skipped.add_(grad_bad.float())
            step_bad = loss_bad
            scaler.step(optimizer)
            scaler.update()
        else:
            step_bad = loss_bad | grad_bad
            if is_cuda and impl == "fused":
                optimizer.found_inf = step_bad.float()  # fused AdamW skips the update on the device
                optimizer.step()
                del optimizer.found_inf
                skipped.add_(step_bad.float())
            elif bool(step_bad):  # CPU: free; CUDA without a fused optimizer: a sync point
                skipped.add_(1.0)
            else:
                optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)

        good = (~loss_bad).float()
        loss_sum.add_(torch.where(loss_bad, torch.zeros_like(loss_value), loss_value))
        loss_count.add_(good)
        bad_steps.add_(step_bad.float())
        first_bad.copy_(torch.where((first_bad < 0) & step_bad, torch.full_like(first_bad, state.step + 1), first_bad))

        state.step += 1
        tokens = int(sum(len(prep.train.ids[i]) for i in indices))  # known on the host: no sync
        state.samples += len(indices)
        state.tokens += tokens
        since_read["steps"] += 1
        since_read["samples"] += len(indices)
        since_read["tokens"] += tokens

        events: list[Event] = list(pending)
        end_of_epoch = state.step % prep.steps_per_epoch == 0
        due_eval = end_of_epoch or (config.eval_every and state.step % config.eval_every == 0)
        due_read = (since_read["steps"] >= log_every
                    or time.perf_counter() - since_read["wall"] >= MIN_SECONDS_BETWEEN_READS
                    or due_eval or state.step == prep.total_steps)
        if due_read:
            since_read["wall"] = time.perf_counter()
            events += read_back()
        if due_eval and not state.paused:
            with state.clock.stopped():
                result = evaluate(model, prep.validation, prep.loaded.pad_id, config.eval_batch_size, device, prep.plan)
            events.append(state.record_eval(result))
        due_save = (config.save_every and state.step % config.save_every == 0) or (not config.save_every and end_of_epoch)
        if due_save and not state.paused:
            events += save_or_pause(checkpoint, "every" if config.save_every else "epoch_end", state)
        yield events

    state.clock.stop()
    closing: list[Event] = []
    if since_read["steps"]:
        closing += read_back()
    yield from close_run(prep, state, started, checkpoint, steering, closing)
