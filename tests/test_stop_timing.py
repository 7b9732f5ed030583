"""A stop applies at the very next step boundary, whenever it comes: during an evaluation, a
checkpoint, or before the first step (while the model loads)."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest

import sst2_tui.core.methods.prepare
import sst2_tui.core.methods.step_end
from sst2_tui.core.config import RunConfig
from sst2_tui.core.controls import RunHandle
from sst2_tui.core.events import Checkpoint, Step
from sst2_tui.core.run.runner import execute
from sst2_tui.core.run.self_command import sst2_command
from sst2_tui.core.storage.sessions import Session

SMALL = RunConfig(model="demo", data="demo", train_subset=96, eval_subset=32, epochs=1, batch_size=16, eval_every=1,
                  save_every=1)


@pytest.mark.parametrize("method", ["full", "trainer"])
def test_a_stop_during_an_evaluation_takes_no_further_step(tmp_path, monkeypatch, method):
    handle = RunHandle()
    real = sst2_tui.core.methods.step_end.evaluate

    def evaluate_and_get_a_signal(*args, **kwargs):
        handle.interrupt()  # as a SIGTERM arriving while step 1 is evaluated
        return real(*args, **kwargs)

    monkeypatch.setattr(sst2_tui.core.methods.step_end, "evaluate", evaluate_and_get_a_signal)
    steps: list[int] = []
    checkpoints: list[int] = []

    def seen(event):
        if isinstance(event, Step):
            steps.append(event.step)
        elif isinstance(event, Checkpoint):
            checkpoints.append(event.step)

    outcome = execute(SMALL.replace(method=method), Session.create(tmp_path, "s"), handle, on_event=seen)
    assert steps == [1] and checkpoints == [1], "no optimizer step after the stop"
    assert outcome.summary.status == "interrupted" and outcome.exit_code == 130


def test_a_signal_during_the_last_evaluation_leaves_a_finished_run_finished(tmp_path, monkeypatch):
    handle = RunHandle()
    real = sst2_tui.core.methods.step_end.evaluate
    config = SMALL.replace(train_subset=32)  # two steps

    def evaluate(*args, **kwargs):
        if len(calls) == 1:
            handle.interrupt()
        calls.append(1)
        return real(*args, **kwargs)

    calls: list[int] = []
    monkeypatch.setattr(sst2_tui.core.methods.step_end, "evaluate", evaluate)
    outcome = execute(config, Session.create(tmp_path, "s"), handle)
    assert outcome.summary.steps == 2 and outcome.summary.status == "finished" and outcome.exit_code == 0


@pytest.mark.parametrize("method", ["full", "lora", "trainer"])
def test_a_stop_while_the_model_loads_ends_the_run_before_its_first_step(tmp_path, monkeypatch, method):
    handle = RunHandle()
    real = sst2_tui.core.methods.prepare.load_model

    def load(config, *args, **kwargs):
        handle.interrupt()
        return real(config, *args, **kwargs)

    monkeypatch.setattr(sst2_tui.core.methods.prepare, "load_model", load)
    seen: list = []
    outcome = execute(SMALL.replace(method=method), Session.create(tmp_path, "s"), handle, on_event=seen.append)
    assert outcome.exit_code == 130 and outcome.summary.status == "interrupted"
    assert outcome.summary.steps == 0 and outcome.summary.final_val_accuracy is None
    assert outcome.summary.best_val_accuracy is None
    assert not [e for e in seen if isinstance(e, Step | Checkpoint)]


def test_sigterm_in_the_first_second_exits_130_with_no_accuracy(tmp_path):
    process = subprocess.Popen([*sst2_command(), "run", "--model", "demo", "--data", "demo", "--quiet",
                                "--sessions-dir", str(tmp_path), "--session", "s"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # The session folder is made once the handlers are set and before torch is imported: a signal
    # then arrives while the run is starting. (A fixed 0.5 s sleep raced the interpreter's own start
    # on a loaded machine: the signal came before any of our code ran, and Python died by it.)
    deadline = time.monotonic() + 60
    while not (tmp_path / "s").exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    os.kill(process.pid, signal.SIGTERM)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    assert "Traceback" not in err
