"""Which method is better, honestly: the choices a sweep makes, made where the verdict does not judge.

The inputs are per-sentence results: for each run, which validation sentences each of its
evaluations got right, all runs on the same sentences in the same order (`core/inference/evaluation_log.py`).

- **Choose on one half, judge on the other** (`core/stats/halves.py`). The validation sentences are split
  once, by a seeded shuffle, into a tuning half and a judging half that never overlap.
- **No step leak.** Each run's step is the evaluation with the highest accuracy on the tuning half
  (the earliest on ties, as the run itself chose it for early stopping and export); the judging
  half is read only at that step. Choosing it on all sentences would add the best of several noisy
  looks to the judged score (+0.35 points with 5 evaluations on a plateau).
- **No setting leak.** Each method's setting is the one with the highest mean accuracy over its
  seeds on the tuning half, at each run's chosen step.
- **No seed leak.** A lucky seed is lucky on both halves, so the runs that chose a setting still
  flatter it; the verdict judges the chosen setting's *confirmation* runs (fresh seeds, trained after
  the grid: `sweep --confirm-seeds`), or a method's grid runs when it had one setting (nothing chosen).
- **The judging half decides**: `core/comparison.compare_all` (an interval over seeds and sentences
  that holds its 95%, three answers, the seeds that would resolve it).

Every function here is vectorized over leading axes, so the simulation tests run the same code over
thousands of simulated sweeps.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from sst2_tui.core.stats.halves import split_halves

__all__ = ["at_chosen_step", "choose_best", "chosen_steps", "mean_accuracy", "split_halves"]


def chosen_steps(evaluations: np.ndarray, tuning: np.ndarray) -> np.ndarray:
    """`evaluations[..., e, s]` (evaluation e got sentence s right) -> the index of each run's
    evaluation with the highest accuracy on the `tuning` sentences (the first of equals)."""
    return np.asarray(evaluations, dtype=float)[..., tuning].mean(axis=-1).argmax(axis=-1)


def at_chosen_step(evaluations: np.ndarray, tuning: np.ndarray) -> np.ndarray:
    """Each run's correctness on every sentence at its step chosen on the tuning half: `[..., s]`."""
    evaluations = np.asarray(evaluations)
    index = chosen_steps(evaluations, tuning)[..., None, None]
    return np.take_along_axis(evaluations, index, axis=-2)[..., 0, :]


def mean_accuracy(runs: Sequence[np.ndarray] | np.ndarray, indices: np.ndarray) -> float:
    """The mean over runs (seeds) of each run's accuracy on the given sentences."""
    return float(np.mean([np.asarray(run, dtype=float)[indices].mean() for run in runs]))


def setting_scores(runs: np.ndarray, tuning: np.ndarray) -> np.ndarray:
    """`runs[..., k, seed, s]` (setting k's seeds at their chosen steps) -> each setting's mean
    accuracy over its seeds on the tuning half, `[..., k]`."""
    return np.asarray(runs, dtype=float)[..., tuning].mean(axis=-1).mean(axis=-1)


def choose_best(settings: Mapping[str, Sequence[np.ndarray]], tuning: np.ndarray) -> str:
    """The setting with the highest mean accuracy over its seeds on the tuning half (ties: the first):
    `setting_scores` for settings that may have different numbers of seeds."""
    names = list(settings)
    scores = [float(setting_scores(np.asarray(settings[name])[None], tuning)[0]) for name in names]
    return names[int(np.argmax(scores))]
