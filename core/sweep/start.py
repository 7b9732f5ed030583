"""A sweep begins: a session of its own, its `sweep.json`, and (run here) its points in the queue.
What `sst2-tui sweep` and the app's form (comma lists in its fields) both do."""

from __future__ import annotations

from pathlib import Path

from sst2_tui.core.comparison import DEFAULT_SEED_SD_POINTS, detectable_gap
from sst2_tui.core.config import RunConfig
from sst2_tui.core.errors import UserError
from sst2_tui.core.report.spread import Spread
from sst2_tui.core.storage.queue_file import NewRun, SessionQueue
from sst2_tui.core.storage.sessions import Session
from sst2_tui.core.storage.sweep_file import SlurmOptions, UntilResolved
from sst2_tui.core.sweep.state import write_sweep_file
from sst2_tui.core.sweep_label import sweep_label

SST2_VALIDATION = 872
SST2_NAMES = ("sst2", "glue", "stanfordnlp/sst2")


def create_sweep(sessions_dir: Path, name: str | None, points: list[RunConfig], parallel: int | str,
                 slurm: SlurmOptions | None = None, confirm_seeds: int = 0,
                 until_resolved: UntilResolved | None = None) -> Session:
    """The sweep's session, with its points queued for its queue runner (with `slurm`: none queued,
    SLURM runs them). An existing session that holds runs is refused: a sweep is a session of its own."""
    session = Session.create(sessions_dir, name, label="sweep")
    if SessionQueue(session.path).items() or session.run_folders():
        raise UserError(f"sweep: {session.path} already holds runs; a sweep gets a session of its own "
                        f"(another --session, or `sweep --resume {session.path}`)")
    write_sweep_file(session.path, points, parallel, slurm, confirm_seeds, until_resolved)
    if slurm is None:
        SessionQueue(session.path).add(*(NewRun(config) for config in points))
    return session


def describe_grid(points: list[RunConfig]) -> str:
    """`12 runs (4 settings of full, lora x 3 seed(s))`."""
    methods = sorted({c.method for c in points})
    labels = [label for c in points if (label := sweep_label(c)) is not None]
    settings = len({(label.method, label.setting) for label in labels})
    seeds = len({label.seed for label in labels})
    return f"{len(points)} runs ({settings} settings of {', '.join(methods)} x {seeds} seed(s))"


def _settings_per_method(points: list[RunConfig]) -> dict[str, int]:
    found: dict[str, set[str]] = {}
    for config in points:
        if (label := sweep_label(config)) is not None:
            found.setdefault(label.method, set()).add(label.setting)
    return {method: len(settings) for method, settings in found.items()}


def confirmation_plan(points: list[RunConfig], confirm_seeds: int) -> str | None:
    """What happens after the grid: which methods get confirmation runs, or that none will and what
    that costs the verdict (None when no method is given several settings)."""
    several = sorted(m for m, n in _settings_per_method(points).items() if n > 1)
    if not several:
        return None
    if not confirm_seeds:
        return (f"no confirmation runs (--confirm-seeds 0): the verdict's numbers for {', '.join(several)} will include "
                "selection optimism (their settings are chosen and judged with the same seeds)")
    return (f"then {', '.join(several)} train(s) the setting chosen on the tuning half again on {confirm_seeds} fresh "
            f"seed(s) ({confirm_seeds * len(several)} more runs), and the verdict judges those")


def planned_power(points: list[RunConfig], confirm_seeds: int = 0, spread: Spread | None = None) -> str | None:
    """What the grid can tell before it runs: the smallest gap between methods it detects with 80%
    power, from the seeds each method is judged on (its confirmation runs where it has several
    settings) and the spread of runs: a stated default, or `spread` as a finished sweep measured it
    (`--plan-from`). None for a grid of one method."""
    labels = [label for config in points if (label := sweep_label(config)) is not None]
    settings = _settings_per_method(points)
    if len(settings) < 2:
        return None
    grid_seeds = len({label.seed for label in labels})
    seeds = min(confirm_seeds if n > 1 and confirm_seeds else grid_seeds for n in settings.values())
    sst2 = points[0].data in SST2_NAMES
    sentences = min(points[0].eval_subset or SST2_VALIDATION, SST2_VALIDATION) if sst2 else points[0].eval_subset
    if sentences is None and spread is not None:  # the same data as the sweep it is planned from, presumably
        sentences = spread.sentences
    if sentences is None:  # another data set: its validation size is known once a run has read it
        return None
    judging = sentences - sentences // 2
    if spread is not None:
        gap = detectable_gap(seeds, judging, spread.seed_sd_points, spread.disagreement)
        return (f"with {seeds} seed(s) per method judged and {judging} judging sentences it tells methods apart by about "
                f"{gap:.1f} points (80% power), as {spread.source}'s runs spread: {spread.seed_sd_points:.2f} points from "
                f"seed to seed, methods disagreeing on {100 * spread.disagreement:.1f}% of sentences")
    gap = detectable_gap(seeds, judging)
    return (f"with {seeds} seed(s) per setting and {judging} judging sentences it tells methods apart by about "
            f"{gap:.1f} points (80% power), if runs differ by about {DEFAULT_SEED_SD_POINTS:g} point from seed to seed")
