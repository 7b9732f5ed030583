"""The sweep verdict's statistics against known answers (#29)."""

from __future__ import annotations

import numpy as np

from sst2_tui.core.report.verdict import choose_best, split_halves
from sst2_tui.core.stats.comparison import compare

SENTENCES = 872


def _runs(accuracy: float, seeds: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.random(SENTENCES) < accuracy for _ in range(seeds)]


def test_the_tuning_and_judging_halves_never_overlap_and_cover_every_sentence():
    tuning, judging = split_halves(SENTENCES, seed=3)
    assert not set(tuning) & set(judging) and len(tuning) + len(judging) == SENTENCES
    assert np.array_equal(split_halves(SENTENCES, seed=3)[0], tuning), "seeded"
    assert not np.array_equal(split_halves(SENTENCES, seed=4)[0], tuning)


def test_identical_predictions_are_equivalent_not_a_win():
    runs = np.asarray(_runs(0.9, seeds=3, seed=0), dtype=float)
    _, judging = split_halves(SENTENCES)
    same = compare(runs[:, judging], runs[:, judging].copy(), a_name="full", b_name="trainer")
    assert same.points == 0 and same.low <= 0 <= same.high and same.decision in ("equivalent", "not resolved")
    assert "full − trainer" in same.sentence()


def test_a_constructed_five_point_gap_over_three_seeds_alone_waits_for_more_seeds_and_says_why():
    """Three runs of a method cannot show how steady it is (core/stats/unequal_stability.py): with
    nothing pooled the interval allows for a less steady method, and the advice is at least 5 seeds."""
    _, judging = split_halves(SENTENCES)
    full, lora = np.asarray(_runs(0.92, 3, 1), dtype=float), np.asarray(_runs(0.87, 3, 2), dtype=float)
    gap = compare(full[:, judging], lora[:, judging], a_name="full", b_name="lora")
    assert gap.decision == "not resolved" and gap.low < 0 < gap.high and 3 < gap.points < 7
    assert gap.seeds_needed is not None and gap.seeds_needed >= 5
    assert "3 seeds cannot show how steady a method is" in gap.headline()
    pooled = compare(full[:, judging], lora[:, judging], a_name="full", b_name="lora", spreads=((0.0001, 12), (0.0001, 12)))
    assert pooled.decision == "a better" and "steady" not in pooled.headline(), "a spread pooled over a sweep's settings"


def test_a_constructed_five_point_gap_over_five_seeds_is_a_win_either_way_round():
    _, judging = split_halves(SENTENCES)
    full, lora = np.asarray(_runs(0.92, 5, 1), dtype=float), np.asarray(_runs(0.87, 5, 2), dtype=float)
    gap = compare(full[:, judging], lora[:, judging], a_name="full", b_name="lora")
    assert gap.decision == "a better" and 3 < gap.points < 7 and gap.low > 0
    assert gap.sentence().startswith("full is better than lora by about ")
    reverse = compare(lora[:, judging], full[:, judging], a_name="lora", b_name="full")
    assert reverse.decision == "b better" and reverse.sentence().startswith("full is better than lora by about ")
    assert "lora − full" in reverse.sentence(), "the interval names its direction"


def test_the_verdict_is_reproducible_without_resampling():
    _, judging = split_halves(SENTENCES)
    a, b = np.asarray(_runs(0.9, 3, 5), dtype=float), np.asarray(_runs(0.89, 3, 6), dtype=float)
    assert compare(a[:, judging], b[:, judging]) == compare(a[:, judging], b[:, judging])


def test_the_best_setting_is_chosen_on_the_tuning_half_only():
    tuning, _ = split_halves(SENTENCES)
    good_on_tuning = np.zeros(SENTENCES, bool)
    good_on_tuning[tuning] = True  # right on every tuning sentence, wrong on every judging one
    good_on_judging = ~good_on_tuning
    assert choose_best({"lr 1e-5": [good_on_tuning], "lr 3e-5": [good_on_judging]}, tuning) == "lr 1e-5"
