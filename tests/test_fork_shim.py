"""The processes sst2-tui starts of its own under test (sweep points, queue runners, detached runs)
are forked from the preloaded server through `SST2_TUI_SELF_COMMAND` (tests/fork_shim.py), and the
product sees what a fresh `python -P -m sst2_tui` would give it: the exit code, death by a signal,
signals passed on, the share of cores it was given; and a fresh process where a fork would differ."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from sst2_tui.core.errors import EXIT_BAD_INPUT, EXIT_INTERRUPTED
from sst2_tui.core.storage.sessions import RunFolder
from tests import forked_process
from tests.cli import run_cli, steps_logged, wait_until
from tests.fork_shim import LOG_ENV

DEMO = ["--model", "demo", "--data", "demo", "--train-subset", "96", "--eval-subset", "64", "--batch-size", "16"]


def _shim(*args: str, log: Path, **extra_env: str) -> subprocess.Popen:
    """The shim as the product starts it (`[*sst2_command(), *args]`), its starts noted in `log`."""
    socket_path = forked_process.SERVER.socket_path()
    assert socket_path is not None, "the fork server did not start"
    return subprocess.Popen([sys.executable, str(forked_process.SHIM_SCRIPT), socket_path, *args],
                            env={**os.environ, LOG_ENV: str(log), **extra_env}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def test_a_sweeps_queue_runner_and_points_are_forked_with_their_share_of_the_cores(tmp_path):
    log = tmp_path / "shim.log"
    done = run_cli("sweep", *DEMO, "--method", "full", "--lr", "3e-4,1e-3", "--epochs", "1", "--parallel", "2",
                   "--sessions-dir", str(tmp_path), "--session", "s", env={**os.environ, LOG_ENV: str(log)}, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = log.read_text().splitlines()
    assert [line.split()[:2] for line in lines] == [["forked", "queue-runner"], ["forked", "run"], ["forked", "run"]]
    for folder in ("01-full", "02-full"):
        started = json.loads((tmp_path / "s" / "runs" / folder / "events.jsonl").read_text().splitlines()[0])
        assert started["device"]["threads"] == max(1, (os.cpu_count() or 1) // 2), folder


def test_the_shim_ends_as_its_child_ends_and_passes_signals_on(tmp_path):
    log = tmp_path / "shim.log"
    refused = _shim("run", "--lr", "fast", log=log)
    _out, err = refused.communicate(timeout=120)
    assert refused.returncode == EXIT_BAD_INPUT and "--lr" in err and "Traceback" not in err
    training = _shim("run", *DEMO, "--epochs", "200", "--sessions-dir", str(tmp_path), "--session", "t", log=log)
    folder = RunFolder(tmp_path / "t" / "runs" / "01-full")
    wait_until(lambda: steps_logged(folder.path) >= 3, timeout=120, what="3 steps")
    training.send_signal(signal.SIGTERM)  # to the shim: the run gets it, finishes its step and saves
    training.communicate(timeout=120)
    assert training.returncode == EXIT_INTERRUPTED
    assert json.loads((folder.path / "summary.json").read_text())["status"] == "interrupted"
    resumed = _shim("run", "--resume", str(folder.path), log=log)
    wait_until(lambda: folder.is_live() and folder.holder_pid() not in (None, resumed.pid), timeout=120,
               what="the resumed run's lock, held by a child other than the shim")
    os.kill(folder.holder_pid(), signal.SIGKILL)
    resumed.communicate(timeout=60)
    assert resumed.returncode == -signal.SIGKILL, "killed by a signal: the shim dies by the same one"
    assert [line.split()[0] for line in log.read_text().splitlines()] == ["forked"] * 3


def test_what_a_fork_would_change_starts_fresh(tmp_path):
    log = tmp_path / "shim.log"
    verbose = _shim("run", "--verbose", "--lr", "fast", log=log)
    verbose.communicate(timeout=120)
    other_library_setting = _shim("--version", log=log, TRANSFORMERS_VERBOSITY="debug")
    other_library_setting.communicate(timeout=120)
    assert (verbose.returncode, other_library_setting.returncode) == (EXIT_BAD_INPUT, 0)
    assert [line.split()[0] for line in log.read_text().splitlines()] == ["fresh", "fresh"]
