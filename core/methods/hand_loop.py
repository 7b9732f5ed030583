"""The hand-written training loop shared by `full` and `lora`: one optimizer step per `next()`.

The generator yields a list of events per step (usually one `step` event every `log_every`
steps, plus `eval`/`checkpoint` when due). Not pulling is pausing.

Sync points. A CUDA step is queued asynchronously; reading a value back (`.item()`, `.tolist()`,
`bool(tensor)`) waits for the GPU to drain and stalls the pipeline. So the loss and the
non-finite flags are accumulated on the device (`DeviceTotals`) and read every `log_every` steps
(25 on a GPU, 1 on CPU where reading costs nothing). Bad steps are still skipped in the step they
happen: on CPU by reading the flag, on CUDA by handing it to the fused AdamW as `found_inf`, which
skips the update on the device without a sync.
"""

from __future__ import annotations

from collections.abc import Iterator

import torch

from sst2_tui.core.controls import ControlChannel
from sst2_tui.core.data.batching import BatchOrder, collate, to_device
from sst2_tui.core.events import Event, WarningEvent
from sst2_tui.core.methods.leading import Leading
from sst2_tui.core.methods.nonfinite import grads_not_finite, preflight_eps_warning
from sst2_tui.core.methods.prepare import Prepared, seed_step
from sst2_tui.core.methods.restore import ResumeFrom, pick_checkpoint, restore_all
from sst2_tui.core.methods.step_end import end_step, finish, step_boundary
from sst2_tui.core.methods.training_run import TrainingRun, first_events, skipped_notices, start_training
from sst2_tui.core.model.compile_watch import CompileWatch
from sst2_tui.core.model.compiling import compile_for_training, compile_summary, compiling_notice, mark_step, pad_multiple
from sst2_tui.core.model.optim import optimizer_impl
from sst2_tui.core.parallel.ddp import data_parallel
from sst2_tui.core.parallel.sharding import mean_over_ranks, shard


def fit(prep: Prepared, controls: ControlChannel, resume_from: ResumeFrom | None = None) -> Iterator[list[Event]]:
    # -- set up --------------------------------------------------------------------------------------
    config, model, device = prep.config, prep.model, prep.torch_device
    run = start_training(prep, controls, saves_whole_model=config.method != "lora", watches="loss or gradients")
    run.scaler = torch.amp.GradScaler(device.type) if prep.plan.use_grad_scaler else None
    compiled = config.compile == "on"
    # Training steps go through `train_model` (DDP in a data-parallel run, compiled with --compile on);
    # evaluation and checkpoints use `model` itself.
    train_model = data_parallel(model, prep.world, device)
    train_model = compile_for_training(train_model, device.type) if compiled else train_model
    run.compile_watch = CompileWatch(compiled, device.type)
    _record_effective(run, compiled)
    skipped: list[str] = []
    if resume_from is not None:
        resume_from, skipped = pick_checkpoint(resume_from, model, run.optimizer, full=run.saves_whole_model)
        restore_all(resume_from, model, run.optimizer, run.scheduler, run.state, full=run.saves_whole_model,
                    scaler=run.scaler)
        prep.effective["resumed_from_step"] = run.state.step
        run.resync_due = prep.world.parallel  # the other ranks start from these weights and this optimizer state
    eps = config.eps if config.optimizer == "adamw" else None
    eps_warning = preflight_eps_warning(prep.plan.name, eps, run.optimizer_impl)
    yield first_events(run, resume_from, *skipped_notices(skipped),
                       WarningEvent(code="fp16_eps", message=eps_warning) if eps_warning else None,
                       compiling_notice(device.type) if compiled else None)

    model.train()  # explicit: dropout on while training (the reference saw results depend on the mode)
    if run.guard is not None:
        run.guard.take(run.state.step, run.optimizer)
    state, lengths, world = run.state, [len(x) for x in prep.train.ids], prep.world
    order = BatchOrder(lengths, config.batch_size, config.seed, prep.steps_per_epoch)
    leading = Leading(run)
    state.clock.start()
    while state.step < prep.total_steps:
        # -- commands, at the step boundary ------------------------------------------------------------
        pending = yield from step_boundary(run)
        if state.stop_requested:
            if pending:
                yield pending
            break
        leading.step()  # data-parallel: the other ranks take this step with these rates
        # -- one step --------------------------------------------------------------------------------------
        indices = order.at(state.step)
        share = shard(indices, world.rank, world.size)
        batch = to_device(collate(prep.train, share.indices, prep.loaded.pad_id, pad_multiple(config.compile),
                                 prep.loaded.attention_mask), device)
        train_step(run, train_model, batch, share.weight)
        # -- account (host-side numbers only: no sync), then read/evaluate/save when due ----------------
        state.step += 1
        run.account(len(indices), sum(lengths[i] for i in indices))  # the whole batch: every rank's share
        yield pending + end_step(run)

    yield from finish(run, leading.release())


def _record_effective(run: TrainingRun, compiled: bool) -> None:
    device_type = run.prep.torch_device.type
    run.prep.effective.update({
        "optimizer": f"{run.config.optimizer} ({run.optimizer_impl})", "grad_scaler": run.scaler is not None,
        "nonfinite_policy": run.config.nonfinite, "nonfinite_detection": "every step; a bad step's update is skipped",
        "nan_losses_in_logs": "kept (a NaN is reported, never hidden)",
        "compile": compile_summary(device_type) if compiled else "off (eager)",
    })


def train_step(run: TrainingRun, train_model: torch.nn.Module, batch: dict[str, torch.Tensor], weight: float = 1.0) -> None:
    """Forward, backward and the update. Every value stays on the device: nothing here syncs,
    except skipping a bad step on a device without the fused AdamW (free on a CPU). In a
    data-parallel run `weight` scales this rank's mean loss to its share of the batch's mean
    (core/parallel/sharding.py), and the loss is averaged over the ranks before it is judged."""
    prep, optimizer, scaler = run.prep, run.optimizer, run.scaler
    device, watch = prep.torch_device, run.compile_watch
    seed_step(prep.config.seed, prep.world.rank, run.state.step)
    with watch.step():
        if watch.enabled:
            mark_step(device.type)
        with prep.plan.autocast(device.type):
            loss = train_model(**batch).loss
        if weight != 1.0:
            loss = loss * weight
        loss_value = loss.detach().float()
        if prep.world.parallel:
            loss_value = mean_over_ranks(loss_value, prep.world.size)  # every rank judges the same number
        loss_bad = ~torch.isfinite(loss_value)
        if scaler is not None:
            scaler.scale(loss).backward()
            scaler.unscale_(optimizer)
        else:
            loss.backward()
    watch.record(run.state)
    grad_bad = grads_not_finite([p.grad for group in optimizer.param_groups for p in group["params"] if p.grad is not None],
                                device)
    skipped: torch.Tensor | float
    if scaler is not None:
        # GradScaler skips overflowing steps itself and lowers its scale: counted, not flagged.
        step_bad, skipped = loss_bad, grad_bad.float()
        scaler.step(optimizer)
        scaler.update()
    else:
        step_bad = loss_bad | grad_bad
        skipped = _update_unless_bad(optimizer, step_bad, device)
    run.scheduler.step()
    optimizer.zero_grad(set_to_none=True)
    run.totals.add(loss_value, step_bad, run.state.step + 1, skipped)


def _update_unless_bad(optimizer: torch.optim.Optimizer, step_bad: torch.Tensor, device: torch.device) -> torch.Tensor | float:
    """The optimizer step, skipped when the loss or a gradient is not finite. Returns the skip count."""
    if device.type == "cuda" and optimizer_impl(optimizer) == "fused":
        optimizer.found_inf = step_bad.float()  # type: ignore[attr-defined]  # the fused AdamW skips the update on the device: no sync
        optimizer.step()
        del optimizer.found_inf  # type: ignore[attr-defined]
        return step_bad.float()
    if bool(step_bad):  # free on a CPU; a sync point on CUDA without the fused optimizer
        return 1.0
    optimizer.step()
    return 0.0
