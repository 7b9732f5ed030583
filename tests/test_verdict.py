"""The sweep verdict's statistics against known answers (#29)."""

from __future__ import annotations

import numpy as np

from sst2_tui.core.report.verdict import choose_best, paired_bootstrap, split_halves

SENTENCES = 872


def _runs(accuracy: float, seeds: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.random(SENTENCES) < accuracy for _ in range(seeds)]


def test_the_tuning_and_judging_halves_never_overlap_and_cover_every_sentence():
    tuning, judging = split_halves(SENTENCES, seed=3)
    assert not set(tuning) & set(judging) and len(tuning) + len(judging) == SENTENCES
    assert np.array_equal(split_halves(SENTENCES, seed=3)[0], tuning), "seeded"
    assert not np.array_equal(split_halves(SENTENCES, seed=4)[0], tuning)


def test_identical_predictions_give_an_interval_around_zero_and_no_real_difference():
    runs = _runs(0.9, seeds=3, seed=0)
    _, judging = split_halves(SENTENCES)
    same = paired_bootstrap("full", runs, "trainer", [r.copy() for r in runs], judging)
    assert same.points == 0 and same.low <= 0 <= same.high and not same.real
    assert same.sentence().startswith("no real difference between full and trainer (95% CI")
    assert "seeds would resolve a 0.5-point gap" in same.sentence()


def test_a_constructed_five_point_gap_over_three_seeds_is_real():
    _, judging = split_halves(SENTENCES)
    gap = paired_bootstrap("full", _runs(0.92, 3, 1), "lora", _runs(0.87, 3, 2), judging)
    assert gap.real and 3 < gap.points < 7 and gap.low > 0
    assert gap.sentence().startswith("full beats lora by ")
    reverse = paired_bootstrap("lora", _runs(0.87, 3, 2), "full", _runs(0.92, 3, 1), judging)
    assert reverse.sentence().startswith("full beats lora by ")


def test_the_bootstrap_is_seeded_and_reproducible():
    _, judging = split_halves(SENTENCES)
    a, b = _runs(0.9, 3, 5), _runs(0.89, 3, 6)
    first, again = paired_bootstrap("a", a, "b", b, judging, seed=7), paired_bootstrap("a", a, "b", b, judging, seed=7)
    assert (first.low, first.high) == (again.low, again.high)


def test_the_best_setting_is_chosen_on_the_tuning_half_only():
    tuning, _ = split_halves(SENTENCES)
    good_on_tuning = np.zeros(SENTENCES, bool)
    good_on_tuning[tuning] = True  # right on every tuning sentence, wrong on every judging one
    good_on_judging = ~good_on_tuning
    assert choose_best({"lr 1e-5": [good_on_tuning], "lr 3e-5": [good_on_judging]}, tuning) == "lr 1e-5"
