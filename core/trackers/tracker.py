"""What every tracker adapter offers the sink, and what it is told about the run it reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from sst2_tui.core.events import Setting
from sst2_tui.core.summary import Status


@dataclass(frozen=True)
class TrackedRun:
    """A run as trackers see it: its name, where it belongs, and its settings."""

    run_id: str
    """The run folder's name (`03-lora`): the tracker's run name."""
    session: str
    """The session folder's name."""
    run_dir: Path
    """The run folder: TensorBoard's log dir goes inside it unless told otherwise."""
    project: str
    """MLflow's experiment and trackio's project: `--tracker-project`, else the session's name."""
    group: str | None = None
    """A sweep point's method and setting (`lora lr=3e-4`): its seeds are grouped under it."""
    hyperparameters: dict[str, Setting] = field(default_factory=dict)
    """The effective settings, library defaults included, and what the run was (method, device...)."""
    tags: dict[str, str] = field(default_factory=dict)
    """Short labels: method, model, sweep point, status at the end."""
    resumed_from_step: int | None = None
    """A resumed run: the checkpoint's step it goes on from (TensorBoard purges its later events)."""


class Tracker(Protocol):
    """One tracker. Each call may raise: the sink says so once and stops calling it."""

    name: str

    def start(self, run: TrackedRun) -> None: ...

    def scalars(self, step: int, values: dict[str, float], wall_time: float) -> None: ...

    def text(self, step: int, tag: str, text: str, wall_time: float) -> None: ...

    def finish(self, status: Status) -> None: ...
