"""The real terminal: `sst2-tui --demo` in tmux, keys sent, screen read.

The whole demo at 80x24 is the acceptance path (about two minutes); everything skips without tmux.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sst2_tui.core.run.self_command import sst2_command
from tests.cli import run_cli, wait_until
from tests.tmux_driver import SESSION, ctl, open_window, process_alive, screen, steps_in, stop_everything, tmux, wait_for_text

# `alone`: each test reads a real terminal against the clock, so it runs after the other slow tests
# with nothing beside it (scripts/test.sh); beside a sweep on the other core, a second window once
# took over 10 s to show what the first had queued.
pytestmark = [pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"), pytest.mark.slow,
              pytest.mark.alone]


def test_the_whole_demo_at_80x24(tmp_path):
    """The issue's acceptance path at 80x24: pause, change lr, watch four runs, meet the NaN banner
    on the fourth (pure fp16, eps 1e-8), press its fix key, and every run ends finished."""
    import json

    sessions = tmp_path / "sessions"
    # One epoch per run, not the demo's four: the same path through the app (the fourth run's NaN comes
    # at its first step) at a quarter of the cost.
    command = f"{Path(sys.executable).parent / 'sst2-tui'} --demo --demo-epochs 1 --sessions-dir {sessions}"
    env = {**os.environ, "TERM": "xterm-256color"}
    tmux("kill-session", "-t", SESSION)
    open_window(SESSION, 80, 24, command, env=env)
    try:
        text, seconds = wait_for_text(lambda s: "CPU" in s and "loss 0." in s, timeout=60)
        print(f"device and a moving loss after {seconds:.1f} s")
        footer = text.splitlines()[-1]
        assert footer.startswith("? Help space Pause") and "x Export" in footer and "t Try" in footer, footer
        assert "q leaves it training" in text, "the way out is said on the log's border while a run trains"
        tmux("send-keys", "-t", SESSION, "space")
        wait_for_text(lambda s: "PAUSED" in s, timeout=10)
        tmux("send-keys", "-t", SESSION, "l")
        wait_for_text(lambda s: "New learning rate" in s, timeout=10)
        tmux("send-keys", "-t", SESSION, "1e-3", "Enter")
        wait_for_text(lambda s: "lr 1e-3" in s, timeout=10)
        tmux("send-keys", "-t", SESSION, "space")
        wait_for_text(lambda s: "LIVE" in s, timeout=10)
        banner, _ = wait_for_text(lambda s: "04-full" in s and "set eps 1e-4 and resume" in s, timeout=300)
        assert "rounds to 0 in float16" in banner and "queue a rerun with --precision auto" in banner, \
            "the diagnosis and all three fixes fit"
        tmux("send-keys", "-t", SESSION, "1")
        wait_for_text(lambda s: "04-full" in s and "FINISHED" in s, timeout=120)
        tmux("send-keys", "-t", SESSION, "r")
        text, _ = wait_for_text(lambda s: "Results (validation accuracy)" in s, timeout=10)
        for run in ("01-full", "02-trainer", "03-lora", "04-full"):
            assert run in text
        # the screen says FINISHED from the run's last event; its process writes summary.json just after
        wait_until(lambda: len(list(sessions.glob("*/runs/*/summary.json"))) == 4, timeout=30, what="four summaries")
        summaries = {p.parent.name: json.loads(p.read_text()) for p in sessions.glob("*/runs/*/summary.json")}
        assert {name: s["status"] for name, s in summaries.items()} == dict.fromkeys(
            ("01-full", "02-trainer", "03-lora", "04-full"), "finished")
        assert summaries["04-full"]["final_eps"] == 1e-4 and summaries["04-full"]["best_val_accuracy"] > 0.6
        events = next(sessions.glob("*/runs/01-full/events.jsonl")).read_text()
        assert '"kind":"set_lr","value":0.001' in events and '"type":"paused"' in events
    finally:
        tmux("kill-session", "-t", SESSION)
        stop_everything(sessions)


@pytest.mark.parametrize("how", [pytest.param("SIGTERM", marks=pytest.mark.extended),
                                 pytest.param("SIGINT", marks=pytest.mark.extended), "SIGHUP (tmux session killed)"])
def test_a_signal_to_the_app_leaves_the_run_training(tmp_path, how):
    """The app is a window: closing it by a signal (a dropped SSH connection is a SIGHUP) ends the
    app within seconds and the run trains on in its own process, steerable from a shell."""
    import signal

    from sst2_tui.core.storage.files import read_events
    from sst2_tui.core.storage.queue_file import SessionQueue
    from sst2_tui.core.storage.sessions import RunFolder

    sessions = tmp_path / "sessions"
    session = f"{SESSION}-signal"
    said = tmp_path / "stderr.txt"  # what the app says as it goes (the pane closes with it)
    command = f"exec {Path(sys.executable).parent / 'sst2-tui'} --demo --sessions-dir {sessions} 2>{said}"
    env = {**os.environ, "TERM": "xterm-256color"}
    tmux("kill-session", "-t", session)
    open_window(session, 120, 36, command, env=env)
    run_dir = None
    try:
        pid = int(tmux("display-message", "-p", "-t", session, "#{pane_pid}").strip())
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            found = list(sessions.glob("*/runs/01-full/events.jsonl"))
            if found and steps_in(found[0]) >= 3:
                run_dir = found[0].parent
                break
            time.sleep(0.1)
        assert run_dir is not None, "the demo run never logged steps"
        if how.startswith("SIGHUP"):
            tmux("kill-session", "-t", session)  # what a dropped SSH connection does to the terminal
        else:
            os.kill(pid, getattr(signal, how))
        deadline = time.monotonic() + 10
        while process_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not process_alive(pid), "the app did not exit"
        if not how.startswith("SIGHUP"):  # (after a hang-up there is no terminal to tell)
            text = said.read_text()
            assert f"01-full keeps training in the background ({run_dir})" in text, text
            assert f"sst2-tui attach {run_dir}" in text, "#28 rough edge: the folder was dropped after SIGTERM"
        before = steps_in(run_dir / "events.jsonl")
        time.sleep(2)
        assert RunFolder(run_dir).is_live() and steps_in(run_dir / "events.jsonl") > before, "the run trains on"
        queued = SessionQueue(run_dir.parent.parent).items()
        waiting = [(item.config.method, item.config.precision) for item in queued]
        assert waiting == [("trainer", "auto"), ("lora", "auto"), ("full", "fp16-pure")], "the rest of the demo waits"
    finally:
        tmux("kill-session", "-t", session)
        if run_dir is not None:
            SessionQueue(run_dir.parent.parent).clear()  # this test is about one run: nothing more starts
            if RunFolder(run_dir).is_live():
                stopped = ctl(str(run_dir), "stop")
                assert stopped.returncode == 0, stopped.stderr
        else:
            stop_everything(sessions)  # failed before its run showed up: leave nothing training behind
    deadline = time.monotonic() + 60
    while RunFolder(run_dir).is_live() and time.monotonic() < deadline:
        time.sleep(0.1)
    log = read_events(run_dir / "events.jsonl")
    assert log.bad_lines == 0 and log.events[-1].type == "run_finished"
    assert log.events[-1].summary.status == "stopped"
    assert any((run_dir / "checkpoints").glob("step-[0-9]*[0-9]/manifest.json"))


def test_detach_disconnect_attach_steer_and_see_a_death(tmp_path):
    """Start detached, attach in tmux, pause with a key, change lr from a shell, see it in the app;
    a second app attached sees the same; kill -9 of the run makes both apps say it died."""
    import json
    import signal

    sessions = tmp_path / "sessions"
    launched = subprocess.run([*sst2_command(), "run", "--detach", "--model", "demo", "--data", "demo",
                               "--epochs", "40", "--save-every", "2", "--sessions-dir", str(sessions)],
                              capture_output=True, text=True, timeout=120)
    assert launched.returncode == 0, launched.stderr
    where = json.loads(launched.stdout)
    run_dir, run_pid = Path(where["run_dir"]), where["pid"]
    app = f"{Path(sys.executable).parent / 'sst2-tui'} attach {sessions}"
    env = {**os.environ, "TERM": "xterm-256color"}
    windows = [f"{SESSION}-attach-1", f"{SESSION}-attach-2"]
    try:
        for window in windows:
            tmux("kill-session", "-t", window)
            open_window(window, 120, 36, app, env=env)
        for window in windows:
            wait_for_text(lambda s: "01-full" in s and "loss " in s, timeout=60, session=window)
        wait_for_text(lambda s: any(run_dir.glob("checkpoints/step-[0-9]*[0-9]/manifest.json")), timeout=60)  # one to resume from
        tmux("send-keys", "-t", windows[0], "space")
        for window in windows:
            wait_for_text(lambda s: "PAUSED" in s, timeout=10, session=window)
        assert '"type":"paused"' in (run_dir / "events.jsonl").read_text()
        changed = ctl(str(run_dir), "lr", "2e-5")
        assert changed.returncode == 0, changed.stderr
        for window in windows:
            wait_for_text(lambda s: "lr 2e-5" in s, timeout=2.5, session=window)
        os.kill(run_pid, signal.SIGKILL)
        for window in windows:
            wait_for_text(lambda s: "died" in s and "u: resume" in s, timeout=10, session=window)
        tmux("send-keys", "-t", windows[0], "u")  # resume it from the app: queued, a new run process, detached too
        wait_for_text(lambda s: "LIVE" in s or "PAUSED" in s, timeout=60, session=windows[0])
        wait_for_text(lambda s: "resumed from" in (run_dir / "events.jsonl").read_text(), timeout=60, session=windows[0])
        from sst2_tui.core.storage.sessions import RunFolder

        resumed_pid = RunFolder(run_dir).holder_pid()
        assert resumed_pid and resumed_pid != run_pid
        # detached: its own session, or its session's queue runner's (which the app put it in queue.json for)
        leader = os.getsid(resumed_pid)
        assert leader == resumed_pid or b"queue-runner" in Path(f"/proc/{leader}/cmdline").read_bytes()
        assert ctl(str(run_dir), "stop").returncode == 0
    finally:
        for window in windows:
            tmux("kill-session", "-t", window)
        with contextlib.suppress(ProcessLookupError):
            os.kill(run_pid, signal.SIGKILL)


def test_the_queue_keeps_going_with_no_app_open(tmp_path):
    """`sst2-tui --demo`, then the terminal goes away: the session's queue runner starts the next
    run when the first ends (here stopped from a shell, not to wait out its training), each in its
    own process, with no app open. (A run training on after its app died: the signal test above;
    a detached run waiting at its NaN for a fix: tests/test_detach.py.)"""
    import json

    sessions = tmp_path / "sessions"
    session = f"{SESSION}-queue"
    command = f"exec {Path(sys.executable).parent / 'sst2-tui'} --demo --sessions-dir {sessions}"
    tmux("kill-session", "-t", session)
    open_window(session, 80, 24, command, env={**os.environ, "TERM": "xterm-256color"})
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and not any(steps_in(p) >= 3 for p in sessions.glob("*/runs/01-full/events.jsonl")):
            time.sleep(0.1)
        tmux("kill-session", "-t", session)  # the SSH connection drops: no app is open from here on
        stopped = ctl(str(next(sessions.glob("*/runs/01-full"))), "stop")
        assert stopped.returncode == 0, stopped.stderr
        second = lambda: list(sessions.glob("*/runs/02-trainer/events.jsonl"))  # noqa: E731
        deadline = time.monotonic() + 150
        while time.monotonic() < deadline and not (second() and steps_in(second()[0]) >= 3):
            time.sleep(0.5)
        first = json.loads(next(sessions.glob("*/runs/01-full/summary.json")).read_text())
        assert first["status"] == "stopped"
        assert second() and steps_in(second()[0]) >= 3, "the queue runner started the next run"
    finally:
        tmux("kill-session", "-t", session)
        stop_everything(sessions)


def test_a_burst_of_keys_in_the_form_reaches_the_runs_config(tmp_path):
    """Keys sent in one write, as SSH delivers a paste or a fast typist (#18 item 2): each lands in
    the field focused when its turn comes, and the queued run's config.json holds exactly them."""
    import json

    from sst2_tui.core.config import FORM_FIELDS

    sessions = tmp_path / "sessions"
    session = f"{SESSION}-form"
    command = f"exec {Path(sys.executable).parent / 'sst2-tui'} --sessions-dir {sessions}"
    tmux("kill-session", "-t", session)
    open_window(session, 80, 24, command, env={**os.environ, "TERM": "xterm-256color"})
    configs = lambda: sorted(sessions.glob("*/runs/*/config.json"))  # noqa: E731
    try:
        wait_for_text(lambda s: "No run yet" in s, timeout=60, session=session)
        tmux("send-keys", "-t", session, "n")
        wait_for_text(lambda s: "New run" in s and "Start" in s, timeout=10, session=session)
        to_lr = ["Tab"] * FORM_FIELDS.index("lr")
        tmux("send-keys", "-t", session, *to_lr, "1e-3", "Tab", "1e-4", "Tab", "64", "Enter")  # one write
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not configs():
            time.sleep(0.2)
        assert configs(), f"no run started; screen:\n{screen(session)}"
        config = json.loads(configs()[0].read_text())
        assert (config["lr"], config["eps"], config["batch_size"]) == (1e-3, 1e-4, 64)
        assert ctl(str(configs()[0].parent), "stop").returncode == 0
    finally:
        tmux("kill-session", "-t", session)


def test_two_windows_share_one_queue_through_leaving_and_attaching(tmp_path):
    """#28: two windows on one session add and remove queued runs while a run trains; both leave
    with the run training; `attach` then shows the same queue: nothing lost, order kept."""
    import json

    from sst2_tui.core.storage.queue_file import SessionQueue

    sessions = tmp_path / "sessions"
    binary = Path(sys.executable).parent / "sst2-tui"
    env = {**os.environ, "TERM": "xterm-256color"}
    first, second, third = (f"{SESSION}-queue-{n}" for n in (1, 2, 3))
    try:
        tmux("kill-session", "-t", first)
        open_window(first, 100, 30, f"{binary} --demo --sessions-dir {sessions}", env=env)
        wait_for_text(lambda s: "loss 0." in s, timeout=60, session=first)
        [session] = list(sessions.iterdir())
        tmux("send-keys", "-t", first, "space")  # keep the first run live while the windows work
        wait_for_text(lambda s: "PAUSED" in s, timeout=15, session=first)
        open_window(second, 100, 30, f"{binary} attach {session}", env=env)
        wait_for_text(lambda s: "3. full on demo, demo" in s, timeout=60, session=second)  # the same three queued
        tmux("send-keys", "-t", second, "d")
        wait_for_text(lambda s: "Take a run out" in s or "Enter removes" in s or "remove" in s.lower(), timeout=10,
                      session=second)
        tmux("send-keys", "-t", second, "Down", "Enter")  # the second waiting one: lora
        wait_for_text(lambda s: "lora on demo" not in s, timeout=10, session=first)  # gone in the other window too
        tmux("send-keys", "-t", first, "n")
        wait_for_text(lambda s: "Queues: full on demo" in s, timeout=10, session=first)
        from sst2_tui.tui.screens.new_run import SELECTS

        # from the first field (a select, where Enter opens its list) to the model field, where Enter queues
        tmux("send-keys", "-t", first, *["Tab"] * len(SELECTS), "Enter")
        wait_for_text(lambda s: "3. full on demo, demo" in s and "(fp16-pure" in s, timeout=10, session=second)
        order = [json.dumps(item.config.precision) + item.config.method
                 for item in SessionQueue(session).items()]
        assert order == ['"auto"trainer', '"fp16-pure"full', '"auto"full'], order
        for window in (first, second):
            tmux("send-keys", "-t", window, "q")
            wait_for_text(lambda s: "Leave it" in s or "leave it" in s, timeout=10, session=window)
            tmux("send-keys", "-t", window, "Enter")
        time.sleep(2)
        assert [json.dumps(item.config.precision) + item.config.method
                for item in SessionQueue(session).items()] == order, "nothing lost by leaving"
        open_window(third, 100, 30, f"{binary} attach {session}", env=env)
        text, _ = wait_for_text(lambda s: "PAUSED" in s and "3. full on demo, demo" in s, timeout=60, session=third)
        assert text.index("1. trainer on demo") < text.index("2. full on demo") < text.index("(fp16-pure") \
            < text.index("3. full on demo"), text
    finally:
        for window in (first, second, third):
            tmux("kill-session", "-t", window)
        stop_everything(sessions)


def test_a_running_sweeps_grid_at_80x24(tmp_path):
    """#29: `sst2-tui attach SESSION` on a sweep just started with --detach (no point live yet), `g`:
    the grid and the running points fit 80x24."""
    import json

    sessions = tmp_path / "sessions"
    binary = Path(sys.executable).parent / "sst2-tui"
    started = run_cli("sweep", "--model", "demo", "--data", "demo", "--method", "full,lora", "--lr", "3e-4,1e-3",
                      "--epochs", "30", "--parallel", "2", "--sessions-dir", str(sessions), "--session", "grid",
                      "--detach", timeout=60)
    assert started.returncode == 0, started.stderr
    session = Path(json.loads(started.stdout.splitlines()[-1])["session_dir"])
    window = f"{SESSION}-sweep"
    try:  # at once, before any point is live: attach then watches the session (it once said "no live run")
        tmux("kill-session", "-t", window)
        open_window(window, 80, 24, f"{binary} attach {session}", env={**os.environ, "TERM": "xterm-256color"})
        wait_for_text(lambda s: "loss " in s, timeout=60, session=window)
        tmux("send-keys", "-t", window, "g")
        text, _ = wait_for_text(lambda s: ("of 6 runs finished" in s and "02-lora" in s) or ("01-full" in s and "p001" in s),
                                timeout=30, session=window)
        # 4 grid points and the 2 confirmation runs to come (one fresh seed of each method's chosen lr)
        for said in ("Sweep grid: 0 of 6 runs finished", "full", "lr=3e-4", "lora", "Running now"):
            assert said in text, text
        assert all(len(line) <= 80 for line in text.splitlines()) and len(text.splitlines()) <= 24
    finally:
        tmux("kill-session", "-t", window)
        stop_everything(sessions)


def test_a_sweep_from_the_app_followed_with_enter_then_attached_lists_each_run_once(tmp_path):
    """#34 done-when: a sweep started in the app with Run all three, a running point followed with
    Enter from `g`, the sweep finished: `r` lists each run once (no phantom row of the point left
    behind); `attach` afterwards opens on the sweep's runs, each with its setting and seed."""
    import json

    from sst2_tui.core.config import FORM_FIELDS

    sessions = tmp_path / "sessions"
    session = f"{SESSION}-sweep"
    binary = Path(sys.executable).parent / "sst2-tui"
    tmux("kill-session", "-t", session)
    open_window(session, 80, 24, f"exec {binary} --sessions-dir {sessions}", env={**os.environ, "TERM": "xterm-256color"})
    summaries = lambda: [json.loads(p.read_text()) for p in sessions.glob("*/runs/*/summary.json")]  # noqa: E731
    try:
        wait_for_text(lambda s: "No run yet" in s, timeout=60, session=session)
        tmux("send-keys", "-t", session, "n")
        wait_for_text(lambda s: "New run" in s and "Start" in s, timeout=10, session=session)
        # each method its own learning rate: a sweep of three points, one per method (Start, which
        # queues full only, is off and skipped by Tab; the line says why)
        keys = ["Tab"] * FORM_FIELDS.index("lr") + ["C-u", "full=5e-4 trainer=5e-4 lora=3e-3", "Tab", "Tab"]
        keys += ["C-u", "16", "Tab", "C-u", "1", "Tab", "C-u", "320", "Tab", "C-u", "32", "Tab"]
        tmux("send-keys", "-t", session, *keys)
        # Start goes off only once the form has read the new lr; a Tab that arrived before that would
        # stop on Start and put Enter on Cancel. So: the line first, then the Tabs, one at a time.
        wait_for_text(lambda s: "sweep of 3 runs" in s, timeout=10, session=session)
        for _ in range(len(FORM_FIELDS) - FORM_FIELDS.index("seed")):  # past LoRA's fields to Run all three
            tmux("send-keys", "-t", session, "Tab")
            time.sleep(0.15)
        tmux("send-keys", "-t", session, "Enter")  # on "Run all three"
        wait_for_text(lambda s: "New run" not in s, timeout=10, session=session)
        tmux("send-keys", "-t", session, "g")
        text, _ = wait_for_text(lambda s: "Running now" in s and "-full " in s.split("Running now")[1], timeout=90,
                                session=session)
        tmux("send-keys", "-t", session, "Enter")  # follow the running point on the dashboard
        wait_for_text(lambda s: "Running now" not in s and "full lr=5e-4, seed 0" in s, timeout=30, session=session)
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and not (len(summaries()) == 3 and all(s["status"] == "finished" for s in summaries())):
            time.sleep(0.5)
        assert len(summaries()) == 3, f"the sweep did not finish; screen:\n{screen(session)}"
        time.sleep(1.5)  # the window sees the last run end
        tmux("send-keys", "-t", session, "r")  # on the dashboard (Escape then r would read as Alt+r)
        text, _ = wait_for_text(lambda s: "Results (validation accuracy)" in s, timeout=10, session=session)
        rows = [line.split()[0] for line in result_rows(text)]
        assert sorted(rows) == ["01-full", "02-trainer", "03-lora"], text
        tmux("send-keys", "-t", session, "Escape")
        time.sleep(0.5)
        tmux("send-keys", "-t", session, "q")
        [folder] = [p for p in sessions.iterdir() if p.is_dir()]
        tmux("kill-session", "-t", session)
        open_window(session, 80, 24, f"exec {binary} attach {folder}", env={**os.environ, "TERM": "xterm-256color"})
        text, _ = wait_for_text(lambda s: "03-lora" in s and "FINISHED" in s, timeout=60, session=session)
        assert "No run yet" not in text and "lora lr=3e-3, seed 0" in text, "the newest run, as it ended, with its point"
        tmux("send-keys", "-t", session, "r")
        text, _ = wait_for_text(lambda s: "Results (validation accuracy)" in s, timeout=10, session=session)
        lines = result_rows(text)
        assert [line.split()[0] for line in lines] == ["01-full", "02-trainer", "03-lora"]
        assert all("seed 0" in line and "lr=" in line for line in lines), "each run's setting and seed shown"
    finally:
        tmux("kill-session", "-t", session)
        stop_everything(sessions)


def result_rows(text: str) -> list[str]:
    """The results table's rows on a captured screen (`01-full  full  seed 0 ...`)."""
    import re

    return [line for line in text.splitlines() if re.match(r"^\s*\d\d-(full|trainer|lora)\s+(full|trainer|lora)\s", line)]
