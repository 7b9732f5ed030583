"""Steering a live run from another process through its run folder: `sst2-tui ctl`, the control
file's hostile lines, and liveness from the run's lock."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import threading
import time
from pathlib import Path

import pytest

from sst2_tui.core.config import RunConfig
from sst2_tui.core.controls import RunHandle, make_command
from sst2_tui.core.events import Control, Paused, WarningEvent
from sst2_tui.core.run.runner import execute
from sst2_tui.core.storage.control_file import ControlFileReader, append_command
from sst2_tui.core.storage.files import read_events
from sst2_tui.core.storage.sessions import RunFolder, Session, load_run
from tests.cli import run_cli

LONG = RunConfig(model="demo", data="demo", epochs=50, batch_size=16)


def ctl(*args: str) -> subprocess.CompletedProcess:
    return run_cli("ctl", *args, timeout=120)


class LiveRun:
    """A run training in a background thread of this process, as a detached run would."""

    def __init__(self, tmp_path: Path, config: RunConfig = LONG) -> None:
        self.handle, self.config = RunHandle(), config
        self.session = Session.create(tmp_path, "s")
        self.outcome = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 60
        while not (self.folder_path().exists() and RunFolder(self.folder_path()).is_live()
                   and '"type":"step"' in self.events_text()):
            assert time.monotonic() < deadline, "the run never started"
            time.sleep(0.05)
        self.folder = RunFolder(self.folder_path())

    def _run(self) -> None:
        self.outcome = execute(self.config, self.session, self.handle)

    def folder_path(self) -> Path:
        return self.session.runs_dir / "01-full"

    def events_text(self) -> str:
        path = self.folder_path() / "events.jsonl"
        return path.read_text() if path.exists() else ""

    def stop(self) -> None:
        self.handle.controls.send(make_command("stop"))
        self.thread.join(120)


@pytest.fixture
def live(tmp_path):
    run = LiveRun(tmp_path)
    yield run
    run.stop()


def test_ctl_steers_a_live_run_and_prints_where_it_applied(live):
    paused = ctl(str(live.folder.path), "pause")
    assert paused.returncode == 0, paused.stderr
    answer = json.loads(paused.stdout.strip().splitlines()[-1])
    assert answer["command"] == {"kind": "pause"} and answer["applied"] and isinstance(answer["step"], int)
    assert load_run(live.folder).status == "paused"
    lowered = ctl(str(live.folder.path), "lr", "2e-5")  # applied while paused (the run polls its file)
    assert lowered.returncode == 0, lowered.stderr
    assert json.loads(lowered.stdout)["new"] == 2e-5
    resumed = ctl(str(live.folder.path), "resume")
    assert resumed.returncode == 0
    controls = [e for e in read_events(live.folder.events_path).events if isinstance(e, Control)]
    assert [c.source for c in controls] == ["cli", "cli", "cli"] and all(c.command_id for c in controls)
    assert any(isinstance(e, Paused) and e.reason == "cli" for e in read_events(live.folder.events_path).events)
    assert load_run(live.folder).status == "live"
    mode = stat.S_IMODE(os.stat(live.folder.control_path).st_mode)
    assert mode == 0o600 and stat.S_IMODE(os.stat(live.folder.lock_path).st_mode) == 0o600


def test_ctl_reports_a_refused_command_at_once(tmp_path):
    """`ctl eps` on an SGD run: the run refuses it at its next step; ctl says so then, not after
    waiting out its timeout as if the change were still pending."""
    run = LiveRun(tmp_path, LONG.replace(optimizer="sgd"))
    try:
        # a --timeout past the helper's own 120 s: waiting it out would fail this test
        refused = ctl(str(run.folder.path), "eps", "1e-4", "--timeout", "600")
        assert refused.returncode == 2 and "refused set_eps" in refused.stderr and "has no eps" in refused.stderr
    finally:
        run.stop()


def test_hostile_control_lines_are_warnings_and_the_run_goes_on(live):
    with live.folder.control_path.open("ab") as handle:
        handle.write(b"not json\n[1,2]\n" + b'{"id":"x","kind":"explode"}\n' + b'{"id":"y","kind":"set_lr","value":"inf"}\n'
                     + b'{"kind":"pause"}\n' + b"\xff\xfe\n" + b"z" * 5000 + b"\n")
    append_command(live.folder.control_path, make_command("set_eps", "1e-6"), "app")
    def ignored() -> list[str]:
        return [e.message for e in read_events(live.folder.events_path).events
                if isinstance(e, WarningEvent) and e.code == "control_ignored"]

    deadline = time.monotonic() + 30
    # The events of one step boundary are written one by one: wait for all of them, not the first.
    while not (any(isinstance(e, Control) and e.command.kind == "set_eps"
                   for e in read_events(live.folder.events_path).events) and len(ignored()) >= 7):
        assert time.monotonic() < deadline, ignored()
        time.sleep(0.05)
    warnings = ignored()
    assert len(warnings) == 7 and all("control.jsonl line" in w and "ignored" in w for w in warnings)
    assert load_run(live.folder).status == "live"


@pytest.mark.parametrize("args", [["pause"], ["lr", "-1"], ["lr"], ["jump"], ["stop", "now"]])
def test_ctl_refuses_in_one_line(tmp_path, args):
    finished = execute(RunConfig(model="demo", data="demo", train_subset=16, epochs=1, batch_size=16),
                       Session.create(tmp_path, "done"))
    result = ctl(finished.summary.run_dir, *args)
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    if args == ["pause"]:
        assert "not live (finished)" in result.stderr


def test_ctl_on_a_missing_folder_is_one_line(tmp_path):
    result = ctl(str(tmp_path / "nowhere"), "pause")
    assert result.returncode == 2 and "not a run folder" in result.stderr


def test_commands_written_before_the_run_started_are_not_replayed(tmp_path):
    path = tmp_path / "control.jsonl"
    append_command(path, make_command("stop"), "cli")
    reader = ControlFileReader(path)
    assert reader.poll() == ([], [])
    append_command(path, make_command("pause"), "app")
    with path.open("ab") as handle:
        handle.write(b'{"id":"c-1","kind":"resume"')  # torn: waits for its newline
    commands, problems = reader.poll()
    assert [c.kind for c in commands] == ["pause"] and commands[0].source == "app" and problems == []
    with path.open("ab") as handle:
        handle.write(b"}\n")
    assert [c.kind for c in reader.poll()[0]] == ["resume"]


def test_a_run_killed_without_an_end_is_died_not_live(tmp_path):
    run_dir = tmp_path / "s" / "runs" / "01-full"
    run_dir.mkdir(parents=True)
    (run_dir / "events.jsonl").write_text("")
    folder = RunFolder(run_dir)
    assert load_run(folder).status == "died"
    with folder.hold_lock():
        assert folder.is_live() and load_run(folder).status == "live"
        assert folder.holder_pid() == os.getpid()
    assert not folder.is_live()
