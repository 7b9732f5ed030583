"""`sst2-tui ctl RUN_DIR pause|resume|stop|lr VALUE|eps VALUE`: steer a live run from any shell.

The command is appended to the run's control file; the run applies it at its next step boundary
and logs a `control` event carrying the command's id, which this command waits for (30 s at
most, `--no-wait` to skip) and prints as one JSON line.
"""

from __future__ import annotations

import argparse
import json
import time

from sst2_tui.core.errors import EXIT_FAILED, EXIT_OK, UserError, quote

ACTIONS = {"pause": "pause", "resume": "resume", "stop": "stop", "lr": "set_lr", "eps": "set_eps",
           "weight-decay": "set_weight_decay", "wd": "set_weight_decay"}
VALUED = ("set_lr", "set_eps", "set_weight_decay")
SAID = "pause, resume, stop, lr VALUE, eps VALUE, weight-decay VALUE, or fork [--lr X ...] (as `fork RUN_DIR --now`)"
POLL_SECONDS = 0.1


def add_ctl_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_dir", help="the live run's folder (sessions/NAME/runs/NN-method)")
    parser.add_argument("action", help=SAID)
    parser.add_argument("value", nargs="?", help="the new learning rate, eps or weight decay, e.g. 2e-5")
    parser.add_argument("--no-wait", action="store_true", help="return once the command is written")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for the run to apply it (default 30)")


def ctl_command(args: argparse.Namespace) -> int:
    from pathlib import Path

    from sst2_tui.core.controls import make_command
    from sst2_tui.core.storage.control_file import append_command
    from sst2_tui.core.storage.sessions import RunFolder, load_run

    folder = RunFolder(Path(args.run_dir))
    kind = ACTIONS.get(args.action)
    if kind is None:
        raise UserError(f"ctl: unknown action {quote(args.action)}; use {SAID}")
    if kind in VALUED and args.value is None:
        example = "0.01" if kind == "set_weight_decay" else "2e-5"
        raise UserError(f"ctl {args.action}: give the new value, e.g. `sst2-tui ctl RUN_DIR {args.action} {example}`")
    if kind not in VALUED and args.value is not None:
        raise UserError(f"ctl {args.action}: takes no value (got {quote(args.value)})")
    try:
        command = make_command(kind, args.value)
    except ValueError as error:
        raise UserError(f"ctl {args.action}: {error}") from None
    if not folder.events_path.is_file():
        raise UserError(f"ctl {args.run_dir}: not a run folder (no events.jsonl); see `sst2-tui sessions`")
    if not folder.is_live():
        status = load_run(folder).status
        raise UserError(f"ctl {args.run_dir}: the run is not live ({status}); only a live run can be steered")
    start = folder.events_path.stat().st_size
    command_id = append_command(folder.control_path, command, "cli")
    if args.no_wait:
        print(json.dumps({"command": command.spec.to_json(), "id": command_id, "step": None, "applied": None}), flush=True)
        return EXIT_OK
    return _wait_for(folder, command, command_id, start, args.timeout)


def _wait_for(folder, command, command_id: str, start: int, timeout: float) -> int:
    """Follow the run's log from where it was for its answer to this command: the `control` event
    with this id (applied), or a warning with it (refused, said at once)."""
    import sys

    from sst2_tui.core.events import Control, RunFailed, RunFinished, WarningEvent
    from sst2_tui.core.run.launch import EventFollower

    follower = EventFollower(folder.events_path, start)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for event in follower.poll():
            if isinstance(event, Control) and event.command_id == command_id:
                print(json.dumps({"command": command.spec.to_json(), "id": command_id, "step": event.step, "applied": True,
                                  "old": event.old, "new": event.new}), flush=True)
                return EXIT_OK
            if isinstance(event, WarningEvent) and event.command_id == command_id:
                raise UserError(f"ctl: the run refused {command.kind} (id {command_id}): {event.message}")
            if isinstance(event, RunFinished | RunFailed):
                raise UserError(f"ctl: the run ended before applying {command.kind} (id {command_id})")
        if not folder.is_live():
            raise UserError(f"ctl: the run stopped being live before applying {command.kind} (id {command_id})")
        time.sleep(POLL_SECONDS)
    sys.stderr.write(f"sst2-tui ctl: the run did not apply {command.kind} (id {command_id}) within {timeout:g} s; "
                     "it stays in the control file and applies at the run's next step boundary\n")
    return EXIT_FAILED
