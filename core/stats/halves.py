"""The validation sentences split in two halves that never overlap: a **tuning** half, on which a
sweep chooses (each run's step, its early stop, each method's setting), and a **judging** half, on
which the verdict is measured. Nothing chosen on the judging half can inflate it.

The split is a seeded shuffle of the sentence ids in sorted order, so a run computes its own tuning
half from its validation texts, and the verdict computes the same halves from the runs' files."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

HALVES_SEED = 0
"""The shuffle's seed: the same halves for every run of a sweep (and the verdict that reads them)."""


def split_halves(sentences: int, seed: int = HALVES_SEED) -> tuple[np.ndarray, np.ndarray]:
    """(tuning, judging) sentence indices: disjoint, together all of them, the same for a seed."""
    order = np.random.default_rng(seed).permutation(sentences)
    half = sentences // 2
    return np.sort(order[:half]), np.sort(order[half:])


def tuning_mask(ids: Sequence[str], seed: int = HALVES_SEED) -> np.ndarray:
    """True for the sentences (in the order given) that are in the tuning half: the same sentences
    whatever order the ids come in, since the halves are drawn over the sorted ids."""
    ordered = sorted(ids)
    tuning = {ordered[i] for i in split_halves(len(ordered), seed)[0]}
    return np.asarray([sentence in tuning for sentence in ids], dtype=bool)
