"""#37: what a sweep that stops itself promises, proved by simulation with the structure of real data
(tests/simulated_correctness.py: sentences of varying difficulty shared by the methods, seed effects;
436 judging sentences), 3,200 replays per case, through `core/stats/sequential.sequential` itself (the
sweep's looks call its `look_answers` at the same levels):

- at a true gap of 0, a false "better" (either way) at most 5% under the procedure's own looks
  (within Monte Carlo error: 2 standard errors, 0.8 points), where looking at 95% at every look
  says it far more often;
- where the full grid (every seed, one look at 95%) resolves, the procedure says the same in at
  least 95% of replays; the share of runs it saves, reported.
"""

from __future__ import annotations

import numpy as np
import pytest

from sst2_tui.core.stats.comparison import DECISIONS, decisions, estimate, intervals
from sst2_tui.core.stats.sequential import FIRST_LOOK_SEEDS, STOPS, look_answers, sequential, spent_alphas
from tests.simulated_correctness import SEED_SD, Regime

REPLAYS, CHUNK, LOOKS, JUDGING = 3200, 400, 4, 436
MOST_SEEDS = FIRST_LOOK_SEEDS + 2 * (LOOKS - 1)  # looks at 5, 7, 9 and 11 seeds of each
MONTE_CARLO = 2 * np.sqrt(0.05 * 0.95 / REPLAYS)


def _replays(regime: str, gap: float, rng_seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(the procedure's answers, seeds it used, the full grid's answers, answers of 95% at every look)."""
    simulated = Regime(SEED_SD[regime], sentences=JUDGING)
    shift = simulated.shift_for_gap(gap)
    rng = np.random.default_rng(rng_seed)
    found: list[list[np.ndarray]] = [[], [], [], []]
    for _ in range(REPLAYS // CHUNK):
        a, b = simulated.runs(rng, CHUNK, [MOST_SEEDS, MOST_SEEDS], [shift, 0.0])
        answer, used = sequential(a, b, LOOKS, margin=0.005)
        low, high = intervals(estimate(a, b))
        naive = np.full(CHUNK, STOPS.index("going on"))
        for seeds in range(FIRST_LOOK_SEEDS, MOST_SEEDS + 1, 2):
            going = naive == STOPS.index("going on")
            naive[going] = look_answers(a[going, :seeds], b[going, :seeds], 0.95, 0.005)
        for into, value in zip(found, (answer, used, decisions(low, high, 0.005), naive), strict=True):
            into.append(value)
    answer, used, full, naive = (np.concatenate(parts) for parts in found)
    return answer, used, full, naive


def test_the_looks_spend_exactly_five_percent():
    assert spent_alphas(LOOKS).sum() == pytest.approx(0.05) and spent_alphas(LOOKS)[0] == 0.001


@pytest.mark.parametrize("regime", list(SEED_SD))
def test_a_false_better_at_a_true_gap_of_0_stays_within_5_percent_under_the_procedures_own_looks(regime):
    answer, _, _, naive = _replays(regime, 0.0, rng_seed=1)
    false = np.isin(answer, [STOPS.index("a better"), STOPS.index("b better")]).mean()
    assert false <= 0.05 + MONTE_CARLO, f"{regime}: {false:.3f}"
    naive_false = np.isin(naive, [STOPS.index("a better"), STOPS.index("b better")]).mean()
    assert naive_false >= false + 0.02, f"95% at every look: {naive_false:.3f} (the unsound way the test must catch)"


@pytest.mark.parametrize(("regime", "gap"), [("sentences dominate", 2.0), ("sentences dominate", 4.0),
                                             ("seeds dominate", 4.0), ("seeds dominate", 6.0)])
def test_where_the_full_grid_resolves_the_procedure_says_the_same_in_95_percent(regime, gap):
    answer, used, full, _ = _replays(regime, gap, rng_seed=int(gap))
    resolved = full != DECISIONS.index("not resolved")
    same = np.asarray([STOPS[a] for a in answer]) == np.asarray([DECISIONS[f] for f in full])
    saved = 1 - used.mean() / MOST_SEEDS
    print(f"{regime}, gap {gap}: full grid resolves {resolved.mean():.1%}; same answer {same[resolved].mean():.1%}; "
          f"runs saved {saved:.1%}")
    assert resolved.mean() > 0.5 and same[resolved].mean() >= 0.95


@pytest.mark.parametrize("regime", list(SEED_SD))
def test_three_equal_methods_keep_a_false_better_anywhere_within_5_percent_under_the_looks(regime):
    """#45: the whole procedure, three methods at once (each pair's looks at a third of the error, as
    `compare_all` makes them), a true gap of 0 everywhere."""
    simulated = Regime(SEED_SD[regime], sentences=JUDGING)
    rng = np.random.default_rng(9)
    false = 0
    for _ in range(REPLAYS // CHUNK):
        a, b, c = simulated.runs(rng, CHUNK, [MOST_SEEDS] * 3, [0.0] * 3)
        anywhere = np.zeros(CHUNK, dtype=bool)
        for x, y in ((a, b), (a, c), (b, c)):
            answer, _ = sequential(x, y, LOOKS, margin=0.005, alpha=0.05 / 3)
            anywhere |= np.isin(answer, [STOPS.index("a better"), STOPS.index("b better")])
        false += int(anywhere.sum())
    assert false / REPLAYS <= 0.05 + MONTE_CARLO, f"{regime}: {false / REPLAYS:.3f}"
