"""Readable charts (#15 item 4): whole step numbers on the x axis, the accuracy axis from the
lowest value seen, so a 0.80-0.90 climb is visible."""

from __future__ import annotations

from textual.app import App, ComposeResult

from sst2_tui.tui.widgets.curve import Curve, step_ticks
from tests.screen_text import screen_lines


def test_step_ticks_are_whole_distinct_and_span_the_run():
    assert step_ticks(1, 564, 5) == [1, 142, 282, 423, 564]
    assert step_ticks(25, 50, 5) == [25, 31, 38, 44, 50]
    assert step_ticks(3, 5, 6) == [3, 4, 5]
    assert step_ticks(7, 7, 4) == [7]


class ChartApp(App):
    def compose(self) -> ComposeResult:
        yield Curve("validation accuracy", id="accuracy", y_range=(0.0, 1.0))


async def test_the_accuracy_axis_starts_near_the_lowest_value_and_steps_are_integers():
    app = ChartApp()
    async with app.run_test(size=(60, 14)) as pilot:
        app.query_one(Curve).show([(25, 0.81), (50, 0.84), (75, 0.86), (100, 0.89)])
        await pilot.pause()
        text = "\n".join(screen_lines(app))
    assert "0.00" not in text and "0.79" in text, "the axis starts just below 0.81, not at 0"
    assert "." not in text.splitlines()[-1], "step ticks are whole numbers"
