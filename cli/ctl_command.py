"""`sst2-tui ctl RUN_DIR pause|resume|stop|lr VALUE|eps VALUE`: steer a live run from any shell.

The command is appended to the run's control file; the run applies it at its next step boundary
and logs a `control` event carrying the command's id, which this command waits for (30 s at
most, `--no-wait` to skip) and prints as one JSON line.
"""

from __future__ import annotations

import argparse
import json
import sys

from sst2_tui.core.errors import EXIT_FAILED, EXIT_OK, UserError, quote

ACTIONS = {"pause": "pause", "resume": "resume", "stop": "stop", "lr": "set_lr", "eps": "set_eps",
           "weight-decay": "set_weight_decay", "wd": "set_weight_decay"}
VALUED = ("set_lr", "set_eps", "set_weight_decay")
SAID = "pause, resume, stop, lr VALUE, eps VALUE, weight-decay VALUE, or fork [--lr X ...] (as `fork RUN_DIR --now`)"


def add_ctl_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_dir", help="the live run's folder (sessions/NAME/runs/NN-method)")
    parser.add_argument("action", help=SAID)
    parser.add_argument("value", nargs="?", help="the new learning rate, eps or weight decay, e.g. 2e-5")
    parser.add_argument("--no-wait", action="store_true", help="return once the command is written")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for the run to apply it (default 30)")


def ctl_command(args: argparse.Namespace) -> int:
    from pathlib import Path

    from sst2_tui.core.run.steer import steer
    from sst2_tui.core.storage.sessions import RunFolder

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
        done = steer(folder, kind, args.value, "cli", None if args.no_wait else args.timeout)
    except UserError as error:  # one line naming the action, and the folder as it was typed
        raise UserError(f"ctl {args.action}: {str(error).replace(str(folder.path), args.run_dir)}") from None
    command = {"kind": done.kind, **({"value": done.value} if done.value is not None else {})}
    if done.applied is None:
        print(json.dumps({"command": command, "id": done.id, "step": None, "applied": None}), flush=True)
        return EXIT_OK
    if done.applied:
        print(json.dumps({"command": command, "id": done.id, "step": done.step, "applied": True, "old": done.old,
                          "new": done.new}), flush=True)
        return EXIT_OK
    sys.stderr.write(f"sst2-tui ctl: the run did not apply {done.kind} (id {done.id}) within {args.timeout:g} s; "
                     "it stays in the control file and applies at the run's next step boundary\n")
    return EXIT_FAILED
