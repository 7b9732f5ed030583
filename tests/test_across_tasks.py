"""#48: the line across tasks for a pair of methods (core/stats/across_tasks.py), proved by simulation
through the verdict's own per-task intervals (the t interval and the unequal-stability guard), tasks
of different sizes, difficulties and seed spreads, 1,600 experiments a case, vectorized:

- the interval of the mean difference over these tasks covers the true mean 93-97.5% of the time
  from 5 seeds (and at least 95% at 3, where each task's interval is wider by design);
- at a true mean of 0 (one task's gap +2, another's -2) a false "better on average" within 2.5% a side;
- on a second data model (Beta sentence chances, a multiplicative seed effect), equal methods: covered;
- the words count each task's answer and say what the interval is over."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sst2_tui.core.stats.across_tasks import AcrossTasks, across_tasks, combine
from sst2_tui.core.stats.comparison import compare, estimate, intervals
from sst2_tui.core.stats.unequal_stability import guarded
from tests.simulated_correctness import BetaModel, Regime

EXPERIMENTS, CHUNK, LEVEL = 1600, 200, 0.95
TASKS = [Regime(0.05, sentences=436), Regime(0.6, sentences=200), Regime(0.3, sentences=120)]
"""Three tasks unlike each other: sentences dominating on 436 judging sentences, seeds dominating on
200, in between on 120."""


def _monte_carlo(rate: float, experiments: int) -> float:
    return 2 * math.sqrt(rate * (1 - rate) / experiments)


def _task(runs: tuple[np.ndarray, np.ndarray], rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """One task's (difference, low, high, df) per experiment, as `compare()` judges seeds alone."""
    a, b = runs
    found = estimate(a, b)
    low, high = guarded(a, b, *intervals(found, LEVEL), found.sentences_part, LEVEL, draws=500, rng=rng)
    return found.difference, low, high, found.df


def _across(tasks: list[Regime], gaps: list[float], seeds: int, rng_seed: int) -> tuple[float, float, float]:
    """(coverage of the true mean gap, a false "A better on average", a false "B better on average")."""
    rng = np.random.default_rng(rng_seed)
    shifts = [task.shift_for_gap(gap) for task, gap in zip(tasks, gaps, strict=True)]
    truth = np.mean([task.true_gap(shift) for task, shift in zip(tasks, shifts, strict=True)]) / 100
    covered = a_better = b_better = 0
    for _ in range(EXPERIMENTS // CHUNK):
        found = [_task(tuple(task.runs(rng, CHUNK, [seeds, seeds], [shift, 0.0])), rng)
                 for task, shift in zip(tasks, shifts, strict=True)]
        points, low, high, df = (np.stack([f[i] for f in found], axis=1) for i in range(4))
        _, mean_low, mean_high = combine(points, low, high, df, LEVEL)
        covered += int(((mean_low <= truth) & (truth <= mean_high)).sum())
        a_better += int((mean_low > 0).sum()) if truth <= 0 else 0
        b_better += int((mean_high < 0).sum()) if truth >= 0 else 0
    return covered / EXPERIMENTS, a_better / EXPERIMENTS, b_better / EXPERIMENTS


@pytest.mark.parametrize("tasks", [2, 3])
def test_the_mean_over_tasks_is_covered_93_to_97_5_percent_from_5_seeds(tasks):
    coverage, _, _ = _across(TASKS[:tasks], [1.0, 3.0, -1.0][:tasks], seeds=5, rng_seed=tasks)
    assert 0.93 <= coverage <= 0.975 + _monte_carlo(0.975, EXPERIMENTS), f"{tasks} tasks: {coverage:.3f}"


def test_at_3_seeds_each_tasks_wider_interval_makes_the_mean_conservative_not_short():
    coverage, _, _ = _across(TASKS, [1.0, 3.0, -1.0], seeds=3, rng_seed=7)
    assert coverage >= 0.95, f"{coverage:.3f}"


@pytest.mark.parametrize("seeds", [3, 5])
def test_gaps_that_cancel_across_tasks_give_a_false_better_on_average_within_2_5_percent(seeds):
    """One task favours A by 2 points, another B by 2: the mean over these tasks is 0."""
    _, a_better, b_better = _across(TASKS[:2], [2.0, -2.0], seeds=seeds, rng_seed=10 + seeds)
    truth = np.mean([t.true_gap(t.shift_for_gap(g)) for t, g in zip(TASKS[:2], [2.0, -2.0], strict=True)])
    assert abs(truth) < 0.2, f"the tasks' true gaps cancel ({truth:.2f} points)"
    bound = 0.025 + _monte_carlo(0.025, EXPERIMENTS) + 0.01  # the truth is within 0.2 points of 0, not exactly 0
    assert a_better <= bound and b_better <= bound, f"{seeds} seeds: {a_better:.3f}, {b_better:.3f}"


def test_on_a_second_data_model_equal_methods_across_tasks_are_covered():
    rng = np.random.default_rng(21)
    models = [BetaModel((0.4, 0.4), sentences=436), BetaModel((0.1, 0.1), sentences=150), BetaModel((0.8, 0.8), sentences=300)]
    covered = 0
    for _ in range(EXPERIMENTS // CHUNK):
        found = [_task(tuple(model.runs(rng, CHUNK, [5, 5])), rng) for model in models]
        points, low, high, df = (np.stack([f[i] for f in found], axis=1) for i in range(4))
        _, mean_low, mean_high = combine(points, low, high, df, LEVEL)
        covered += int(((mean_low <= 0) & (mean_high >= 0)).sum())
    assert 0.93 <= covered / EXPERIMENTS <= 0.985, f"{covered / EXPERIMENTS:.3f}"


def test_the_line_counts_each_tasks_answer_and_says_what_its_interval_is_over():
    rng = np.random.default_rng(4)
    per_task = []
    for name, task, gap in (("sst2", TASKS[0], 6.0), ("rte", TASKS[1], 6.0), ("cola", TASKS[2], 0.0)):
        a, b = task.runs(rng, 1, [5, 5], [task.shift_for_gap(gap), 0.0])
        per_task.append((name, compare(a[0], b[0], a_name="lora", b_name="full")))
    line = across_tasks(per_task)
    assert isinstance(line, AcrossTasks) and line.tasks == ("sst2", "rte", "cola")
    assert line.points == pytest.approx(np.mean([c.points for _, c in per_task]))
    said = line.sentence()
    assert said.startswith("across 3 tasks: lora is better on ")
    assert said.endswith("(over the seeds and sentences of these tasks, not over tasks not tried)")
    assert "on average over these 3 tasks" in said
    a, b = TASKS[0].runs(rng, 1, [2, 5], [0.0, 0.0])
    few = compare(a[0], b[0], a_name="lora", b_name="full")
    assert math.isnan(across_tasks([("sst2", few), *per_task[1:]]).low), "a task without an interval: none for the mean"


def test_the_answers_are_counted_with_the_one_ahead_first_and_neither_said_plainly():
    def line(*decisions: str) -> AcrossTasks:
        return AcrossTasks("full", "lora", tuple(f"t{i}" for i in range(len(decisions))), decisions, -1.0, -3.0, 1.0, 0.95)

    assert line("b better", "not resolved").counted() == "lora is better on 1 of 2 tasks, full on none; can't tell on 1"
    assert line("a better", "b better", "a better").counted() == "full is better on 2 of 3 tasks, lora on 1"
    assert line("not resolved", "equivalent").counted() == (
        "neither is better on any of the 2 tasks; practically the same on 1, can't tell on 1")
    assert line("not resolved", "equivalent").decision == "not resolved"
