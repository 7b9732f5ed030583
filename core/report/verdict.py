"""Which method is better, honestly (#29's statistics, for sweeps over methods, settings and seeds).

The inputs are per-sentence results: for each run, which validation sentences it got right at its
best step, all runs on the same sentences in the same order.

- **Choose on one half, judge on the other.** The validation sentences are split once, by a seeded
  shuffle, into a tuning half and a judging half that never overlap. Each method's best setting is
  the one with the highest mean accuracy over seeds on the tuning half; its score is measured on
  the judging half, so picking the best of several settings does not inflate it.
- **A paired bootstrap for a difference.** Each resample draws seeds (with replacement, for each
  method) and sentences of the judging half (with replacement, the same sentences for both
  methods: a sentence's pair of predictions stays together), and takes the difference of the mean
  accuracies. The 2.5th and 97.5th percentiles of 2,000 resamples are the 95% interval. A numpy
  `Generator` with a fixed seed makes it reproducible.
- **A plain verdict.** An interval above 0 is a real win, below 0 a real loss; one that holds 0 is
  "no real difference", with how many seeds would roughly resolve a 0.5-point gap (the interval
  narrows about as one over the square root of the number of seeds).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

RESAMPLES = 2000
GAP_POINTS = 0.5
MANY_SEEDS = 50


def split_halves(sentences: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(tuning, judging) sentence indices: disjoint, together all of them, the same for a seed."""
    order = np.random.default_rng(seed).permutation(sentences)
    half = sentences // 2
    return np.sort(order[:half]), np.sort(order[half:])


def mean_accuracy(runs: Sequence[np.ndarray], indices: np.ndarray) -> float:
    """The mean over runs (seeds) of each run's accuracy on the given sentences."""
    return float(np.mean([np.asarray(run, dtype=float)[indices].mean() for run in runs]))


def choose_best(settings: Mapping[str, Sequence[np.ndarray]], tuning: np.ndarray) -> str:
    """The setting with the highest mean accuracy over its seeds on the tuning half (ties: the first)."""
    return max(settings, key=lambda name: mean_accuracy(settings[name], tuning))


@dataclass(frozen=True)
class Difference:
    """`a` minus `b` in accuracy points on the judging half, with its 95% bootstrap interval."""

    a: str
    b: str
    points: float
    low: float
    high: float
    seeds: int
    sentences: int = 0
    """Judging sentences the interval rests on."""

    @property
    def real(self) -> bool:
        return self.low > 0 or self.high < 0

    def sentence(self) -> str:
        interval = f"95% CI {self.low:.1f} to {self.high:.1f}"
        if self.low > 0:
            return f"{self.a} beats {self.b} by {self.points:.1f} points ({interval})"
        if self.high < 0:
            return f"{self.b} beats {self.a} by {-self.points:.1f} points ({interval})"
        needed = self.seeds_for(GAP_POINTS)
        if needed > MANY_SEEDS:  # the sentences, not the seeds, set the width: say so instead of a silly count
            return (f"no real difference between {self.a} and {self.b} ({interval}); on {self.sentences or 'these'} "
                    f"judging sentences no number of seeds would resolve a {GAP_POINTS:.1f}-point gap")
        return (f"no real difference between {self.a} and {self.b} ({interval}); about {needed} seeds "
                f"would resolve a {GAP_POINTS:.1f}-point gap")

    def seeds_for(self, gap: float) -> int:
        """Roughly how many seeds per method make the interval's half-width `gap` points."""
        half_width = max((self.high - self.low) / 2, 1e-9)
        return max(self.seeds + 1, math.ceil(self.seeds * (half_width / gap) ** 2))


def paired_bootstrap(a_name: str, a_runs: Sequence[np.ndarray], b_name: str, b_runs: Sequence[np.ndarray],
                     judging: np.ndarray, resamples: int = RESAMPLES, seed: int = 0) -> Difference:
    rng = np.random.default_rng(seed)
    a = np.asarray([np.asarray(run, dtype=float)[judging] for run in a_runs])  # seeds x sentences
    b = np.asarray([np.asarray(run, dtype=float)[judging] for run in b_runs])
    observed = 100 * (a.mean() - b.mean())
    differences = np.empty(resamples)
    for index in range(resamples):
        sentences = rng.integers(0, len(judging), len(judging))
        seeds_a = rng.integers(0, len(a), len(a))
        seeds_b = rng.integers(0, len(b), len(b))
        differences[index] = a[np.ix_(seeds_a, sentences)].mean() - b[np.ix_(seeds_b, sentences)].mean()
    low, high = np.percentile(100 * differences, [2.5, 97.5])
    return Difference(a_name, b_name, float(observed), float(low), float(high), min(len(a), len(b)), len(judging))
