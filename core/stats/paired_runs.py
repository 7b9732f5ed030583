"""Did the change help? Two single runs (a fork and its parent) compared sentence by sentence.

**The estimand**, in one sentence: the difference in accuracy between these two trained models (the
child minus its parent, each as it ended) over sentences like the judging ones, in accuracy points.
The two models are fixed; only the sentences are a sample. So the interval is over sentences only and
says nothing about another seed: a fork and its parent share their history up to the branch point, so
one pair of runs cannot tell whether the change helps training in general (fork several seeds of the
parent and use a sweep's verdict for that).

**The interval**: Bonett & Price (2012), the adjusted Wald interval for a difference of paired
proportions: one pseudo-sentence added to each discordant cell (the sentences only one of the two got
right) and two to the total. Why this one: a fork and its parent agree on almost every sentence, so the
discordant counts are small (often 0-5 of 436), where the plain Wald interval is of zero width or
covers 80% (tests/test_paired_runs.py measures it), and Agresti-Min's half a pseudo-sentence per cell
covered 87% with 2 discordant sentences all one way. Bonett-Price kept at least 93.9% (95% typical) over
30-872 sentences, 0.2-40% discordant and every split of them, and is never of zero width. scipy has no
interval for paired proportions (statsmodels only tests McNemar's hypothesis), and three lines need no
new dependency.

**The answer**: "helped" or "hurt" where the interval excludes 0, else "no difference shown" (never
"the same": a fork's change may matter by less than the sentences can show).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

LEVEL = 0.95
ANSWERS = ("helped", "hurt", "no difference shown")


@dataclass(frozen=True)
class PairedRuns:
    """Child minus parent on the same sentences, in accuracy points."""

    sentences: int
    parent_accuracy: float
    child_accuracy: float
    difference: float
    low: float
    high: float
    only_child_right: int
    """Sentences the child got right and the parent wrong."""
    only_parent_right: int
    level: float = LEVEL

    @property
    def answer(self) -> str:
        return ANSWERS[0] if self.low > 0 else ANSWERS[1] if self.high < 0 else ANSWERS[2]


def paired_intervals(only_child: np.ndarray, only_parent: np.ndarray, sentences: np.ndarray | int,
                     level: float = LEVEL) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(estimate, low, high) in proportions for E experiments at once (the simulations), from each
    experiment's discordant counts: the Bonett-Price adjusted Wald interval."""
    n = np.asarray(sentences, dtype=float) + 2.0
    child = (np.asarray(only_child, dtype=float) + 1.0) / n
    parent = (np.asarray(only_parent, dtype=float) + 1.0) / n
    adjusted = child - parent
    half = stats.norm.ppf(0.5 + level / 2) * np.sqrt(np.maximum(child + parent - adjusted ** 2, 0.0) / n)
    estimate = (np.asarray(only_child, dtype=float) - np.asarray(only_parent, dtype=float)) / (n - 2.0)
    return estimate, adjusted - half, adjusted + half


def compare_runs(parent: np.ndarray, child: np.ndarray, level: float = LEVEL) -> PairedRuns:
    """`parent`, `child`: 0/1 correctness on the same sentences in the same order. ValueError for
    arrays that do not fit."""
    a, b = np.asarray(parent, dtype=bool), np.asarray(child, dtype=bool)
    if a.ndim != 1 or a.shape != b.shape or len(a) == 0:
        raise ValueError(f"parent ({a.shape}) and child ({b.shape}) must be scored on the same sentences")
    if not 0 < level < 1 or not math.isfinite(level):
        raise ValueError("level must be between 0 and 1")
    only_child, only_parent = int((b & ~a).sum()), int((a & ~b).sum())
    estimate, low, high = paired_intervals(np.array([only_child]), np.array([only_parent]), len(a), level)
    return PairedRuns(len(a), 100 * float(a.mean()), 100 * float(b.mean()), 100 * float(estimate[0]),
                      100 * float(low[0]), 100 * float(high[0]), only_child, only_parent, level)
