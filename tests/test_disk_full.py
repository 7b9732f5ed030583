"""A full disk (ENOSPC, simulated) pauses the run with a message naming the path, keeps every good
file whole, and the run continues once there is room again."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import sst2_tui.core.run.disk_watcher
import sst2_tui.core.storage.checkpoints
from sst2_tui.core.config import RunConfig
from sst2_tui.core.controls import STOP, RunHandle
from sst2_tui.core.events import Checkpoint, Control, DiskFull, Paused, Resumed, RunFinished, Step
from sst2_tui.core.run.runner import execute
from sst2_tui.core.run.self_command import sst2_command
from sst2_tui.core.storage.checkpoints import verify
from sst2_tui.core.storage.files import read_events
from sst2_tui.core.storage.sessions import Session
from tests.helpers import DEMO


def no_space() -> OSError:
    return OSError(errno.ENOSPC, "No space left on device")


class FullDisk:
    """Writes to files whose path ends with `suffix` fail while `full` is set (the first one
    half-written, as a real short write would be); `free_bytes` reports no room meanwhile."""

    def __init__(self, monkeypatch, suffix: str) -> None:
        self.full = threading.Event()
        self.suffix = suffix
        self.failures = 0
        real_write = os.write

        def write(fd, data):
            if self.full.is_set() and os.readlink(f"/proc/self/fd/{fd}").endswith(suffix):
                self.failures += 1
                if self.failures == 1 and len(data) > 8:
                    return real_write(fd, bytes(data)[: len(data) // 2])
                raise no_space()
            return real_write(fd, data)

        monkeypatch.setattr(os, "write", write)
        monkeypatch.setattr(sst2_tui.core.run.disk_watcher, "free_bytes", lambda path: 0 if self.full.is_set() else 10**12)
        monkeypatch.setattr(sst2_tui.core.run.disk_watcher, "POLL_SECONDS", 0.05)

    def free_later(self, seconds: float = 0.3) -> None:
        threading.Timer(seconds, self.full.clear).start()


pytestmark = pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to tell files apart")


def test_event_log_disk_full_pauses_then_continues_with_nothing_lost(tmp_path, monkeypatch):
    disk = FullDisk(monkeypatch, "events.jsonl")
    seen: list = []

    def on_event(event):
        seen.append(event)
        if isinstance(event, Step) and event.step == 5:
            disk.full.set()
        if isinstance(event, DiskFull):
            disk.free_later()

    outcome = execute(RunConfig(**DEMO, epochs=0.2), Session.create(tmp_path, "s"), on_event=on_event)

    assert outcome.exit_code == 0 and outcome.summary.status == "finished"
    events_path = tmp_path / "s" / "runs" / "01-full" / "events.jsonl"
    full = next(e for e in seen if isinstance(e, DiskFull))
    assert full.what == "events" and full.path == str(events_path) and str(events_path) in full.message
    log = read_events(events_path)
    assert log.bad_lines == 0, "the half-written line was truncated away"
    steps = [e.step for e in log.events if isinstance(e, Step)]
    assert steps == list(range(1, outcome.summary.steps + 1)), "every step logged once, in order"
    kinds = [(e.type, getattr(e, "reason", None) or getattr(e, "source", None)) for e in log.events]
    assert ("disk_full", None) in kinds and ("paused", "disk_full") in kinds, [k for k in kinds if k[0] != "step"]
    resume = next(e for e in log.events if isinstance(e, Control) and e.command.kind == "resume")
    assert resume.source == "disk_full"
    assert isinstance(log.events[-1], RunFinished)


@pytest.mark.parametrize("method", ["full", "lora", "trainer"])
def test_checkpoint_disk_full_keeps_the_previous_one_and_retries_after_resume(tmp_path, monkeypatch, method):
    real_save = sst2_tui.core.storage.checkpoints.save_file
    full = threading.Event()

    def save_file(tensors, filename):
        if full.is_set():
            Path(filename).write_bytes(b"partial")
            raise no_space()
        return real_save(tensors, filename)

    monkeypatch.setattr(sst2_tui.core.storage.checkpoints, "save_file", save_file)
    monkeypatch.setattr(sst2_tui.core.run.disk_watcher, "free_bytes", lambda path: 0 if full.is_set() else 10**12)
    monkeypatch.setattr(sst2_tui.core.run.disk_watcher, "POLL_SECONDS", 0.05)
    checkpoints = tmp_path / "s" / "runs" / f"01-{method}" / "checkpoints"
    seen: list = []

    def on_event(event):
        seen.append(event)
        if isinstance(event, Checkpoint) and event.step == 5:
            full.set()
        if isinstance(event, DiskFull):
            # while paused: the partial folder is gone and the previous checkpoint is whole
            assert not list(checkpoints.glob("*.tmp"))
            assert verify(checkpoints / "step-0000005") is None
            threading.Timer(0.3, full.clear).start()

    outcome = execute(RunConfig(**DEMO, method=method, epochs=0.2, save_every=5, keep_checkpoints=10), Session.create(tmp_path, "s"),
                      on_event=on_event)

    assert outcome.exit_code == 0 and outcome.summary.status == "finished"
    notice = next(e for e in seen if isinstance(e, DiskFull))
    assert notice.what == "checkpoint" and notice.step == 10 and "step-0000010.tmp" in notice.path
    assert "paused" in notice.message and notice.needed_mb > 0
    written = sum(p.stat().st_size for p in (checkpoints / "step-0000005").iterdir())
    assert notice.needed_mb * 1_000_000 <= written + 2_000_000, "asks for what the checkpoint needs, not a multiple of it"
    order = [type(e).__name__ for e in seen if isinstance(e, DiskFull | Paused | Resumed | Checkpoint) and e.step >= 10][:4]
    assert order == ["DiskFull", "Paused", "Resumed", "Checkpoint"], "paused, resumed once there is room, then saved"
    assert verify(checkpoints / "step-0000010") is None
    steps = [e.step for e in read_events(checkpoints.parent / "events.jsonl").events if isinstance(e, Step)]
    assert steps == list(range(1, outcome.summary.steps + 1))


def test_a_full_disk_during_an_export_pauses_the_run_instead_of_ending_it(tmp_path, monkeypatch):
    """safetensors reports ENOSPC as its own error type: it once ended the run as an unexpected error."""
    import sst2_tui.core.export.writing as exporting

    real_save = exporting._save_model
    full = threading.Event()

    def save_model(model, tokenizer, path, card):
        if full.is_set():
            raise RuntimeError("Error while serializing: I/O error: No space left on device (os error 28)")
        return real_save(model, tokenizer, path, card)

    monkeypatch.setattr(exporting, "_save_model", save_model)
    monkeypatch.setattr(sst2_tui.core.run.disk_watcher, "free_bytes", lambda path: 0 if full.is_set() else 10**12)
    monkeypatch.setattr(sst2_tui.core.run.disk_watcher, "POLL_SECONDS", 0.05)
    seen: list = []

    def on_event(event):
        seen.append(event)
        if type(event).__name__ == "Exported" and not full.is_set() and not any(isinstance(e, DiskFull) for e in seen):
            full.set()
        if isinstance(event, DiskFull):
            threading.Timer(0.3, full.clear).start()

    outcome = execute(RunConfig(**DEMO, epochs=0.3, eval_every=2), Session.create(tmp_path, "s"), on_event=on_event)
    assert outcome.exit_code == 0 and outcome.summary.status == "finished", outcome.error
    notice = next((e for e in seen if isinstance(e, DiskFull)), None)
    if notice is None:
        pytest.skip("no later best step to export on this machine")  # the demo improves by step 4 in practice
    assert notice.what == "export" and "paused" in notice.message
    order = [type(e).__name__ for e in seen if isinstance(e, DiskFull | Paused | Resumed)][:3]
    assert order == ["DiskFull", "Paused", "Resumed"]
    assert (tmp_path / "s" / "runs" / "01-full" / "model" / "export.json").is_file(), "an export is still there, whole"


def test_stopping_while_the_disk_stays_full_ends_the_run_and_keeps_the_last_good_checkpoint(tmp_path, monkeypatch):
    real_save = sst2_tui.core.storage.checkpoints.save_file
    full = threading.Event()

    def save_file(tensors, filename):
        if full.is_set():
            raise no_space()
        return real_save(tensors, filename)

    monkeypatch.setattr(sst2_tui.core.storage.checkpoints, "save_file", save_file)
    monkeypatch.setattr(sst2_tui.core.run.disk_watcher, "free_bytes", lambda path: 0)
    monkeypatch.setattr(sst2_tui.core.run.disk_watcher, "POLL_SECONDS", 0.05)
    handle = RunHandle()
    seen: list = []

    def on_event(event):
        seen.append(event)
        if isinstance(event, Checkpoint) and event.step == 5:
            full.set()
        if isinstance(event, Paused) and event.reason == "disk_full":
            threading.Timer(0.2, handle.interrupt).start()

    outcome = execute(RunConfig(**DEMO, epochs=0.2, save_every=5), Session.create(tmp_path, "s"), handle, on_event=on_event)

    assert outcome.exit_code == 130 and outcome.summary.status == "interrupted"
    assert any(isinstance(e, Control) and e.command == STOP.spec for e in seen)
    last = [e for e in seen if isinstance(e, DiskFull)][-1]
    assert "was not written" in last.message
    checkpoints = tmp_path / "s" / "runs" / "01-full" / "checkpoints"
    assert sorted(p.name for p in checkpoints.iterdir()) == ["step-0000005"]
    assert verify(checkpoints / "step-0000005") is None
    assert json.loads((checkpoints.parent / "summary.json").read_text())["status"] == "interrupted"


def test_report_on_a_full_disk_names_the_file_and_keeps_the_old_report(tmp_path):
    subprocess.run([*sst2_command(), "run", "--model", "demo", "--data", "demo", "--epochs", "0.1",
                    "--quiet", "--sessions-dir", str(tmp_path), "--session", "r"], check=True, capture_output=True)
    session = tmp_path / "r"
    subprocess.run([*sst2_command(), "report", str(session)], check=True, capture_output=True)
    before = (session / "report.md").read_bytes()
    # a child process whose text writes fail as on a full disk
    script = ("import errno, io, sys, sst2_tui.core.storage.files as s\n"
              "real = s.os.fdopen\n"
              "class Full(io.TextIOWrapper):\n"
              "    def write(self, text): raise OSError(errno.ENOSPC, 'No space left on device')\n"
              "s.os.fdopen = lambda fd, mode='r', **k: Full(io.FileIO(fd, 'w'), encoding='utf-8')\n"
              "from sst2_tui.cli.main import main\n"
              "sys.exit(main(['report', sys.argv[1]]))\n")
    result = subprocess.run([sys.executable, "-c", script, str(session)], capture_output=True, text=True)
    assert result.returncode == 2, result.stderr
    assert "report.md" in result.stderr and "No space left" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert (session / "report.md").read_bytes() == before
    assert not list(session.glob(".*.tmp"))
