"""The NaN banner at 80x24 and its fixes, and lr/eps as the run ended with them (#18 items 4 and 9)."""

from __future__ import annotations

from textual.widgets import DataTable

from sst2_tui.core.events import CommandSpec
from sst2_tui.tui.widgets.pause_banner import PauseBanner
from tests.fake_engine import FakeEngine
from tests.screen_text import screen_lines
from tests.test_app import CONFIG, make_app, wait_for


async def wait_for_nan(pilot, app, step: int) -> None:
    await wait_for(pilot, lambda: app.current is not None and app.current.nonfinite is not None
                   and app.current.nonfinite.step == step)
    await pilot.pause(0.1)


def visible_banner_lines(app) -> list[str]:
    """The banner's rows as they are on screen (between its heavy top and bottom borders)."""
    assert app.screen.query_one(PauseBanner).display
    lines = screen_lines(app)
    top = next(i for i, line in enumerate(lines) if line.startswith("┏"))
    bottom = next(i for i, line in enumerate(lines) if line.startswith("┗"))
    return [line.strip("┃ ") for line in lines[top + 1:bottom]]


async def test_every_fix_shows_whole_at_80x24_and_the_charts_give_way(tmp_path):
    engine = FakeEngine(steps=30, nan_at=6)
    app = make_app(tmp_path, engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_nan(pilot, app, 6)
        lines = visible_banner_lines(app)
        assert any(line.startswith("1  set eps 1e-4 and resume") for line in lines)
        assert any(line.startswith("2  halve the learning rate and resume") for line in lines)
        assert any(line.startswith("3  stop, and queue a rerun with --precision auto") for line in lines)
        assert not app.screen.query_one("#charts").display
        await pilot.press("1")
        await wait_for(pilot, lambda: app.current.status != "paused")
        await pilot.pause(0.6)
        assert app.screen.query_one("#charts").display, "the charts come back when the banner goes"


async def test_fix_3_stops_the_run_and_queues_the_rerun_with_the_fix(tmp_path):
    engine = FakeEngine(steps=30, nan_at=6)
    app = make_app(tmp_path, engine, [CONFIG.replace(precision="fp16-pure", eps=1e-8)])
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_nan(pilot, app, 6)
        await pilot.press("3")
        await wait_for(pilot, lambda: len(app.views) == 2 and app.views[1].step > 0)
        assert app.views[0].status == "stopped"
        engine.nan_at = None  # (the fake engine would pause the rerun at step 6 too)
    assert CommandSpec("stop") in engine.received
    assert app.views[1].config.precision == "auto"
    assert app.views[1].config.eps == 1e-8, "only what the fix names changes"


async def test_the_banner_says_when_the_previous_fix_did_not_help(tmp_path):
    engine = FakeEngine(steps=30, nan_at=(6, 8))
    app = make_app(tmp_path, engine)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_nan(pilot, app, 6)
        assert "did not help" not in " ".join(visible_banner_lines(app))
        await pilot.press("2")
        await wait_for_nan(pilot, app, 8)
        text = " ".join(visible_banner_lines(app))
        assert "The previous fix (halve the learning rate and resume) did not help" in text
        await pilot.press("1")
        await wait_for(pilot, lambda: app.current.status == "finished")


async def test_results_show_the_lr_and_eps_the_run_ended_with(tmp_path):
    engine = FakeEngine(steps=30, nan_at=6)
    app = make_app(tmp_path, engine, [CONFIG.replace(lr=1e-3, eps=1e-8)])
    async with app.run_test(size=(200, 40)) as pilot:
        await wait_for_nan(pilot, app, 6)
        await pilot.press("1")  # eps 1e-4
        await wait_for(pilot, lambda: app.current.status == "finished")
        await pilot.press("r")
        await pilot.pause(0.2)
        table = app.screen.query_one("#results-table", DataTable)
        columns = [str(c.label) for c in table.columns.values()]
        row = dict(zip(columns, (str(c) for c in table.get_row_at(0)), strict=True))
    assert row["lr"] == "1e-3"
    assert row["eps"] == "1e-8 -> 1e-4"
    assert "step 6: eps 1e-8 -> 1e-4" in app.views[0].log
