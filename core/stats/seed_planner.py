"""How many seeds tell a gap, and what margin the judging sentences can resolve: the advice a verdict
gives and the line a sweep starts with, worked out by the verdict's own interval (`core/comparison`).

**Seeds needed** (`seeds_for_gap`, `plan_seeds`): per method, the fewest seeds at which a true gap of
`gap` points is called "better" with 80% power by that interval: its t quantile at the degrees of
freedom it will compute (`_critical`), a noncentral t, the family's level, the sentences' part that no
number of seeds removes, averaged over what the seed variance may be after a pilot (`assurance`: a
pilot of 3 seeds of each rests on 4 degrees of freedom, and a planner fed its point estimate found
the gap 53-64% of the time instead of 80%). Where no sensible number of seeds (`MAX_PLAN_SEEDS`) does
it, the advice is all the validation sentences or a wider margin. Tested by following the advice in
simulation (tests/test_verdict_edges.py).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from sst2_tui.core.stats.unequal_stability import GUARD_SEEDS

LEVEL = 0.95
"""The verdict's level: 95% for all pairs of methods together."""
MIN_SEEDS = 3
"""Fewer judged seeds of either method: no answer (and no interval)."""
POWER = 0.8
PLAN_POWER = 0.82
"""What the seeds advice aims at, so that 80% holds when it is followed: the verdict's unequal-stability
guard (core/stats/unequal_stability.py) widens about three intervals in ten of equally steady methods
from 5 seeds, which cost the advice followed 2-3 points of its power (measured at a 4-point gap where
seeds dominate: 77% without the guard, 75% with it at 80%, 77% at 82%)."""
MAX_PLAN_SEEDS = 100
"""The most seeds per method the planner advises: beyond it the advice is another margin or more sentences.
(At 40, the pilots that happened to see little seed variance were the ones advised, and following
their advice found a 3-point gap 74% of the time where seeds dominate: the cap chose the optimists.)"""
DEFAULT_SEED_SD_POINTS = 1.0
"""Before a sweep has run: runs of one setting differ by about this many points from seed to seed
(GPT-2 small on SST-2's validation set; a method can be steadier or far less steady)."""
DEFAULT_DISAGREEMENT = 0.08
"""Before a sweep has run: the share of sentences that runs of two methods answer differently."""
DEFAULT_WITHIN = 0.05
"""Before a sweep has run: the share of sentences that two seeds of one setting answer differently
(that part of the disagreement shrinks with seeds; the rest is the methods' own, and does not)."""
SENSIBLE_SEEDS = 10
"""The default margin is what this many seeds of each method can resolve on the judging sentences."""


def device_time(hours: float) -> str:
    """`about 25 min of device time`, `about 3.5 device-hours`."""
    if hours < 1:
        return f"about {max(round(hours * 60), 1)} min of device time"
    return f"about {hours:.2g} device-hours"


def _quantiles(df: float, pairs: int, power: float) -> float:
    """The t quantile of the family's two-sided level plus that of the power, at `df`."""
    return float(stats.t.ppf(1 - (1 - LEVEL) / (2 * pairs), df) + stats.t.ppf(power, df))


_POSTERIOR_POINTS = (np.arange(64) + 0.5) / 64
"""Quantiles at which the seed variance's uncertainty after a pilot is averaged over (`assurance`)."""


_GRID = (np.arange(8) + 0.5) / 8
_RATIOS = np.linspace(0.0, 1.0, 41)


def _critical(seeds: int, sentences: int, pairs: int) -> np.ndarray:
    """The verdict's t quantile at the family's level, averaged over the degrees of freedom it will
    compute from its estimates (Welch-Satterthwaite from each method's seed variance on seeds - 1
    degrees of freedom and the sentences' part on J - 1), at each share of the variance the sentences
    make (`_RATIOS`). The df it computes is mostly below the df of the true variances (3.5 where 4 is
    due at 3 seeds), so the true-df quantile promised more power than the verdict delivers."""
    d = max(seeds - 1, 1)
    chi = stats.chi2.ppf(_GRID, d) / d
    x, y = np.meshgrid(chi, chi)
    seed_terms = [(x.ravel() * (1 - r) / 2, y.ravel() * (1 - r) / 2, r) for r in _RATIOS]
    quantile = 1 - (1 - LEVEL) / (2 * pairs)
    found = []
    for one, other, part in seed_terms:
        with np.errstate(divide="ignore", invalid="ignore"):
            df = (one + other + part) ** 2 / (one ** 2 / d + other ** 2 / d + part ** 2 / max(sentences - 1, 1))
        found.append(float(np.mean(stats.t.ppf(quantile, np.where(np.isfinite(df), np.maximum(df, 1.0), 1e6)))))
    return np.asarray(found)


def _power(gap: float, variance: np.ndarray, df: np.ndarray, share: np.ndarray, critical: np.ndarray,
           pairs: int) -> np.ndarray:
    """The chance the verdict's interval lies above 0 at a true gap of `gap` (proportions): a
    noncentral t at gap / standard error on `df` degrees of freedom (the statistic's own law where its
    variance is estimated), past the verdict's quantile (`_critical`, at the sentences' `share`)."""
    with np.errstate(divide="ignore"):
        shift = np.where(variance > 0, gap / np.sqrt(variance), 1e6)
    quantile = np.interp(share, _RATIOS, critical)
    return stats.nct.sf(quantile, np.minimum(df, _df_of(quantile, pairs)), shift)


def _df_of(quantile: np.ndarray, pairs: int) -> np.ndarray:
    """The degrees of freedom whose t quantile at the family's level is `quantile` (the verdict's
    effective df: its noise is that of the variance it estimates, not of the true one)."""
    level = 1 - (1 - LEVEL) / (2 * pairs)
    grid = np.geomspace(1.0, 1e6, 400)
    return np.interp(-quantile, -stats.t.ppf(level, grid), grid)


def assurance(seeds: int, gap: float, seeds_variance: float | np.ndarray, sentence_variance: float | np.ndarray,
              sentences: int, *, pilot_df: int = 0, flips: float | np.ndarray = 0.0, pairs: int = 1) -> np.ndarray:
    """The power to call a true gap of `gap` points "better" with `seeds` of each method, averaged over
    what the per-seed variance may be after a pilot on `pilot_df` degrees of freedom: its seeds' own
    part (the pilot's variance of seed means less the runs' sentence-by-sentence `flips`) scaled by
    df / chi-square, the flips, which every sentence measures, as they are. With no pilot (stated
    defaults), the power at the stated variance. Averaging the power over the variance's uncertainty,
    rather than plugging in its estimate, is what keeps a plan from a 3-seed pilot at its word
    (O'Hagan and Stevens 2001 call this assurance). Vectorized over pilots (one value each)."""
    seeds = max(seeds, MIN_SEEDS)
    scale = pilot_df / stats.chi2.ppf(_POSTERIOR_POINTS, pilot_df) if pilot_df > 0 else np.ones(1)
    seeds_variance, flips = np.atleast_1d(np.asarray(seeds_variance, float)), np.atleast_1d(np.asarray(flips, float))
    per_seed = flips[:, None] + np.maximum(seeds_variance - flips, 0.0)[:, None] * scale[None, :]
    seeds_part = per_seed / seeds
    sentences_part = np.atleast_1d(np.asarray(sentence_variance, float))[:, None] / sentences
    variance = seeds_part + sentences_part
    with np.errstate(divide="ignore", invalid="ignore"):
        df = variance ** 2 / (seeds_part ** 2 / max(2 * (seeds - 1), 1) + sentences_part ** 2 / max(sentences - 1, 1))
    df = np.where(np.isfinite(df), df, 1e6)
    share = np.where(variance > 0, sentences_part / np.where(variance > 0, variance, 1.0), 1.0)
    return _power(gap / 100, variance, df, share, _critical(seeds, sentences, pairs), pairs).mean(axis=1)


def plan_seeds(gap: float, seeds_variance: np.ndarray, sentence_variance: np.ndarray, sentences: int, *,
               pilot_df: int = 0, flips: np.ndarray | float = 0.0, pairs: int = 1, power: float = PLAN_POWER) -> np.ndarray:
    """Per pilot, the fewest seeds of each method (at least `GUARD_SEEDS`: below it the verdict cannot
    tell a steady method from an unsteady one's lucky draws, and its interval is wide for that,
    core/stats/unequal_stability.py) whose `assurance` reaches `power` at a true gap of `gap` points;
    0 where `MAX_PLAN_SEEDS` would not."""
    seeds_variance = np.atleast_1d(np.asarray(seeds_variance, float))
    found = np.zeros(len(seeds_variance), dtype=int)
    for seeds in range(GUARD_SEEDS, MAX_PLAN_SEEDS + 1):
        open_ = found == 0
        if not open_.any():
            break
        enough = assurance(seeds, gap, seeds_variance[open_], np.broadcast_to(sentence_variance, found.shape)[open_],
                           sentences, pilot_df=pilot_df, flips=np.broadcast_to(flips, found.shape)[open_],
                           pairs=pairs) >= power
        found[np.flatnonzero(open_)[enough]] = seeds
    return found


def smallest_gap(seeds: int, seeds_variance: float, sentence_variance: float, sentences: int, *, pilot_df: int = 0,
                 flips: float = 0.0, pairs: int = 1, power: float = POWER) -> float:
    """The smallest gap in points that `seeds` of each method call "better" with `power` (`assurance`),
    by the verdict's own interval (variances in proportions, per seed and per sentence)."""
    def enough(gap: float) -> bool:
        return bool(assurance(seeds, gap, seeds_variance, sentence_variance, sentences, pilot_df=pilot_df,
                              flips=flips, pairs=pairs)[0] >= power)
    low, high = 2.0 / sentences * 100, 100.0
    if enough(low):
        return low
    if not enough(high):
        return math.inf
    for _ in range(40):
        middle = (low + high) / 2
        low, high = (low, middle) if enough(middle) else (middle, high)
    return high


def seeds_for_gap(gap: float, seeds_variance: float, sentence_variance: float, sentences: int, *, pilot_df: int = 0,
                  flips: float = 0.0, pairs: int = 1, power: float = PLAN_POWER) -> int | None:
    """`plan_seeds` for one pilot: the seeds of each method, or None where `MAX_PLAN_SEEDS` would not do."""
    found = int(plan_seeds(gap, np.array([seeds_variance]), np.array([sentence_variance]), sentences,
                           pilot_df=pilot_df, flips=flips, pairs=pairs, power=power)[0])
    return found or None


def sentences_needed(gap: float, sentence_variance: float, sentences: int, pairs: int = 1, power: float = POWER) -> int:
    """Judging sentences on which the sentences' part alone leaves room to find `gap` (seeds the rest)."""
    k = _quantiles(1e6, pairs, power)
    target = (gap / 100 / k) ** 2
    if target <= 0 or sentence_variance <= 0:
        return sentences
    return max(math.ceil(2 * sentence_variance / target), sentences)


def detectable_gap(seeds: int, sentences: int, seed_sd_points: float = DEFAULT_SEED_SD_POINTS,
                   disagreement: float = DEFAULT_DISAGREEMENT, within: float = DEFAULT_WITHIN, pairs: int = 1,
                   power: float = POWER) -> float:
    """Before a sweep: the smallest gap in points that `seeds` judged per method on `sentences` judging
    sentences find with `power`, by the verdict's own interval, where runs spread as stated: a run's
    accuracy varies by `seed_sd_points` from seed to seed, runs of two methods answer `disagreement` of
    the sentences differently and two seeds of one setting `within` of them (the part of the
    disagreement that more seeds average away)."""
    seeds_variance = 2 * (seed_sd_points / 100) ** 2
    return smallest_gap(seeds, seeds_variance, max(disagreement - within, 0.0), sentences, pairs=pairs, power=power)


def default_margin(sentences: int, pairs: int = 1) -> float:
    """The margin of practical equivalence when none is given: what `SENSIBLE_SEEDS` seeds of each can
    resolve on these judging sentences where runs spread as the stated defaults say, rounded up to half
    a point (on SST-2's 436 judging sentences: 2 points). A smaller one is a promise the sentences
    cannot keep."""
    gap = detectable_gap(SENSIBLE_SEEDS, sentences, pairs=pairs)
    return max(math.ceil(2 * gap) / 2, 0.5)


def margin_reason(margin: float, sentences: int, given: bool) -> str:
    """Why this margin, for the line a sweep starts with."""
    if given:
        return f"equivalent means within ±{margin:g} points (--margin)"
    return (f"equivalent means within ±{margin:g} points: {sentences} judging sentences cannot tell less with "
            f"{SENSIBLE_SEEDS} seeds of each (--margin to choose another)")


