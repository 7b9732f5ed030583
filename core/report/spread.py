"""What a finished sweep measured about its runs, for planning the next one (`sweep --plan-from`):
how far runs of one setting lie apart from seed to seed, on what share of sentences runs of two
methods disagree, and on what share two seeds of one setting do. These are the numbers the seeds
planner (`core/comparison.detectable_gap`) otherwise takes as stated defaults (1 point; 8%; 5%)."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

import numpy as np

from sst2_tui.core.errors import UserError
from sst2_tui.core.report.aligned import aligned_correctness
from sst2_tui.core.storage.sessions import Session, load_run
from sst2_tui.core.summary import Status
from sst2_tui.core.sweep_label import sweep_label


@dataclass(frozen=True)
class Spread:
    seed_sd_points: float
    """The pooled standard deviation over seeds of a run's accuracy, within each method and setting, in points."""
    disagreement: float
    """The mean share of sentences on which a run of one method and a run of another differ."""
    within: float
    """The mean share of sentences on which two seeds of one method and setting differ (the part of the
    disagreement that more seeds average away)."""
    sentences: int
    """The validation sentences the runs were scored on."""
    source: str
    """The session it was measured from (its folder name)."""


def measured_spread(session_path: Path) -> Spread:
    """The spread of a finished sweep's runs; one line (UserError) when it cannot be measured there."""
    try:
        session = Session.open(session_path)
    except UserError as error:
        raise UserError(f"--plan-from: {error}") from None
    labelled = [(r, label) for r in (load_run(f) for f in session.run_folders())
                if r.status == Status.FINISHED and (label := sweep_label(r.config)) is not None]
    if not labelled:
        raise UserError(f"--plan-from {session_path}: no finished sweep point there to measure the spread of runs")
    tasks = sorted({label.task for _, label in labelled})
    if len(tasks) > 1:  # each task's runs spread their own way, on sentences of their own
        raise UserError(f"--plan-from {session_path}: a sweep across {len(tasks)} tasks ({', '.join(tasks)}); plan from a "
                        "sweep of the one task you will sweep")
    aligned = aligned_correctness([r for r, _ in labelled])
    if aligned.problem:
        raise UserError(f"--plan-from {session_path}: {aligned.problem}")
    groups: dict[tuple[str, str], list[np.ndarray]] = {}
    for record, label in labelled:
        groups.setdefault((label.method, label.setting), []).append(aligned.correct[id(record)])
    variances = [(len(runs) - 1, statistics.variance(100 * float(r.mean()) for r in runs)) for runs in groups.values()
                 if len(runs) > 1]
    if not variances:
        raise UserError(f"--plan-from {session_path}: no setting there has two finished seeds; the seed-to-seed spread "
                        "needs at least two")
    pooled = (sum(df * v for df, v in variances) / sum(df for df, _ in variances)) ** 0.5
    methods: dict[str, list[np.ndarray]] = {}
    for (method, _), runs in groups.items():
        methods.setdefault(method, []).extend(runs)
    differ = [float(np.mean(a != b)) for m, n in combinations(sorted(methods), 2) for a in methods[m] for b in methods[n]]
    if not differ:
        raise UserError(f"--plan-from {session_path}: it compared one method; the disagreement between methods needs two")
    same = [float(np.mean(a != b)) for runs in groups.values() for a, b in combinations(runs, 2)]
    return Spread(pooled, statistics.fmean(differ), statistics.fmean(same), aligned.sentences, session.path.name)
