"""`evaluate`: validation accuracy of an already fine-tuned model; no training."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from sst2_tui.core.config import RunConfig
from sst2_tui.core.controls import ControlChannel
from sst2_tui.core.data.head_order import head_order
from sst2_tui.core.errors import UserError
from sst2_tui.core.events import CommandKind, Event, RunFinished, WarningEvent
from sst2_tui.core.inference.evaluation import evaluate
from sst2_tui.core.inference.saved_predictions import write_predictions
from sst2_tui.core.methods.prepare import prepare
from sst2_tui.core.methods.restore import ResumeFrom
from sst2_tui.core.methods.run_state import RunState
from sst2_tui.core.model.device import peak_memory_mb
from sst2_tui.core.model.loading import saved_label_names
from sst2_tui.core.summary import Status


def run(config: RunConfig, controls: ControlChannel, run_dir: Path, resume_from: ResumeFrom | None = None) -> Iterator[list[Event]]:
    if resume_from is not None:
        raise UserError("--resume: an evaluate run has no training to continue; run it again")
    prep = prepare(config, run_dir)
    order = head_order(saved_label_names(config.model), prep.splits.label_set, config.model)
    prep.effective["evaluation_only"] = True
    prep.effective["compile"] = "off (evaluation runs eagerly)"
    started = prep.run_started()
    first: list[Event] = [started]
    if config.compile == "on":
        first.append(WarningEvent(code="compile_unused", message="--compile on applies to training; evaluate runs eagerly"))
    if order is not None:
        theirs = ", ".join(prep.splits.label_set.names[order.index(k)] for k in range(len(order)))
        first.append(WarningEvent(code="classes_matched_by_name",
                                  message=f"the model numbers its classes {theirs}; each answer is matched to the "
                                          "data's class of the same name"))
    yield first
    state = RunState(total_steps=0, steps_per_epoch=prep.steps_per_epoch)
    if any(c.kind == CommandKind.STOP for c in controls.drain()):
        state.stop_requested = True
    else:
        result = evaluate(prep.model, prep.validation, prep.loaded.pad_id, prep.config.eval_batch_size_value,
                          prep.torch_device, prep.plan, prep.splits.task, order)
        write_predictions(prep.run_dir, prep.splits.validation, result)
        yield [state.record_eval(result)]
    summary = state.summary(run_id=prep.run_id, method="evaluate", model=config.model, device=prep.device.describe(),
                            precision=prep.plan.name, seed=config.seed, epochs=0, trainable=0,
                            total=started.total_params, status=Status.STOPPED if state.stop_requested else Status.FINISHED,
                            peak_memory_mb=peak_memory_mb(prep.device))
    yield [RunFinished(summary=summary)]
