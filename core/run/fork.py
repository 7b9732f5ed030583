"""`sst2-tui fork RUN_DIR`: a new run in the same session that starts from one of RUN_DIR's
checkpoints (its weights, optimizer and schedule state, data position and random generators, as a
resume does) with some settings changed, so that "did the change help?" can be asked of two runs
that share their history up to the branch point.

A fork with nothing changed repeats its parent from the branch step on (the same losses on CPU: the
resume machinery is bit-exact). A change of lr or eps is applied at the branch step as a control
command, recorded in the fork's events as any mid-run change is; what a checkpoint's weights and data
position depend on cannot change at a branch point (`sst2-tui fork` offers no flag for it).
The parent is only read; its session must not be held by a live run or queue (forking a live run at
its next step is still to come, #49).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sst2_tui.core.config import ForkLabel, RunConfig, format_rate
from sst2_tui.core.controls import Command, eps_command, lr_command
from sst2_tui.core.errors import UserError
from sst2_tui.core.storage.checkpoint_state import load_state
from sst2_tui.core.storage.checkpoints import list_checkpoints, verify
from sst2_tui.core.storage.sessions import RunFolder, Session
from sst2_tui.core.storage.validated import read_config


@dataclass(frozen=True)
class ForkPlan:
    config: RunConfig
    """The fork's config: the parent's, with the fork label (and the changed values, for the record)."""
    session: Session
    checkpoint: Path
    """The parent's checkpoint the fork starts from."""
    commands: list[Command]
    """The changes, applied at the branch step (before the fork's first step)."""


def plan_fork(run_dir: Path, step: int | None = None, lr: float | None = None, eps: float | None = None) -> ForkPlan:
    """Read-only: the parent's config and the checkpoint to start from. UserError, in one line naming
    the folder, step or file, where there is none to fork."""
    folder = RunFolder(Path(run_dir))
    if not folder.config_path.is_file():
        raise UserError(f"fork {run_dir}: no config.json there; give a run folder such as sessions/NAME/runs/01-full")
    parent, problem = read_config(folder.config_path)
    if parent is None:
        raise UserError(f"fork {run_dir}: {problem}")
    if parent.method == "evaluate":
        raise UserError(f"fork {run_dir}: an evaluate run trains nothing; fork a training run")
    checkpoint = _checkpoint(folder, step)
    saved = load_state(checkpoint)
    branch_step = saved.step
    if saved.epoch is not None and saved.epoch >= parent.epochs - 1e-9:
        raise UserError(f"fork {run_dir}: step {branch_step} is where it ended (epoch {saved.epoch:g} of {parent.epochs:g}); "
                        "nothing is left to train from there: give an earlier --step")
    changed, commands = [], []
    resolved = parent.resolved()  # the values the parent trained with (a default lr is the method's)
    if lr is not None:
        changed.append(f"lr {format_rate(resolved.lr)} -> {format_rate(lr)}")
        commands.append(lr_command(lr))
    if eps is not None:
        changed.append(f"eps {format_rate(resolved.eps)} -> {format_rate(eps)}")
        commands.append(eps_command(eps))
    config = parent.replace(fork=ForkLabel(parent=folder.run_id, branch_step=branch_step, changed=changed),
                            sweep=None,  # a fork is its own setting, never another seed of its parent's
                            lr=parent.lr if lr is None else lr, eps=parent.eps if eps is None else eps)
    session = Session.open(folder.path.parent.parent)
    if session.is_being_written():  # a live `run` (or the session's queue runner) holds it until it ends
        raise UserError(f"fork {run_dir}: its session is being written by a live run or queue ({folder.holder() or 'another process'}); "
                        "fork once it has ended (forking a live run is still to come)")
    return ForkPlan(config, session, checkpoint, commands)


def _checkpoint(folder: RunFolder, step: int | None) -> Path:
    """The complete checkpoint at `step` (None: the newest that verifies)."""
    kept = list_checkpoints(folder.checkpoints)
    if not kept:
        raise UserError(f"fork {folder.path}: it has no checkpoint to start from (a run saves one every "
                        "--save-every steps and at its end)")
    if step is None:
        problems = []
        for _, path in reversed(kept):
            if (problem := verify(path)) is None:
                return path
            problems.append(problem)
        raise UserError(f"fork {folder.path}: no complete checkpoint ({problems[0]})")
    steps = [number for number, _ in kept]
    if step not in steps:
        raise UserError(f"fork --step {step}: {folder.path} keeps checkpoints at step(s) {', '.join(map(str, steps))}; "
                        "give one of those")
    path = dict(kept)[step]
    if (problem := verify(path)) is not None:
        newer = [n for n, p in kept if verify(p) is None]
        offer = f"; step {newer[-1]} is complete" if newer else ""
        raise UserError(f"fork --step {step}: {problem}{offer}")
    return path
