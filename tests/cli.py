"""The one way tests start `sst2-tui` as its own process. By default a child of the preloaded fork
server (tests/fork_server.py: torch and transformers imported once, a real process per call), which
behaves as `python -P -m sst2_tui` (the route production uses for its children) would; `real=True`
where the process itself is the subject (detaching, what is read at interpreter start)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from tests import forked_process


def run_cli(*args: str, timeout: float = 300, cwd: Path | None = None, stdin: str | None = None,
            env: dict[str, str] | None = None, real: bool = False) -> subprocess.CompletedProcess:
    """`sst2-tui ARGS` to its end; stdout and stderr captured as text."""
    return forked_process.run(list(args), timeout=timeout, cwd=cwd, stdin=stdin, env=env, real=real)


def start_cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None, real: bool = False,
              **popen) -> subprocess.Popen | forked_process.ForkedProcess:
    """`sst2-tui ARGS` in the background; the caller waits for it or kills it."""
    popen.setdefault("stdout", subprocess.PIPE)
    popen.setdefault("stderr", subprocess.PIPE)
    return forked_process.start(list(args), cwd=cwd, env=env, real=real, **popen)


def wait_until(condition: Callable[[], object], timeout: float = 60, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what} not reached in {timeout:.0f} s"
        time.sleep(0.1)


def steps_logged(run_dir: Path) -> int:
    events = run_dir / "events.jsonl"
    return events.read_text().count('"type":"step"') if events.exists() else 0


def kill_after_steps(process: subprocess.Popen, run_dir: Callable[[], Path | None], steps: int, timeout: float = 120) -> None:
    """SIGKILL `process` once its run folder has logged `steps` steps, and check it really died by it."""
    wait_until(lambda: (folder := run_dir()) is not None and steps_logged(folder) >= steps, timeout, f"{steps} steps")
    os.kill(process.pid, signal.SIGKILL)
    assert process.wait(timeout=30) == -signal.SIGKILL, "the run was not killed by SIGKILL"


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def hubless_env(**extra: str) -> dict[str, str]:
    """This environment without any Hub, offline or proxy setting, plus `extra`."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy",
                        "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy")}
    return {**env, **extra}


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
