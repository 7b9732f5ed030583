"""Is method A better than method B? One comparison from per-sentence correctness, with an interval
that keeps its 95% whether training seeds or sentences make the noise (tests/test_comparison_simulation.py).

**The estimand**, in one sentence: the difference in expected validation accuracy between A and B,
over training seeds and over sentences like these, in accuracy points (A minus B).

**The data**: `a` and `b`, seeds x sentences arrays of 0/1 correctness on the same sentences in the
same order (each run's correctness of each sentence). A sentence is shared by both methods (its
difficulty is); a seed is not (A's seed 0 has nothing to do with B's seed 0).

**The interval**: a crossed seed x sentence variance-components model for each method,
`y[s, j] = mu + seed[s] + sentence[j] + residual[s, j]`, with the sentence effects of A and B
correlated (paired). The variance of the difference of the two grand means is estimated without
bias from mean squares (Bouthillier et al. 2021 decompose benchmark variance the same way):

    V = var(seed means of A) / n_A + var(seed means of B) / n_B + var(per-sentence differences) / J
        - residual(A) / (n_A J) - residual(B) / (n_B J)

(the residual terms are counted twice by the first three and taken out once). A Welch-Satterthwaite
degrees of freedom turns it into a t interval: with 3 seeds and seeds dominating, the t quantile
(about 2.8 at 4 degrees of freedom) is what keeps 95%; with sentences dominating it is about 1.96.
Why not the percentile bootstrap of seeds and sentences (#29): with 3 seeds it resamples from 3
values and covered 82-91% where seeds dominate; why not scipy's `ttest_ind`: it sees the seeds only,
and the same sentences judge both methods. scipy gives the t quantiles.

**Several methods**: every pair's interval is simultaneous (Bonferroni: 1 - 0.05/pairs), so the
chance of any false "better" among three methods stays at most 5%.

**Three answers** (and one more when it cannot tell): "a better" or "b better" (the interval excludes
0 and is not inside the margin), "equivalent" (the interval lies inside +-margin points: a region of
practical equivalence, as in baycomp), "not resolved" (otherwise). One seed of a method is never a
verdict: it compares two runs, not two methods.

**Probability of improvement** (Agarwal et al. 2021, rliable): the chance that a fresh seed of A scores
higher than a fresh seed of B on these sentences, estimated from every pair of seeds (ties count half).

**Seeds needed**: per method, for 80% power to tell a gap of `margin` points (two-sided 5%):
`n = (var_A + var_B) / ((margin / 2.8)^2 - sentence part)`, where the sentence part does not shrink
with seeds; when it alone is too wide, no number of seeds resolves the margin, and more validation
sentences or a wider margin would (both said).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy import stats

DECISIONS = ("a better", "b better", "equivalent", "not resolved")
MARGIN_POINTS = 0.5
LEVEL = 0.95
POWER = 0.8


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
    """The interval at `level` (NaN with one seed of a method)."""
    level: float
    df: float
    p_value: float
    """Two-sided, for no difference."""
    decision: str
    """One of DECISIONS."""
    margin: float
    p_a_better: float
    """The chance a fresh seed of A beats a fresh seed of B on these sentences (ties half)."""
    split: VarianceSplit
    seeds_a: int
    seeds_b: int
    sentences: int
    seeds_needed: int | None
    """Seeds per method for 80% power at the margin; None where no number of seeds would do."""
    sentences_needed: int
    """Judging sentences that would let enough seeds resolve the margin."""
    margin_reachable: float
    """The smallest margin that enough seeds resolve on these sentences, in points."""

    @property
    def direction(self) -> str:
        return f"{self.a_name} − {self.b_name}"

    def interval_text(self) -> str:
        return f"{self.direction} {self.points:+.2f} points, {100 * self.level:.3g}% CI {self.low:+.2f} to {self.high:+.2f}"

    def sentence(self) -> str:
        """The verdict in plain words, its direction named."""
        if self.seeds_a < 2 or self.seeds_b < 2:
            return (f"not resolved: with one seed of {self.a_name if self.seeds_a < 2 else self.b_name} this compares two "
                    f"runs, not two methods ({self.direction} {self.points:+.2f} points); run 3 or more seeds of each")
        odds = f"P({self.a_name} beats {self.b_name} on a fresh pair of seeds) = {self.p_a_better:.2f}"
        if self.decision == "a better":
            return f"{self.a_name} beats {self.b_name} by {self.points:.2f} points ({self.interval_text()}); {odds}"
        if self.decision == "b better":
            return f"{self.b_name} beats {self.a_name} by {-self.points:.2f} points ({self.interval_text()}); {odds}"
        if self.decision == "equivalent":
            return (f"{self.a_name} and {self.b_name} are practically equivalent: within ±{self.margin:g} points "
                    f"({self.interval_text()}); {odds}")
        return f"not resolved ({self.interval_text()}); {odds}; {self.plan()}"

    def plan(self) -> str:
        """What would resolve the margin: more seeds, or (where seeds cannot) more sentences or a wider margin."""
        if self.seeds_needed is None:
            return (f"no number of seeds resolves ±{self.margin:g} points on {self.sentences} sentences: "
                    f"about {self.sentences_needed} sentences would, or a margin of ±{self.margin_reachable:.1f}")
        return f"about {self.seeds_needed} seeds of each would resolve ±{self.margin:g} points (80% power)"


@dataclass(frozen=True)
class Estimates:
    """The vectorized core: one value per experiment (the leading axis), in proportions."""

    difference: np.ndarray
    variance: np.ndarray
    df: np.ndarray
    seeds_variance: np.ndarray
    """var(seed means of A) + var(seed means of B): the per-seed variance of the difference."""
    sentence_variance: np.ndarray
    """The sentence effects' variance of the difference, per sentence (residual flips taken out)."""
    seeds_part: np.ndarray
    sentences_part: np.ndarray
    p_a_better: np.ndarray


def estimate(a: np.ndarray, b: np.ndarray) -> Estimates:
    """`a` (E x n_A x J) and `b` (E x n_B x J): E experiments at once (the simulation tests pass
    thousands; `compare` passes one)."""
    n_a, n_b, sentences = a.shape[1], b.shape[1], a.shape[2]
    seed_means_a, seed_means_b = a.mean(axis=2), b.mean(axis=2)  # E x n
    difference = seed_means_a.mean(axis=1) - seed_means_b.mean(axis=1)
    var_a = seed_means_a.var(axis=1, ddof=1) if n_a > 1 else np.zeros(len(a))
    var_b = seed_means_b.var(axis=1, ddof=1) if n_b > 1 else np.zeros(len(b))
    per_sentence = a.mean(axis=1) - b.mean(axis=1)  # E x J
    var_d = per_sentence.var(axis=1, ddof=1)
    residual_a, residual_b = _residual(a), _residual(b)
    parts = [var_a / n_a, var_b / n_b, var_d / sentences, -residual_a / (n_a * sentences), -residual_b / (n_b * sentences)]
    dfs = [max(n_a - 1, 1), max(n_b - 1, 1), sentences - 1, max((n_a - 1) * (sentences - 1), 1),
           max((n_b - 1) * (sentences - 1), 1)]
    variance = np.maximum(sum(parts), 1e-12)
    df = variance ** 2 / np.maximum(sum(p ** 2 / d for p, d in zip(parts, dfs)), 1e-300)
    sentence_variance = np.maximum(var_d - residual_a / n_a - residual_b / n_b, 0.0)
    seeds_part = np.maximum(variance - sentence_variance / sentences, 0.0)
    wins = (seed_means_a[:, :, None] > seed_means_b[:, None, :]).mean(axis=(1, 2))
    ties = (seed_means_a[:, :, None] == seed_means_b[:, None, :]).mean(axis=(1, 2))
    return Estimates(difference, variance, np.maximum(df, 1.0), var_a + var_b, sentence_variance, seeds_part,
                     sentence_variance / sentences, wins + ties / 2)


def _residual(y: np.ndarray) -> np.ndarray:
    """The seed x sentence interaction mean square of each experiment (0 with one seed)."""
    n, sentences = y.shape[1], y.shape[2]
    if n < 2:
        return np.zeros(len(y))
    centred = y - y.mean(axis=2, keepdims=True) - y.mean(axis=1, keepdims=True) + y.mean(axis=(1, 2), keepdims=True)
    return (centred ** 2).sum(axis=(1, 2)) / ((n - 1) * (sentences - 1))


def intervals(found: Estimates, level: float = LEVEL) -> tuple[np.ndarray, np.ndarray]:
    """The (low, high) t interval of each experiment, in proportions."""
    half = stats.t.ppf(0.5 + level / 2, found.df) * np.sqrt(found.variance)
    return found.difference - half, found.difference + half


def decisions(low: np.ndarray, high: np.ndarray, margin: float, one_seed: bool = False) -> np.ndarray:
    """Each experiment's answer (an index into DECISIONS) from its interval, in proportions."""
    inside = (low > -margin) & (high < margin)
    answer = np.full(low.shape, DECISIONS.index("not resolved"))
    answer[(low > 0) & ~inside] = DECISIONS.index("a better")
    answer[(high < 0) & ~inside] = DECISIONS.index("b better")
    answer[inside] = DECISIONS.index("equivalent")
    if one_seed:
        answer[:] = DECISIONS.index("not resolved")
    return answer


def compare(a: object, b: object, margin: float = MARGIN_POINTS, *, level: float = LEVEL, a_name: str = "a",
            b_name: str = "b") -> Comparison:
    """A minus B from 0/1 correctness (seeds x sentences each, the same sentences in the same order);
    `margin` in accuracy points. ValueError, saying what is wrong, for arrays that do not fit."""
    runs_a, runs_b = _matrix(a, "a"), _matrix(b, "b")
    if runs_a.shape[1] != runs_b.shape[1]:
        raise ValueError(f"a has {runs_a.shape[1]} sentences and b {runs_b.shape[1]}: both must be scored on the same sentences")
    if not (0 < level < 1) or not (margin >= 0 and math.isfinite(margin)):
        raise ValueError("level must be between 0 and 1 and margin a number of points >= 0")
    found = estimate(runs_a[None], runs_b[None])
    one_seed = min(len(runs_a), len(runs_b)) < 2
    low, high = intervals(found, level)
    if one_seed:
        low, high = np.array([math.nan]), np.array([math.nan])
    answer = decisions(low, high, margin / 100, one_seed)
    p_value = float(2 * stats.t.sf(abs(found.difference[0]) / math.sqrt(found.variance[0]), found.df[0]))
    needed, sentences_needed, reachable = plan_seeds(float(found.seeds_variance[0]), float(found.sentence_variance[0]),
                                                     runs_a.shape[1], margin)
    return Comparison(a_name, b_name, 100 * float(found.difference[0]), 100 * float(low[0]), 100 * float(high[0]), level,
                      float(found.df[0]), p_value, DECISIONS[int(answer[0])], margin, float(found.p_a_better[0]),
                      VarianceSplit(1e4 * float(found.seeds_part[0]), 1e4 * float(found.sentences_part[0])),
                      len(runs_a), len(runs_b), runs_a.shape[1], needed, sentences_needed, reachable)


def compare_all(runs: Mapping[str, object], margin: float = MARGIN_POINTS, level: float = LEVEL) -> list[Comparison]:
    """Every pair of methods (in the given order), each interval simultaneous at `level` over all pairs
    (Bonferroni), so a false "better" anywhere in the family is at most 1 - level."""
    names = list(runs)
    pairs = [(names[i], names[j]) for i in range(len(names)) for j in range(i + 1, len(names))]
    simultaneous = 1 - (1 - level) / max(len(pairs), 1)
    return [compare(runs[a], runs[b], margin, level=simultaneous, a_name=a, b_name=b) for a, b in pairs]


def plan_seeds(seeds_variance: float, sentence_variance: float, sentences: int, margin: float,
               power: float = POWER) -> tuple[int | None, int, float]:
    """(seeds per method for `power` at `margin` points or None, the sentences that would make seeds
    enough, the smallest margin seeds can resolve on these sentences in points). Variances in
    proportions: per seed of the difference, and per sentence."""
    k = stats.norm.ppf(0.5 + LEVEL / 2) + stats.norm.ppf(power)
    target = (margin / 100 / k) ** 2
    floor = sentence_variance / sentences
    sentences_needed = math.ceil(sentence_variance / target) + 1 if target > 0 else sentences
    reachable = 100 * k * math.sqrt(floor)
    if floor >= target:
        return None, max(sentences_needed, sentences + 1), reachable
    return max(2, math.ceil(seeds_variance / (target - floor))), sentences_needed, reachable


DEFAULT_SEED_SD_POINTS = 1.0
"""Before a sweep has run: runs of one setting differ by about this many points from seed to seed
(GPT-2 small on SST-2's validation set; a method can be steadier or far less steady)."""
DEFAULT_DISAGREEMENT = 0.08
"""Before a sweep has run: the share of sentences that two methods' runs answer differently."""


def detectable_gap(seeds: int, sentences: int, seed_sd_points: float = DEFAULT_SEED_SD_POINTS,
                   disagreement: float = DEFAULT_DISAGREEMENT, power: float = POWER) -> float:
    """The smallest gap in points that `seeds` per method on `sentences` judging sentences tell apart
    with `power` (two-sided 5%): 2.8 standard errors of the difference, seeds and sentences both."""
    k = stats.norm.ppf(0.5 + LEVEL / 2) + stats.norm.ppf(power)
    variance = 2 * (seed_sd_points / 100) ** 2 / max(seeds, 1) + disagreement / max(sentences, 1)
    return 100 * k * math.sqrt(variance)


def _matrix(values: object, name: str) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    if array.ndim == 1:
        array = array[None]
    if array.ndim != 2 or array.shape[0] < 1 or array.shape[1] < 2:
        raise ValueError(f"{name}: give seeds x sentences of 0/1 correctness (at least 2 sentences), not shape {array.shape}")
    if not np.isin(array, (0.0, 1.0)).all():
        raise ValueError(f"{name}: every value must be 0 or 1 (a sentence wrong or right)")
    return array
