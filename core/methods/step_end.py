"""What happens between two optimizer steps, the same for the hand loop and `trainer`: apply the
waiting commands, read the device totals when due, evaluate and save when due, report a
non-finite loss with its diagnosis, save (pausing when the disk is full), and close the run after
the last step.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator

from sst2_tui.core.events import Checkpoint, Event, Nonfinite, Paused, RunFinished, RunStarted, Step
from sst2_tui.core.export.writing import export_after_eval, export_at_close, export_record
from sst2_tui.core.inference.evaluation import EvalResult, evaluate
from sst2_tui.core.inference.evaluation_log import append_evaluation
from sst2_tui.core.inference.saved_predictions import BEST_FILE, sentence_ids, write_predictions
from sst2_tui.core.methods.nonfinite import diagnose
from sst2_tui.core.methods.prepare import Prepared
from sst2_tui.core.methods.run_state import RunState
from sst2_tui.core.methods.steering import Steering
from sst2_tui.core.methods.training_run import MIN_SECONDS_BETWEEN_READS, TrainingRun
from sst2_tui.core.model.device import memory_in_use_mb, peak_memory_mb
from sst2_tui.core.model.optim import current_eps, current_lr
from sst2_tui.core.storage.disk_space import DiskFullError, disk_full_event
from sst2_tui.core.summary import Status


def step_boundary(run: TrainingRun) -> Generator[list[Event], None, list[Event]]:
    """Apply waiting commands (blocking while paused) and retry a checkpoint the full disk refused.
    Returns the events to report with the next step."""
    pending = yield from run.steering.boundary()
    pending += yield from retry_pending_save(run.checkpoint, run.state, run.steering)
    return pending


def end_step(run: TrainingRun) -> list[Event]:
    """After an optimizer step (already accounted): read, evaluate and save, each when due."""
    state, config = run.state, run.config
    if state.step >= run.prep.total_steps:
        # Training is over: the last checkpoint then records the run's whole training time, so a
        # run resumed from it (killed before its summary) ends with the same time as if never killed.
        state.clock.stop()
    end_of_epoch = state.step % run.prep.steps_per_epoch == 0
    due_eval = end_of_epoch or bool(config.eval_every and state.step % config.eval_every == 0)
    due_read = (run.window.steps >= run.log_every or due_eval or state.step == run.prep.total_steps
                or time.perf_counter() - run.window.wall >= MIN_SECONDS_BETWEEN_READS)
    events: list[Event] = [*run.compile_watch.news(), *(read_back(run) if due_read else [])]
    if due_eval and not state.paused:
        events.append(evaluate_now(run))
        events += export_after_eval(run.prep, state)
        if config.patience and state.evals_without_better >= config.patience and state.step < run.prep.total_steps:
            # Early stopping: the run ends here as finished, its best step exported.
            state.stop_requested, state.stop_reason = True, "early_stop"
    due_save = bool(config.save_every and state.step % config.save_every == 0) or (not config.save_every and end_of_epoch)
    if due_save and not state.paused:
        events += save_or_pause(run.checkpoint, "every" if config.save_every else "epoch_end", state)
    return events


def evaluate_now(run: TrainingRun) -> Event:
    prep = run.prep
    with run.state.clock.stopped():
        result = evaluate(prep.model, prep.validation, prep.loaded.pad_id, prep.config.eval_batch_size_value,
                          prep.torch_device, prep.plan, prep.splits.task)
    return record_eval(run.prep, run.state, result)


def record_eval(prep: Prepared, state: RunState, result: EvalResult) -> Event:
    """The evaluation's event; its per-sentence correctness is appended to the run's evaluation log
    (a sweep's verdict chooses each run's step on the tuning half from it), and at a new best its
    per-sentence predictions are kept too."""
    event = state.record_eval(result)
    try:
        if len(result.correct) == len(prep.splits.validation):
            append_evaluation(prep.run_dir, sentence_ids(prep.splits.validation.keys), state.step, result.correct)
        if state.best_step == state.step:
            write_predictions(prep.run_dir, prep.splits.validation, result, step=state.step, file=BEST_FILE)
    except DiskFullError:  # the next checkpoint pauses for room; the next evaluation writes again
        pass
    return event


def read_back(run: TrainingRun) -> list[Event]:
    """Read the device totals (the sync point) and report the steps since the last read."""
    state, window = run.state, run.window
    totals = run.totals.read()
    state.skipped_steps = totals.skipped_total
    params_bad = run.guard is not None and not run.guard.params_finite()
    now = state.clock.seconds
    seconds = max(now - window.clock_seconds, 1e-9)
    events: list[Event] = []
    if window.steps:
        events.append(Step(step=state.step, epoch=round(state.epoch, 4), loss=totals.mean_loss,
                           lr=current_lr(run.optimizer), eps=current_eps(run.optimizer),
                           samples_per_second=round(window.samples / seconds, 2),
                           tokens_per_second=round(window.tokens / seconds, 1),
                           memory_mb=memory_in_use_mb(run.prep.device), steps_covered=window.steps,
                           skipped_steps=totals.skipped_total))
    run.window = type(window)(clock_seconds=now)
    if totals.bad_steps or params_bad:
        step = totals.first_bad_step or state.step
        events += on_nonfinite(run, step, "parameters" if params_bad else run.watches, params_bad)
    elif run.guard is not None:
        run.guard.take(state.step, run.optimizer)
    return events


def on_nonfinite(run: TrainingRun, step: int, what: str, params_bad: bool) -> list[Event]:
    """Diagnose, then apply the run's policy: pause (with fixes), skip the step, or stop."""
    state, config = run.state, run.config
    state.nonfinite_events += 1
    restored = run.guard.restore(run.optimizer) if params_bad and run.guard is not None else None
    run.resync_due = run.resync_due or (restored is not None and run.prep.world.parallel)  # the other ranks restore too
    diagnosis, suggestions = diagnose(what=what, precision=run.prep.plan.name, eps=current_eps(run.optimizer),
                                      lr=current_lr(run.optimizer), optimizer_impl=run.optimizer_impl,
                                      optimizer=config.optimizer)
    if params_bad and restored is None:
        diagnosis += " The weights are no longer finite and no finite copy exists; stop and rerun with the fix."

    def report(action: str) -> Nonfinite:
        return Nonfinite(step=step, what=what, diagnosis=diagnosis, suggestions=suggestions, action=action,
                         restored_step=restored)

    if config.nonfinite == "skip" and not params_bad:
        return [report("skipped")]
    if config.nonfinite == "stop" or (params_bad and restored is None):
        state.stop_requested, state.stop_reason = True, "nonfinite"
        return [report(Status.STOPPED)]
    state.paused, state.stop_reason = True, "nonfinite"
    return [report(Status.PAUSED), Paused(step=state.step, reason="nonfinite")]


def finish(run: TrainingRun, notices: list[Event] | None = None) -> Generator[list[Event], None, None]:
    """After the last step (or a stop): report the last steps, evaluate, save and summarize."""
    run.state.clock.stop()
    closing = (read_back(run) if run.window.steps else []) + list(notices or [])
    assert run.started is not None  # set by the first next(), before any step
    yield from close_run(run.prep, run.state, run.started, run.checkpoint, run.steering, closing)


# -- checkpoints when the disk may be full ------------------------------------------------------------
# Checkpoints when the disk may be full: pause instead of failing, retry after resuming.
#
# Shared by the hand loop and the Trainer method. `save_or_pause` writes one checkpoint, or marks it
# pending and pauses the run with a `disk_full` event naming the path. `retry_pending_save` runs at
# the next step boundary: it waits (blocked on the control channel, no busy loop) until the run is
# resumed, by the user or by the runner's disk watcher once there is room, then writes it again.

def save_or_pause(checkpoint: Callable[[str], Checkpoint], reason: str, state: RunState) -> list[Event]:
    try:
        return [checkpoint(reason)]
    except DiskFullError as error:
        stopping = state.stop_requested
        event = disk_full_event(state.step, error, "checkpoint", stopping=stopping)
        if stopping:
            return [event]  # the user asked to stop: do not hold the run hostage for a checkpoint
        state.paused, state.pending_save = True, reason
        return [event, Paused(step=state.step, reason="disk_full")]


def retry_pending_save(checkpoint: Callable[[str], Checkpoint], state: RunState,
                       steering: Steering) -> Generator[list[Event], None, list[Event]]:
    """Returns the events to report with the next step; yields while it waits."""
    events: list[Event] = []
    while state.pending_save and not state.stop_requested:
        events += yield from steering.boundary()  # blocks while paused: until resumed or stopped
        if state.stop_requested:
            break
        reason, state.pending_save = state.pending_save, ""
        events += save_or_pause(checkpoint, reason, state)
        if state.pending_save:  # still no room: paused again
            yield events
            events = []
    state.pending_save = ""  # stopped while waiting: the stop's own checkpoint is tried next
    return events


# -- the end of a run --------------------------------------------------------------------------------
# The end of a training run, the same for the hand loop and the Trainer method.

def close_run(prep: Prepared, state: RunState, started: RunStarted, checkpoint: Callable[[str], Checkpoint],
              steering: Steering, events: list[Event]) -> Generator[list[Event], None, None]:
    """A final evaluation unless the last step was just evaluated, a final checkpoint unless this
    step has one (neither after a NaN stop: those weights are not worth keeping), the
    predictions for misclassification reports, and the summary. A full disk pauses before the
    final checkpoint (yielding what happened so far) unless the user is stopping the run."""
    config = prep.config
    events = list(events)
    failed = state.stop_reason == "nonfinite"
    unsound = failed or state.stop_reason == "stopped_at_nonfinite"  # weights not worth evaluating or keeping
    # No step trained (stopped while loading): nothing to evaluate or save, no accuracy to record.
    if state.step and state.last_eval_step != state.step and not unsound:
        result = evaluate(prep.model, prep.validation, prep.loaded.pad_id, config.eval_batch_size_value, prep.torch_device, prep.plan,
                          prep.splits.task)
        events.append(record_eval(prep, state, result))
        events += export_after_eval(prep, state)
    if not unsound:
        events += export_at_close(prep, state)
    this_step = prep.run_dir / "checkpoints" / f"step-{state.step:07d}"
    if state.step and not unsound and not this_step.exists():
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
    status = Status.FAILED if failed else (Status.FINISHED if done else Status.STOPPED)
    summary = state.summary(run_id=prep.run_id, method=config.method, model=config.model, device=prep.device.describe(),
                            precision=prep.plan.name, seed=config.seed, epochs=config.epochs,
                            trainable=started.trainable_params, total=started.total_params, status=status,
                            peak_memory_mb=peak_memory_mb(prep.device))
    exported = export_record(prep.run_dir)
    summary = summary.but(
        # What the run ended with: lr and eps may have been changed mid-run (keys, ctl, a NaN fix).
        final_lr=current_lr(steering.optimizer), final_eps=current_eps(steering.optimizer),
        # Data-parallel runs: samples/s above already counts every rank (the leader accounts whole batches).
        world_size=prep.world.size, per_device_batch_size=config.batch_size // prep.world.size,
        export_path=exported.path if exported else None, export_step=exported.step if exported else None,
        forked_from=config.fork.parent if config.fork else None, branch_step=config.fork.branch_step if config.fork else None)
    events.append(RunFinished(summary=summary))
    yield events
