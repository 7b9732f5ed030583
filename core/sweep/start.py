"""A sweep begins: a session of its own, its `sweep.json`, and (run here) its points in the queue.
What `sst2-tui sweep` and the app's form (comma lists in its fields) both do."""

from __future__ import annotations

from pathlib import Path

from sst2_tui.core.config import RunConfig
from sst2_tui.core.data.demo import VALIDATION_SIZE
from sst2_tui.core.errors import UserError
from sst2_tui.core.report.spread import Spread
from sst2_tui.core.stats.seed_planner import DEFAULT_SEED_SD_POINTS, default_margin, detectable_gap, margin_reason
from sst2_tui.core.stats.sequential import FIRST_LOOK_SEEDS, SEEDS_PER_LOOK
from sst2_tui.core.stats.unequal_stability import GUARD_SEEDS
from sst2_tui.core.storage.queue_file import NewRun, SessionQueue
from sst2_tui.core.storage.sessions import Session
from sst2_tui.core.storage.sweep_file import SlurmOptions, UntilResolved
from sst2_tui.core.sweep.state import write_sweep_file
from sst2_tui.core.sweep_label import sweep_label

SST2_VALIDATION = 872
SST2_NAMES = ("sst2", "glue", "stanfordnlp/sst2")


def create_sweep(sessions_dir: Path, name: str | None, points: list[RunConfig], parallel: int | str,
                 slurm: SlurmOptions | None = None, confirm_seeds: int = 0,
                 until_resolved: UntilResolved | None = None, margin: float | None = None) -> Session:
    """The sweep's session, with its points queued for its queue runner (with `slurm`: none queued,
    SLURM runs them). An existing session that holds runs is refused: a sweep is a session of its own."""
    session = Session.create(sessions_dir, name, label="sweep")
    if SessionQueue(session.path).items() or session.run_folders():
        raise UserError(f"sweep: {session.path} already holds runs; a sweep gets a session of its own "
                        f"(another --session, or `sweep --resume {session.path}`)")
    write_sweep_file(session.path, points, parallel, slurm, confirm_seeds, until_resolved, margin)
    if slurm is None:
        SessionQueue(session.path).add(*(NewRun(config) for config in points))
    return session


def describe_grid(points: list[RunConfig]) -> str:
    """`12 runs (4 settings of full, lora x 3 seed(s))`."""
    methods = sorted({c.method for c in points})
    labels = [label for c in points if (label := sweep_label(c)) is not None]
    settings = len({(label.method, label.setting) for label in labels})
    seeds = len({label.seed for label in labels})
    tasks = list(dict.fromkeys(label.task for label in labels))
    across = f"{len(tasks)} tasks ({', '.join(tasks)}) x " if len(tasks) > 1 else ""
    return f"{len(points)} runs ({across}{settings} settings of {', '.join(methods)} x {seeds} seed(s))"


def _settings_per_method(points: list[RunConfig]) -> dict[str, int]:
    found: dict[str, set[str]] = {}
    for config in points:
        if (label := sweep_label(config)) is not None:
            found.setdefault(label.method, set()).add(label.setting)
    return {method: len(settings) for method, settings in found.items()}


def confirmation_plan(points: list[RunConfig], confirm_seeds: int, rounds: bool = False) -> str | None:
    """What happens after the grid: which methods get confirmation runs, or that none will and what
    that costs the verdict (None when no method is given several settings). `rounds`: an
    `--until-resolved` sweep, which judges fresh seeds of each chosen setting itself."""
    several = sorted(m for m, n in _settings_per_method(points).items() if n > 1)
    if rounds:
        raced = f"races the settings of {', '.join(several)} on the tuning half; then " if several else ""
        return (f"it {raced}judges fresh seeds of each method's setting: {FIRST_LOOK_SEEDS} before its first look, "
                f"{SEEDS_PER_LOOK} more a round, until every pair is answered or the budget ends")
    if not several:
        return None
    if not confirm_seeds:
        return (f"no confirmation runs (--confirm-seeds 0): the verdict's numbers for {', '.join(several)} will include "
                "selection optimism (their settings are chosen and judged with the same seeds)")
    return (f"then {', '.join(several)} train(s) the setting chosen on the tuning half again on {confirm_seeds} fresh "
            f"seed(s) ({confirm_seeds * len(several)} more runs), and the verdict judges those")


def judging_sentences(points: list[RunConfig], spread: Spread | None = None) -> int | None:
    """The judging half's size, where it is known before a run has read the data (SST-2, the demo data,
    or the sweep planned from); None for another data set."""
    known = SST2_VALIDATION if points[0].data in SST2_NAMES else VALIDATION_SIZE if points[0].data == "demo" else None
    sentences = min(points[0].eval_subset or known, known) if known else points[0].eval_subset
    if sentences is None and spread is not None:  # the same data as the sweep it is planned from, presumably
        sentences = spread.sentences
    return None if sentences is None else sentences - sentences // 2


def planned_power(points: list[RunConfig], confirm_seeds: int = 0, spread: Spread | None = None,
                  rounds: bool = False) -> str | None:
    """What the grid can tell before it runs: the smallest gap between methods it detects with 80%
    power by the verdict's own interval (its t quantile at 3 seeds, the family's level over all pairs),
    from the seeds each method is judged on (its confirmation runs where it has several settings; an
    `--until-resolved` sweep's first look) and the spread of runs: a stated default, or `spread` as a
    finished sweep measured it (`--plan-from`). None for a grid of one method."""
    labels = [label for config in points if (label := sweep_label(config)) is not None]
    settings = _settings_per_method(points)
    if len(settings) < 2:
        return None
    grid_seeds = len({label.seed for label in labels})
    seeds = FIRST_LOOK_SEEDS if rounds else min(confirm_seeds if n > 1 and confirm_seeds else grid_seeds
                                                for n in settings.values())
    judging = judging_sentences(points, spread)
    if judging is None:  # another data set: its validation size is known once a run has read it
        return None
    pairs = len(settings) * (len(settings) - 1) // 2
    when = f"at its first look ({seeds} seeds of each)" if rounds else f"with {seeds} seed(s) per method judged"
    alone = sorted(method for method, n in settings.items() if n == 1)
    if not rounds and alone and seeds < GUARD_SEEDS:
        # nothing pooled for a method given one setting: its few runs cannot show how steady it is, and the
        # verdict's interval allows for that (core/stats/unequal_stability.py), so it tells only large gaps
        gap = (detectable_gap(GUARD_SEEDS, judging, spread.seed_sd_points, spread.disagreement, spread.within, pairs=pairs)
               if spread is not None else detectable_gap(GUARD_SEEDS, judging, pairs=pairs))
        measured = f", as {spread.source}'s runs spread" if spread is not None else ""
        whose = (f"{alone[0]} (given one setting) cannot show how steady it is" if len(alone) == 1 else
                 f"{' or '.join(alone)} (each given one setting) cannot show how steady they are")
        return (f"{when} and {judging} judging sentences it tells only large gaps apart: {seeds} runs of "
                f"{whose}; {GUARD_SEEDS} seeds of each "
                f"(--seeds {','.join(str(s) for s in range(GUARD_SEEDS))}) would tell about {gap:.1f} points (80% power"
                f"{measured})")
    if spread is not None:
        gap = detectable_gap(seeds, judging, spread.seed_sd_points, spread.disagreement, spread.within, pairs=pairs)
        return (f"{when} and {judging} judging sentences it tells methods apart by about {gap:.1f} points (80% power), "
                f"as {spread.source}'s runs spread: {spread.seed_sd_points:.2f} points from seed to seed, methods "
                f"disagreeing on {100 * spread.disagreement:.1f}% of sentences")
    gap = detectable_gap(seeds, judging, pairs=pairs)
    return (f"{when} and {judging} judging sentences it tells methods apart by about {gap:.1f} points (80% power), "
            f"if runs differ by about {DEFAULT_SEED_SD_POINTS:g} point from seed to seed")


def start_lines(points: list[RunConfig], confirm_seeds: int, spread: Spread | None, rounds: bool,
                margin: float | None) -> list[str]:
    """What a sweep says as it starts, after its size: what follows the grid, what it can tell, and
    what "practically the same" will mean (for each task of a sweep across tasks)."""
    tasks = list(dict.fromkeys(label.task for c in points if (label := sweep_label(c)) is not None))
    if len(tasks) > 1:
        lines = [f"a sweep across {len(tasks)} tasks: each task gets a verdict of its own, as a sweep of it alone would, "
                 "and each pair of methods one line across them (the mean of the tasks' differences)"]
        for task in tasks:
            own = [c for c in points if (label := sweep_label(c)) is not None and label.task == task]
            lines += [f"{task}: {line}" for line in _one_task_lines(own, confirm_seeds, None, margin)]
        return lines
    return _one_task_lines(points, confirm_seeds, spread, margin, rounds)


def _one_task_lines(points: list[RunConfig], confirm_seeds: int, spread: Spread | None, margin: float | None,
                    rounds: bool = False) -> list[str]:
    lines = [line for line in (confirmation_plan(points, confirm_seeds, rounds),
                               planned_power(points, confirm_seeds, spread, rounds)) if line is not None]
    if len(_settings_per_method(points)) < 2:
        return lines
    judging = judging_sentences(points, spread)
    methods = len(_settings_per_method(points))
    if judging is None:
        lines.append(margin_reason(margin, 0, given=True) if margin is not None else
                     "equivalent means within a margin set by the judging sentences once the first run has read them "
                     "(--margin to choose one)")
    else:
        lines.append(margin_reason(margin if margin is not None else default_margin(judging, methods * (methods - 1) // 2),
                                   judging, given=margin is not None))
    return lines
