"""The end of a training run, the same for the hand loop and the Trainer method."""

from __future__ import annotations

from collections.abc import Callable, Generator

from sst2_tui.core.events import Checkpoint, Event, RunFinished, RunStarted
from sst2_tui.core.methods.evaluation import evaluate
from sst2_tui.core.methods.exporting import export_after_eval, export_at_close, export_record
from sst2_tui.core.methods.predictions import write_predictions
from sst2_tui.core.methods.prepare import Prepared
from sst2_tui.core.methods.run_state import RunState
from sst2_tui.core.methods.saving import retry_pending_save, save_or_pause
from sst2_tui.core.methods.steering import Steering
from sst2_tui.core.model.device import peak_memory_mb
from sst2_tui.core.model.optim import current_eps, current_lr
from sst2_tui.core.storage.disk_space import DiskFullError, disk_full_event


def close_run(prep: Prepared, state: RunState, started: RunStarted, checkpoint: Callable[[str], Checkpoint],
              steering: Steering, events: list[Event]) -> Generator[list[Event], None, None]:
    """A final evaluation unless the last step was just evaluated, a final checkpoint unless this
    step has one (neither after a NaN stop: those weights are not worth keeping), the
    predictions for misclassification reports, and the summary. A full disk pauses before the
    final checkpoint (yielding what happened so far) unless the user is stopping the run."""
    config = prep.config
    events = list(events)
    failed = state.stop_reason == "nonfinite"
    # No step trained (stopped while loading): nothing to evaluate or save, no accuracy to record.
    if state.step and state.last_eval_step != state.step and not failed:
        result = evaluate(prep.model, prep.validation, prep.loaded.pad_id, config.eval_batch_size, prep.torch_device, prep.plan)
        events.append(state.record_eval(result))
        events += export_after_eval(prep, state)
    if not failed:
        events += export_at_close(prep, state)
    this_step = prep.run_dir / "checkpoints" / f"step-{state.step:07d}"
    if state.step and not failed and not this_step.exists():
        events += save_or_pause(checkpoint, "final" if state.step >= prep.total_steps else "stop", state)
        if state.pending_save:
            yield events
            events = yield from retry_pending_save(checkpoint, state, steering)
            if not this_step.exists():
                events += save_or_pause(checkpoint, "stop", state)  # stopped while waiting: one last try
    try:
        write_predictions(prep.run_dir, prep.splits.validation, state.last_eval)
    except DiskFullError as error:
        events.append(disk_full_event(state.step, error, "predictions", stopping=True))
    done = state.step >= prep.total_steps or state.stop_reason == "early_stop"
    status = "failed" if failed else ("finished" if done else "stopped")
    summary = state.summary(run_id=prep.run_id, method=config.method, model=config.model, device=prep.device.describe(),
                            precision=prep.plan.name, seed=config.seed, epochs=config.epochs,
                            trainable=started.trainable_params, total=started.total_params, status=status,
                            peak_memory_mb=peak_memory_mb(prep.device))
    # What the run ended with: lr and eps may have been changed mid-run (keys, ctl, a NaN fix).
    summary["final_lr"], summary["final_eps"] = current_lr(steering.optimizer), current_eps(steering.optimizer)
    # Data-parallel runs: samples/s above already counts every rank (the leader accounts whole batches).
    summary["world_size"], summary["per_device_batch_size"] = prep.world.size, config.batch_size // prep.world.size
    summary.update(export_record(prep.run_dir) or {"export_path": None, "export_step": None})
    events.append(RunFinished(summary=summary))
    yield events
