"""Looking at a comparison again and again as seeds arrive, without the repeated looks inflating the
false "better" (`sweep --until-resolved`): a group-sequential design with alpha spending.

Why this design: seeds come in rounds (a few looks, not one look per run), each look's interval is
`core/comparison`'s seed x sentence variance-components interval (proved to hold its 95% with 3
seeds), and only its level changes from look to look. The 5% error is spent over the planned looks
by an O'Brien-Fleming-type spending function (Lan & DeMets 1983): little at the early looks, most at
the last, `alpha_k = g(k/K) - g((k-1)/K)` with `g(t) = 2 - 2 Phi(z_{alpha/2} / sqrt(t))`, so
`sum alpha_k = alpha`. The looks are combined by a union bound, not by the correlation between
them: valid whatever that correlation is (the sentences are shared by every look, so increments are
not independent), at the price of a last look at about 2.6% instead of 5% with 4 looks.

Why not an anytime-valid confidence sequence (confseq): those bound i.i.d. observations in a known
range, one at a time; a method gets 3-15 runs here, and with per-run accuracies in [0, 1] their
boundaries are many points wide at such sample sizes (the range term dominates), and they cannot
use the crossed seed x sentence structure. A design with a fixed maximum of looks fits a sweep,
whose budget (`--max-runs`) is known before it starts.

Stopping for futility never adds a false "better": a pair stops when the sentences alone leave an
interval that contains 0 and is wider than the margin even with infinitely many seeds.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from sst2_tui.core.comparison import DECISIONS, LEVEL, Estimates, decisions, estimate, intervals

MAX_LOOKS = 10


def spent_alphas(looks: int, alpha: float = 1 - LEVEL) -> np.ndarray:
    """The error spent at each of `looks` planned looks (O'Brien-Fleming-type); they sum to `alpha`."""
    if not 1 <= looks <= MAX_LOOKS:
        raise ValueError(f"looks={looks} is not between 1 and {MAX_LOOKS}")
    z = stats.norm.ppf(1 - alpha / 2)
    t = np.arange(1, looks + 1) / looks
    spent = 2 - 2 * stats.norm.cdf(z / np.sqrt(t))
    return np.diff(np.concatenate([[0.0], spent]))


def look_level(look: int, looks: int, alpha: float = 1 - LEVEL) -> float:
    """The confidence level of look `look` (1-based) of `looks`."""
    return float(1 - spent_alphas(looks, alpha)[look - 1])


def futile(found: Estimates, level: float, margin: float) -> np.ndarray:
    """`margin` in proportions (0.005 for half a point), as `comparison.decisions`. Per experiment:
    no number of seeds can resolve it on these sentences. With infinitely many
    seeds the interval shrinks to the sentences' part alone, `difference ± z sd`; when that still
    contains 0 and is wider than ±margin, neither "better" nor "equivalent" is reachable."""
    z = stats.norm.ppf(0.5 + level / 2)
    half = z * np.sqrt(np.maximum(found.sentences_part, 0))
    difference = found.difference
    return (np.abs(difference) < half) & (np.abs(difference) + half > margin)


STOPS = ("a better", "b better", "equivalent", "unresolvable", "going on")
"""A look's answer for one pair: resolved three ways, unresolvable on these sentences, or not yet."""


def look_answers(a: np.ndarray, b: np.ndarray, level: float, margin: float) -> np.ndarray:
    """`a`, `b`: E x seeds x sentences (the judged runs so far); each experiment's answer at this
    look, an index into STOPS. The interval is `comparison`'s at `level`; margin in proportions."""
    found = estimate(a, b)
    low, high = intervals(found, level)
    answer = decisions(low, high, margin, one_seed=min(a.shape[1], b.shape[1]) < 2)
    out = np.full(answer.shape, STOPS.index("going on"))
    for name in ("a better", "b better", "equivalent"):
        out[answer == DECISIONS.index(name)] = STOPS.index(name)
    out[(out == STOPS.index("going on")) & futile(found, level, margin) & (min(a.shape[1], b.shape[1]) >= 2)] = \
        STOPS.index("unresolvable")
    return out


def sequential(a: np.ndarray, b: np.ndarray, per_look: int, looks: int, margin: float,
               alpha: float = 1 - LEVEL, first_look: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """The whole procedure on E simulated comparisons at once: look after `first_look`, then every
    `per_look` more seeds of each (up to `looks` looks), stop at the first answer that is not "going
    on". Returns (the answer, the seeds of each method used), per experiment. `a`, `b` hold as many
    seeds as the last look needs."""
    levels = 1 - spent_alphas(looks, alpha)
    answer = np.full(len(a), STOPS.index("going on"))
    used = np.zeros(len(a), dtype=int)
    for k in range(looks):
        seeds = first_look + k * per_look
        open_ = answer == STOPS.index("going on")
        if not open_.any():
            break
        now = look_answers(a[open_, :seeds], b[open_, :seeds], float(levels[k]), margin)
        answer[open_] = now
        used[open_] = seeds
    return answer, used
