"""Budget curves (Dodge et al. 2019, "Show Your Work"): per method, the best validation accuracy one
expects to have found after trying n of its grid points, against n and against device-hours. A
method that wins with 12 settings may lose with 2; the curves say which wins at the budget a user has.

The estimator is Tang et al. 2020's: the expected maximum of n points drawn *without* replacement from
the N that ran, which is unbiased for it (Dodge et al.'s with-replacement formula is biased downward,
most for n near N: its n draws may repeat a point, so their best is often below the best of N
distinct ones; at n = N it gives less than the best that ran). With the N accuracies sorted,
v(1) <= ... <= v(N):

    E[max of n] = sum over i = n..N of v(i) * C(i-1, n-1) / C(N, n)

n = 1 gives the mean, n = N the best. Hours: n times the method's mean device-hours per grid run.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


def expected_best(values: Sequence[float], n: int) -> float:
    """The expected best of `n` of `values` drawn without replacement (1 <= n <= len(values))."""
    ordered = np.sort(np.asarray(values, dtype=float))
    total = len(ordered)
    if not 1 <= n <= total:
        raise ValueError(f"n={n} is not between 1 and {total}")
    weights = np.asarray([math.comb(i - 1, n - 1) for i in range(n, total + 1)], dtype=float) / math.comb(total, n)
    return float(weights @ ordered[n - 1:])


@dataclass(frozen=True)
class BudgetCurve:
    """One method's expected best validation accuracy after 1, 2, ... N of its grid points."""

    method: str
    expected: list[float]
    """`expected[n - 1]`: after n points."""
    hours_per_point: float
    """Mean device-hours of one of its grid points (training and evaluation)."""

    @property
    def points(self) -> int:
        return len(self.expected)

    def at_hours(self, hours: float) -> float | None:
        """The expected best after as many points as `hours` pays for (None: not one)."""
        affordable = math.floor(hours / self.hours_per_point + 1e-9) if self.hours_per_point > 0 else self.points
        return self.expected[min(affordable, self.points) - 1] if affordable >= 1 else None


def budget_curve(method: str, accuracies: Sequence[float], hours_per_point: float) -> BudgetCurve:
    return BudgetCurve(method, [expected_best(accuracies, n) for n in range(1, len(accuracies) + 1)], hours_per_point)


def _leader_runs(a: BudgetCurve, b: BudgetCurve) -> list[tuple[float, int]]:
    """(budget in points, +1 a ahead / -1 b ahead / 0 level) at each number of points both have."""
    return [(float(n), int(np.sign(round(a.expected[n - 1] - b.expected[n - 1], 6))))
            for n in range(1, min(a.points, b.points) + 1)]


def _leader_hours(a: BudgetCurve, b: BudgetCurve) -> list[tuple[float, int]]:
    budgets = sorted({n * c.hours_per_point for c in (a, b) for n in range(1, c.points + 1)})
    found = []
    for hours in budgets:
        ours, theirs = a.at_hours(hours), b.at_hours(hours)
        if ours is not None and theirs is not None:
            found.append((hours, int(np.sign(round(ours - theirs, 6)))))
    return found


def _said(a: str, b: str, leads: list[tuple[float, int]], unit: str, shown) -> str:
    signs = [sign for _, sign in leads if sign]
    if not leads:
        return f"{a} and {b} have no {unit} budget in common"
    if not signs:
        return f"{a} and {b} are level at every {unit} budget"
    if all(sign == signs[0] for sign in signs):
        how = "ahead" if len(signs) == len(leads) else "ahead or level"
        return f"{a if signs[0] > 0 else b} is {how} at every {unit} budget ({shown(leads[0][0])} to {shown(leads[-1][0])})"
    first = next(sign for sign in signs)
    flip = next(budget for budget, sign in leads if sign and sign != first)
    return (f"the curves cross: {a if first > 0 else b} is ahead below {shown(flip)}, "
            f"{b if first > 0 else a} from {shown(flip)} on")


def crossing_sentences(curves: list[BudgetCurve]) -> list[str]:
    """For each pair of methods, in points tried and in device-hours: who is ahead, or where the curves cross."""
    found = []
    for i, a in enumerate(curves):
        for b in curves[i + 1:]:
            by_points = _said(a.method, b.method, _leader_runs(a, b), "grid-point", lambda n: f"{n:.0f} point(s)")
            by_hours = _said(a.method, b.method, _leader_hours(a, b), "device-hour", lambda h: f"{h:.3g} device-hours")
            found.append(f"By grid points tried, {by_points}; by device-hours, {by_hours}.")
    return found
