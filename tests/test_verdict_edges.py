"""#45: the verdict at its edges, each promise proved by simulation through the verdict's own functions
(vectorized, hundreds to thousands of experiments a case, in the fast loop):

- runs that collapse to one class (which class: a coin per seed) against ordinary runs at no true gap,
  3 seeds, 100 sentences: no interval narrower than a sentence either side, a false "better" within 5%;
  and on a second data model (per-sentence chances from a Beta, a multiplicative seed effect);
- 2 seeds of a method never give an answer;
- the seeds planner keeps its word: followed after a 3-seed pilot, it finds the gap at least 80% of
  the time (within Monte Carlo error) where seeds dominate and where one method is unstable;
- the smallest detectable gap said before a sweep holds both ways where runs spread as it is told;
- P(A beats B) is given only from `ODDS_SEEDS` seeds of each;
- an early look of `--until-resolved` (at `FIRST_LOOK_SEEDS`) spends its 0.1%, where one at 3 seeds did not;
- the default margin is one that the judging sentences can resolve ("practically the same" is reachable);
- one method ten times less steady at equal expected accuracy: a false "better" within 2.5% a side
  with its spread pooled over a sweep, and with nothing to pool (the guard of
  core/stats/unequal_stability.py: from 5 seeds where the spreads differ, below always), with 3, 5
  and 10 seeds, on the logistic model and on the Beta model.

Every interval here is the one `compare()` gives (`judged_intervals`: the t interval and the guard).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit

from sst2_tui.core.stats.comparison import (
    DECISIONS,
    MIN_SEEDS,
    ODDS_SEEDS,
    compare,
    decisions,
    estimate,
    intervals,
    judged_intervals,
    pooled_spread,
)
from sst2_tui.core.stats.seed_planner import SENSIBLE_SEEDS, default_margin, detectable_gap, plan_seeds
from sst2_tui.core.stats.sequential import FIRST_LOOK_SEEDS, look_answers
from sst2_tui.core.stats.unequal_stability import GUARD_SEEDS, guarded
from tests.simulated_correctness import SEED_SD, BetaModel, Regime, collapsed_runs

CHUNK = 400
UNSTABLE = 0.25
"""Seeds of a logit s.d. 0.25: runs about 1.3 points apart."""


def _monte_carlo(rate: float, experiments: int) -> float:
    """Two standard errors of a rate measured over `experiments`."""
    return 2 * float(np.sqrt(rate * (1 - rate) / experiments))


def _false_better(low: np.ndarray, high: np.ndarray) -> np.ndarray:
    answer = decisions(low, high, 0.0)
    return (answer == DECISIONS.index("a better")) | (answer == DECISIONS.index("b better"))


# -- collapsed runs ---------------------------------------------------------------------------------------

def test_collapsed_runs_against_ordinary_ones_never_give_a_zero_width_interval_nor_a_false_better():
    """The audit's case: the old formula's variance went below zero (runs that disagree on every
    sentence, accuracies that barely differ) and an interval of zero width said "better"."""
    rng = np.random.default_rng(45)
    sentences, experiments = 100, 3200
    false = narrowest = 0.0
    narrowest = np.inf
    for _ in range(experiments // CHUNK):
        labels = (rng.random((CHUNK, 1, sentences)) < 0.5).astype(np.float32)
        a = collapsed_runs(rng, labels, 3)  # expected accuracy 0.5: a coin decides the class
        chance = expit(rng.normal(0.0, 3.0, (CHUNK, 1, sentences)) + rng.normal(0.0, 0.3, (CHUNK, 3, 1)))
        b = (rng.random(chance.shape) < chance).astype(np.float32)  # ordinary runs, expected accuracy 0.5
        low, high = judged_intervals(a, b)
        false += float(_false_better(low, high).sum())
        narrowest = min(narrowest, float((high - low).min()))
    rate = false / experiments
    assert rate <= 0.05 + _monte_carlo(0.05, experiments), f"a false 'better' in {rate:.3f} of experiments"
    assert narrowest >= 2 / sentences - 1e-9, f"an interval {100 * narrowest:.2f} points wide: narrower than a sentence"


def test_two_methods_whose_runs_all_collapse_alike_get_an_interval_a_sentence_wide_not_zero():
    labels = np.tile(np.arange(2, dtype=float), 50)
    every_positive = np.tile(labels, (3, 1))  # right on every positive sentence, wrong on every negative one
    result = compare(every_positive, every_positive.copy(), margin=1.0)
    assert result.high - result.low >= 2.0 - 1e-9 and result.decision != "a better"


@pytest.mark.parametrize("model", ["logistic", "beta"])
def test_methods_whose_seeds_sometimes_collapse_keep_a_false_better_within_5_percent(model):
    """Both methods the same process: a third of their seeds collapse, the rest are ordinary runs (of the
    logistic model the verdict was tuned on, or of the Beta model)."""
    rng = np.random.default_rng(7 if model == "logistic" else 8)
    sentences, experiments = 436, 2400
    false = 0
    for _ in range(experiments // CHUNK):
        labels = (rng.random((CHUNK, 1, sentences)) < 0.5).astype(np.float32)
        if model == "logistic":
            ordinary = Regime(SEED_SD["seeds dominate"], sentences=sentences).runs(rng, CHUNK, [5, 5], [0.0, 0.0])
        else:
            ordinary = BetaModel((0.3, 0.3), sentences=sentences).runs(rng, CHUNK, [5, 5])
        a, b = (collapsed_runs(rng, labels, 5, collapse=1 / 3, ordinary=runs) for runs in ordinary)
        false += int(_false_better(*judged_intervals(a, b)).sum())
    rate = false / experiments
    assert rate <= 0.05 + _monte_carlo(0.05, experiments), f"{model}: a false 'better' in {rate:.3f}"


@pytest.mark.parametrize("seeds", [3, 5])
def test_on_a_second_data_model_the_interval_still_covers_a_true_gap_of_0(seeds):
    """Beta-distributed sentence chances and a multiplicative seed effect: not the logistic model the
    interval was checked on first. Equal methods, so the truth is exactly 0."""
    rng = np.random.default_rng(seeds)
    experiments, covered = 3200, 0
    for _ in range(experiments // CHUNK):
        a, b = BetaModel((0.4, 0.4), sentences=436).runs(rng, CHUNK, [seeds, seeds])
        low, high = judged_intervals(a, b)
        covered += int(((low <= 0) & (high >= 0)).sum())
    highest = 0.975 if seeds >= GUARD_SEEDS else 0.995  # below, the guard's pivotal interval always (conservative)
    assert 0.93 <= covered / experiments <= highest, f"{seeds} seeds: coverage {covered / experiments:.3f}"


# -- seeds ------------------------------------------------------------------------------------------------

def test_two_seeds_of_a_method_never_give_an_answer():
    rng = np.random.default_rng(2)
    regime = Regime(SEED_SD["seeds dominate"], sentences=100)
    a, b = regime.runs(rng, 1, [2, 2], [regime.shift_for_gap(8.0), 0.0])
    result = compare(a[0], b[0], a_name="lora", b_name="full")
    assert MIN_SEEDS == 3 and result.decision == "not resolved" and np.isnan(result.low)
    assert result.headline() == ("can't tell yet: 2 seeds of full are too few to compare methods; "
                                 "run at least 3 seeds of each")
    many = np.tile(b[0], (4, 1))
    assert compare(a[0], many).decision == "not resolved", "2 seeds of one method is too few, however many of the other"


def _follow_the_plan(regime: Regime, gap: float, pilots: int, rng: np.random.Generator) -> tuple[float, float]:
    """(how often the advice, followed, finds the gap; the mean seeds advised): a 3-seed pilot of each
    method, the planner's seeds for a `gap`-point gap, then that many fresh seeds judged."""
    shift = regime.shift_for_gap(gap)
    a, b = regime.runs(rng, pilots, [3, 3], [shift, 0.0])
    found = estimate(a, b)
    advised = plan_seeds(gap, found.seeds_variance, found.sentence_variance, regime.sentences, pilot_df=4,
                         flips=found.flips)
    hits = 0
    for seeds in np.unique(advised[advised > 0]):
        count = int((advised == seeds).sum())
        more_a, more_b = regime.runs(rng, count, [int(seeds)] * 2, [shift, 0.0])
        low, _ = judged_intervals(more_a, more_b)
        hits += int((low > 0).sum())
    given = int((advised > 0).sum())
    assert given >= 0.8 * pilots, f"advice given after only {given} of {pilots} pilots"
    return hits / given, float(advised[advised > 0].mean())


@pytest.mark.parametrize(("seed_sd", "gap"), [(SEED_SD["seeds dominate"], 3.0), (SEED_SD["seeds dominate"], 4.0),
                                              (UNSTABLE, 1.5), (SEED_SD["sentences dominate"], 2.0)])
def test_the_seeds_planner_followed_after_a_3_seed_pilot_finds_the_gap_80_percent_of_the_time(seed_sd, gap):
    """The audit's case: following "about N seeds of each would tell it (80% power)" after a 3-seed
    pilot found the gap 53-64% of the time (the pilot's seed variance plugged in). Where sentences
    dominate the plan errs on the safe side (about 87%), never below."""
    pilots = 1200
    found, mean_seeds = _follow_the_plan(Regime(seed_sd, sentences=436), gap, pilots, np.random.default_rng(int(10 * gap)))
    print(f"seed s.d. {seed_sd}, gap {gap}: found {found:.3f}, {mean_seeds:.1f} seeds advised on average")
    assert 0.8 - _monte_carlo(0.8, pilots) - 0.01 <= found <= 0.95, f"found {found:.3f}"


def _spread_of(regime: Regime, rng: np.random.Generator, gap: float) -> tuple[float, float, float]:
    """What `detectable_gap` is told, as runs of two methods `gap` points apart spread: the s.d. of a
    run's accuracy over seeds (points, pooled over the two), the share of sentences two methods' runs
    answer differently, and that two seeds of one method do."""
    a, b = regime.runs(rng, 800, [4, 4], [regime.shift_for_gap(gap), 0.0])
    variances = [runs.mean(axis=2).var(axis=1, ddof=1).mean() for runs in (a, b)]
    within = [float((runs[:, 0] != runs[:, 1]).mean()) for runs in (a, b)]
    return 100 * float(np.sqrt(np.mean(variances))), float((a[:, 0] != b[:, 0]).mean()), float(np.mean(within))


@pytest.mark.parametrize(("seed_sd", "seeds"), [(SEED_SD["sentences dominate"], 3), (UNSTABLE, 3),
                                                (SEED_SD["sentences dominate"], 10), (UNSTABLE, 10),
                                                (SEED_SD["seeds dominate"], 10)])
def test_the_smallest_detectable_gap_said_before_a_sweep_holds_both_ways(seed_sd, seeds):
    """Told how runs spread, the gap it prints is found about 80% of the time: not 58% (too hopeful,
    the normal quantile at 3 seeds) nor 100% (too gloomy, every disagreement taken for the sentences').
    (Where seeds dominate, 3 seeds can only tell a gap of 8 points, at which the better method's runs
    spread half as much as the other's: told one spread for both, it finds it 72% of the time.)"""
    rng = np.random.default_rng(seeds)
    regime = Regime(seed_sd, sentences=436)
    gap = detectable_gap(seeds, 436, *_spread_of(regime, rng, 0.0))
    for _ in range(4):  # the spread of runs that far apart (a more accurate method's seeds spread less): a fixed point
        gap = (gap + detectable_gap(seeds, 436, *_spread_of(regime, rng, gap))) / 2
    shift, experiments, found = regime.shift_for_gap(gap), 1600, 0
    for _ in range(experiments // CHUNK):
        a, b = regime.runs(rng, CHUNK, [seeds, seeds], [shift, 0.0])
        # below GUARD_SEEDS the gap is said for methods whose spread a sweep pools over their settings
        # (the t interval); judged on so few seeds alone a sweep says so instead (test_sweep_start_lines)
        low = judged_intervals(a, b)[0] if seeds >= GUARD_SEEDS else intervals(estimate(a, b))[0]
        found += int((low > 0).sum())
    rate = found / experiments
    print(f"seed s.d. {seed_sd}, {seeds} seeds: {gap:.2f} points said, found {rate:.3f}")
    assert abs(rate - 0.8) <= _monte_carlo(0.8, experiments) + 0.05, f"{gap:.2f} points: found {rate:.3f}"


def test_the_chance_a_fresh_seed_wins_is_given_only_from_enough_seeds():
    """From 9 pairs of 3 seeds it printed 1.00 where the truth was 0.57-0.78."""
    rng = np.random.default_rng(9)
    regime = Regime(SEED_SD["seeds dominate"], sentences=436)
    shift = regime.shift_for_gap(2.0)
    few_a, few_b = regime.runs(rng, 1, [3, 3], [shift, 0.0])
    few = compare(few_a[0], few_b[0], a_name="lora", b_name="full")
    assert few.p_a_better is None and "P(" not in few.sentence()
    many_a, many_b = regime.runs(rng, 1, [ODDS_SEEDS] * 2, [shift, 0.0])
    many = compare(many_a[0], many_b[0], a_name="lora", b_name="full")
    assert many.p_a_better is not None and f"P(lora beats full on a fresh pair of seeds) = {many.p_a_better:.2f}" in many.sentence()


# -- looks and margins ----------------------------------------------------------------------------------

def _early_look_false_rate(seeds: int, rng: np.random.Generator, experiments: int) -> float:
    regime = Regime(SEED_SD["seeds dominate"], sentences=436)
    false = 0
    for _ in range(experiments // CHUNK):
        a, b = regime.runs(rng, CHUNK, [seeds, seeds], [0.0, 0.0])
        false += int(np.isin(look_answers(a, b, 0.999, 0.0), [0, 1]).sum())
    return false / experiments


def test_an_early_look_spends_its_0_1_percent_from_5_seeds_where_3_spent_four_times_that():
    rng = np.random.default_rng(31)
    experiments = 12_000
    at_first_look = _early_look_false_rate(FIRST_LOOK_SEEDS, rng, experiments)
    assert FIRST_LOOK_SEEDS == 5 and at_first_look <= 0.001 + 2 * np.sqrt(0.001 / experiments), at_first_look
    assert _early_look_false_rate(3, rng, experiments) >= 0.002, "at 3 seeds the far tail is not to be trusted"


def test_the_default_margin_is_one_the_judging_sentences_can_resolve():
    """On SST-2's 436 judging sentences, 3 points ("practically the same" within ±0.5 was out of reach
    there; even 40,000 sentences leave 1.5, the stated seed spread's part); `SENSIBLE_SEEDS` of each at a
    true gap of 0 say "equivalent" in most experiments."""
    assert default_margin(436) == 3.0 and default_margin(436, pairs=3) == 3.5 and default_margin(40_000) == 1.5
    rng = np.random.default_rng(4)
    regime = Regime(SEED_SD["sentences dominate"], sentences=436)
    equivalent = 0
    for _ in range(2):
        a, b = regime.runs(rng, CHUNK, [SENSIBLE_SEEDS] * 2, [0.0, 0.0])
        equivalent += int((decisions(*judged_intervals(a, b), default_margin(436) / 100)
                           == DECISIONS.index("equivalent")).sum())
    assert equivalent / (2 * CHUNK) >= 0.8, f"'equivalent' in {equivalent / (2 * CHUNK):.2f} at a true gap of 0"


# -- one method far less steady than the other -------------------------------------------------------------

def _unsteady_against_steady(groups: int, seeds: int, pooled: bool, experiments: int = 3200,
                             guard: bool = False) -> tuple[float, float]:
    """(a false "the unsteady one is better", a false "the steady one is better"): logit s.d. 1.5 against
    0.15 (the unsteady method's runs span 60-98%), equal expected accuracy, 436 judging sentences; each
    method given `groups` - 1 settings of `seeds` seeds in the grid and `seeds` confirmation seeds (the
    last group, judged), every setting alike; `pooled`: the verdict's seed spread pooled over them all;
    `guard`: the unequal-stability guard (core/stats/unequal_stability.py)."""
    steady, unsteady = Regime(0.15, sentences=436), Regime(1.5, sentences=436)
    target, low, high = steady.expected_accuracy(0.0), -3.0, 3.0
    for _ in range(60):
        middle = (low + high) / 2
        low, high = (middle, high) if unsteady.expected_accuracy(middle) < target else (low, middle)
    rng = np.random.default_rng(groups * 10 + seeds)
    a_better = b_better = 0
    chunk = 200
    for _ in range(experiments // chunk):
        a, b = steady.runs(rng, chunk, [groups * seeds] * 2, [(low + high) / 2, 0.0], seed_sds=[1.5, 0.15])
        a, b = a.reshape(chunk, groups, seeds, 436), b.reshape(chunk, groups, seeds, 436)
        spreads = [pooled_spread([runs[:, g].mean(-1) for g in range(groups)]) for runs in (a, b)] if pooled else [None, None]
        found = estimate(a[:, -1], b[:, -1], *spreads)
        found_low, found_high = intervals(found)
        if guard:  # as compare() does where nothing is pooled
            found_low, found_high = guarded(a[:, -1], b[:, -1], found_low, found_high, found.sentences_part, 0.95,
                                            draws=1000, rng=rng)
        a_better += int((found_low > 0).sum())
        b_better += int((found_high < 0).sum())
    return a_better / experiments, b_better / experiments


def test_an_unsteady_method_is_not_called_better_over_2_5_percent_when_its_seed_spread_is_pooled_over_the_sweep():
    """The audit's case: one method's seeds ten times less steady, equal expected accuracy; judged on 3
    seeds alone the unsteady one was called better 8-9% of the time (its lucky samples look steady
    too). With its spread pooled over its 4 settings of 3 seeds and 3 confirmation seeds, 2.5% a side."""
    experiments = 3200
    unsteady, steady = _unsteady_against_steady(5, 3, pooled=True, experiments=experiments)
    bound = 0.025 + _monte_carlo(0.025, experiments)
    assert unsteady <= bound and steady <= bound, f"pooled: {unsteady:.3f} and {steady:.3f}"
    alone, _ = _unsteady_against_steady(5, 3, pooled=False, experiments=experiments)
    assert alone >= 0.05, f"judged on its 3 seeds alone: {alone:.3f} (the case the pooling exists for)"


@pytest.mark.parametrize("seeds", [5, 10])
def test_an_unsteady_method_judged_on_its_own_seeds_alone_is_not_called_better_over_2_5_percent(seeds):
    """Nothing to pool (a method with one setting, or `compare()` on judged seeds): the guard widens the
    interval where the logit-scale spreads differ, and a false "better" stays within 2.5% a side."""
    experiments = 3200
    unsteady, steady = _unsteady_against_steady(1, seeds, pooled=False, experiments=experiments, guard=True)
    plain, _ = _unsteady_against_steady(1, seeds, pooled=False, experiments=experiments)
    print(f"{seeds} seeds alone: {unsteady:.3f} and {steady:.3f} with the guard, {plain:.3f} without")
    bound = 0.025 + _monte_carlo(0.025, experiments)
    assert unsteady <= bound and steady <= bound, f"{seeds} seeds alone: {unsteady:.3f} and {steady:.3f}"


def test_with_3_seeds_alone_the_guard_always_holds_the_pivotal_interval_and_2_5_percent_holds():
    """Three draws cannot show a method's spread (the F test on 2 and 2 degrees of freedom missed half
    the unsteady cases): below `GUARD_SEEDS` the guard always holds the pivotal interval, where without
    it the unsteady method was called better about 9% of the time."""
    experiments = 3200
    unsteady, steady = _unsteady_against_steady(1, 3, pooled=False, experiments=experiments, guard=True)
    plain, _ = _unsteady_against_steady(1, 3, pooled=False, experiments=experiments)
    print(f"3 seeds alone: {unsteady:.3f} and {steady:.3f} with the guard, {plain:.3f} without")
    bound = 0.025 + _monte_carlo(0.025, experiments)
    assert GUARD_SEEDS > 3 and plain >= 0.06, f"without the guard {plain:.3f}: the case it exists for"
    assert unsteady <= bound and steady <= bound, f"3 seeds alone: {unsteady:.3f}, {steady:.3f}"


def _beta_unsteady_against_steady(seeds: int, experiments: int = 3200) -> tuple[float, float]:
    """The second data model (not the one the guard was tuned on): per-sentence chances from Beta(9, 1)
    shared by both methods, a run's chance of each sentence raised to the power exp(shift + seed) (a
    multiplicative seed effect), seed s.d. 1.0 against 0.1 (runs about 7 and 1.4 points apart), the
    unsteady method's shift set so that both expect the same accuracy (E[p^k] = B(9 + k, 1) / B(9, 1),
    exact, averaged over the seed effect by Gauss-Hermite)."""
    from scipy.special import betaln

    nodes, weights = np.polynomial.hermite_e.hermegauss(60)
    weights = weights / weights.sum()

    def expected(seed_sd: float, shift: float) -> float:
        power = np.exp(shift + seed_sd * nodes)
        return float((weights * np.exp(betaln(9.0 + power, 1.0) - betaln(9.0, 1.0))).sum())

    target, low, high = expected(0.1, 0.0), -3.0, 3.0
    for _ in range(60):  # a larger power, a lower accuracy
        middle = (low + high) / 2
        low, high = (middle, high) if expected(1.0, middle) > target else (low, middle)
    shift = (low + high) / 2
    rng = np.random.default_rng(seeds + 100)
    a_better = b_better = 0
    for _ in range(experiments // 200):
        chance = rng.beta(9.0, 1.0, (200, 1, 436)).astype(np.float32)
        a, b = ((rng.random((200, seeds, 436), dtype=np.float32)
                 < chance ** np.exp(offset + rng.normal(0.0, sd, (200, seeds, 1))).astype(np.float32)).astype(np.float32)
                for sd, offset in ((1.0, shift), (0.1, 0.0)))
        low_, high_ = judged_intervals(a, b, rng=rng)
        a_better += int((low_ > 0).sum())
        b_better += int((high_ < 0).sum())
    return a_better / experiments, b_better / experiments


@pytest.mark.parametrize("seeds", [3, 5, 10])
def test_on_the_second_data_model_an_unsteady_method_alone_is_not_called_better_over_2_5_percent(seeds):
    experiments = 3200
    unsteady, steady = _beta_unsteady_against_steady(seeds, experiments)
    print(f"Beta model, {seeds} seeds alone: {unsteady:.3f} and {steady:.3f}")
    bound = 0.025 + _monte_carlo(0.025, experiments)
    assert unsteady <= bound and steady <= bound, f"{unsteady:.3f} and {steady:.3f}"
