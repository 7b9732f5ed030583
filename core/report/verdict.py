"""Which method is better, honestly (#29's statistics, for sweeps over methods, settings and seeds).

The inputs are per-sentence results: for each run, which validation sentences it got right at its
best step, all runs on the same sentences in the same order.

- **Choose on one half, judge on the other.** The validation sentences are split once, by a seeded
  shuffle, into a tuning half and a judging half that never overlap. Each method's best setting is
  the one with the highest mean accuracy over seeds on the tuning half; its score is measured on
  the judging half, so picking the best of several settings does not inflate it.
- **The judging half decides.** Each pair of chosen settings is compared there by
  `core/comparison.compare_all` (an interval over seeds and sentences that holds its 95%, three
  answers, the seeds that would resolve it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np


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
