"""One line across tasks for a pair of methods (#48's sweep across tasks): on how many tasks each
answer came out, and the mean of the per-task differences with an interval.

**What the interval is over.** The tasks are fixed, not sampled: the estimand is the mean, over
*these* tasks, of each task's difference in expected accuracy (over training seeds and sentences like
that task's). Its interval holds its level over the seeds' luck and the choice of sentences within
each task; it says nothing about tasks one might add (with 2-8 tasks there is no defensible variance
*between* tasks, and GLUE's own average is over its fixed tasks too).

**How.** Tasks share no runs and no sentences, so their estimates are independent: the mean's
variance is the sum of the tasks' variances over T². Each task's variance is read back from its own
interval (`Comparison`: half its width over its t quantile), so whatever widened a task's interval
(the unequal-stability guard, the one-sentence floor) widens the mean's too; the degrees of freedom
are Welch-Satterthwaite's over the tasks. Where a task's interval is asymmetric (the guard's pivotal
one), the wider side is taken. Tested by simulation (tests/test_across_tasks.py): tasks of different
sizes, difficulties and seed spreads, on two data models, 3 and 5 seeds, two and three tasks.

Why not a meta-analysis with a between-task variance (DerSimonian-Laird, the Hartung-Knapp
interval): it answers "what would a new task show", which needs many tasks to estimate and is not
what a fixed benchmark reports; with 2-4 tasks its interval is unbounded or meaningless."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from scipy import stats


class Judged(Protocol):
    """What the line needs of a task's comparison of the pair (a `Comparison`, or a sweep's `PairVerdict`)."""

    @property
    def a_name(self) -> str: ...
    @property
    def b_name(self) -> str: ...
    @property
    def points(self) -> float: ...
    @property
    def low(self) -> float: ...
    @property
    def high(self) -> float: ...
    @property
    def df(self) -> float: ...
    @property
    def level(self) -> float: ...
    @property
    def family_level(self) -> float: ...
    @property
    def decision(self) -> str: ...


def combine(points: np.ndarray, low: np.ndarray, high: np.ndarray, df: np.ndarray,
            level: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Vectorized (experiments x tasks, in proportions or points alike): each task's difference, its
    interval at `level` and its degrees of freedom -> the mean over tasks and its interval at `level`."""
    quantile = stats.t.ppf(0.5 + level / 2, np.maximum(df, 1.0))
    half = np.maximum(points - low, high - points)
    variance = (half / quantile) ** 2
    tasks = points.shape[-1]
    total = variance.sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        combined_df = total ** 2 / (variance ** 2 / np.maximum(df, 1.0)).sum(axis=-1)
    combined_df = np.where(np.isfinite(combined_df) & (combined_df > 0), combined_df, 1e6)
    mean = points.mean(axis=-1)
    spread = stats.t.ppf(0.5 + level / 2, combined_df) * np.sqrt(total) / tasks
    return mean, mean - spread, mean + spread


@dataclass(frozen=True)
class AcrossTasks:
    """A pair of methods over several tasks: the answers counted, and the mean difference."""

    a_name: str
    b_name: str
    tasks: tuple[str, ...]
    decisions: tuple[str, ...]
    """Each task's answer (`comparison.DECISIONS`), in `tasks`' order."""
    points: float
    """The mean over the tasks of A minus B, in accuracy points."""
    low: float
    high: float
    level: float

    @property
    def decision(self) -> str:
        """`a better`, `b better` on average over these tasks, or `not resolved` (no equivalence is claimed across tasks)."""
        if math.isfinite(self.low) and self.low > 0:
            return "a better"
        if math.isfinite(self.high) and self.high < 0:
            return "b better"
        return "not resolved"

    def counted(self) -> str:
        """"lora is better on 2 of 3 tasks, full on none; can't tell on 1" (the one ahead first)."""
        a_wins = self.decisions.count("a better")
        b_wins = self.decisions.count("b better")
        same = self.decisions.count("equivalent")
        open_ = len(self.decisions) - a_wins - b_wins - same
        first, second = ((self.a_name, a_wins), (self.b_name, b_wins))[:: 1 if a_wins >= b_wins else -1]
        parts = ([f"neither is better on any of the {len(self.tasks)} tasks"] if not a_wins + b_wins else
                 [f"{first[0]} is better on {first[1]} of {len(self.tasks)} tasks", f"{second[0]} on {second[1] or 'none'}"])
        if same:
            parts.append(f"practically the same on {same}")
        if open_:
            parts.append(f"can't tell on {open_}")
        shown = 1 if not a_wins + b_wins else 2
        return ", ".join(parts[:shown]) + ("; " + ", ".join(parts[shown:]) if parts[shown:] else "")

    def sentence(self) -> str:
        """The across-task line, with what its interval is over."""
        sure = f"{100 * self.level:.3g}% sure"
        if not math.isfinite(self.low):
            return f"across {len(self.tasks)} tasks: {self.counted()}"
        if self.low > 0 or self.high < 0:
            win = self.a_name if self.low > 0 else self.b_name
            low, high = sorted((abs(self.low), abs(self.high)))
            mean = (f"on average over these {len(self.tasks)} tasks {win} is better by about {abs(self.points):.1f} "
                    f"points ({sure} between {low:.1f} and {high:.1f})")
        else:
            mean = (f"on average over these {len(self.tasks)} tasks {self.a_name} − {self.b_name} is {self.points:+.1f} "
                    f"points ({sure} between {self.low:+.1f} and {self.high:+.1f}): can't tell which is better on average")
        return (f"across {len(self.tasks)} tasks: {self.counted()}; {mean} "
                "(over the seeds and sentences of these tasks, not over tasks not tried)")


def across_tasks(per_task: Sequence[tuple[str, Judged]]) -> AcrossTasks:
    """The line for one pair of methods from its comparison on each task (the same pair, the same
    order, each at the family's simultaneous level). A task without an interval (too few seeds)
    leaves the mean without one."""
    names = tuple(task for task, _ in per_task)
    found = [comparison for _, comparison in per_task]
    first = found[0]
    points = np.array([c.points for c in found])
    low, high = np.array([c.low for c in found]), np.array([c.high for c in found])
    level = first.level
    if not (np.isfinite(low).all() and np.isfinite(high).all()):
        mean, low_, high_ = float(points.mean()), math.nan, math.nan
    else:
        m, lo, hi = combine(points[None], low[None], high[None], np.array([c.df for c in found])[None], level)
        mean, low_, high_ = float(m[0]), float(lo[0]), float(hi[0])
    return AcrossTasks(first.a_name, first.b_name, names, tuple(c.decision for c in found), mean, low_, high_,
                       first.family_level)
