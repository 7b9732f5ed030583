"""TensorBoard: an event file per run, by default in the run folder (`RUN_DIR/tensorboard`), so
`tensorboard --logdir SESSION_DIR` shows every run of a session; `$SST2_TUI_TENSORBOARD_DIR` puts
them under `DIR/SESSION/RUN` instead. The settings go to the HParams tab, grouped by sweep setting."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sst2_tui.core.storage.own_files import own_folder
from sst2_tui.core.summary import Status
from sst2_tui.core.trackers.tracker import TrackedRun

DIR_ENV = "SST2_TUI_TENSORBOARD_DIR"


def log_dir(run: TrackedRun, root: Path | None = None) -> Path:
    """Where a run's event files go: `root/SESSION/RUN` when a root is given (or set in the
    environment), else the run folder's `tensorboard/`."""
    chosen = root if root is not None else (Path(os.environ[DIR_ENV]) if os.environ.get(DIR_ENV) else None)
    return chosen / run.session / run.run_id if chosen is not None else run.run_dir / "tensorboard"


def own_log_dir(run: TrackedRun, root: Path | None = None) -> Path:
    """`log_dir`, made through the own-files layer: a link planted in the run folder or under the
    root, or a root that leads into another user's folder, is refused in one line, never written
    through (#46: `export-tracker` as root wrote through a planted `RUN/tensorboard` link)."""
    folder = log_dir(run, root)
    chosen = root if root is not None else (Path(os.environ[DIR_ENV]) if os.environ.get(DIR_ENV) else None)
    if chosen is None:
        return own_folder(folder, base=run.run_dir)
    chosen.mkdir(parents=True, exist_ok=True)  # the root is the user's choice: made as given, then checked
    return own_folder(folder, base=chosen)


class TensorBoardTracker:
    name = "tensorboard"
    purges_on_resume = True
    """A resumed run's writer hides every earlier event from its resume step on (`purge_step`), so the
    steps it trains again are shown once, as trained again."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root
        self.writer: Any = None

    def start(self, run: TrackedRun) -> None:
        from torch.utils.tensorboard import SummaryWriter
        from torch.utils.tensorboard.summary import hparams

        purge = None if run.resumed_from_step is None else run.resumed_from_step + 1
        self.writer = SummaryWriter(log_dir=str(own_log_dir(run, self.root)), purge_step=purge)
        settings = {key: ("none" if value is None else value) for key, value in run.hyperparameters.items()}
        if run.group is not None:
            settings["group"] = run.group
        # The HParams tab: the settings beside the accuracy this run's scalars carry under the same tags.
        # Only this run's session summaries, no experiment summary: with one, TensorBoard lists the 50-odd
        # settings by name (`activation`, `attention_mask`, ... first); without, it works the experiment out
        # from the runs and lists first the settings that differ between them, a sweep's axes.
        _, session_start, session_end = hparams(settings, {"eval/accuracy": 0.0, "eval/best_accuracy": 0.0})
        for summary in (session_start, session_end):
            self.writer.file_writer.add_summary(summary)

    def scalars(self, step: int, values: dict[str, float], wall_time: float) -> None:
        assert self.writer is not None
        for tag, value in values.items():
            self.writer.add_scalar(tag, value, step, walltime=wall_time)

    def text(self, step: int, tag: str, text: str, wall_time: float) -> None:
        assert self.writer is not None
        self.writer.add_text(tag, text, step, walltime=wall_time)

    def finish(self, status: Status) -> None:
        if self.writer is not None:
            self.writer.close()
