"""#28: a run that needs you says so: `--notify CMD` gets each such event once as JSON on stdin,
a killed run's hook is run by its queue runner, and an attached window rings and raises a desktop
notification through the terminal."""

from __future__ import annotations

import json
import os
import signal
import threading
import time

import pytest

from sst2_tui.core.config import RunConfig
from sst2_tui.core.device_info import DeviceInfo
from sst2_tui.core.events import DiskFull, Nonfinite, RunFinished, RunStarted
from sst2_tui.core.run.runner import execute
from sst2_tui.core.storage.sessions import Session
from sst2_tui.core.summary import Summary
from sst2_tui.tui.desktop_notice import notice_sequences
from tests.fake_engine import FakeEngine
from tests.test_app import make_app, wait_for

CONFIG = RunConfig(model="demo", data="demo")


def hooked(tmp_path) -> tuple[RunConfig, object]:
    told = tmp_path / "told.jsonl"
    return CONFIG.replace(notify=f"cat >> {told}"), told


def lines_of(path, count: int, timeout: float = 20) -> list[dict]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        lines = path.read_text().splitlines() if path.exists() else []
        if len(lines) >= count:
            return [json.loads(line) for line in lines]
        time.sleep(0.05)
    raise AssertionError(f"{path}: {count} lines not written")


def scripted(config, controls, run_dir, resume_from=None):
    """A run that pauses at a NaN, then for a full disk, then finishes."""
    yield [RunStarted(run_id=run_dir.name, method="full", config=config, effective={}, device=DeviceInfo("cpu", "CPU"),
                      precision="fp32", trainable_params=1, total_params=1, versions={}, train_examples=1, eval_examples=1,
                      total_steps=3, steps_per_epoch=3)]
    yield [Nonfinite(step=1, what="loss", diagnosis="d", suggestions=[], action="paused")]
    yield [Nonfinite(step=2, what="loss", diagnosis="d", suggestions=[], action="skipped")]  # needs nobody
    yield [DiskFull(step=2, path=str(run_dir / "x"), what="checkpoint", needed_mb=1.0, message="m")]
    yield [RunFinished(summary=Summary(run_id=run_dir.name, steps=3, best_val_accuracy=0.75))]


def test_the_hook_gets_each_event_that_needs_you_once(tmp_path):
    config, told = hooked(tmp_path)
    outcome = execute(config, Session.create(tmp_path / "sessions", "s"), method=scripted)
    got = lines_of(told, 3)
    time.sleep(0.3)
    assert [e["event"] for e in lines_of(told, 3)] == ["nonfinite", "disk_full", "finished"], "each once, in order"
    assert got[2]["message"] == "finished after 3 steps, best accuracy 0.7500"
    assert got[0]["run_dir"] == outcome.summary.run_dir and got[0]["session"] == "s" and got[0]["method"] == "full"


def test_a_failed_run_tells_the_hook_and_a_broken_hook_never_fails_the_run(tmp_path):
    config, told = hooked(tmp_path)

    def failing(config, controls, run_dir, resume_from=None):
        raise RuntimeError("CUDA out of memory")
        yield []

    execute(config, Session.create(tmp_path / "sessions", "s"), method=failing)
    assert [(e["event"], e["message"]) for e in lines_of(told, 1)] == [("failed", "failed: CUDA out of memory")]
    broken = execute(CONFIG.replace(notify="exit 3; no-such-command"), Session.create(tmp_path / "sessions", "t"),
                     method=scripted)
    assert broken.summary.status == "finished"


def test_the_wording_agrees_with_what_was_not_finite():
    from sst2_tui.core.run.needs_you import needs_you

    said = {what: needs_you(Nonfinite(step=3, what=what, diagnosis="d", suggestions=[], action="paused"))[1]
            for what in ("loss", "gradients", "parameters")}
    assert said["loss"].startswith("paused at step 3: the loss is not finite")
    assert "the parameters are not finite" in said["parameters"] and "the gradients are not finite" in said["gradients"]


@pytest.mark.parametrize(("hook", "said"), [
    ("echo boom >&2; exit 3", ["--notify exit 3", "  boom"]),
    ("yes flood | head -c 5000000", ["--notify exit 0 (output cut)", "  flood"]),
    ("sleep 30", ["--notify killed after 1 s"]),
])
def test_a_hook_that_fails_floods_or_hangs_is_said_capped_and_killed_in_notify_log(tmp_path, monkeypatch, hook, said):
    import sst2_tui.core.run.needs_you as needs

    monkeypatch.setattr(needs, "HOOK_SECONDS", 1.0)
    log = tmp_path / "notify.log"
    started = time.monotonic()
    needs.run_hook(hook, needs.payload("finished", "finished", tmp_path / "s" / "runs" / "01-full", "full", "demo"), log)
    assert time.monotonic() - started < 0.5, "the run never waits for its hook"
    deadline = time.monotonic() + 20
    while not (log.exists() and "--notify" in log.read_text()) and time.monotonic() < deadline:
        time.sleep(0.05)
    lines = log.read_text().splitlines()
    assert lines[0].endswith(f"finished: {said[0]}"), lines[0]
    assert all(line in lines for line in said[1:])
    assert log.stat().st_size < 6000, "a flood is capped"
    assert time.monotonic() - started < 10


@pytest.mark.slow
def test_a_run_killed_under_its_queue_runner_tells_the_hook_it_died(tmp_path):
    from sst2_tui.core.run.queue_runner import run_queue
    from sst2_tui.core.storage.queue_file import NewRun, SessionQueue

    config, told = hooked(tmp_path)
    session = Session.create(tmp_path / "sessions", "s")
    SessionQueue(session.path).add(NewRun(config.replace(epochs=50)))
    runner = threading.Thread(target=run_queue, args=(session.path,), daemon=True)
    runner.start()
    run = session.path / "runs" / "01-full"
    deadline = time.monotonic() + 60
    while (time.monotonic() < deadline and not (run / "events.jsonl").exists()) or '"type":"step"' not in (
            run / "events.jsonl").read_text():
        time.sleep(0.1)
    os.kill(int((run / ".lock").read_text().split("pid ")[-1]), signal.SIGKILL)
    runner.join(30)
    [died] = lines_of(told, 1)
    assert died["event"] == "died" and "killed (signal 9)" in died["message"] and died["run_id"] == "01-full"


async def test_an_attached_window_rings_when_a_run_pauses_at_a_nan_and_when_it_ends(tmp_path):
    engine = FakeEngine(steps=12, nan_at=4)
    app = make_app(tmp_path, engine)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.current is not None and app.current.status == "paused")
        assert app.ringer.rung == ["01-full paused at step 4: the loss is not finite (NaN); a fix is waiting for you"]
        await pilot.press("1")  # a fix: eps 1e-4 and resume
        await wait_for(pilot, lambda: app.current.status == "finished")
        assert app.ringer.rung[-1].startswith("01-full finished after 12 steps") and len(app.ringer.rung) == 2


async def test_inside_tmux_without_passthrough_the_window_says_how_once(tmp_path, monkeypatch):
    """#34 app item 7: tmux drops the desktop notices unless allow-passthrough is on: said once."""
    import subprocess

    from sst2_tui.tui import desktop_notice

    monkeypatch.setenv("TMUX", "/tmp/tmux-0/default,1,0")
    asked = []
    monkeypatch.setattr(desktop_notice.subprocess, "run", lambda argv, **kw: (
        asked.append(argv), subprocess.CompletedProcess(argv, 0, "off\n", ""))[1])
    engine = FakeEngine(steps=12, nan_at=4)
    app = make_app(tmp_path, engine)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.current is not None and app.current.status == "paused")
        await pilot.press("1")
        await wait_for(pilot, lambda: app.current.status == "finished")
        said = [n.message for n in app._notifications if "allow-passthrough" in n.message]
        assert len(app.ringer.rung) == 2 and len(said) == 1 and "set -g allow-passthrough on" in said[0]
        assert asked[0] == ["tmux", "show-options", "-gv", "allow-passthrough"]


def test_the_desktop_notification_reaches_the_terminal_through_tmux_and_cannot_be_broken_out_of():
    plain = notice_sequences("01-full finished; \x1b]0;evil\x07 done", in_tmux=False)
    assert plain.startswith("\x07\x1b]9;sst2-tui: 01-full finished")
    assert "\x1b]777;notify;sst2-tui;" in plain and "evil\x07" not in plain.replace("\x07\x1b]", "")
    assert plain.count("\x07") == 3, "the bell, and one terminator per sequence: the message cannot end one early"
    wrapped = notice_sequences("done", in_tmux=True)
    assert wrapped.count("\x1bPtmux;\x1b\x1b]") == 2 and wrapped.endswith("\x1b\\")
