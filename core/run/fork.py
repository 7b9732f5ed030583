"""`sst2-tui fork RUN_DIR`: a new run in the same session that starts from one of RUN_DIR's
checkpoints (its weights, optimizer and schedule state, data position and random generators, as a
resume does) with some settings changed, so that "did the change help?" can be asked of two runs
that share their history up to the branch point.

A fork with nothing changed repeats its parent from the branch step on (the same losses on CPU: the
resume machinery is bit-exact). A change of lr, eps or weight decay is applied at the branch step as a
control command (`ForkLabel.applied`, sent by the method whenever it starts from the branch checkpoint),
recorded in the fork's events as any mid-run change is; patience and (with a constant schedule) epochs
are the fork's config. What a checkpoint's weights and data position depend on (`FIXED`) cannot change
at a branch point: `sst2-tui fork` refuses each such flag in one line saying why.
The parent is only read. A live parent is forked "now" (`fork --now`, cli/fork_now.py): the run saves a
checkpoint at its next step boundary and trains on; the fork starts from it in a process of its own.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sst2_tui.core.config import ConfigError, ForkLabel, RunConfig, format_rate
from sst2_tui.core.errors import UserError
from sst2_tui.core.run.queue_runner import SCHEDULED_ENV
from sst2_tui.core.storage.checkpoint_state import load_state
from sst2_tui.core.storage.checkpoints import list_checkpoints, verify
from sst2_tui.core.storage.own_files import check_own_folder
from sst2_tui.core.storage.sessions import RunFolder, Session
from sst2_tui.core.storage.validated import read_config


@dataclass(frozen=True)
class ForkChanges:
    """What a fork changes at its branch step (None: the parent's)."""

    lr: float | None = None
    eps: float | None = None
    weight_decay: float | None = None
    """Set in the optimizer at the branch step, as `lr` and `eps` are (a recorded control event)."""
    patience: int | None = None
    """Early stopping from the branch step on; 0 turns it off."""
    epochs: float | None = None
    """Where the fork ends. With a decaying schedule, the decay from the branch step's lr is spread to the new end."""
    schedule: str | None = None
    """The lr schedule from the branch step on: `constant` keeps the branch step's lr, `linear` and `cosine`
    decay from it to 0 at the end (the lr never jumps at the branch step)."""
    lora_dropout: float | None = None
    """Dropout on the LoRA branch (a LoRA parent only): it draws no weights, so it can change anywhere."""


FIXED = {"model": "its weights are the parent's model", "method": "its training state is the parent method's",
         "data": "its data position is in the parent's data", "init": "its weights are already trained",
         "lora_r": "its LoRA matrices have the parent's rank", "lora_alpha": "its LoRA scaling is in the parent's weights",
         "lora_targets": "its LoRA matrices sit on the parent's modules",
         "precision": "its weights and optimizer state are in the parent's precision",
         "batch_size": "its data position counts the parent's batches", "seed": "its random state is the parent's at the branch",
         "max_length": "its batches are the parent's", "train_subset": "its data position is in the parent's data",
         "eval_subset": "its accuracies must be on the parent's sentences to compare",
         "text_columns": "its classifier reads the parent's texts", "label_column": "its classes are the parent's",
         "validation_split": "its accuracies must be on the parent's sentences to compare"}
"""Settings a checkpoint's weights, optimizer state or data position depend on: refused at a branch point
(`sst2-tui fork --model ...`), each with why."""


@dataclass(frozen=True)
class ForkPlan:
    config: RunConfig
    """The fork's config: the parent's, with the fork label (and the changed values, for the record)."""
    session: Session
    checkpoint: Path
    """The parent's checkpoint the fork starts from."""


def plan_fork(run_dir: Path, step: int | None = None, changes: ForkChanges | None = None,
              beside_holder: bool = False) -> ForkPlan:
    """Read-only: the parent's config and the checkpoint to start from. UserError, in one line naming
    the folder, step, flag or file, where there is none to fork. A session held by a live run or queue is
    refused unless this process was started on that holder's behalf (`fork --now`: the live parent's
    session, named in SCHEDULED_ENV; `beside_holder`: the app, which starts the fork on the holder's behalf)."""
    changes = changes or ForkChanges()
    folder, parent = read_parent(run_dir)
    checkpoint = _checkpoint(folder, step)
    saved = load_state(checkpoint)
    config = fork_config(folder, parent, saved.step, changes, saved.lr)
    if saved.epoch is not None and saved.epoch >= config.epochs - 1e-9:
        more = " or more --epochs"
        raise UserError(f"fork {run_dir}: step {saved.step} is at epoch {saved.epoch:g} of {config.epochs:g}; "
                        f"nothing is left to train from there: give an earlier --step{more}")
    session = Session.open(folder.path.parent.parent)
    check_own_folder(session.path)  # the fork is written there: another user's session is refused before anything
    check_own_folder(session.runs_dir)
    if session.is_being_written() and not beside_holder and os.environ.get(SCHEDULED_ENV) != str(session.path):
        raise UserError(f"fork {run_dir}: its session is being written by a live run or queue ({folder.holder() or 'another process'}); "
                        "fork a live run with `sst2-tui fork RUN_DIR --now`, or fork this one once it has ended")
    return ForkPlan(config, session, checkpoint)


def read_parent(run_dir: Path) -> tuple[RunFolder, RunConfig]:
    """The parent's folder and config, or UserError naming what is not a run that can be forked."""
    folder = RunFolder(Path(run_dir))
    if not folder.config_path.is_file():
        raise UserError(f"fork {run_dir}: no config.json there; give a run folder such as sessions/NAME/runs/01-full")
    if folder.path.parent.name != "runs":
        # a link to a run folder kept elsewhere, or a copy outside any session: the fork would land beside it
        raise UserError(f"fork {run_dir}: {folder.path} is not inside a session (sessions/NAME/runs/NN-method); "
                        "give the run folder in its own session, not a link to it or a copy")
    parent, problem = read_config(folder.config_path)
    if parent is None:
        raise UserError(f"fork {run_dir}: {problem}")
    if parent.method == "evaluate":
        raise UserError(f"fork {run_dir}: an evaluate run trains nothing; fork a training run")
    return folder, parent


def fork_config(folder: RunFolder, parent: RunConfig, branch_step: int, changes: ForkChanges,
                branch_lr: float | None = None) -> RunConfig:
    """The fork's config (the parent's, the changes and the lineage), or UserError naming the flag.
    `branch_lr`: the lr at the branch step (its checkpoint's), set again under a new schedule or end so
    the lr goes on from there without a jump."""
    epochs = parent.epochs if changes.epochs is None else changes.epochs
    schedule = parent.schedule if changes.schedule is None else changes.schedule
    if changes.lora_dropout is not None and parent.method != "lora":
        raise UserError(f"fork --lora-dropout: {folder.path} is a {parent.method} run; only a lora run has LoRA dropout")
    resolved = parent.resolved()  # the values the parent trained with (a default lr is the method's)
    changed, applied = [], {}
    for name, old, new in (("lr", resolved.lr, changes.lr), ("eps", resolved.eps, changes.eps),
                           ("weight_decay", parent.weight_decay, changes.weight_decay)):
        if new is not None:
            changed.append(f"{name.replace('_', ' ')} {format_rate(old)} -> {format_rate(new)}")
            applied[name] = new
    reshaped = schedule != parent.schedule or (epochs != parent.epochs and schedule != "constant")
    if reshaped and "lr" not in applied and branch_lr is not None:
        applied["lr"] = branch_lr  # the new shape starts from the lr the parent had at the branch step
    patience = parent.patience if changes.patience is None else (changes.patience or None)
    if patience != parent.patience:
        changed.append(f"patience {parent.patience or 'off'} -> {patience or 'off'}")
    if epochs != parent.epochs:
        changed.append(f"epochs {parent.epochs:g} -> {epochs:g}")
    if schedule != parent.schedule:
        changed.append(f"schedule {parent.schedule} -> {schedule}")
    dropout = parent.lora_dropout if changes.lora_dropout is None else changes.lora_dropout
    if dropout != parent.lora_dropout:
        changed.append(f"lora dropout {parent.lora_dropout:g} -> {dropout:g}")
    try:
        return parent.replace(fork=ForkLabel(parent=folder.run_id, branch_step=branch_step, changed=changed, applied=applied),
                              sweep=None,  # a fork is its own setting, never another seed of its parent's
                              lr=applied.get("lr", parent.lr), eps=applied.get("eps", parent.eps),
                              weight_decay=applied.get("weight_decay", parent.weight_decay), patience=patience, epochs=epochs,
                              schedule=schedule, lora_dropout=dropout)
    except ConfigError as error:
        raise UserError(f"fork --{error.field.replace('_', '-')}: {error}") from None


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
        complete = [str(n) for n, p in kept if n != step and verify(p) is None]
        offer = f"; complete: step(s) {', '.join(complete)}" if complete else ""
        raise UserError(f"fork --step {step}: {problem}{offer}")
    return path


CHANGEABLE = ("lr", "eps", "weight-decay", "patience", "epochs", "schedule", "lora-dropout")


def parse_changes(text: str) -> ForkChanges:
    """`lr=1e-5 eps=1e-6 weight-decay=0.1 patience=3 epochs=3` (spaces or commas between; empty: an exact
    copy), as the app's fork dialog takes them. ValueError naming the word and what to type."""
    from sst2_tui.core.controls import make_command

    values: dict[str, float | int | str] = {}
    for word in text.replace(",", " ").split():
        name, equals, value = word.partition("=")
        key = name.strip().lower().replace("_", "-")
        if key.replace("-", "_") in FIXED:
            raise ValueError(f"{key} cannot change at a branch point ({FIXED[key.replace('-', '_')]})")
        if not equals or key not in CHANGEABLE:
            raise ValueError(f"{word!r}: write NAME=VALUE with NAME one of {', '.join(CHANGEABLE)}")
        if key in values:
            raise ValueError(f"{key} is given twice")
        if key in ("lr", "eps", "weight-decay"):
            kind = {"lr": "set_lr", "eps": "set_eps", "weight-decay": "set_weight_decay"}[key]
            values[key] = float(make_command(kind, value).value)  # type: ignore[arg-type]  # a value command has one
        elif key == "schedule":
            values[key] = value.strip().lower()  # checked with the config, as the flag is
        elif key == "lora-dropout":
            try:
                values[key] = float(value)
            except ValueError:
                raise ValueError(f"lora-dropout {value!r} is not a number") from None
        elif key == "patience":
            if not value.strip().isdigit():
                raise ValueError(f"patience {value!r}: a whole number of evaluations (0: off)")
            values[key] = int(value)
        else:
            try:
                values[key] = float(value)
            except ValueError:
                raise ValueError(f"epochs {value!r} is not a number") from None
    schedule = values.get("schedule")
    return ForkChanges(lr=_float(values.get("lr")), eps=_float(values.get("eps")),
                       weight_decay=_float(values.get("weight-decay")),
                       patience=int(values["patience"]) if "patience" in values else None, epochs=_float(values.get("epochs")),
                       schedule=str(schedule) if schedule is not None else None, lora_dropout=_float(values.get("lora-dropout")))


def _float(value: float | int | str | None) -> float | None:
    return None if value is None else float(value)
