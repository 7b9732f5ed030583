"""Faults a long run over SSH meets: bursts of commands, signals, crafted files."""

from __future__ import annotations

import json
import os
import pickle
import signal
import subprocess
import sys
import time

import pytest

from sst2_tui.core.config import RunConfig
from sst2_tui.core.controls import PAUSE, RESUME, lr_command
from sst2_tui.core.events import Control, RunFinished, Step
from sst2_tui.core.run.self_command import sst2_command
from sst2_tui.core.storage.files import read_events
from tests.helpers import DEMO, drain, start, unfinish


def test_a_burst_of_100_lr_changes_and_pauses_keeps_order_and_the_last_value(tmp_path):
    generator, controls = start(RunConfig(**DEMO, epochs=0.3), tmp_path / "run")
    next(generator)
    next(generator)
    values = [1e-4 + i * 1e-6 for i in range(100)]
    for value in values:
        controls.send(lr_command(value))
    for _ in range(10):
        controls.send(PAUSE)
        controls.send(RESUME)
    events = drain(generator)
    changes = [e.new for e in events if isinstance(e, Control) and e.command.kind == "set_lr"]
    assert changes == values, "every change applied, in the order sent"
    assert isinstance(events[-1], RunFinished)
    assert [e for e in events if isinstance(e, Step)][-1].lr == values[-1]


@pytest.mark.parametrize("signal_number", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP], ids=["SIGTERM", "SIGINT", "SIGHUP"])
def test_a_signal_finishes_the_step_saves_and_marks_interrupted(tmp_path, signal_number):
    process = subprocess.Popen([*sst2_command(), "run", "--model", "demo", "--data", "demo", "--epochs", "20",
                                "--quiet", "--sessions-dir", str(tmp_path), "--session", "t"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    events = tmp_path / "t" / "runs" / "01-full" / "events.jsonl"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (events.exists() and '"type":"step"' in events.read_text(errors="replace")):
        time.sleep(0.1)
    process.send_signal(signal_number)
    out, _ = process.communicate(timeout=120)
    assert process.returncode == 130
    summary = json.loads(out.strip().splitlines()[-1])
    assert summary["status"] == "interrupted"
    log = read_events(events)
    assert log.bad_lines == 0 and log.events[-1].type == "run_finished"
    assert any((events.parent / "checkpoints").glob("step-[0-9]*[0-9]/manifest.json"))


class _Evil:
    def __reduce__(self):
        return (os.system, ("touch PWNED",))


def test_crafted_pickles_in_a_run_folder_are_never_loaded(tmp_path):
    result = subprocess.run([*sst2_command(), "run", "--model", "demo", "--data", "demo", "--epochs", "0.2",
                             "--quiet", "--sessions-dir", str(tmp_path), "--session", "p"], capture_output=True, text=True)
    assert result.returncode == 0
    run_dir = tmp_path / "p" / "runs" / "01-full"
    unfinish(run_dir)  # a finished run is not resumed at all
    checkpoint = next((run_dir / "checkpoints").glob("step-*"))
    for name in ("optimizer.pt", "pytorch_model.bin", "training_args.bin", "rng_state.pth"):
        (checkpoint / name).write_bytes(pickle.dumps(_Evil()))
        (run_dir / name).write_bytes(pickle.dumps(_Evil()))
    resumed = subprocess.run([*sst2_command(), "run", "--resume", str(run_dir), "--quiet"],
                             capture_output=True, text=True, cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    assert not (tmp_path / "PWNED").exists()


def test_out_of_memory_fails_the_run_with_a_batch_size_hint(tmp_path, monkeypatch):
    import torch

    import sst2_tui.core.methods.prepare
    from sst2_tui.core.run.runner import execute
    from sst2_tui.core.storage.sessions import Session

    real = sst2_tui.core.methods.prepare.load_model

    def load(config, *args, **kwargs):
        loaded = real(config, *args, **kwargs)

        def explode(module, args):
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")

        loaded.model.register_forward_pre_hook(explode)
        return loaded

    monkeypatch.setattr(sst2_tui.core.methods.prepare, "load_model", load)
    outcome = execute(RunConfig(**DEMO, epochs=0.2), Session.create(tmp_path, "oom"))
    assert outcome.exit_code == 1 and "out of memory" in outcome.error
    assert "--batch-size" in outcome.hint
    run_dir = tmp_path / "oom" / "runs" / "01-full"
    assert (run_dir / "error.txt").exists() and json.loads((run_dir / "summary.json").read_text())["status"] == "failed"


def test_a_second_writer_on_the_same_session_is_refused(tmp_path):
    import pytest

    from sst2_tui.core.errors import UserError
    from sst2_tui.core.storage.sessions import Session

    session = Session.create(tmp_path, "locked")
    holder = subprocess.Popen([sys.executable, "-c", (
        "import fcntl, sys, time; h = open(sys.argv[1], 'a+'); fcntl.flock(h, fcntl.LOCK_EX); "
        "h.write('sst2-tui pid 4242'); h.flush(); print('locked', flush=True); time.sleep(30)"),
        str(session.path / ".lock")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(UserError, match="is being written by sst2-tui pid 4242"), session.write_lock():
            pass
        result = subprocess.run([*sst2_command(), "run", "--model", "demo", "--data", "demo", "--quiet",
                                 "--sessions-dir", str(tmp_path), "--session", "locked"], capture_output=True, text=True)
        assert result.returncode == 2 and "is being written by" in result.stderr and "Traceback" not in result.stderr
    finally:
        holder.kill()
        holder.wait()
    with session.write_lock():  # the lock died with its holder
        pass


def test_pause_sent_during_evaluation_and_checkpointing_applies_after_them_without_deadlock(tmp_path, monkeypatch):
    """Commands sent from another thread while the engine evaluates or writes a checkpoint wait for
    the step boundary; the run pauses there, resumes, and ends."""
    import threading

    import sst2_tui.core.methods.step_end
    import sst2_tui.core.methods.training_run
    from sst2_tui.core.events import Checkpoint, Eval, Paused, Resumed

    controls_box = {}
    real_evaluate, real_write = sst2_tui.core.methods.step_end.evaluate, sst2_tui.core.methods.training_run.write_checkpoint

    def evaluate(*args, **kwargs):
        controls_box["controls"].send(PAUSE)  # as if the user pressed space mid-evaluation
        return real_evaluate(*args, **kwargs)

    def write_checkpoint(*args, **kwargs):
        controls_box["controls"].send(PAUSE)
        return real_write(*args, **kwargs)

    monkeypatch.setattr(sst2_tui.core.methods.step_end, "evaluate", evaluate)
    monkeypatch.setattr(sst2_tui.core.methods.training_run, "write_checkpoint", write_checkpoint)
    generator, controls = start(RunConfig(**DEMO, epochs=0.2, eval_every=6, save_every=9), tmp_path / "run")
    controls_box["controls"] = controls
    events = []
    finished = threading.Event()

    def consume():
        for batch in generator:
            events.extend(batch)
            if any(isinstance(e, Paused) for e in batch):
                threading.Timer(0.05, controls.send, args=(RESUME,)).start()  # resumed from another thread
        finished.set()

    worker = threading.Thread(target=consume, daemon=True)
    worker.start()
    assert finished.wait(120), "deadlock: the run never ended"
    pauses = [e.step for e in events if isinstance(e, Paused)]
    evals = [e.step for e in events if isinstance(e, Eval)]
    saves = [e.step for e in events if isinstance(e, Checkpoint)]
    assert 6 in evals and 9 in saves
    assert 6 in pauses and 9 in pauses, "each pause applied at the boundary after the evaluation or checkpoint"
    assert len([e for e in events if isinstance(e, Resumed)]) == len(pauses)
    assert isinstance(events[-1], RunFinished) and events[-1].summary.status == "finished"
