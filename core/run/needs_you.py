"""A run that needs you says so: the events a person away from the box must hear about (finished,
paused at a NaN, paused for a full disk, failed, died), worded once, and the `--notify CMD` hook
that hands each to a command of the user's (the event as one JSON line on its stdin)."""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import json
import os
import queue
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from sst2_tui.core.errors import UserError
from sst2_tui.core.events import DiskFull, Event, Nonfinite, RunFailed, RunFinished
from sst2_tui.core.summary import Status


def needs_you(event: Event) -> tuple[str, str] | None:
    """(kind, one line) when `event` needs a person; None otherwise."""
    if isinstance(event, RunFinished):
        status = event.summary.status
        best = event.summary.best_val_accuracy
        accuracy = f", best accuracy {best:.4f}" if isinstance(best, float) else ""
        return str(status), f"{status} after {event.summary.steps if event.summary.steps is not None else '?'} steps{accuracy}"
    if isinstance(event, Nonfinite) and event.action == Status.PAUSED:
        verb = "is" if event.what == "loss" else "are"  # the loss is; the gradients, the parameters are
        return "nonfinite", f"paused at step {event.step}: the {event.what} {verb} not finite (NaN); a fix is waiting for you"
    if isinstance(event, DiskFull):
        return "disk_full", f"paused: the disk is full writing {event.path}; free space, then it goes on"
    if isinstance(event, RunFailed):
        return str(Status.FAILED), f"failed: {event.error}"
    return None


@dataclass(frozen=True)
class HookMessage:
    """What a `--notify` hook reads on its stdin, as one JSON line (README: the hook's fields)."""

    event: str
    """`finished`, `interrupted`, `failed`, `died`, `nonfinite` or `disk_full`."""
    message: str
    run_id: str
    run_dir: str
    session: str
    method: str | None
    model: str | None
    time: float

    def to_json_line(self) -> str:
        return json.dumps(dataclasses.asdict(self)) + "\n"


def payload(kind: str, message: str, run_dir: Path, method: str | None, model: str | None) -> HookMessage:
    return HookMessage(kind, message, run_dir.name, str(run_dir), run_dir.parent.parent.name, method, model,
                       round(time.time(), 3))


HOOK_SECONDS = 60.0
"""A `--notify` hook still running after this long is killed (its whole process group), and said."""
HOOK_OUTPUT_BYTES = 4096
"""What notify.log keeps of a hook's output per call: its first bytes (the rest is read and dropped)."""


def run_hook(command: str, data: HookMessage, log: Path | None = None) -> None:
    """Run `command` (a shell line) with `data` as one JSON line on stdin; never wait for it: one
    thread of this process runs the hooks one after another, in the order their events came (a
    user's `cat >> file` sees them in order). notify.log (`log`, the run folder's) then gets one
    line with the event and the hook's exit code, and the first lines of its output: a hook that
    fails says why there, one that floods is capped at HOOK_OUTPUT_BYTES, one that hangs is killed
    after HOOK_SECONDS."""
    with _LOCK:
        global _WORKER
        if _WORKER is None or not _WORKER.is_alive():
            _WORKER = threading.Thread(target=_work, name="notify-hooks", daemon=True)
            _WORKER.start()
            atexit.register(_drain)
    _PENDING.put((command, data, log))


_PENDING: queue.Queue[tuple[str, HookMessage, Path | None]] = queue.Queue()
_LOCK = threading.Lock()
_WORKER: threading.Thread | None = None
EXIT_WAIT_SECONDS = 10.0
"""At exit, how long a process waits for its last hooks to start and end (one that hangs is left)."""


def _work() -> None:
    while True:
        command, data, log = _PENDING.get()
        try:
            _run_one(command, data, log)
        finally:
            _PENDING.task_done()


def _drain() -> None:
    deadline = time.monotonic() + EXIT_WAIT_SECONDS
    while _PENDING.unfinished_tasks and time.monotonic() < deadline:
        time.sleep(0.05)


def _run_one(command: str, data: HookMessage, log: Path | None) -> None:
    try:
        process = subprocess.Popen(command, shell=True, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, start_new_session=True,
                                   env={**os.environ, "SST2_TUI_EVENT": data.event})
    except OSError as error:
        _log(log, f"{data.event}: --notify could not start: {error}\n")
        return
    _see_to_its_end(process, data, log)


def _see_to_its_end(process: subprocess.Popen, data: HookMessage, log: Path | None) -> None:
    try:
        assert process.stdin is not None  # started with stdin=PIPE
        process.stdin.write(data.to_json_line().encode())  # a few hundred bytes: never blocks on the pipe
        process.stdin.close()
    except OSError:
        pass
    kept = bytearray()
    reader = threading.Thread(target=_read_capped, args=(process.stdout, kept), daemon=True)
    reader.start()
    try:
        ended = f"exit {process.wait(HOOK_SECONDS)}"
    except subprocess.TimeoutExpired:
        with contextlib.suppress(OSError):
            os.killpg(process.pid, signal.SIGKILL)  # the shell and whatever it started
        process.wait()
        ended = f"killed after {HOOK_SECONDS:.0f} s"
    reader.join(5)
    said = kept.decode("utf-8", "replace")
    cut = " (output cut)" if len(kept) >= HOOK_OUTPUT_BYTES else ""
    lines = "".join(f"  {line}\n" for line in said.splitlines()[:20])
    _log(log, f"{time.strftime('%Y-%m-%d %H:%M:%S')} {data.event}: --notify {ended}{cut}\n{lines}")


def _read_capped(stream, kept: bytearray) -> None:
    """Keep the first HOOK_OUTPUT_BYTES of a hook's output, drain the rest (a full pipe would hang it)."""
    with contextlib.suppress(OSError, ValueError):
        while chunk := stream.read(65536):
            kept += chunk[: max(0, HOOK_OUTPUT_BYTES - len(kept))]


def _log(log: Path | None, text: str) -> None:
    if log is None:
        return
    from sst2_tui.core.storage.own_files import append_own

    with contextlib.suppress(OSError, UserError):
        append_own(log, text.encode("utf-8", "replace"))
