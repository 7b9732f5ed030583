"""Every run of a sweep on the same sentences in the same order: each run's per-sentence correctness
at its step chosen on the tuning half, and the sentences' labels where a predictions file holds them.
The evidence every verdict and every round of a sweep that stops itself reads (`sweep_verdict.py`,
`core/sweep/adaptive.py`, `spread.py`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from sst2_tui.core.inference.evaluation_log import FILE as EVALUATIONS_FILE
from sst2_tui.core.inference.evaluation_log import read_evaluations
from sst2_tui.core.inference.saved_predictions import BEST_FILE, read_predictions
from sst2_tui.core.report.verdict import at_chosen_step, split_halves
from sst2_tui.core.stats.comparison import pooled_spread
from sst2_tui.core.storage.sessions import RunRecord


@dataclass(frozen=True)
class Aligned:
    """Every run's per-sentence correctness at its step chosen on the tuning half, in one sentence
    order (by sentence id, never by line position); or why there is none."""

    correct: dict[int, np.ndarray]
    """By `id(record)`."""
    sentences: int = 0
    chosen_on_all: int = 0
    """Runs written before per-evaluation logs: their best step was chosen on all the sentences."""
    problem: str | None = None
    labels: np.ndarray | None = None
    """Each sentence's 0/1 label in the same order, where a run's predictions file holds them (None: unknown)."""


def _evaluations(record: RunRecord) -> tuple[list[str], np.ndarray, bool, str | None]:
    """(ids, evaluations x sentences, chosen on all sentences, problem) of one run."""
    log = read_evaluations(record.folder.path)
    if log.problem:
        return [], np.zeros((0, 0)), False, f"{record.run_id}'s evaluations cannot be used ({log.problem})"
    if log.steps:
        return log.ids, log.correct, False, None
    predictions = read_predictions(record.folder.path, BEST_FILE)  # a run from before the logs
    if predictions.problem:
        return [], np.zeros((0, 0)), False, f"{record.run_id}'s predictions cannot be used ({predictions.problem})"
    if not predictions.rows:
        return [], np.zeros((0, 0)), False, f"{record.run_id} has no per-sentence results ({EVALUATIONS_FILE})"
    correctness = predictions.correctness()
    return list(correctness), np.asarray([list(correctness.values())], dtype=bool), True, None


def aligned_correctness(records: list[RunRecord]) -> Aligned:
    """Each run's step chosen on the tuning half (`core/report/verdict.at_chosen_step`), all runs in
    one sentence order; runs that scored different sentences are refused (named, with how many they share)."""
    read = {}
    for record in records:
        ids, evaluations, on_all, problem = _evaluations(record)
        if problem:
            return Aligned({}, problem=problem)
        read[id(record)] = (ids, evaluations, on_all)
    first = records[0]
    order = sorted(read[id(first)][0])
    for record in records[1:]:
        theirs = read[id(record)][0]
        if set(theirs) != set(order):
            shared = len(set(theirs) & set(order))
            return Aligned({}, problem=(
                f"{first.run_id} and {record.run_id} scored different validation sentences ({shared} shared of "
                f"{len(order)} and {len(theirs)}); every point of a sweep needs the same validation set "
                "(the same --data, --eval-subset and --data-seed)"))
    tuning, _ = split_halves(len(order))
    correct = {}
    for key, (ids, evaluations, _) in read.items():
        position = {sentence: i for i, sentence in enumerate(ids)}
        in_order = evaluations[:, [position[sentence] for sentence in order]]
        correct[key] = at_chosen_step(in_order, tuning).astype(float)
    return Aligned(correct, len(order), sum(1 for _, _, on_all in read.values() if on_all), labels=_labels(records, order))


def _labels(records: list[RunRecord], order: list[str]) -> np.ndarray | None:
    """The sentences' labels in `order`, from the first run whose best predictions hold every one."""
    for record in records:
        rows = {row.id: row.label for row in read_predictions(record.folder.path, BEST_FILE).rows}
        if rows and all(sentence in rows for sentence in order):
            return np.asarray([rows[sentence] for sentence in order], dtype=int)
    return None


def seed_spreads(arrays: Mapping[tuple[str, str, bool], list[np.ndarray]], judging: np.ndarray,
                 judged: dict[str, int]) -> dict[str, tuple[float, int]]:
    """Per method, the variance over seeds of a run's accuracy on the judging half, pooled over every
    setting's runs (each about its own mean) and its degrees of freedom; only where other runs add to
    what the judged runs alone give (`core/comparison.estimate` uses it where it is the larger)."""
    found = {}
    for method, count in judged.items():
        groups = [np.asarray([[np.asarray(run)[judging].mean() for run in runs]]) for (m, _, _), runs in arrays.items()
                  if m == method and runs]
        spread = pooled_spread(groups)
        if spread.df[0] > count - 1:
            found[method] = (float(spread.mean_square[0]), int(spread.df[0]))
    return found
