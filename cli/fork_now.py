"""`sst2-tui fork RUN_DIR --now` (and `sst2-tui ctl RUN_DIR fork ...`): fork a live run at its next step
boundary. The run is asked, through its control file, to save a checkpoint there (a `checkpoint`
command: it keeps that checkpoint from rotation and trains on, untouched); the fork then starts from
it in a detached process of its own, beside its parent, in the same session (whose write lock the live
parent holds: the fork is started on its behalf, as a sweep's scheduler starts its points)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from sst2_tui.core.errors import EXIT_OK, UserError
from sst2_tui.core.run.fork import ForkChanges

POLL_SECONDS = 0.1


def fork_now(args: argparse.Namespace, changes: ForkChanges) -> int:
    from sst2_tui.core.controls import make_command
    from sst2_tui.core.run.fork import fork_config, read_parent
    from sst2_tui.core.run.launch import describe_launch, start_detached
    from sst2_tui.core.run.queue_runner import SCHEDULED_ENV
    from sst2_tui.core.storage.control_file import append_command
    from sst2_tui.core.storage.sessions import load_run

    if args.step is not None:
        raise UserError("fork --now: forks the live run at its next step; --step N forks a kept checkpoint (give one of them)")
    folder, parent = read_parent(args.run_dir)
    fork_config(folder, parent, 0, changes)  # a bad change is said before the run is asked for anything
    if not folder.is_live():
        raise UserError(f"fork --now: {args.run_dir} is not live ({load_run(folder).status}); "
                        f"fork one of its checkpoints: sst2-tui fork {args.run_dir} [--step N]")
    start = folder.events_path.stat().st_size
    command = make_command("checkpoint")
    command_id = append_command(folder.control_path, command, "cli")
    step = _checkpoint_step(folder, command_id, start, args.timeout)
    argv = ["fork", str(folder.path), "--step", str(step), *_change_flags(changes)]
    launched = start_detached(argv, env={SCHEDULED_ENV: str(folder.path.parent.parent)})
    described = describe_launch(launched)
    print(json.dumps({**described, "branch_step": step}), flush=True)
    sys.stderr.write(f"sst2-tui fork: forked {folder.run_id} at step {step}; {Path(launched.run_dir).name} trains in the "
                     f"background beside it: watch it with `sst2-tui attach {launched.run_dir}`\n")
    return EXIT_OK


def _checkpoint_step(folder, command_id: str, start: int, timeout: float) -> int:
    """Follow the run's log for its answer to the checkpoint command: the step of the checkpoint it saved
    (the `checkpoint` event just before the command's echo), or UserError saying why not."""
    from sst2_tui.core.events import Checkpoint, Control, RunFailed, RunFinished, WarningEvent
    from sst2_tui.core.run.launch import EventFollower

    follower = EventFollower(folder.events_path, start)
    saved: Checkpoint | None = None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for event in follower.poll():
            if isinstance(event, Checkpoint) and event.reason == "fork":
                saved = event
            if isinstance(event, Control) and event.command_id == command_id and saved is not None:
                return saved.step
            if isinstance(event, WarningEvent) and event.command_id == command_id:
                raise UserError(f"fork --now: the run did not save a checkpoint to fork from: {event.message}")
            if isinstance(event, RunFinished | RunFailed):
                raise UserError(f"fork --now: {folder.path} ended before its next step; fork its last checkpoint: "
                                f"sst2-tui fork {folder.path}")
        if not folder.is_live():
            raise UserError(f"fork --now: {folder.path} stopped being live before its next step")
        time.sleep(POLL_SECONDS)
    raise UserError(f"fork --now: {folder.path} reached no step boundary within {timeout:g} s (is it paused, or "
                    "still loading?); the request stays in its control file: try again with a longer --timeout")


def _change_flags(changes: ForkChanges) -> list[str]:
    flags = []
    for name in ("lr", "eps", "weight_decay", "patience", "epochs"):
        value = getattr(changes, name)
        if value is not None:
            flags += [f"--{name.replace('_', '-')}", repr(value)]
    return flags
