"""Find what `--resume RUN_DIR` continues: the run's own config and its newest complete checkpoint."""

from __future__ import annotations

from pathlib import Path

from core.config import RunConfig
from core.errors import UserError
from core.storage.checkpoints import latest_complete, rotate
from core.storage.files import read_json
from core.storage.sessions import RunFolder, Session


def prepare_resume(run_dir: Path) -> tuple[RunConfig, Session, RunFolder, Path, list[str]]:
    folder = RunFolder(run_dir)
    if not folder.config_path.is_file():
        raise UserError(f"--resume {run_dir}: no config.json there; give a run folder such as sessions/NAME/runs/01-full")
    try:
        config = RunConfig.from_dict(read_json(folder.config_path))
    except (ValueError, TypeError) as error:
        raise UserError(f"{folder.config_path}: unreadable ({error})") from None
    rotate(folder.checkpoints, keep=10**6, best_step=None)  # clean up checkpoints cut short by a kill
    try:
        step, checkpoint, refused = latest_complete(folder.checkpoints)
    except FileNotFoundError as error:
        raise UserError(f"--resume {run_dir}: no complete checkpoint to resume from ({error})") from None
    del step
    session = Session.open(run_dir.parent.parent)
    return config, session, folder, checkpoint, refused
