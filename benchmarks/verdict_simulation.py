"""The verdict's coverage and power table for the README, and its selection leaks (a run's step, a
method's setting), from the same simulation the tests use (tests/simulated_correctness.py: 872
sentences of varying difficulty shared by the methods, seed effects, evaluations that mostly agree;
3,200 experiments per cell).

    python -m benchmarks.verdict_simulation     # about a minute on 2 CPU cores

Prints a Markdown table and writes benchmarks/results/verdict_simulation-<machine>-<date>.json."""

from __future__ import annotations

import numpy as np

from benchmarks.common import machine, write_results
from sst2_tui.core.comparison import DECISIONS, decisions, estimate, intervals
from tests.simulated_correctness import SEED_SD, SENTENCES, TUNING, UNSTABLE, Regime, step_leak, winners_inflation

EXPERIMENTS, CHUNK = 3200, 400


def cell(regime: Regime, seeds: int, gap: float, rng_seed: int) -> dict[str, float]:
    shift = regime.shift_for_gap(gap)
    truth = regime.true_gap(shift) / 100
    rng = np.random.default_rng(rng_seed)
    covered = better = equivalent = 0
    spread = []
    for _ in range(EXPERIMENTS // CHUNK):
        a, b = regime.runs(rng, CHUNK, [seeds, seeds], [shift, 0.0])
        low, high = intervals(estimate(a, b))
        answer = decisions(low, high, 0.005)
        covered += int(((low <= truth) & (truth <= high)).sum())
        better += int((answer == DECISIONS.index("a better")).sum())
        equivalent += int((answer == DECISIONS.index("equivalent")).sum())
        spread.append(100 * a.mean(axis=2).std(axis=1, ddof=1).mean())
    return {"coverage": covered / EXPERIMENTS, "a_better": better / EXPERIMENTS, "equivalent": equivalent / EXPERIMENTS,
            "run_sd_points": float(np.mean(spread)), "true_gap_points": 100 * truth}


def selection_leaks() -> list[dict[str, object]]:
    """Points the judged score lies above the truth: each run's step chosen on the tuning half vs on all
    sentences (a plateau), and a chosen setting judged on confirmation seeds vs on the grid's own (4
    equal settings x 3 seeds)."""
    found: list[dict[str, object]] = []
    for name, seed_sd in SEED_SD.items():
        for evals in (5, 10):
            regime = Regime(seed_sd)
            found.append({"choice": f"each run's step, {evals} evaluations", "regime": name,
                          "honest": step_leak(regime, evals, TUNING, rng_seed=evals, experiments=EXPERIMENTS),
                          "leaky": step_leak(regime, evals, np.arange(SENTENCES), rng_seed=evals, experiments=EXPERIMENTS)})
    for name, seed_sd in UNSTABLE.items():
        confirmed, reused = winners_inflation(seed_sd, rng_seed=11, experiments=EXPERIMENTS)
        found.append({"choice": "the best of 4 equal settings, 3 seeds", "regime": name, "honest": confirmed, "leaky": reused})
    return found


def main() -> int:
    rows = []
    for name, seed_sd in SEED_SD.items():
        for seeds in (3, 5):
            for gap in (0.0, 1.0, 2.0):
                found = cell(Regime(seed_sd), seeds, gap, rng_seed=seeds * 10 + int(gap))
                rows.append({"regime": name, "seeds": seeds, "gap": gap, **found})
    print("| regime (runs differ by) | seeds | true gap | 95% CI covers it | says \"A better\" | says \"equivalent\" |")
    print("| --- | --- | --- | --- | --- | --- |")
    for row in rows:
        print(f"| {row['regime']} ({row['run_sd_points']:.2f} points) | {row['seeds']} | {row['gap']:.0f} point(s) | "
              f"{100 * row['coverage']:.1f}% | {100 * row['a_better']:.1f}% | {100 * row['equivalent']:.1f}% |")
    leaks = selection_leaks()
    print("\n| choice | regime | chosen where the verdict does not judge | chosen as before (#36's audit) |")
    print("| --- | --- | --- | --- |")
    for leak in leaks:
        print(f"| {leak['choice']} | {leak['regime']} | {leak['honest']:+.2f} points | {leak['leaky']:+.2f} points |")
    path = write_results("verdict_simulation", {"machine": machine(), "experiments_per_cell": EXPERIMENTS, "rows": rows,
                                                "selection_leaks": leaks})
    print(f"\n{path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
