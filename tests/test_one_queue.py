"""#28 items 1 and 2: the session's queue on disk is the only queue, and a window follows each run once."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Input, Label

from sst2_tui.core.storage.queue_file import NewRun, SessionQueue
from sst2_tui.tui.screens.leave import LeaveScreen
from sst2_tui.tui.screens.new_run import NewRunScreen
from tests.fake_engine import FakeEngine
from tests.test_app import CONFIG, make_app, wait_for
from tests.test_form import open_form


async def test_a_run_added_while_another_trains_is_on_disk_at_once_and_survives_leaving(tmp_path):
    """It once lived only in the window's memory: shown as queued, absent from queue.json, lost on leaving."""
    engine = FakeEngine(steps=200, hold_at=3)
    app = make_app(tmp_path, engine)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.current is not None and app.current.step >= 3)
        form = await open_form(pilot, app)
        form.query_one("#f-model", Input).value = "second"
        form.query_one("#f-data", Input).value = "demo"
        form.query_one("#f-model", Input).focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, NewRunScreen))
        queued = SessionQueue(app.session.path).items()
        assert [item.config.model for item in queued] == ["second"], "in queue.json while the first run trains"
        assert [w.label for w in app.watcher.waiting()] == ["full on second, demo"], "shown once, from the file"
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, LeaveScreen))
        await pilot.press("enter")  # leave it training
        await wait_for(pilot, lambda: not app.is_running, timeout=15)
    assert [item.config.model for item in SessionQueue(app.session.path).items()] == ["second"], "nothing lost"


async def test_runs_queued_after_an_idle_spell_are_each_followed_once(tmp_path):
    """After the queue went idle, the next run made the window follow every earlier run again:
    Results listed each run twice."""
    engine = FakeEngine(steps=12)
    app = make_app(tmp_path, engine)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.views and app.views[0].status == "finished" and not app.worker_busy)
        app.desk.add(CONFIG.replace(model="again"))
        app._start_worker_if_needed()
        await wait_for(pilot, lambda: len(app.views) >= 2 and app.views[-1].status == "finished" and not app.worker_busy)
        await pilot.pause(0.5)
        assert [v.run_id for v in app.views] == ["01-full", "02-full"]
        await pilot.press("r")
        await pilot.pause(0.2)
        assert app.screen.query_one("#results-table", DataTable).row_count == 2


@pytest.mark.parametrize("key", ["s", "e"])
async def test_stopping_on_quit_keeps_the_queue_unless_told_to_empty_it(tmp_path, key):
    """#28 item 8: "Stop it" once emptied the shared queue for every window, without a word."""
    from tests.thread_launcher import ThreadLauncher

    engine = FakeEngine(steps=200, hold_at=3)
    app = make_app(tmp_path, engine, [CONFIG, CONFIG.replace(model="second")])
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.current is not None and app.current.step >= 3)
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, LeaveScreen))
        said = " ".join(str(label.render()) for label in app.screen.query(Label))
        assert "1 queued run starts after it" in said and "e: stop it and empty the queue (1 queued run never starts)" in said
        await pilot.press(key)
        engine.release()
        await wait_for(pilot, lambda: not app.is_running, timeout=30)
    session = app.session.path
    ThreadLauncher.made.pop().close()  # the queue runner goes on without the window
    second_ran = (session / "runs" / "02-full").exists()
    assert app.views[0].status == "stopped"
    assert second_ran == (key == "s") and not SessionQueue(session).items()
    from sst2_tui.tui.launching import stopped_lines

    said = stopped_lines(app.departure.stopped, app.departure.dropped)
    assert said.startswith(f"sst2-tui: 01-full stopped at step {app.views[0].step} of 200; its checkpoint is "
                           f"saved: sst2-tui run --resume {session / 'runs' / '01-full'}")
    assert ("the queue was emptied; 1 run will not start: full on second, demo" in said) == (key == "e")


async def test_a_failed_start_shows_its_folder_and_the_machines_precision(tmp_path):
    """#28 item 5: a failed start kept `(starting) FAILED` and the previous run's precision."""
    from sst2_tui.tui.widgets.device_panel import DevicePanel

    engine = FakeEngine(steps=12)
    app = make_app(tmp_path, engine)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.views and app.views[0].status == "finished" and not app.worker_busy)
        await pilot.pause(0.6)
        assert app.screen.query_one(DevicePanel).precision == "fp32", "the run's own precision while it is shown"
        engine.fail_with = "CUDA out of memory"
        app.desk.add(CONFIG)
        app._start_worker_if_needed()
        await wait_for(pilot, lambda: len(app.views) == 2 and type(app.screen).__name__ == "ErrorModal")
        await pilot.press("escape")
        await pilot.pause(0.6)
        assert str(app.screen.query_one("#title").render()).startswith("02-full FAILED")
        assert app.screen.query_one(DevicePanel).precision == "auto: fp32", "not the previous run's"


async def test_results_of_a_live_run_show_the_rate_it_trains_with_now(tmp_path):
    """#28 item 11: after `l` 2e-5 the results still said the lr the run started with."""
    engine = FakeEngine(steps=500, hold_at=3)
    app = make_app(tmp_path, engine)
    async with app.run_test(size=(160, 40)) as pilot:
        await wait_for(pilot, lambda: app.current is not None and app.current.step >= 3)
        await pilot.pause(0.6)
        await pilot.press("l", *"2e-5", "enter")
        engine.release()
        await wait_for(pilot, lambda: app.current.lr == 2e-5)
        await pilot.press("r")
        await pilot.pause(0.3)
        table = app.screen.query_one("#results-table", DataTable)
        row = [str(cell) for cell in table.get_row_at(0)]
        assert any("->" in cell and cell.endswith("2e-5") for cell in row), row


async def test_a_training_run_is_live_on_the_dashboard_as_in_the_browser_and_sessions(tmp_path):
    """#28 item 3: the dashboard said RUNNING where the browser and `sessions` say live."""
    from sst2_tui.core.storage.sessions import load_run

    engine = FakeEngine(steps=200, hold_at=3)
    app = make_app(tmp_path, engine)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.current is not None and app.current.step >= 3)
        await pilot.pause(0.6)
        assert str(app.screen.query_one("#title").render()).startswith("01-full LIVE")
        assert load_run(app.following.folder).status == "live"
        engine.release()


async def test_a_run_another_window_queues_shows_here_while_the_run_is_paused(tmp_path):
    """A paused run sends no events: the queue panel once showed what it showed at the pause."""
    engine = FakeEngine(steps=200, nan_at=3)
    app = make_app(tmp_path, engine)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.current is not None and app.current.status == "paused")
        await pilot.pause(0.6)
        SessionQueue(app.session.path).add(NewRun(CONFIG.replace(model="elsewhere")))  # another window's n
        await wait_for(pilot, lambda: "full on elsewhere, demo" in str(app.screen.query_one("#queue").render()), timeout=3)
        await pilot.press("s")
