"""Fork a live run at its next step boundary (`sst2-tui fork RUN_DIR --now`, `ctl RUN_DIR fork ...`, the
app's `f`). The run is asked, through its control file, to save a checkpoint there (a `checkpoint`
command: it keeps that checkpoint from rotation and trains on, untouched); the fork then starts from it
in a detached process of its own, beside its parent, in the same session (whose write lock the live
parent holds: the fork is started on its behalf, as a sweep's scheduler starts its points)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from sst2_tui.core.errors import UserError
from sst2_tui.core.run.fork import ForkChanges, fork_config, read_parent
from sst2_tui.core.storage.sessions import RunFolder

POLL_SECONDS = 0.1


@dataclass(frozen=True)
class LiveFork:
    run_dir: Path
    session_dir: Path
    pid: int
    branch_step: int


def check_live_fork(run_dir: Path, changes: ForkChanges) -> RunFolder:
    """The live parent's folder, or UserError (a bad change, a run that is not live) before the run is
    asked for anything."""
    from sst2_tui.core.storage.sessions import load_run

    folder, parent = read_parent(run_dir)
    fork_config(folder, parent, 0, changes)
    if not folder.is_live():
        raise UserError(f"fork --now: {run_dir} is not live ({load_run(folder).status}); "
                        f"fork one of its checkpoints: sst2-tui fork {run_dir} [--step N]")
    return folder


def fork_live(run_dir: Path, changes: ForkChanges, timeout: float = 60.0, source: str = "cli") -> LiveFork:
    """Ask the live run for a checkpoint at its next step boundary and start the fork from it, detached."""
    from sst2_tui.core.controls import make_command
    from sst2_tui.core.run.launch import start_detached
    from sst2_tui.core.run.queue_runner import SCHEDULED_ENV
    from sst2_tui.core.storage.control_file import append_command

    folder = check_live_fork(run_dir, changes)
    start = folder.events_path.stat().st_size
    command_id = append_command(folder.control_path, make_command("checkpoint"), source)
    step = _checkpoint_step(folder, command_id, start, timeout)
    argv = ["fork", str(folder.path), "--step", str(step), *_change_flags(changes)]
    launched = start_detached(argv, env={SCHEDULED_ENV: str(folder.path.parent.parent)})
    return LiveFork(launched.run_dir, launched.session_dir, launched.pid, step)


def fork_kept(run_dir: Path, step: int | None, changes: ForkChanges) -> LiveFork:
    """A fork of one of a run's kept checkpoints (the app's `f` on a run that is not live), started
    detached; beside the session's live run or queue where one holds it, as `fork_live` does."""
    from sst2_tui.core.run.fork import plan_fork
    from sst2_tui.core.run.launch import start_detached
    from sst2_tui.core.run.queue_runner import SCHEDULED_ENV

    plan = plan_fork(run_dir, step, changes, beside_holder=True)
    assert plan.config.fork is not None  # plan_fork labels every fork
    branch = plan.config.fork.branch_step
    held = plan.session.is_being_written()
    argv = ["fork", str(run_dir), "--step", str(branch), *_change_flags(changes)]
    launched = start_detached(argv, env={SCHEDULED_ENV: str(plan.session.path)} if held else None)
    return LiveFork(launched.run_dir, launched.session_dir, launched.pid, branch)


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
    for name in ("lr", "eps", "weight_decay", "patience", "epochs", "schedule", "lora_dropout"):
        value = getattr(changes, name)
        if value is not None:
            flags += [f"--{name.replace('_', '-')}", value if isinstance(value, str) else repr(value)]
    return flags
