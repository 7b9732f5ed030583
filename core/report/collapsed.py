"""Runs that collapsed: a run that answers one class for (almost) every sentence has learned nothing
about the sentences (a learning rate too high is the usual cause). The verdict keeps such a run as
it scored (it is what that method and setting gave for that seed: leaving it out would flatter the
method), and names it wherever its numbers appear, so a mean of 54% is read for what it is.

A run's answers are worked out from its correctness and the sentences' labels: a run that answers
class c for every sentence is right exactly on the sentences labelled c. With two classes that is
exact (right means it answered the label, wrong the other class); with more, a run right on the
sentences of c and wrong on all others is taken to answer c (it has learned nothing else either)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

COLLAPSE_SHARE = 0.98
"""A run that answers one class for at least this share of the sentences has collapsed..."""
CLASS_SHARE_AT_MOST = 0.9
"""...unless that class is itself this common among the labels (then answering it is not a collapse)."""
CLASS_NAMES = ("negative", "positive")


@dataclass(frozen=True)
class Collapsed:
    """One run that answers one class for (almost) every sentence."""

    run_id: str
    method: str
    setting: str
    answered: str
    """The name of the class it answers (`positive`, `negative`, or the task's own)."""
    share: float
    """The share of the sentences it answers that class for."""
    judged: bool
    """Among the runs the verdict judges."""

    def text(self) -> str:
        every = "every" if self.share >= 0.9995 else f"{100 * self.share:.0f}% of the"
        return f"{self.run_id} predicts {self.answered} for {every} sentence{'s' if every != 'every' else ''}: lr too high?"


def collapsed_class(correct: np.ndarray, labels: np.ndarray) -> tuple[int, float] | None:
    """(the class, its share) where a run's 0/1 correctness on sentences with these class labels says
    it answered one class for (almost) every sentence; None for a run that did not collapse."""
    labels = np.asarray(labels, dtype=int)
    right = np.asarray(correct, dtype=bool)
    for label in sorted(set(labels.tolist()) | ({0, 1} if labels.size else set()), reverse=True):
        share = float(np.mean(right == (labels == label)))  # the share it answered `label` for
        if share >= COLLAPSE_SHARE and float(np.mean(labels == label)) <= CLASS_SHARE_AT_MOST:
            return label, share
    return None


def collapsed_runs(runs: list[tuple[str, str, str, bool, np.ndarray]], labels: np.ndarray,
                   judged: set[tuple[str, str, bool]],
                   names: tuple[str, ...] = CLASS_NAMES) -> tuple[list[Collapsed], dict[tuple[str, str, bool], int]]:
    """Of `runs` (run id, method, setting, confirmation, correctness), those that collapsed, and how
    many per (method, setting, confirmation); `judged`: the groups the verdict judges; `names`: the classes'."""
    found: list[Collapsed] = []
    counts: dict[tuple[str, str, bool], int] = {}
    for run_id, method, setting, confirmation, correct in runs:
        answered = collapsed_class(correct, labels)
        if answered is None:
            continue
        key = (method, setting, confirmation)
        counts[key] = counts.get(key, 0) + 1
        name = names[answered[0]] if answered[0] < len(names) else f"LABEL_{answered[0]}"
        found.append(Collapsed(run_id, method, setting, name, answered[1], key in judged))
    return found, counts
