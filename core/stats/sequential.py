"""Looking at a comparison again and again as seeds arrive, without the repeated looks inflating the
false "better" (`sweep --until-resolved`): a group-sequential design with alpha spending.

Why this design: seeds come in rounds (a few looks, not one look per run), each look's interval is
`core/comparison`'s seed x sentence variance-components interval (proved to hold its 95% with 3
seeds), and only its level changes from look to look. The 5% error is spent over the planned looks
as Haybittle and Peto did: 0.1% at each early look (stop early only on strong evidence), the rest at
the last (4.7% with 4 looks), so a sweep that runs to its budget says nearly what the full grid says.
The looks are combined by a union bound, not by the correlation between them: valid whatever that
correlation is (the sentences are shared by every look, so the increments are not independent).
(An O'Brien-Fleming-type spending with a union bound left only 2.6% for the last of 4 looks, and
agreed with the full grid in 81% of replays where it resolved; this one, in the tests, in over 95%.)

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

from sst2_tui.core.stats.comparison import DECISIONS, LEVEL, MIN_SEEDS, Estimates, decisions, estimate, intervals

MAX_LOOKS = 10
FIRST_LOOK_SEEDS = 5
"""No look before each method has 5 judged seeds: the 99.9% an early look uses is a far tail of the t
quantile, and with 3 seeds where seeds dominate it said a false "better" 0.42% of the time instead of
0.1% (with 2 seeds, 1.9%); with 5, 0.09% (tests/test_verdict_edges.py)."""
SEEDS_PER_LOOK = 2


INTERIM_ALPHA = 0.001
"""Each look before the last spends this (Haybittle-Peto: stop early only on strong evidence)."""


def spent_alphas(looks: int, alpha: float = 1 - LEVEL) -> np.ndarray:
    """The error spent at each of `looks` planned looks: `INTERIM_ALPHA` at each early one, the rest
    at the last (Haybittle 1971, Peto et al. 1976); they sum to `alpha`, so by a union bound the
    chance of any false answer over all looks is at most `alpha`."""
    if not 1 <= looks <= MAX_LOOKS:
        raise ValueError(f"looks={looks} is not between 1 and {MAX_LOOKS}")
    spent = np.full(looks, INTERIM_ALPHA)
    spent[-1] = alpha - INTERIM_ALPHA * (looks - 1)
    return spent


def look_level(look: int, looks: int, alpha: float = 1 - LEVEL) -> float:
    """The confidence level of look `look` (1-based) of `looks`."""
    return float(1 - spent_alphas(looks, alpha)[look - 1])


def futile(found: Estimates, level: float, margin: float) -> np.ndarray:
    """`margin` in proportions (0.005 for half a point), as `comparison.decisions`. Per experiment:
    no number of seeds can resolve it on these sentences. With infinitely many seeds the estimate
    becomes the gap on these very sentences, and the interval that gap ± the sentences' part alone
    (`floor`). "Equivalent" is out of reach when the floor is wider than the margin; "better" when
    every gap on these sentences the seeds so far leave plausible (the estimate ± the seeds' part)
    lies within ±floor."""
    z = stats.norm.ppf(0.5 + level / 2)
    floor = z * np.sqrt(np.maximum(found.sentences_part, 0))
    seeds = z * np.sqrt(np.maximum(found.seeds_part, 0))
    farthest = np.abs(found.difference) + seeds
    return (floor > margin) & (farthest < floor)


STOPS = ("a better", "b better", "equivalent", "unresolvable", "going on")
"""A look's answer for one pair: resolved three ways, unresolvable on these sentences, or not yet."""


def look_answers(a: np.ndarray, b: np.ndarray, level: float, margin: float) -> np.ndarray:
    """`a`, `b`: E x seeds x sentences (the judged runs so far); each experiment's answer at this
    look, an index into STOPS. The interval is `comparison`'s at `level`; margin in proportions."""
    found = estimate(a, b)
    low, high = intervals(found, level)
    answer = decisions(low, high, margin, one_seed=min(a.shape[1], b.shape[1]) < MIN_SEEDS)
    out = np.full(answer.shape, STOPS.index("going on"))
    for name in ("a better", "b better", "equivalent"):
        out[answer == DECISIONS.index(name)] = STOPS.index(name)
    out[(out == STOPS.index("going on")) & futile(found, level, margin) & (min(a.shape[1], b.shape[1]) >= MIN_SEEDS)] = \
        STOPS.index("unresolvable")
    return out


def sequential(a: np.ndarray, b: np.ndarray, looks: int, margin: float, per_look: int = SEEDS_PER_LOOK,
               alpha: float = 1 - LEVEL, first_look: int = FIRST_LOOK_SEEDS) -> tuple[np.ndarray, np.ndarray]:
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
