"""#49: "did the change help?" for a fork and its parent (core/stats/paired_runs.py), its promises proved
by simulation (vectorized, 2,000 experiments a case, in the fast loop):

- the interval over sentences covers the true difference of the two fixed models at least 93% of the
  time (95% typical) where the two runs agree on almost every sentence (a fork near its parent: 0-5
  discordant sentences of 436), where they differ a lot (a run collapsed to one class), on 436, 100
  and 30 sentences; on the model it was chosen with (a shared latent margin per sentence, the child's
  a little moved) and on a second one (per-sentence chances from a Beta, the child redrawing a share
  of the sentences);
- where the truth is no difference, "helped" comes out at most 2.5% (+ Monte Carlo error);
- identical runs get an interval of nonzero width around 0, never "helped";
- the plain Wald interval fails the same coverage check near the parent (the check has teeth).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate
from scipy import stats as scipy_stats

from sst2_tui.core.stats.paired_runs import compare_runs, paired_intervals

EXPERIMENTS = 2000
MC = 3 * np.sqrt(0.05 * 0.95 / EXPERIMENTS)  # three Monte Carlo standard errors at 95%


def latent_margin_runs(rng: np.random.Generator, sentences: int, mu: float, sigma: float, move: float,
                       wobble: float) -> tuple[np.ndarray, np.ndarray, float]:
    """Each sentence a margin m ~ N(mu, sigma) for the parent (right where m > 0); the child's margin
    is m + move + N(0, wobble): a fork shares its parent's view of most sentences. Returns the
    parent's and child's correctness (E x J) and the true difference over the sentence population."""
    margin = rng.normal(mu, sigma, (EXPERIMENTS, sentences))
    child = margin + move + rng.normal(0.0, wobble, margin.shape)
    truth = scipy_stats.norm.cdf((mu + move) / np.hypot(sigma, wobble)) - scipy_stats.norm.cdf(mu / sigma)
    return margin > 0, child > 0, float(truth)


def beta_runs(rng: np.random.Generator, sentences: int, a: float, b: float, redrawn: float,
              shift: float) -> tuple[np.ndarray, np.ndarray, float]:
    """Each sentence's chance p ~ Beta(a, b); the parent right with chance p; the child keeps the
    parent's answer except on a share `redrawn` of the sentences, where it is right with chance p + shift."""
    p = rng.beta(a, b, (EXPERIMENTS, sentences))
    parent = rng.random(p.shape) < p
    fresh = rng.random(p.shape) < np.clip(p + shift, 0, 1)
    child = np.where(rng.random(p.shape) < redrawn, fresh, parent)
    shifted, _ = integrate.quad(lambda x: min(max(x + shift, 0.0), 1.0) * scipy_stats.beta.pdf(x, a, b), 0, 1)
    truth = redrawn * (shifted - a / (a + b))
    return parent, child, float(truth)


def coverage(parent: np.ndarray, child: np.ndarray, truth: float) -> tuple[float, float]:
    """(coverage, share of "helped") of the interval over E experiments."""
    only_child = (child & ~parent).sum(axis=1)
    only_parent = (parent & ~child).sum(axis=1)
    _, low, high = paired_intervals(only_child, only_parent, parent.shape[1])
    return float(((low <= truth) & (truth <= high)).mean()), float((low > 0).mean())


def _zero_truth_move(mu: float, sigma: float, wobble: float) -> float:
    """The move at which the child's accuracy over the population equals the parent's."""
    return mu * (np.hypot(sigma, wobble) / sigma - 1)


CASES = [  # (sentences, mu, sigma, move, wobble): near the parent, a real change, a collapsed parent
    (436, 2.0, 1.5, 0.0, 0.05), (436, 2.0, 1.5, 0.03, 0.05), (436, 2.0, 1.5, 0.0, 0.3), (436, 2.0, 1.5, 0.3, 0.3),
    (100, 2.0, 1.5, 0.05, 0.1), (100, 2.0, 1.5, 0.0, 0.5), (30, 2.0, 1.5, 0.0, 0.5), (30, 1.0, 1.0, 0.5, 0.5),
    (436, 0.0, 0.01, 2.0, 2.0),  # the parent right on about half (one class), the child learned
]


@pytest.mark.parametrize(("sentences", "mu", "sigma", "move", "wobble"), CASES)
def test_the_interval_covers_the_two_models_difference_on_the_latent_margin_model(sentences, mu, sigma, move, wobble):
    rng = np.random.default_rng(sentences + int(100 * move) + int(10 * wobble))
    parent, child, truth = latent_margin_runs(rng, sentences, mu, sigma, move, wobble)
    covered, _ = coverage(parent, child, truth)
    assert covered >= 0.93 - MC, f"coverage {covered:.3f} (truth {100 * truth:+.2f} points)"


@pytest.mark.parametrize(("sentences", "a", "b", "redrawn", "shift"),
                         [(436, 8, 1, 0.01, 0.0), (436, 8, 1, 0.02, 0.3), (436, 8, 1, 0.2, -0.1),
                          (100, 4, 1, 0.05, 0.1), (30, 4, 1, 0.3, 0.0), (872, 9, 1, 0.005, 0.5)])
def test_the_interval_covers_on_a_second_data_model(sentences, a, b, redrawn, shift):
    rng = np.random.default_rng(7 * sentences + int(1000 * redrawn))
    parent, child, truth = beta_runs(rng, sentences, a, b, redrawn, shift)
    covered, _ = coverage(parent, child, truth)
    assert covered >= 0.93 - MC, f"coverage {covered:.3f} (truth {100 * truth:+.2f} points)"


@pytest.mark.parametrize(("sentences", "wobble"), [(436, 0.05), (436, 0.5), (100, 0.3), (30, 0.5)])
def test_no_true_difference_says_helped_at_most_a_fortieth_of_the_time(sentences, wobble):
    rng = np.random.default_rng(sentences + int(100 * wobble))
    parent, child, truth = latent_margin_runs(rng, sentences, 2.0, 1.5, _zero_truth_move(2.0, 1.5, wobble), wobble)
    assert abs(truth) < 1e-12
    _, helped = coverage(parent, child, truth)
    assert helped <= 0.025 + 3 * np.sqrt(0.025 * 0.975 / EXPERIMENTS), f'"helped" {helped:.3f}'


def test_identical_runs_get_an_interval_around_zero_that_is_never_of_zero_width():
    same = np.random.default_rng(0).random(436) < 0.9
    found = compare_runs(same, same)
    assert found.difference == 0 and found.low < 0 < found.high and found.answer == "no difference shown"
    assert found.high - found.low > 2 * 100 / 436, "wider than a sentence either side"


def test_a_clear_improvement_is_said_and_counted():
    rng = np.random.default_rng(1)
    parent = rng.random(436) < 0.8
    child = parent | (rng.random(436) < 0.3)  # right wherever the parent was, and on a third more
    found = compare_runs(parent, child)
    assert found.answer == "helped" and found.only_parent_right == 0 and found.only_child_right > 20
    assert found.child_accuracy - found.parent_accuracy == pytest.approx(found.difference)
    assert compare_runs(child, parent).answer == "hurt"


def test_runs_on_different_sentences_are_refused():
    with pytest.raises(ValueError, match="same sentences"):
        compare_runs(np.ones(10), np.ones(9))


def test_the_plain_wald_interval_fails_this_check_near_the_parent():
    """What the check catches: Wald's interval (no pseudo-sentences) near the parent, a small real move."""
    rng = np.random.default_rng(3)
    parent, child, truth = latent_margin_runs(rng, 436, 2.0, 1.5, 0.03, 0.05)
    b, c = (child & ~parent).sum(axis=1), (parent & ~child).sum(axis=1)
    estimate = (b - c) / 436
    half = 1.96 * np.sqrt(np.maximum((b + c) / 436 - estimate ** 2, 0) / 436)
    assert float(((estimate - half <= truth) & (truth <= estimate + half)).mean()) < 0.9
