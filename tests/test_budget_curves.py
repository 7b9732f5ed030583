"""#36 item 6: budget curves. The expected best of n grid points is Tang et al. 2020's estimator,
checked against its definition (the mean best over every subset of n points), and the sentence
that names who leads at each budget, or where the curves cross."""

from __future__ import annotations

import itertools
import statistics

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sst2_tui.core.report.budget import BudgetCurve, budget_curve, crossing_sentences, expected_best


@settings(max_examples=80, deadline=None)
@given(st.lists(st.floats(0.0, 1.0, allow_nan=False), min_size=1, max_size=8))
def test_the_expected_best_is_the_mean_best_over_every_subset_of_n_points(values):
    for n in range(1, len(values) + 1):
        exact = statistics.fmean(max(subset) for subset in itertools.combinations(values, n))
        assert expected_best(values, n) == pytest.approx(exact, abs=1e-9)


def test_one_point_expects_the_mean_all_of_them_the_best_and_more_never_less():
    values = [0.81, 0.9, 0.86, 0.84]
    curve = budget_curve("full", values, hours_per_point=0.5)
    assert curve.expected[0] == pytest.approx(statistics.fmean(values)) and curve.expected[-1] == 0.9
    assert curve.expected == sorted(curve.expected)
    assert curve.at_hours(0.4) is None and curve.at_hours(1.0) == curve.expected[1] and curve.at_hours(99) == 0.9
    with pytest.raises(ValueError, match="n=5 is not between 1 and 4"):
        expected_best(values, 5)


def test_the_sentence_names_the_leader_or_where_the_curves_cross():
    steady = BudgetCurve("full", [0.80, 0.85, 0.88], hours_per_point=1.0)
    lucky = BudgetCurve("lora", [0.83, 0.84, 0.85], hours_per_point=0.25)
    [said] = crossing_sentences([steady, lucky])
    assert said.startswith("By grid points tried, the curves cross: lora is ahead below 2 point(s), full from 2 point(s) on;")
    # level at 2 hours: lora affords all 3 of its points by then
    assert "by device-hours, the curves cross: lora is ahead below 3 device-hours, full from 3 device-hours on" in said
    [ahead] = crossing_sentences([BudgetCurve("full", [0.9, 0.95], 1.0), BudgetCurve("lora", [0.8, 0.85], 1.0)])
    assert "full is ahead at every grid-point budget (1 point(s) to 2 point(s))" in ahead


def test_a_leader_that_is_caught_at_the_end_is_ahead_or_level():
    [said] = crossing_sentences([BudgetCurve("full", [0.9, 0.95], 1.0), BudgetCurve("lora", [0.8, 0.95], 1.0)])
    assert "full is ahead or level at every grid-point budget" in said


def test_a_sweeps_report_has_its_budget_curves_after_the_grid_and_before_the_runs(tmp_path):
    from sst2_tui.core.report.files import write_report
    from tests.sweep_session import recorded_sweep

    session = recorded_sweep(tmp_path, "sw")
    write_report(session.path, ("md", "html"))
    markdown = (session.path / "report.md").read_text()
    budget = markdown.index("### Budget: the best validation accuracy to expect after n grid points")
    assert markdown.index("| method | setting |") < budget < markdown.index("## Results")
    assert "| points tried | full: expected best acc % \\(device\\-hours\\) |" in markdown
    assert "By grid points tried, full is ahead at every grid\\-point budget" in markdown
    assert 'class="charts budget"' in (session.path / "report.html").read_text()
    assert "| pair | difference, points | interval | answer | P\\(a beats b\\) | variance from seeds | from sentences |" \
        in markdown, "the verdict's variance split, where seeds and where sentences make the noise"
