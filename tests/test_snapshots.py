"""Snapshots of the main screens at 80x24 and 120x36, from scripted events (no clocks, no timings)."""

from __future__ import annotations

import pytest

from tests.fake_engine import FakeEngine
from tests.test_app import CONFIG, make_app, wait_for

SIZE = (100, 30)
# The sizes: the 80x24 terminal everything must fit, and a comfortable one.
SIZES = pytest.mark.parametrize("size", [(80, 24), (120, 36)], ids=["80x24", "120x36"])
FOUR_RUNS = [CONFIG.replace(method=m) for m in ("full", "trainer", "lora")] + [
    CONFIG.replace(precision="fp16-pure", eps=1e-8)]


def finished_app(tmp_path, configs=None, **engine_args):
    engine = FakeEngine(steps=20, **engine_args)
    app = make_app(tmp_path, engine, configs if configs is not None else [CONFIG])
    app.clock.charts_every = 0.0  # every repaint draws the charts too: nothing waits for their timer
    return app, engine


async def settle(pilot, app, runs: int = 1) -> None:
    await wait_for(pilot, lambda: len(app.views) == runs and app.views[-1].status in ("finished", "stopped"))
    await pilot.pause()


@SIZES
def test_dashboard_after_a_run(snap_compare, tmp_path, size):
    app, _ = finished_app(tmp_path)
    assert snap_compare(app, terminal_size=size, run_before=lambda pilot: settle(pilot, app))


@SIZES
def test_nan_banner(snap_compare, tmp_path, size):
    app, engine = finished_app(tmp_path, nan_at=8)

    async def before(pilot):
        await wait_for(pilot, lambda: app.current is not None and app.current.nonfinite is not None)
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=before)
    engine.release()


def results_after_four_runs(tmp_path, *keys: str):
    app, _ = finished_app(tmp_path, FOUR_RUNS, spread=True)

    async def before(pilot):
        await settle(pilot, app, runs=4)
        for key in ("r", *keys):
            await pilot.press(key)
        await pilot.pause(0.2)

    return app, before


@SIZES
def test_results_of_four_runs(snap_compare, tmp_path, size):
    """The table, then the accuracy of every run on one chart (and at 120x36 the settings below)."""
    app, before = results_after_four_runs(tmp_path)
    assert snap_compare(app, terminal_size=size, run_before=before)


def test_settings_diff_at_80x24(snap_compare, tmp_path):
    """At 80x24 the chart and the settings take turns: `c` shows the settings, one per line."""
    app, before = results_after_four_runs(tmp_path, "c")
    assert snap_compare(app, terminal_size=(80, 24), run_before=before)


@SIZES
def test_help_screen(snap_compare, tmp_path, size):
    app, _ = finished_app(tmp_path, [])
    app.sessions_dir = type(app.sessions_dir)("sessions")

    async def before(pilot):
        await pilot.pause(0.3)
        await pilot.press("question_mark")
        await pilot.pause(0.2)

    assert snap_compare(app, terminal_size=size, run_before=before)


def test_new_run_form_with_a_bad_value(snap_compare, tmp_path):
    app, _ = finished_app(tmp_path, [])

    async def before(pilot):
        await pilot.pause(0.3)
        await pilot.press("n")
        await pilot.pause(0.2)
        app.screen.query_one("#f-batch_size").value = "0"
        await pilot.pause(0.2)

    assert snap_compare(app, terminal_size=SIZE, run_before=before)


def test_new_run_form_queues_three_methods(tmp_path):
    """Not a snapshot: the form's 'run all three' queues full, trainer and lora with the same settings."""
    import asyncio

    engine = FakeEngine(steps=3)
    app = make_app(tmp_path, engine, [])

    async def drive():
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause(0.2)
            await pilot.press("n")
            await pilot.pause(0.1)
            app.screen.query_one("#f-lr").value = "3e-5"
            await pilot.click("#all-three")
            await wait_for(pilot, lambda: len(app.views) == 3 and app.views[2].status == "finished")

    asyncio.run(drive())
    assert [v.method for v in app.views] == ["full", "trainer", "lora"]
    assert {v.config.lr for v in app.views if v.config} == {3e-5}
    assert {v.config.model for v in app.views if v.config} == {"demo"}
    assert app.views[0].config.epochs == 4
