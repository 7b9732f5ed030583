"""Steering a live run from outside it (`sst2-tui ctl`, the MCP server's `steer`): the command is
appended to the run's control file; the run applies it at its next step boundary and logs a
`control` event carrying the command's id, which `steer` follows the run's log for."""

from __future__ import annotations

import time
from dataclasses import dataclass

from sst2_tui.core.errors import UserError
from sst2_tui.core.storage.sessions import RunFolder

POLL_SECONDS = 0.1


@dataclass(frozen=True)
class Steered:
    """What became of a command: applied at `step` (`old` -> `new` for a value), or not yet (`applied`
    False: it stays in the control file for the run's next step boundary; None: not waited for)."""

    kind: str
    value: float | None
    id: str
    applied: bool | None
    step: int | None = None
    old: float | None = None
    new: float | None = None


def steer(folder: RunFolder, kind: str, value: float | str | None, source: str, timeout: float | None = 30.0) -> Steered:
    """Send `kind` (pause, resume, stop, set_lr, set_eps, set_weight_decay) to the live run in `folder`
    and, unless `timeout` is None, wait until it is applied. UserError in one line where the folder is
    no live run, the value is refused (by this check or by the run), or the run ends first."""
    from sst2_tui.core.controls import make_command
    from sst2_tui.core.storage.control_file import append_command
    from sst2_tui.core.storage.sessions import load_run

    try:
        command = make_command(kind, value)
    except ValueError as error:
        raise UserError(str(error)) from None
    if not folder.events_path.is_file():
        raise UserError(f"{folder.path}: not a run folder (no events.jsonl)")
    if not folder.is_live():
        raise UserError(f"{folder.path}: the run is not live ({load_run(folder).status}); only a live run can be steered")
    start = folder.events_path.stat().st_size
    command_id = append_command(folder.control_path, command, source)
    if timeout is None:
        return Steered(command.kind.value, command.value, command_id, None)
    return _wait_for(folder, command.kind.value, command.value, command_id, start, timeout)


def _wait_for(folder: RunFolder, kind: str, value: float | None, command_id: str, start: int, timeout: float) -> Steered:
    """Follow the run's log from where it was for its answer: the `control` event with this id
    (applied), or a warning with it (refused, said at once)."""
    from sst2_tui.core.events import Control, RunFailed, RunFinished, WarningEvent
    from sst2_tui.core.run.launch import EventFollower

    follower = EventFollower(folder.events_path, start)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for event in follower.poll():
            if isinstance(event, Control) and event.command_id == command_id:
                return Steered(kind, value, command_id, True, event.step, event.old, event.new)
            if isinstance(event, WarningEvent) and event.command_id == command_id:
                raise UserError(f"the run refused {kind} (id {command_id}): {event.message}")
            if isinstance(event, RunFinished | RunFailed):
                raise UserError(f"the run ended before applying {kind} (id {command_id})")
        if not folder.is_live():
            raise UserError(f"the run stopped being live before applying {kind} (id {command_id})")
        time.sleep(POLL_SECONDS)
    return Steered(kind, value, command_id, False)
