"""A run that needs you says so: the events a person away from the box must hear about (finished,
paused at a NaN, paused for a full disk, failed, died), worded once, and the `--notify CMD` hook
that hands each to a command of the user's (the event as one JSON line on its stdin)."""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

from sst2_tui.core.events import DiskFull, Event, Nonfinite, RunFailed, RunFinished


def needs_you(event: Event) -> tuple[str, str] | None:
    """(kind, one line) when `event` needs a person; None otherwise."""
    if isinstance(event, RunFinished):
        status = event.summary.get("status", "finished")
        best = event.summary.get("best_val_accuracy")
        accuracy = f", best accuracy {best:.4f}" if isinstance(best, float) else ""
        return str(status), f"{status} after {event.summary.get('steps', '?')} steps{accuracy}"
    if isinstance(event, Nonfinite) and event.action == "paused":
        return "nonfinite", f"paused at step {event.step}: the {event.what} is not finite; a fix is waiting for you"
    if isinstance(event, DiskFull):
        return "disk_full", f"paused: the disk is full writing {event.path}; free space, then it goes on"
    if isinstance(event, RunFailed):
        return "failed", f"failed: {event.error}"
    return None


def payload(kind: str, message: str, run_dir: Path, config: dict[str, Any]) -> dict[str, Any]:
    return {"event": kind, "message": message, "run_id": run_dir.name, "run_dir": str(run_dir),
            "session": run_dir.parent.parent.name, "method": config.get("method"), "model": config.get("model"),
            "time": round(time.time(), 3)}


def run_hook(command: str, data: dict[str, Any], log: Path | None = None) -> None:
    """Start `command` (a shell line) with `data` as one JSON line on stdin; never wait for it. Its
    output goes to `log` (the run folder's notify.log). A hook that cannot start is said there."""
    out = open(log, "ab") if log is not None else subprocess.DEVNULL  # noqa: SIM115 - handed to the child
    try:
        process = subprocess.Popen(command, shell=True, stdin=subprocess.PIPE, stdout=out, stderr=out,
                                   start_new_session=True, env={**os.environ, "SST2_TUI_EVENT": data["event"]})
    except OSError as error:
        if log is not None:
            with open(log, "a", encoding="utf-8") as handle:
                handle.write(f"--notify could not start: {error}\n")
        return
    finally:
        if log is not None:
            out.close()
    try:
        process.stdin.write((json.dumps(data) + "\n").encode())  # a few hundred bytes: never blocks on the pipe
        process.stdin.close()
    except OSError:
        pass
    threading.Thread(target=process.wait, name="notify-reaper", daemon=True).start()
