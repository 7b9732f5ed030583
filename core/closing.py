"""The end of a training run, the same for the hand loop and the Trainer method."""

from __future__ import annotations

from collections.abc import Callable

from core.device import peak_memory_mb
from core.evaluation import evaluate
from core.events import Checkpoint, Event, RunFinished, RunStarted
from core.predictions import write_predictions
from core.run_state import RunState
from core.setup import Prepared


def close_run(prep: Prepared, state: RunState, started: RunStarted, checkpoint: Callable[[str], Checkpoint]) -> list[Event]:
    """A final evaluation unless the last step was just evaluated, a final checkpoint unless this
    step has one (neither after a NaN stop: those weights are not worth keeping), the
    predictions for misclassification reports, and the summary."""
    config = prep.config
    events: list[Event] = []
    failed = state.stop_reason == "nonfinite"
    if state.last_eval_step != state.step and not failed:
        result = evaluate(prep.model, prep.validation, prep.loaded.pad_id, config.eval_batch_size, prep.torch_device, prep.plan)
        events.append(state.record_eval(result))
    if state.step and not failed and not (prep.run_dir / "checkpoints" / f"step-{state.step:07d}").exists():
        events.append(checkpoint("final" if state.step >= prep.total_steps else "stop"))
    prep.last_eval = state.last_eval
    write_predictions(prep.run_dir, prep.splits.validation, state.last_eval)
    status = "failed" if failed else ("finished" if state.step >= prep.total_steps else "stopped")
    summary = state.summary(run_id=prep.run_id, method=config.method, model=config.model, device=prep.device.describe(),
                            precision=prep.plan.name, seed=config.seed, epochs=config.epochs,
                            trainable=started.trainable_params, total=started.total_params, status=status,
                            peak_memory_mb=peak_memory_mb(prep.device))
    events.append(RunFinished(summary=summary))
    return events
