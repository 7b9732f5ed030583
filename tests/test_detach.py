"""`sst2-tui run --detach`: the run is its own process in its own session, steered and watched
through its folder from any shell."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import time
from pathlib import Path

from sst2_tui.core.storage.files import readable_mode
from tests.cli import run_cli


def cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return run_cli(*args, timeout=timeout, real=True)  # detaching is the subject: a real process


def wait_until(condition, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.1)


def test_a_detached_run_trains_in_its_own_session_and_is_steered_from_a_shell(tmp_path):
    started = time.monotonic()
    launched = cli("run", "--detach", "--model", "demo", "--data", "demo", "--epochs", "30", "--sessions-dir", str(tmp_path))
    assert launched.returncode == 0, launched.stderr
    assert time.monotonic() - started < 30, "returns once the run has its folder, not when it ends"
    where = json.loads(launched.stdout.strip())
    pid, run_dir = where["pid"], Path(where["run_dir"])
    assert f"watch it with `sst2-tui attach {run_dir}`" in launched.stderr, "what to type next"
    try:
        assert os.getsid(pid) == pid != os.getsid(0), "its own session: no terminal's hang-up reaches it"
        wait_until(lambda: '"type":"step"' in (run_dir / "events.jsonl").read_text())
        paused = cli("ctl", str(run_dir), "pause")
        assert paused.returncode == 0, paused.stderr
        listed = json.loads(cli("sessions", "--sessions-dir", str(tmp_path), "--json").stdout)
        run = listed[0]["runs"][0]
        assert run["status"] == "paused" and run["pid"] == pid and run["total_steps"] > run["step"] > 0
        stopped = cli("ctl", str(run_dir), "stop")
        assert stopped.returncode == 0, stopped.stderr
        wait_until(lambda: (run_dir / "summary.json").exists())
        wait_until(lambda: not _alive(pid), timeout=30)
    finally:
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["status"] == "stopped" and summary["final_val_accuracy"] is not None
    log = run_dir / "run.log"
    assert '"status": "stopped"' in log.read_text()
    assert stat.S_IMODE(log.stat().st_mode) == readable_mode(), "a log to read: the umask decides, as for any file"
    assert stat.S_IMODE((run_dir / "control.jsonl").stat().st_mode) == 0o600, "commands in: owner-only"
    assert cli("ctl", str(run_dir), "pause").returncode == 2, "no longer live"


def test_detach_refuses_bad_data_in_the_foreground(tmp_path):
    result = cli("run", "--detach", "--model", "demo", "--data", str(tmp_path / "missing.tsv"), "--sessions-dir", str(tmp_path))
    assert result.returncode == 2 and "no such file or folder" in result.stderr and not list(tmp_path.glob("*/runs"))


def test_detach_refuses_a_missing_model_folder_in_the_foreground(tmp_path):
    """It once printed the detached run's folder, exited 0, and failed in the background."""
    result = cli("run", "--detach", "--model", str(tmp_path / "no-such-model"), "--data", "demo", "--sessions-dir", str(tmp_path))
    assert result.returncode == 2 and "no such folder" in result.stderr and not result.stdout
    assert not list(tmp_path.glob("*/runs")), "nothing started, no session left behind"


def _alive(pid: int) -> bool:
    try:
        finished, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        finished = 0
    if finished:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_died_run_resumes_detached(tmp_path):
    launched = cli("run", "--detach", "--model", "demo", "--data", "demo", "--epochs", "30", "--save-every", "5",
                   "--sessions-dir", str(tmp_path))
    where = json.loads(launched.stdout)
    run_dir = Path(where["run_dir"])
    wait_until(lambda: list((run_dir / "checkpoints").glob("step-[0-9]*[0-9]/manifest.json")))
    os.kill(where["pid"], signal.SIGKILL)
    wait_until(lambda: not _alive(where["pid"]), timeout=30)
    assert json.loads(cli("sessions", "--sessions-dir", str(tmp_path), "--json").stdout)[0]["runs"][0]["status"] == "died"
    resumed = cli("run", "--resume", str(run_dir), "--detach")
    assert resumed.returncode == 0, resumed.stderr
    again = json.loads(resumed.stdout)
    try:
        assert again["run_dir"] == str(run_dir) and again["pid"] != where["pid"]
        wait_until(lambda: "resumed from" in (run_dir / "events.jsonl").read_text())
        assert cli("ctl", str(run_dir), "stop").returncode == 0
        wait_until(lambda: not _alive(again["pid"]), timeout=60)
    finally:
        if _alive(again["pid"]):
            os.kill(again["pid"], signal.SIGKILL)
    assert json.loads((run_dir / "summary.json").read_text())["status"] == "stopped"


def test_a_detached_run_waits_at_a_nan_for_a_fix_from_a_shell(tmp_path):
    """Away from a terminal, `--nonfinite pause` really pauses (someone may attach): the reference's
    NaN (pure fp16, eps 1e-8) waits for a fix, and eps 1e-4 then resume lets it finish. A foreground
    run stops instead (tests/test_cli.py), since no one could press a key there."""
    launched = cli("run", "--detach", "--model", "demo", "--data", "demo", "--precision", "fp16-pure", "--eps", "1e-8",
                   "--epochs", "0.2", "--sessions-dir", str(tmp_path))
    assert launched.returncode == 0, launched.stderr
    where = json.loads(launched.stdout.strip())
    pid, run_dir = where["pid"], Path(where["run_dir"])
    assert f"watch it with `sst2-tui attach {run_dir}`" in launched.stderr, "what to type next"
    try:
        wait_until(lambda: '"reason":"nonfinite"' in (run_dir / "events.jsonl").read_text())
        time.sleep(1)
        assert _alive(pid) and not (run_dir / "summary.json").exists(), "it waits, it does not stop"
        for command in (("eps", "1e-4"), ("resume",)):
            sent = cli("ctl", str(run_dir), *command)
            assert sent.returncode == 0, sent.stderr
        wait_until(lambda: (run_dir / "summary.json").exists())
    finally:
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["status"] == "finished" and summary["final_eps"] == 1e-4
