"""What the verdict promises, proved by simulation with the structure of real data (sentences of
varying difficulty shared by the methods, seed-to-seed variation, 872 sentences; see
simulated_correctness.py), 3,200 experiments per case, vectorized:

- the 95% interval covers the true gap 93-97% of the time, at 3 and at 5 seeds, whether sentences
  dominate (runs differ by about 0.75 points) or seeds do (about 2.8 points); judged on 3 seeds alone
  (nothing pooled) it also holds the unequal-stability guard's pivotal interval, and covers 98-99.5%;
- with three equal methods, a false "better" anywhere among the three pairs at most 5% of the time;
- one seed of a method is never a verdict; runs scored on different sentences are refused.

The README's coverage and power table is this module's numbers (benchmarks/verdict_simulation.py
prints it)."""

from __future__ import annotations

import numpy as np
import pytest

from sst2_tui.core.stats.comparison import DECISIONS, compare, compare_all, decisions, estimate, intervals, judged_intervals
from tests.simulated_correctness import SEED_SD, SENTENCES, Regime

EXPERIMENTS, CHUNK = 3200, 400


def _coverage_and_power(regime: Regime, seeds: int, gap: float, rng_seed: int,
                        alone: bool = True) -> tuple[float, float, float]:
    """(coverage, how often "a better", how far runs differ in points); `alone`: as compare() judges
    seeds with nothing pooled (the unequal-stability guard included), else the t interval alone (a
    sweep whose methods' spreads are pooled over their settings)."""
    shift = regime.shift_for_gap(gap)
    truth = regime.true_gap(shift) / 100
    rng = np.random.default_rng(rng_seed)
    covered = better = 0
    spread = []
    for _ in range(EXPERIMENTS // CHUNK):
        a, b = regime.runs(rng, CHUNK, [seeds, seeds], [shift, 0.0])
        low, high = judged_intervals(a, b, rng=rng) if alone else intervals(estimate(a, b))
        covered += int(((low <= truth) & (truth <= high)).sum())
        better += int((decisions(low, high, 0.005) == DECISIONS.index("a better")).sum())
        spread.append(100 * a.mean(axis=2).std(axis=1, ddof=1).mean())
    return covered / EXPERIMENTS, better / EXPERIMENTS, float(np.mean(spread))


@pytest.mark.parametrize("regime", list(SEED_SD))
@pytest.mark.parametrize("seeds", [3, 5])
@pytest.mark.parametrize("gap", [0.0, 1.0])
def test_the_95_interval_covers_the_true_gap_93_to_97_percent(regime, seeds, gap):
    coverage, _, run_sd = _coverage_and_power(Regime(SEED_SD[regime]), seeds, gap, rng_seed=seeds * 10 + int(gap),
                                              alone=seeds >= 5)
    expected_sd = (0.5, 1.0) if regime == "sentences dominate" else (2.0, 4.0)
    assert expected_sd[0] <= run_sd <= expected_sd[1], f"the simulated regime: runs differ by {run_sd:.2f} points"
    assert 0.93 <= coverage <= 0.97, f"{regime}, {seeds} seeds, gap {gap}: coverage {coverage:.3f}"


@pytest.mark.parametrize("regime", list(SEED_SD))
def test_judged_on_3_seeds_alone_the_interval_is_wider_and_covers_98_to_99_5_percent(regime):
    """Three runs cannot show how steady a method is, so with nothing pooled the interval also holds
    the pivotal one (core/stats/unequal_stability.py): conservative by design where methods are equally
    steady, the price of holding 2.5% a side where one is far less steady (tests/test_verdict_edges.py)."""
    coverage, better, _ = _coverage_and_power(Regime(SEED_SD[regime]), 3, 1.0, rng_seed=31)
    plain, plain_better, _ = _coverage_and_power(Regime(SEED_SD[regime]), 3, 1.0, rng_seed=31, alone=False)
    assert 0.98 <= coverage <= 0.995 and coverage > plain, f"{regime}: {coverage:.3f} alone, {plain:.3f} pooled"
    assert better <= plain_better, "wider, so never more often 'better'"


@pytest.mark.parametrize("regime", list(SEED_SD))
def test_three_equal_methods_give_a_false_better_at_most_5_percent_family_wise(regime):
    rng = np.random.default_rng(7)
    regime_ = Regime(SEED_SD[regime])
    level = 1 - 0.05 / 3  # compare_all's simultaneous level for three pairs
    false = 0
    for _ in range(EXPERIMENTS // CHUNK):
        runs = regime_.runs(rng, CHUNK, [3, 3, 3], [0.0, 0.0, 0.0])
        any_better = np.zeros(CHUNK, dtype=bool)
        for i, j in ((0, 1), (0, 2), (1, 2)):
            low, high = judged_intervals(runs[i], runs[j], level)
            answer = decisions(low, high, 0.005)
            any_better |= (answer == DECISIONS.index("a better")) | (answer == DECISIONS.index("b better"))
        false += int(any_better.sum())
    assert false / EXPERIMENTS <= 0.05, f"{regime}: a false 'better' in {false / EXPERIMENTS:.3f} of experiments"


def test_compare_all_makes_every_interval_simultaneous():
    rng = np.random.default_rng(3)
    runs = Regime(0.3).runs(rng, 1, [3, 3, 3], [0.0, 0.0, 0.0])
    pairs = compare_all({"full": runs[0][0], "trainer": runs[1][0], "lora": runs[2][0]})
    assert [(c.a_name, c.b_name) for c in pairs] == [("full", "trainer"), ("full", "lora"), ("trainer", "lora")]
    assert all(abs(c.level - (1 - 0.05 / 3)) < 1e-12 for c in pairs)
    single = compare(runs[0][0], runs[1][0])
    assert pairs[0].high - pairs[0].low > single.high - single.low, "three pairs: each interval is wider than one alone"


def test_one_seed_is_never_a_verdict_about_methods():
    rng = np.random.default_rng(5)
    a, b = Regime(0.05).runs(rng, 1, [1, 3], [Regime(0.05).shift_for_gap(3.0), 0.0])
    result = compare(a[0], b[0], a_name="lora", b_name="full")
    assert result.decision == "not resolved" and np.isnan(result.low)
    assert "compares two runs, not two methods" in result.sentence()


def test_runs_scored_on_different_sentences_are_refused():
    with pytest.raises(ValueError, match="same sentences"):
        compare(np.ones((3, 872)), np.ones((3, 436)))
    with pytest.raises(ValueError, match="0 or 1"):
        compare(np.full((3, 10), 0.5), np.ones((3, 10)))


def test_a_clear_win_an_equivalence_and_a_tie_read_as_three_answers():
    rng = np.random.default_rng(11)
    regime = Regime(0.0, sentences=40_000)  # many sentences and steady seeds: a narrow interval
    win_a, win_b = regime.runs(rng, 1, [8, 8], [regime.shift_for_gap(2.0), 0.0])
    win = compare(win_a[0], win_b[0], a_name="lora", b_name="full")
    assert win.decision == "a better" and win.low > 0 and "lora is better than full by about 2" in win.sentence()
    assert "lora − full" in win.sentence() and win.p_a_better > 0.9
    same_a, same_b = regime.runs(rng, 1, [5, 5], [0.0, 0.0])
    same = compare(same_a[0], same_b[0], margin=0.5)
    assert same.decision == "equivalent" and same.low > -0.5 and same.high < 0.5
    # seeds that disagree by 10 points: the interval holds 0 and reaches beyond the margin
    tie = compare(_rows([0.80, 0.90, 0.85], 200), _rows([0.88, 0.82, 0.86], 200))
    assert tie.decision == "not resolved" and tie.low < 0 < tie.high
    assert tie.sentence().startswith("can't tell yet whether a or b is better: a − b is somewhere between")


def _rows(accuracies: list[float], sentences: int) -> np.ndarray:
    """One run per accuracy: its first round(accuracy x sentences) sentences right."""
    return np.array([np.arange(sentences) < round(accuracy * sentences) for accuracy in accuracies], dtype=float)


def test_the_seeds_planner_says_when_no_number_of_seeds_resolves_the_margin():
    rng = np.random.default_rng(13)
    regime = Regime(0.05, sentences=436)  # the sentences dominate: seeds cannot narrow it enough
    a, b = regime.runs(rng, 1, [3, 3], [0.0, 0.0])
    result = compare(a[0], b[0], margin=0.2)
    assert result.seeds_needed is None and result.sentences_needed > 436 and result.margin_reachable > 0.2
    assert "no sensible number of seeds" in result.plan() and "all the validation sentences" in result.plan()
    seedy = Regime(0.6, sentences=SENTENCES)  # the seeds dominate: more seeds narrow it
    a, b = seedy.runs(rng, 1, [3, 3], [0.0, 0.0])
    planned = compare(a[0], b[0], margin=2.0)
    assert planned.seeds_needed is not None and 3 < planned.seeds_needed < 60
    # the plan is right: at a true gap of the margin, that many seeds tell "a better" about 80% of the time
    shift = seedy.shift_for_gap(2.0)
    more_a, more_b = seedy.runs(rng, 400, [planned.seeds_needed] * 2, [shift, 0.0])
    low, high = judged_intervals(more_a, more_b)
    power = (decisions(low, high, 0.0) == DECISIONS.index("a better")).mean()
    assert 0.6 <= power <= 0.95, f"{planned.seeds_needed} seeds: power {power:.2f} at the margin"


def test_before_a_sweep_it_says_the_smallest_gap_its_grid_can_tell():
    from sst2_tui.core.stats.seed_planner import detectable_gap
    from sst2_tui.core.sweep.grid import build_grid, parse_listed
    from sst2_tui.core.sweep.start import planned_power

    def grid(methods: str, seeds: list[int], data: str = "sst2", lr: list[str] | None = None) -> list:
        axes = {"method": parse_listed("--method", [methods]), "model": parse_listed("--model", ["demo"]),
                "data": parse_listed("--data", [data])}
        if lr:
            axes["lr"] = parse_listed("--lr", lr)
        return build_grid(axes, seeds)

    said = planned_power(grid("full,lora", [0, 1, 2], lr=["full=1e-5,3e-5", "lora=1e-4,3e-4"]), 3)
    assert said is not None and "with 3 seed(s) per method judged and 436 judging sentences" in said
    assert f"about {detectable_gap(3, 436):.1f} points (80% power)" in said, "spreads pooled over the settings"
    alone = planned_power(grid("full,lora", [0, 1, 2]))
    assert alone == ("with 3 seed(s) per method judged and 436 judging sentences it tells only large gaps apart: 3 runs "
                     "of full or lora (each given one setting) cannot show how steady they are; 5 seeds of each "
                     f"(--seeds 0,1,2,3,4) would tell about {detectable_gap(5, 436):.1f} points (80% power)")
    assert "tells methods apart by about" in (planned_power(grid("full,lora", [0, 1, 2, 3, 4])) or "")
    assert planned_power(grid("full", [0, 1, 2])) is None, "one method: nothing to tell apart"
    assert planned_power(grid("full,lora", [0], data="my/reviews")) is None, "an unknown validation size is not guessed"
    assert "150 judging sentences" in (planned_power(grid("full,lora", [0], data="demo")) or ""), "the demo's is known"
    assert detectable_gap(10, 436) < detectable_gap(3, 436) == detectable_gap(1, 436), "below 3 seeds: planned as 3"
    floor = 2.8 * 100 * ((0.08 - 0.05) / 436) ** 0.5
    assert detectable_gap(100, 436) > floor * 0.99, "the sentences set a floor seeds cannot pass"
