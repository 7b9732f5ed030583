"""trackio, by its own conventions: the project `--tracker-project`, else the session's name; its
data where trackio keeps it (`$TRACKIO_DIR`, or a Space with `$TRACKIO_SPACE_ID`); a sweep's seeds
of one setting in one group. Pauses, controls, warnings and NaN reports are trackio alerts (the
summary's numbers are scalars; an export is not worth an alert)."""

from __future__ import annotations

from typing import Any

from sst2_tui.core.summary import Status
from sst2_tui.core.trackers.tracker import TrackedRun

QUIET = frozenset({"exported", "summary"})


def _held_steps(project: str, name: str) -> dict[str, int] | None:
    """The last step trackio's local store holds of each number of a run (a killed attempt's last ones
    may never have reached it: they are sent again); None where it cannot be read (a Space): the run's
    log decides."""
    try:
        from trackio import SQLiteStorage

        held: dict[str, int] = {}
        for row in SQLiteStorage.get_logs(project, name):
            for key in row:
                if key not in ("step", "timestamp") and isinstance(row.get("step"), int):
                    held[key] = max(held.get(key, 0), row["step"])
        return held
    except Exception:  # noqa: BLE001 - a store that cannot be read leaves the decision to the run's log
        return None


class TrackioTracker:
    name = "trackio"

    def __init__(self) -> None:
        self.run: Any = None
        self.held_steps: dict[str, int] | None = None
        """A resumed run: the last step this project's local store holds of each number (None: unknown)."""

    def start(self, run: TrackedRun) -> None:
        import trackio

        if run.resumed_from_step is not None:
            self.held_steps = _held_steps(run.project, run.run_id)

        # What it prints (a banner, its dashboard's command) is kept apart by `deliver` (core/trackers/chatter.py)
        self.run = trackio.init(project=run.project, name=run.run_id, group=run.group, config=dict(run.hyperparameters),
                                resume="allow", embed=False, auto_log_cpu=False, auto_log_gpu=False)

    def scalars(self, step: int, values: dict[str, float], wall_time: float) -> None:
        assert self.run is not None
        self.run.log(dict(values), step=step)

    def text(self, step: int, tag: str, text: str, wall_time: float) -> None:
        from trackio import AlertLevel

        assert self.run is not None
        if tag in QUIET:
            return
        level = AlertLevel.WARN if tag in ("nonfinite", "failure", "warning") else AlertLevel.INFO
        self.run.alert(title=tag, text=text, level=level, step=step)

    def finish(self, status: Status) -> None:
        if self.run is None:
            return
        from trackio import context_vars

        self.run.finish()
        context_vars.current_run.set(None)  # finished: trackio's exit hook must not finish (and print) it again
