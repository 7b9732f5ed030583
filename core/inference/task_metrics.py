"""A task's own metric, where it is not accuracy: GLUE scores CoLA by Matthews correlation and MRPC
and QQP by F1 of class 1 (Wang et al. 2019, as the GLUE leaderboard and `evaluate`'s `glue` metric do).

Reported beside accuracy (each evaluation, the summary, the results, the report, the trackers as
`eval/matthews_correlation` or `eval/f1`, as a Trainer's `compute_metrics` names them). Accuracy stays
the measure that chooses a run's best step and that a sweep's verdict compares: the verdict's
intervals are over sentences of a per-sentence score, which neither of these is.
"""

from __future__ import annotations

import math

TASK_METRICS = {"cola": "matthews_correlation", "mrpc": "f1", "qqp": "f1"}
"""GLUE's own metric of each task whose metric is not accuracy."""
SHORT_NAMES = {"matthews_correlation": "MCC", "f1": "F1"}
"""How a results table or the dashboard names them beside accuracy."""


def metric_value(name: str, predicted: list[int], labels: list[int]) -> float:
    """`matthews_correlation` or `f1` (of class 1) of binary answers; 0.0 where it is undefined (a
    run that answers one class: no correlation, and no F1 where it never answers 1)."""
    pairs = list(zip(predicted, labels, strict=True))
    tp = sum(1 for p, y in pairs if p == 1 and y == 1)
    tn = sum(1 for p, y in pairs if p != 1 and y != 1)
    fp = sum(1 for p, y in pairs if p == 1 and y != 1)
    fn = sum(1 for p, y in pairs if p != 1 and y == 1)
    if name == "f1":
        return 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    if name == "matthews_correlation":
        denominator = math.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
        return (tp * tn - fp * fn) / denominator if denominator else 0.0
    raise ValueError(f"no task metric named {name!r}")
