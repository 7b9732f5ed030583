"""What `--resume RUN_DIR` continues, and whether it may.

Two steps, because a run folder may be live: `plan_resume` only reads (the run's config, its
session, whether it finished, whether config.json still matches what the run trained with);
`resume_point` runs with the session's write lock held (a live run holds it, so a refused resume
touches nothing) and only then cleans up checkpoints cut short by a kill and picks the newest
complete one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sst2_tui.core.config import RunConfig
from sst2_tui.core.errors import UserError
from sst2_tui.core.events import RunStarted
from sst2_tui.core.storage.checkpoints import complete_checkpoints, has_complete_checkpoint, rotate
from sst2_tui.core.storage.files import read_json
from sst2_tui.core.storage.sessions import RunFolder, Session, load_run
from sst2_tui.core.storage.swap import tidy
from sst2_tui.core.summary import Status

# What a checkpoint's weights, optimizer state and data position depend on: resuming with any of
# these changed would continue a different run.
MUST_MATCH = ("method", "model", "data", "init", "train_subset", "batch_size", "max_length", "seed", "data_seed",
              "lora_r", "lora_alpha", "lora_targets")


@dataclass(frozen=True)
class ResumePlan:
    config: RunConfig
    session: Session
    folder: RunFolder


def plan_resume(run_dir: Path) -> ResumePlan:
    """Read-only checks; raises UserError with one line naming the run and what to do."""
    folder = RunFolder(Path(run_dir))
    if not folder.config_path.is_file():
        raise UserError(f"--resume {run_dir}: no config.json there; give a run folder such as sessions/NAME/runs/01-full")
    try:
        saved = read_json(folder.config_path)
        if not isinstance(saved, dict):
            raise ValueError("not a JSON object")
        config = RunConfig.from_dict(saved)
    except (ValueError, TypeError) as error:
        raise UserError(f"{folder.config_path}: unreadable ({error}); restore it or start a new run") from None
    if config.method == "evaluate":
        raise UserError(f"--resume {run_dir}: an evaluate run has nothing to resume; run it again")
    session = Session.open(folder.path.parent.parent)
    check_resumable(folder, config)
    return ResumePlan(config, session, folder)


def check_resumable(folder: RunFolder, config: RunConfig) -> None:
    """Refuse a finished run (its result would be overwritten) and a config.json edited since the
    run started (its checkpoints belong to the settings it started with)."""
    record = load_run(folder)
    if record.status.is_live:
        raise UserError(f"--resume {folder.path}: this run is {record.status} ({folder.holder() or 'another process'}); "
                        "attach to it, or stop it first")
    if record.status == Status.FINISHED:
        best = record.summary.best_val_accuracy if record.summary else None
        result = f" (best validation accuracy {best:.4f})" if isinstance(best, int | float) else ""
        raise UserError(f"--resume {folder.path}: this run already finished{result}; nothing to resume. "
                        "Start a new run to train more.")
    started = record.started
    if isinstance(started, RunStarted):
        for name in MUST_MATCH:
            then, now = getattr(started.config, name), getattr(config, name)
            if then != now:
                raise UserError(f"{folder.config_path}: {name} is {_quote(now)} but the run's checkpoints were trained "
                                f"with {name} {_quote(then)}; put it back or start a new run")


def resume_point(folder: RunFolder, config: RunConfig, from_scratch: bool = False) -> tuple[list[Path], list[str]]:
    """With the session's write lock held: check again (the run may have finished meanwhile),
    drop checkpoint folders cut short by a kill, and return the complete checkpoints, newest
    first (the method uses the newest that fits its model), and why others were refused.
    `from_scratch`: a run that never saved a checkpoint (killed early) starts again from step 0 in
    its own folder; none is returned (one that has a checkpoint is refused: resume that instead)."""
    check_resumable(folder, config)
    rotate(folder.checkpoints, keep=10**6, best_step=None)
    for export in ("model", "adapter"):  # an export the kill cut short: its hidden copies go now
        from sst2_tui.core.model.loading import EXPORT_INFO  # here: loading imports torch, which the app defers

        tidy(folder.path / export, EXPORT_INFO)
    if from_scratch:
        if has_complete_checkpoint(folder.checkpoints):
            raise UserError(f"--resume {folder.path} --from-scratch: it has a complete checkpoint; "
                            "drop --from-scratch to continue from it")
        return [], []
    try:
        return complete_checkpoints(folder.checkpoints)
    except FileNotFoundError as error:
        raise UserError(f"--resume {folder.path}: no complete checkpoint to resume from ({error}); "
                        "add --from-scratch to start it again from step 0 in its folder") from None


def _quote(value: object, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
