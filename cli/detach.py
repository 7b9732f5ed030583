"""`sst2-tui run --detach ...`: the run in its own process, away from this terminal.

The same command line (less `--detach`) runs in a new session (`setsid`: no controlling
terminal, so a dropped SSH connection or a closed window never signals it). Once the child holds
its run folder it writes one JSON line to this process, `{"run_dir", "session_dir", "pid"}`, and
sends its own output to `run.log` in the run folder; this process prints the line and returns.
Bad flags and data files are refused here first, in the foreground, with the usual one line.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

ANNOUNCE_ENV = "SST2_TUI_ANNOUNCE_RUN"
LOG_NAME = "run.log"


def launch_detached(argv: list[str]) -> int:
    child = [sys.executable, "-m", "cli.main", *[a for a in argv if a != "--detach"]]
    process = subprocess.Popen(child, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               start_new_session=True, env={**os.environ, ANNOUNCE_ENV: "1"}, text=True)
    line = process.stdout.readline()  # the child's announcement, or nothing if it ended first
    if not line.strip():
        _, err = process.communicate()
        sys.stderr.write(err)
        return process.returncode or 1
    print(line.strip(), flush=True)
    return 0


def announce_and_leave_the_terminal(folder, session_path) -> None:
    """In the detached child, once its run folder is locked: tell the parent where, then write
    everything else to the run's log. Only the first run of a `--seeds` series announces."""
    if not os.environ.pop(ANNOUNCE_ENV, None):
        return
    print(json.dumps({"run_dir": str(folder.path), "session_dir": str(session_path), "pid": os.getpid()}), flush=True)
    log = os.open(folder.path / LOG_NAME, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(log, sys.stdout.fileno())
    os.dup2(log, sys.stderr.fileno())
    os.close(log)
