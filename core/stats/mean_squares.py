"""The seed x sentence interaction mean square of 0/1 correctness: how much runs disagree sentence by
sentence beyond their accuracies and the sentences' difficulty. Both the verdict's interval
(`comparison.estimate`) and the unequal-stability guard (a run's own flips, taken out of its spread) use it."""

from __future__ import annotations

import numpy as np


def interaction_mean_square(y: np.ndarray) -> np.ndarray:
    """Per experiment, from `y` (E x seeds x sentences); 0 with one seed."""
    n, sentences = y.shape[1], y.shape[2]
    if n < 2:
        return np.zeros(len(y))
    centred = y - y.mean(axis=2, keepdims=True) - y.mean(axis=1, keepdims=True) + y.mean(axis=(1, 2), keepdims=True)
    return (centred ** 2).sum(axis=(1, 2)) / ((n - 1) * (sentences - 1))
