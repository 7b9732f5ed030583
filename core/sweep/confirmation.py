"""A sweep's confirmation runs (`sweep --confirm-seeds N`): after the grid, each method that was given
several settings trains its chosen one again on N fresh seeds, and the verdict judges those.

Why: the runs that chose a setting flatter it. A seed that happened to be lucky is lucky on the
tuning half and on the judging half alike, so the best of four settings judged on its own seeds
keeps about half of its seeds' luck (Bouthillier et al. 2021; #36's simulation: +0.5 points with
unstable seeds). Fresh seeds carry none of it. A method given one setting had nothing chosen: its
grid runs are judged as they are, and it gets no confirmation runs.

The seeds are new ones (after the grid's largest, and none that a run of the same setting anywhere in
the sessions folder has used: `fresh_seeds.py`), the setting the one the verdict chose on the tuning
half, the points named on from the grid's (`p013`, ...) and labelled `confirmation`."""

from __future__ import annotations

from pathlib import Path

from sst2_tui.core.config import RunConfig
from sst2_tui.core.report.sweep_verdict import SweepVerdict
from sst2_tui.core.storage.sessions import Session
from sst2_tui.core.storage.sweep_file import SweepFile, point_label
from sst2_tui.core.sweep.fresh_seeds import fresh_seeds
from sst2_tui.core.sweep.state import runs_by_point
from sst2_tui.core.sweep_label import SweepLabel

CONFIRM_LOCK = ".confirm.lock"
"""Held while confirmation runs are chosen and written: a follower and a runner never add them twice."""


def points_have_ended(session: Session, points: list[RunConfig]) -> bool:
    """Every one of the points has a run, and none is going (finished or not: a failed point does
    not hold what comes next back; `sweep --resume` can still run it again)."""
    runs = runs_by_point(session)
    for config in points:
        records = runs.get(point_label(config) or "", [])
        if not records or any(r.status.is_live for r in records):
            return False
    return True


def confirmation_points(sweep: SweepFile, verdict: SweepVerdict, sessions_dir: Path | None = None) -> list[RunConfig]:
    """The confirmation points for the settings `verdict` chose (none for a method of one setting), on
    seeds that no run of that setting in `sessions_dir` (the sweep's sessions folder) has used."""
    grid = [(config, config.sweep) for config in sweep.grid if config.sweep is not None]
    if not grid:
        return []
    first_seed = max(label.seed for _, label in grid) + 1
    number = len(sweep.points)
    added = []
    for task, part in verdict.each_task():  # a sweep across tasks chose each task's settings on its own
        for chosen in part.chosen:
            if chosen.settings < 2:
                continue
            template = next((c for c, label in grid
                             if (label.task, label.method, label.setting) == (task, chosen.method, chosen.setting)), None)
            if template is None:
                continue
            taken = {label.seed for _, label in grid}
            seeds = (fresh_seeds(sessions_dir, template, sweep.confirm_seeds, first_seed - 1, taken) if sessions_dir
                     else list(range(first_seed, first_seed + sweep.confirm_seeds)))
            for seed in seeds:
                number += 1
                label = SweepLabel(f"p{number:03d}", chosen.method, chosen.setting, seed, confirmation=True, task=task)
                added.append(template.replace(seed=seed, sweep=label))
    return added


def default_confirm_seeds(grid_seeds: int, methods: int, until_resolved: bool = False) -> int:
    """The one rule for how many confirmation seeds a sweep gets when none is asked for, used by
    `sweep` and the app's form alike (the form's own rule once wrote 101, which sweep.json's reader
    then refused): as many as the grid's seeds, at most MAX_CONFIRM_SEEDS, where methods are compared;
    none for a grid of one method (no pair to judge) or a sweep that decides its own rounds."""
    from sst2_tui.core.storage.sweep_file import MAX_CONFIRM_SEEDS

    return 0 if until_resolved or methods < 2 else min(grid_seeds, MAX_CONFIRM_SEEDS)
