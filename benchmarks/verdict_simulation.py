"""The verdict's coverage and power table for the README, and its selection leaks (a run's step, a
method's setting), from the same simulation the tests use (tests/simulated_correctness.py: 872
sentences of varying difficulty shared by the methods, seed effects, evaluations that mostly agree;
3,200 experiments per cell).

    python -m benchmarks.verdict_simulation     # about a minute on 2 CPU cores

Prints a Markdown table and writes benchmarks/results/verdict_simulation-<machine>-<date>.json."""

from __future__ import annotations

import numpy as np

from benchmarks.common import machine, write_results
from sst2_tui.core.stats.comparison import DECISIONS, decisions, estimate, intervals, judged_intervals
from sst2_tui.core.stats.unequal_stability import guarded
from tests.simulated_correctness import SEED_SD, SENTENCES, TUNING, UNSTABLE, Regime, step_leak, winners_inflation

EXPERIMENTS, CHUNK = 3200, 400


def cell(regime: Regime, seeds: int, gap: float, rng_seed: int) -> dict[str, float]:
    """The t interval (a sweep whose methods' spreads are pooled over their settings) and the interval
    `compare()` gives judged seeds alone (the unequal-stability guard too: below 5 seeds, always)."""
    shift = regime.shift_for_gap(gap)
    truth = regime.true_gap(shift) / 100
    rng = np.random.default_rng(rng_seed)
    covered = better = equivalent = covered_alone = better_alone = 0
    spread = []
    for _ in range(EXPERIMENTS // CHUNK):
        a, b = regime.runs(rng, CHUNK, [seeds, seeds], [shift, 0.0])
        low, high = intervals(estimate(a, b))
        answer = decisions(low, high, 0.005)
        covered += int(((low <= truth) & (truth <= high)).sum())
        better += int((answer == DECISIONS.index("a better")).sum())
        equivalent += int((answer == DECISIONS.index("equivalent")).sum())
        low, high = judged_intervals(a, b, rng=rng)
        covered_alone += int(((low <= truth) & (truth <= high)).sum())
        better_alone += int((decisions(low, high, 0.005) == DECISIONS.index("a better")).sum())
        spread.append(100 * a.mean(axis=2).std(axis=1, ddof=1).mean())
    return {"coverage": covered / EXPERIMENTS, "a_better": better / EXPERIMENTS, "equivalent": equivalent / EXPERIMENTS,
            "coverage_alone": covered_alone / EXPERIMENTS, "a_better_alone": better_alone / EXPERIMENTS,
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


def unequal_stability(seeds: int, rng_seed: int) -> tuple[float, float, float]:
    """(a false "the unstable one is better" by the t interval alone, the same with the unequal-stability
    guard as `compare()` judges seeds alone, a false "the steady one is better" with it): one method's
    seeds ten times less steady (logit s.d. 1.5 against 0.15: its runs span 60-98%), equal expected
    accuracy, 436 judging sentences."""
    steady, unstable = Regime(0.15, sentences=436), Regime(1.5, sentences=436)
    target, low, high = steady.expected_accuracy(0.0), -3.0, 3.0
    for _ in range(60):  # the unstable method's shift that gives it the same expected accuracy
        middle = (low + high) / 2
        low, high = (middle, high) if unstable.expected_accuracy(middle) < target else (low, middle)
    rng = np.random.default_rng(rng_seed)
    plain = a_better = b_better = 0
    for _ in range(EXPERIMENTS // CHUNK):
        a, b = steady.runs(rng, CHUNK, [seeds, seeds], [(low + high) / 2, 0.0], seed_sds=[1.5, 0.15])
        found = estimate(a, b)
        found_low, found_high = intervals(found)
        plain += int((found_low > 0).sum())
        found_low, found_high = guarded(a, b, found_low, found_high, found.sentences_part, 0.95, draws=1000, rng=rng)
        a_better += int((found_low > 0).sum())
        b_better += int((found_high < 0).sum())
    return plain / EXPERIMENTS, a_better / EXPERIMENTS, b_better / EXPERIMENTS


def main() -> int:
    rows = []
    for name, seed_sd in SEED_SD.items():
        for seeds in (3, 5):
            for gap in (0.0, 1.0, 2.0):
                found = cell(Regime(seed_sd), seeds, gap, rng_seed=seeds * 10 + int(gap))
                rows.append({"regime": name, "seeds": seeds, "gap": gap, **found})
    print("| regime (runs differ by) | seeds | true gap | 95% CI covers it | says \"A better\" | says \"equivalent\" "
          "| judged alone: covers it | judged alone: \"A better\" |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for row in rows:
        print(f"| {row['regime']} ({row['run_sd_points']:.2f} points) | {row['seeds']} | {row['gap']:.0f} point(s) | "
              f"{100 * row['coverage']:.1f}% | {100 * row['a_better']:.1f}% | {100 * row['equivalent']:.1f}% | "
              f"{100 * row['coverage_alone']:.1f}% | {100 * row['a_better_alone']:.1f}% |")
    leaks = selection_leaks()
    print("\n| choice | regime | chosen where the verdict does not judge | chosen as before (#36's audit) |")
    print("| --- | --- | --- | --- |")
    for leak in leaks:
        print(f"| {leak['choice']} | {leak['regime']} | {leak['honest']:+.2f} points | {leak['leaky']:+.2f} points |")
    print("\n| one method ten times less steady, judged alone | seeds | false \"unstable better\" (t interval only) "
          "| false \"unstable better\" | false \"steady better\" |")
    print("| --- | --- | --- | --- | --- |")
    unequal = []
    for seeds in (3, 5, 10):
        plain, a_better, b_better = unequal_stability(seeds, rng_seed=seeds)
        unequal.append({"seeds": seeds, "unstable_better_t_only": plain, "unstable_better": a_better, "steady_better": b_better})
        print(f"| logit s.d. 1.5 vs 0.15 | {seeds} | {100 * plain:.1f}% | {100 * a_better:.1f}% | {100 * b_better:.1f}% |")
    path = write_results("verdict_simulation", {"machine": machine(), "experiments_per_cell": EXPERIMENTS, "rows": rows,
                                                "selection_leaks": leaks, "unequal_stability": unequal})
    print(f"\n{path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
