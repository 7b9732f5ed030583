"""Is method A better than method B? One comparison from per-sentence correctness, with an interval
that keeps its 95% whether training seeds or sentences make the noise (tests/test_comparison_simulation.py,
tests/test_verdict_edges.py).

**The estimand**, in one sentence: the difference in expected validation accuracy between A and B,
over training seeds and over sentences like these, in accuracy points (A minus B).

**The data**: `a` and `b`, seeds x sentences arrays of 0/1 correctness on the same sentences in the
same order (each run's correctness of each sentence). A sentence is shared by both methods (its
difficulty is); a seed is not (A's seed 0 has nothing to do with B's seed 0).

**The interval**: a crossed seed x sentence variance-components model for each method,
`y[s, j] = mu + seed[s] + sentence[j] + residual[s, j]`, with the sentence effects of A and B
correlated (paired). The components are estimated from mean squares (Bouthillier et al. 2021
decompose benchmark variance the same way):

    V = [seeds(A) / n_A + seeds(B) / n_B + sentences(A - B) / J] + residual(A) / (n_A J) + residual(B) / (n_B J)

with the bracket floored at zero: where it is positive this is the unbiased estimate; where it is
not (runs that disagree sentence by sentence more than their accuracies differ, as runs collapsed to
one class do), V is still what the residuals alone imply, never zero or negative. A Welch-Satterthwaite degrees of freedom over
the mean squares turns it into a t interval (about 2.8 at 4 degrees of freedom with 3 seeds where seeds
dominate, about 1.96 where sentences do), and no interval is narrower than one sentence either side.
Why not the percentile bootstrap of seeds and sentences (#29): with 3 seeds it resamples from 3 values
and covered 82-91% where seeds dominate; why not scipy's `ttest_ind`: it sees the seeds only, and the
same sentences judge both methods. scipy gives the t quantiles.

**One method far less steady than another**: where nothing is pooled for a method (judged seeds
alone), `core/stats/unequal_stability.py` widens the interval to also hold a pivotal one: from 5
seeds where the two methods' spreads differ, below 5 always (three runs cannot show how steady a
method is; `Comparison.steadiness_unknown` says so in the words).

**Several methods**: every pair's interval is simultaneous (Bonferroni: 1 - 0.05/pairs), so the
chance of any false "better" among three methods stays at most 5%.

**Answers**: "a better" or "b better" (the interval excludes 0 and is not inside the margin),
"equivalent" (the interval lies inside +-margin points: a region of practical equivalence, as in
baycomp), "not resolved" (otherwise). Fewer than `MIN_SEEDS` seeds of either method is never an
answer: with 2 seeds the seeds' variance rests on 1 degree of freedom each, and a false "better"
came out 7-9% of the time on 100 sentences in the simulation.

**Probability of improvement** (Agarwal et al. 2021, rliable): the chance that a fresh seed of A scores
higher than a fresh seed of B on these sentences, estimated from every pair of seeds (ties count half);
given only from `ODDS_SEEDS` seeds of each (from 9 pairs of 3 seeds it printed 1.00 where the truth
was 0.57-0.78).

**Seeds needed**: `core/stats/seed_planner.py` (the advice of a verdict that is not resolved, worked out by
this very interval).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy import stats

from sst2_tui.core.stats.mean_squares import interaction_mean_square
from sst2_tui.core.stats.seed_planner import (
    LEVEL,
    MAX_PLAN_SEEDS,
    MIN_SEEDS,
    default_margin,
    device_time,
    seeds_for_gap,
    sentences_needed,
    smallest_gap,
)
from sst2_tui.core.stats.unequal_stability import DRAWS, GUARD_SEEDS, guarded

DECISIONS = ("a better", "b better", "equivalent", "not resolved")
ODDS_SEEDS = 8
"""P(A beats B on a fresh pair of seeds) is given only from this many seeds of each."""

@dataclass(frozen=True)
class VarianceSplit:
    """Where the variance of the difference comes from, in squared accuracy points."""

    seeds: float
    """From the training seeds of both methods (shrinks with more seeds)."""
    sentences: float
    """From which sentences judge (shrinks only with more sentences)."""

    @property
    def seeds_share(self) -> float:
        total = self.seeds + self.sentences
        return self.seeds / total if total > 0 else 0.0


@dataclass(frozen=True)
class Comparison:
    """A minus B in accuracy points, its interval and what it means."""

    a_name: str
    b_name: str
    points: float
    """Mean accuracy of A minus that of B, in points."""
    low: float
    high: float
    """The interval at `level` (NaN below `MIN_SEEDS` seeds of a method)."""
    level: float
    df: float
    p_value: float
    """Two-sided, for no difference."""
    decision: str
    """One of DECISIONS."""
    margin: float
    p_a_better: float | None
    """The chance a fresh seed of A beats a fresh seed of B on these sentences (ties half); None below `ODDS_SEEDS`."""
    split: VarianceSplit
    seeds_a: int
    seeds_b: int
    sentences: int
    seeds_needed: int | None
    """Seeds per method for 80% power to call a gap of `margin` points; None where no sensible number would."""
    sentences_needed: int
    """Judging sentences that would let enough seeds resolve the margin."""
    margin_reachable: float
    """The smallest gap that `MAX_PLAN_SEEDS` seeds of each would find on these sentences, in points."""
    family_level: float = LEVEL
    """What the intervals of every pair hold together (the words say this one)."""
    steadiness_unknown: bool = False
    """Judged on fewer than `GUARD_SEEDS` seeds of a method with nothing pooled: too few runs to show how
    steady it is, so the interval also allows for a less steady one (core/stats/unequal_stability.py)."""

    @property
    def direction(self) -> str:
        return f"{self.a_name} − {self.b_name}"

    @property
    def too_few_seeds(self) -> bool:
        return min(self.seeds_a, self.seeds_b) < MIN_SEEDS

    def interval_text(self) -> str:
        return f"{self.direction} {self.points:+.2f} points, {100 * self.level:.3g}% CI {self.low:+.2f} to {self.high:+.2f}"

    def headline(self, hours_per_seed: float | None = None) -> str:
        """One sentence someone who is not a statistician can act on; `hours_per_seed`: the device-hours
        one more seed of each method takes (a sweep's pace), to say what the advice costs."""
        sure = f"{100 * self.family_level:.3g}% sure"
        if self.too_few_seeds:
            fewer = self.a_name if self.seeds_a < self.seeds_b else self.b_name
            have = min(self.seeds_a, self.seeds_b)
            few = (f"with one seed of {fewer} this compares two runs, not two methods" if have == 1 else
                   f"{have} seeds of {fewer} are too few to compare methods")
            return f"can't tell yet: {few}; run at least {MIN_SEEDS} seeds of each"
        if self.decision in ("a better", "b better"):
            win, lose, gap = ((self.a_name, self.b_name, self.points) if self.decision == "a better"
                              else (self.b_name, self.a_name, -self.points))
            low, high = sorted((abs(self.low), abs(self.high)))
            return f"{win} is better than {lose} by about {gap:.1f} points ({sure} the gap is between {low:.1f} and {high:.1f})"
        if self.decision == "equivalent":
            return (f"{self.a_name} and {self.b_name} are practically the same: within ±{self.margin:g} points "
                    f"({sure} {self.direction} is between {self.low:+.1f} and {self.high:+.1f})")
        return f"can't tell yet whether {self.a_name} or {self.b_name} is better: {self.advice(hours_per_seed)}"

    def advice(self, hours_per_seed: float | None = None) -> str:
        """What would resolve it, as something this tool does (with what it costs, given the pace)."""
        gap = f"a gap of {self.margin:g} points"
        where = f"{self.direction} is somewhere between {self.low:+.1f} and {self.high:+.1f} points"
        if self.steadiness_unknown:
            fewer = min(self.seeds_a, self.seeds_b)
            where += f" ({fewer} seeds cannot show how steady a method is, so this allows for a less steady one)"
        if self.seeds_needed is not None:
            more = max(self.seeds_needed - min(self.seeds_a, self.seeds_b), 1)
            cost = f"; {device_time(more * hours_per_seed)} at this sweep's pace" if hours_per_seed else ""
            return (f"{where}; about {more} more "
                    f"seed{'s' if more != 1 else ''} of each ({self.seeds_needed} in all{cost}) would tell {gap}")
        return (f"{where}; on these "
                f"{self.sentences} sentences no sensible number of seeds tells {gap}: all the validation sentences "
                f"(leave --eval-subset off) would help, or a margin of ±{math.ceil(2 * self.margin_reachable) / 2:g} points")

    def details(self) -> str:
        """The numbers behind the headline: the interval, its level, the odds where defensible."""
        if self.too_few_seeds:
            return f"{self.direction} {self.points:+.2f} points on {self.seeds_a} and {self.seeds_b} seed(s): no interval"
        odds = ("" if self.p_a_better is None else
                f"; P({self.a_name} beats {self.b_name} on a fresh pair of seeds) = {self.p_a_better:.2f}")
        return f"{self.interval_text()}{odds}"

    def sentence(self) -> str:
        """The verdict in plain words, then its numbers."""
        return f"{self.headline()} [{self.details()}]"

    def plan(self) -> str:
        return self.advice()


@dataclass(frozen=True)
class Estimates:
    """The vectorized core: one value per experiment (the leading axis), in proportions."""

    difference: np.ndarray
    variance: np.ndarray
    df: np.ndarray
    seeds_variance: np.ndarray
    """The per-seed variance of the difference, var(seed means of A) + var(seed means of B): what shrinks
    with seeds (unbiased; on 2 degrees of freedom from 3 seeds of each, so a plan averages over its uncertainty)."""
    sentence_variance: np.ndarray
    """The sentence effects' variance of the difference, per sentence (residual flips taken out)."""
    seeds_part: np.ndarray
    sentences_part: np.ndarray
    p_a_better: np.ndarray
    sentences: np.ndarray
    """J, the judging sentences."""
    flips: np.ndarray
    """The runs' sentence-by-sentence flips' share of the per-seed variance, (residual(A) + residual(B)) / J:
    measured on every sentence, so known well even from few seeds, and a floor under the per-seed variance."""


@dataclass(frozen=True)
class SeedSpread:
    """A method's seed-to-seed variance of a run's accuracy pooled over all its runs of a sweep (each
    setting's runs about their own mean: the racing and grid runs of other settings are seeds of the
    same method too), and its degrees of freedom; per experiment (`estimate`'s leading axis)."""

    mean_square: np.ndarray
    df: np.ndarray


def pooled_spread(groups: list[np.ndarray]) -> SeedSpread:
    """Each group (a setting's runs: E x n_g accuracies) about its own mean, pooled: the variance over
    seeds of one run's accuracy and its degrees of freedom, per experiment."""
    squares = sum(((g - g.mean(axis=1, keepdims=True)) ** 2).sum(axis=1) for g in groups if g.shape[1] > 1)
    df = sum(g.shape[1] - 1 for g in groups if g.shape[1] > 1)
    rows = groups[0].shape[0]
    if not df:
        return SeedSpread(np.zeros(rows), np.zeros(rows))
    return SeedSpread(np.asarray(squares, dtype=float) / df, np.full(rows, float(df)))


def estimate(a: np.ndarray, b: np.ndarray, spread_a: SeedSpread | None = None,
             spread_b: SeedSpread | None = None) -> Estimates:
    """`a` (E x n_A x J) and `b` (E x n_B x J): E experiments at once (the simulation tests pass
    thousands; `compare` passes one).

    `spread_a`, `spread_b`: each method's seed variance pooled over all its runs in a sweep, used where
    it is the larger (with its degrees of freedom). Why: where one method's seeds are far less steady
    than the other's, a few judged seeds that happened to miss its bad tail look both better and
    steadier, and the interval called it better 7-9% of the time instead of 2.5%; a variance measured
    mostly on other runs does not move with the judged runs' luck (2.4% a side with 4 settings of 3 seeds
    and 3 confirmation seeds: tests/test_verdict_edges.py).

    The variance is the unbiased one from mean squares, `seeds + sentences + interaction` (the
    components of the seeds, of the sentences and of each run's own sentence-by-sentence flips), with
    the first two floored at zero together: it is never below what the runs' sentence-by-sentence
    disagreement alone implies, so never zero or negative while runs disagree at all. Runs that
    disagree sentence by sentence more than their accuracies differ (runs collapsed to one class, a
    different class each seed) are where the old formula went below zero and was clamped to 1e-12,
    giving an interval of zero width; where the components sum to zero or more (every case of the
    coverage tests), the two are the same number. (Each component floored on its own was tried first:
    it over-covered, 98% where sentences dominate.)"""
    n_a, n_b, sentences = a.shape[1], b.shape[1], a.shape[2]
    seed_means_a, seed_means_b = a.mean(axis=2), b.mean(axis=2)  # E x n
    difference = seed_means_a.mean(axis=1) - seed_means_b.mean(axis=1)
    ms_a = seed_means_a.var(axis=1, ddof=1) if n_a > 1 else np.zeros(len(a))
    ms_b = seed_means_b.var(axis=1, ddof=1) if n_b > 1 else np.zeros(len(b))
    ms_a, df_a = _pooled(ms_a, max(n_a - 1, 1), spread_a)
    ms_b, df_b = _pooled(ms_b, max(n_b - 1, 1), spread_b)
    per_sentence = a.mean(axis=1) - b.mean(axis=1)  # E x J
    ms_d = per_sentence.var(axis=1, ddof=1)
    residual_a, residual_b = interaction_mean_square(a), interaction_mean_square(b)
    interaction = residual_a / (n_a * sentences) + residual_b / (n_b * sentences)
    unbiased = ms_a / n_a + ms_b / n_b + ms_d / sentences - interaction
    floored = unbiased < interaction  # the seeds' and sentences' components sum to below zero
    variance = np.where(floored, interaction, unbiased)
    # Welch-Satterthwaite over the mean squares the variance is a linear combination of.
    full = [(ms_a / n_a, df_a), (ms_b / n_b, df_b), (ms_d / sentences, sentences - 1),
            (-residual_a / (n_a * sentences), max((n_a - 1) * (sentences - 1), 1)),
            (-residual_b / (n_b * sentences), max((n_b - 1) * (sentences - 1), 1))]
    with np.errstate(divide="ignore", invalid="ignore"):
        df = np.where(floored, variance ** 2 / sum(t ** 2 / d for t, d in full[3:]),
                      variance ** 2 / sum(t ** 2 / d for t, d in full))
    df = np.where(np.isfinite(df), df, 1.0)  # no variance at all (identical runs): the widest quantile
    seed_a = np.maximum(ms_a - residual_a / sentences, 0.0)  # each method's seeds' own variance
    seed_b = np.maximum(ms_b - residual_b / sentences, 0.0)
    sentence_variance = np.maximum(ms_d - residual_a / n_a - residual_b / n_b, 0.0)
    seeds_part = np.minimum(seed_a / n_a + seed_b / n_b + interaction, variance)
    wins = (seed_means_a[:, :, None] > seed_means_b[:, None, :]).mean(axis=(1, 2))
    ties = (seed_means_a[:, :, None] == seed_means_b[:, None, :]).mean(axis=(1, 2))
    return Estimates(difference, variance, np.maximum(df, 1.0), ms_a + ms_b, sentence_variance, seeds_part,
                     variance - seeds_part, wins + ties / 2, np.full(len(a), sentences),
                     (residual_a + residual_b) / sentences)


def _pooled(own: np.ndarray, own_df: int, spread: SeedSpread | None) -> tuple[np.ndarray, np.ndarray]:
    """The variance of seed means to use and its degrees of freedom: the pooled one where it is larger."""
    if spread is None:
        return own, np.full(own.shape, float(own_df))
    larger = spread.mean_square > own
    return np.where(larger, spread.mean_square, own), np.where(larger, spread.df, float(own_df))


def intervals(found: Estimates, level: float = LEVEL) -> tuple[np.ndarray, np.ndarray]:
    """The (low, high) t interval of each experiment, in proportions: never narrower than one sentence
    either side (an accuracy on J sentences moves in steps of 1/J)."""
    half = np.maximum(stats.t.ppf(0.5 + level / 2, found.df) * np.sqrt(found.variance), 1.0 / found.sentences)
    return found.difference - half, found.difference + half


def judged_intervals(a: np.ndarray, b: np.ndarray, level: float = LEVEL, draws: int = 1000,
                     rng: np.random.Generator | None = None) -> tuple[np.ndarray, np.ndarray]:
    """What `compare` gives where nothing is pooled, for E experiments at once (the simulations): the t
    interval, widened by the unequal-stability guard where the methods' spreads differ."""
    found = estimate(a, b)
    return guarded(a, b, *intervals(found, level), found.sentences_part, level, draws, rng)


def decisions(low: np.ndarray, high: np.ndarray, margin: float, one_seed: bool = False) -> np.ndarray:
    """Each experiment's answer (an index into DECISIONS) from its interval, in proportions;
    `one_seed`: too few seeds of a method to answer at all."""
    inside = (low > -margin) & (high < margin)
    answer = np.full(low.shape, DECISIONS.index("not resolved"))
    answer[(low > 0) & ~inside] = DECISIONS.index("a better")
    answer[(high < 0) & ~inside] = DECISIONS.index("b better")
    answer[inside] = DECISIONS.index("equivalent")
    if one_seed:
        answer[:] = DECISIONS.index("not resolved")
    return answer


def compare(a: object, b: object, margin: float | None = None, *, level: float = LEVEL, a_name: str = "a",
            b_name: str = "b", family_level: float | None = None, pairs: int = 1,
            spreads: tuple[tuple[float, int] | None, tuple[float, int] | None] = (None, None)) -> Comparison:
    """A minus B from 0/1 correctness (seeds x sentences each, the same sentences in the same order);
    `margin` in accuracy points (None: `default_margin` for these sentences). ValueError, saying what
    is wrong, for arrays that do not fit."""
    runs_a, runs_b = _matrix(a, "a"), _matrix(b, "b")
    if runs_a.shape[1] != runs_b.shape[1]:
        raise ValueError(f"a has {runs_a.shape[1]} sentences and b {runs_b.shape[1]}: both must be scored on the same sentences")
    margin = default_margin(runs_a.shape[1], pairs) if margin is None else margin
    if not (0 < level < 1) or not (margin >= 0 and math.isfinite(margin)):
        raise ValueError("level must be between 0 and 1 and margin a number of points >= 0")
    found = estimate(runs_a[None], runs_b[None], *(None if s is None else SeedSpread(np.array([s[0]]), np.array([float(s[1])]))
                                                   for s in spreads))
    too_few = min(len(runs_a), len(runs_b)) < MIN_SEEDS
    low, high = intervals(found, level)
    unpooled = not all(s is not None and s[1] > n - 1 for s, n in zip(spreads, (len(runs_a), len(runs_b)), strict=True))
    if unpooled:
        # nothing pooled for a method: its judged seeds alone carry its spread (core/stats/unequal_stability.py)
        low, high = guarded(runs_a[None], runs_b[None], low, high, found.sentences_part, level, DRAWS)
    if too_few:
        low, high = np.array([math.nan]), np.array([math.nan])
    answer = decisions(low, high, margin / 100, too_few)
    p_value = float(2 * stats.t.sf(abs(found.difference[0]) / math.sqrt(found.variance[0]), found.df[0])) \
        if found.variance[0] > 0 else 1.0
    odds = float(found.p_a_better[0]) if min(len(runs_a), len(runs_b)) >= ODDS_SEEDS else None
    pilot_df = max(len(runs_a) - 1, 0) + max(len(runs_b) - 1, 0)
    flips = float(found.flips[0])
    needed = seeds_for_gap(margin, float(found.seeds_variance[0]), float(found.sentence_variance[0]), runs_a.shape[1],
                           pilot_df=pilot_df, flips=flips, pairs=pairs)
    reachable = smallest_gap(MAX_PLAN_SEEDS, float(found.seeds_variance[0]), float(found.sentence_variance[0]),
                             runs_a.shape[1], pilot_df=pilot_df, flips=flips, pairs=pairs)
    return Comparison(a_name, b_name, 100 * float(found.difference[0]), 100 * float(low[0]), 100 * float(high[0]), level,
                      float(found.df[0]), p_value, DECISIONS[int(answer[0])], margin, odds,
                      VarianceSplit(1e4 * float(found.seeds_part[0]), 1e4 * float(found.sentences_part[0])),
                      len(runs_a), len(runs_b), runs_a.shape[1], needed,
                      sentences_needed(margin, float(found.sentence_variance[0]), runs_a.shape[1], pairs), reachable,
                      level if family_level is None else family_level,
                      unpooled and not too_few and min(len(runs_a), len(runs_b)) < GUARD_SEEDS)


def compare_all(runs: Mapping[str, object], margin: float | None = None, level: float = LEVEL,
                spreads: Mapping[str, tuple[float, int]] | None = None) -> list[Comparison]:
    """Every pair of methods (in the given order), each interval simultaneous at `level` over all pairs
    (Bonferroni), so a false "better" anywhere in the family is at most 1 - level. `spreads`: per
    method, its seed variance pooled over all its runs of a sweep and its degrees of freedom."""
    spreads = spreads or {}
    names = list(runs)
    pairs = [(names[i], names[j]) for i in range(len(names)) for j in range(i + 1, len(names))]
    simultaneous = 1 - (1 - level) / max(len(pairs), 1)
    return [compare(runs[a], runs[b], margin, level=simultaneous, a_name=a, b_name=b, family_level=level,
                    pairs=max(len(pairs), 1), spreads=(spreads.get(a), spreads.get(b))) for a, b in pairs]


def _matrix(values: object, name: str) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    if array.ndim == 1:
        array = array[None]
    if array.ndim != 2 or array.shape[0] < 1 or array.shape[1] < 2:
        raise ValueError(f"{name}: give seeds x sentences of 0/1 correctness (at least 2 sentences), not shape {array.shape}")
    if not np.isin(array, (0.0, 1.0)).all():
        raise ValueError(f"{name}: every value must be 0 or 1 (a sentence wrong or right)")
    return array
