"""The app with a scripted engine: keys reach the engine as control commands, screens show state."""

from __future__ import annotations

import json

import pytest
from textual.widgets import DataTable, Input

from sst2_tui.core.config import RunConfig
from sst2_tui.core.device_info import DeviceInfo
from sst2_tui.core.events import CommandSpec
from sst2_tui.tui.app import SST2App
from sst2_tui.tui.screens.error_modal import ErrorModal
from sst2_tui.tui.screens.leave import LeaveScreen
from sst2_tui.tui.screens.rate_dialog import RateDialog
from sst2_tui.tui.screens.results import ResultsScreen
from sst2_tui.tui.widgets.pause_banner import PauseBanner
from tests.fake_engine import FakeEngine
from tests.thread_launcher import ThreadLauncher

FIXED_DEVICE = (DeviceInfo("cpu", "Test CPU", threads=2), "fp32", {"sst2-tui": "test", "torch": "test"})
CONFIG = RunConfig(model="demo", data="demo")


def make_app(tmp_path, engine: FakeEngine, configs: list[RunConfig] | None = None) -> SST2App:
    """The app as users get it, following run folders, with its runs on threads of this process
    (the real queue runner and `execute`, pulling the scripted engine)."""
    return SST2App(tmp_path / "sessions", launcher=ThreadLauncher(engine), queue=configs if configs is not None else [CONFIG],
                   device_probe=lambda: FIXED_DEVICE, session_name="test")


async def wait_for(pilot, condition, timeout: float = 30.0) -> None:
    waited = 0.0
    while not condition():
        await pilot.pause(0.05)
        waited += 0.05
        if waited > timeout:
            raise AssertionError("condition not reached")


def title_text(app: SST2App) -> str:
    return str(app.screen.query_one("#title").render())


async def test_pause_and_resume_reach_the_engine(tmp_path):
    engine = FakeEngine(steps=200, hold_at=5)
    app = make_app(tmp_path, engine)
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: app.current is not None and app.current.step >= 5)
        await pilot.press("space")
        engine.release()
        await wait_for(pilot, lambda: app.current.status == "paused")
        await pilot.pause(0.3)
        assert "PAUSED" in title_text(app)
        paused_at = app.current.step
        await pilot.pause(0.3)
        assert app.current.step == paused_at, "no steps while paused"
        await pilot.press("space")
        await wait_for(pilot, lambda: app.current.status in ("live", "finished"))
    assert [c.kind for c in engine.received][:2] == ["pause", "resume"]
    # the keys reached the run the way `sst2-tui ctl` does: appended to its control file
    control = (tmp_path / "sessions" / "test" / "runs" / "01-full" / "control.jsonl").read_text().splitlines()
    assert [(json.loads(line)["kind"], json.loads(line)["source"]) for line in control][:2] == [("pause", "app"), ("resume", "app")]


async def test_lr_dialog_applies_a_valid_value(tmp_path):
    engine = FakeEngine(steps=200, hold_at=3)
    app = make_app(tmp_path, engine)
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: app.current is not None and app.current.step >= 3)
        await pilot.press("l")
        assert isinstance(app.screen, RateDialog)
        await pilot.press(*" 2e-5 ", "enter")
        assert not isinstance(app.screen, RateDialog)
        engine.release()
        await wait_for(pilot, lambda: app.current.status == "finished")
        assert any("lr 5e-4 -> 2e-5" in line for line in app.current.log)
    assert CommandSpec("set_lr", 2e-5) in engine.received


@pytest.mark.parametrize("typed", ["", "abc", "0", "-1e-3", "nan", "inf", "1e3"])
async def test_lr_dialog_refuses_bad_values_inline(tmp_path, typed):
    engine = FakeEngine(steps=50, hold_at=2)
    app = make_app(tmp_path, engine)
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: app.current is not None and app.current.step >= 2)
        await pilot.press("e")
        if typed:
            await pilot.press(*typed)
        await pilot.press("enter")
        assert isinstance(app.screen, RateDialog), "the dialog stays open"
        assert str(app.screen.query_one("#error").render()).strip(), "the reason is shown"
        assert app.screen.query_one(Input).has_class("-invalid")
        await pilot.press("escape")
        engine.release()
        await wait_for(pilot, lambda: app.current.status == "finished")
    assert not [c for c in engine.received if c.kind in ("set_lr", "set_eps")], "the run is unaffected"


async def test_nan_banner_and_one_key_fix(tmp_path):
    engine = FakeEngine(steps=30, nan_at=6)
    app = make_app(tmp_path, engine)
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: app.current is not None and app.current.nonfinite is not None)
        await pilot.pause(0.1)
        banner = app.screen.query_one(PauseBanner)
        assert banner.display
        text = str(banner.render())
        assert "step 6" in text and "rounds to 0 in float16" in text and "set eps 1e-4 and resume" in text
        await pilot.press("1")
        await wait_for(pilot, lambda: app.current.status == "finished")
        assert not app.screen.query_one(PauseBanner).display
    assert engine.received[:2] == [CommandSpec("set_eps", 1e-4), CommandSpec("resume")]


async def test_results_rows_and_highlighted_differences(tmp_path):
    engine = FakeEngine(steps=20)
    app = make_app(tmp_path, engine, [CONFIG.replace(method="full"), CONFIG.replace(method="trainer")])
    async with app.run_test(size=(160, 40)) as pilot:
        await wait_for(pilot, lambda: len(app.views) == 2 and app.views[1].status == "finished")
        await pilot.press("r")
        assert isinstance(app.screen, ResultsScreen)
        results = app.screen.query_one("#results-table", DataTable)
        assert results.row_count == 2
        methods = [str(results.get_row_at(i)[1]) for i in range(2)]
        assert methods == ["full", "trainer"]
        diff = app.screen.query_one("#diff-box", DataTable)
        assert [str(c.label) for c in diff.columns.values()] == ["setting", "01-full", "02-trainer"]
        rows = {str(row[0]): [str(cell) for cell in row[1:]] for row in (diff.get_row_at(i) for i in range(diff.row_count))}
        assert rows["max_grad_norm"] == ["none", "1.0"]
        assert "checkpoints" in rows and "lora_targets" not in rows


async def test_quit_while_running_asks_then_stops_gracefully(tmp_path):
    engine = FakeEngine(steps=10_000, hold_at=3)
    app = make_app(tmp_path, engine)
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: app.current is not None and app.current.step >= 3)
        await pilot.press("q")
        assert isinstance(app.screen, LeaveScreen)
        await pilot.press("s")
        engine.release()
        await wait_for(pilot, lambda: not app.is_running, timeout=15)
    assert CommandSpec("stop") in engine.received
    assert app.views[0].status == "stopped"


@pytest.mark.parametrize("key", ["ctrl+c", "ctrl+q"])
async def test_ctrl_c_and_ctrl_q_ask_like_q_while_a_run_is_active(tmp_path, key):
    engine = FakeEngine(steps=10_000, hold_at=3)
    app = make_app(tmp_path, engine)
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: app.current is not None and app.current.step >= 3)
        await pilot.press(key)
        await pilot.pause()
        assert isinstance(app.screen, LeaveScreen) and app.is_running
        await pilot.press(key)  # pressed again: still the one question
        assert len([s for s in app.screen_stack if isinstance(s, LeaveScreen)]) == 1
        await pilot.press("s")
        engine.release()
        await wait_for(pilot, lambda: not app.is_running, timeout=15)
    assert CommandSpec("stop") in engine.received and app.views[0].status == "stopped"


async def test_x_in_a_past_session_exports_that_session(tmp_path):
    from sst2_tui.core.run.runner import execute
    from sst2_tui.core.storage.sessions import Session

    sessions = tmp_path / "sessions"
    execute(RunConfig(model="demo", data="demo", train_subset=16, eval_subset=8, epochs=1, batch_size=16),
            Session.create(sessions, "earlier"))
    app = SST2App(sessions, launcher=ThreadLauncher(FakeEngine()), queue=[], device_probe=lambda: FIXED_DEVICE)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("b")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause(0.3)
        await pilot.press("x")
        await wait_for(pilot, lambda: (sessions / "earlier" / "report.md").exists(), timeout=15)


async def test_quit_leaves_a_run_training_by_default(tmp_path):
    from sst2_tui.core.storage.sessions import RunFolder

    engine = FakeEngine(steps=10_000, hold_at=3)
    app = make_app(tmp_path, engine)
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: app.current is not None and app.current.step >= 3)
        await pilot.press("q")
        assert isinstance(app.screen, LeaveScreen)
        await pilot.press("enter")
        await wait_for(pilot, lambda: not app.is_running, timeout=15)
    [(view, folder)] = app.departure.left_running
    assert view is app.views[0] and folder == tmp_path / "sessions" / "test" / "runs" / "01-full"
    assert RunFolder(folder).is_live(), "the run trains on without its window"
    assert CommandSpec("stop") not in engine.received
    assert not (folder / "control.jsonl").read_text(), "the window sent it nothing on leaving"


async def test_a_failed_run_shows_a_modal_and_the_app_keeps_working(tmp_path):
    engine = FakeEngine(fail_with="CUDA out of memory")
    app = make_app(tmp_path, engine)
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ErrorModal))
        await pilot.press("escape")
        await pilot.pause(0.6)
        # a run that failed to start is named like its folder, and nothing on screen keeps "working"
        assert title_text(app).startswith("01-full FAILED")
        assert str(app.screen.query_one("#progress").render()) == "failed: no steps"
        assert app.views[0].run_id == "01-full"
        engine.fail_with = None
        app.watcher.add(CONFIG)
        app._start_worker_if_needed()
        await wait_for(pilot, lambda: len(app.views) == 2 and app.views[1].status == "finished")
        assert app.views[0].status == "failed"
        assert app.views[1].log[0] == "(previous run 01-full: failed; r shows all results)"
        await pilot.press("r")
        table = app.screen.query_one("#results-table", DataTable)
        first = [str(cell) for cell in table.get_row_at(0)]
        assert first[0] == "01-full" and "detecting" not in " ".join(first)


async def test_markup_in_data_shows_literally(tmp_path):
    engine = FakeEngine(steps=4)
    app = make_app(tmp_path, engine, [CONFIG.replace(model="[bold]x[/bold]<script>")])
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: app.current is not None and app.current.status == "finished")
        await pilot.pause(0.3)
        assert "[bold]x[/bold]<script>" in title_text(app)


async def test_idle_dashboard_shows_an_empty_bar_not_a_busy_one(tmp_path):
    from sst2_tui.tui.widgets.step_bar import StepBar

    app = make_app(tmp_path, FakeEngine(steps=5), configs=[])
    async with app.run_test() as pilot:
        await pilot.pause(0.3)
        bar = app.screen.query_one(StepBar)
        assert str(bar.render()).strip() == ""  # nothing to show, and nothing animating
        assert bar.auto_refresh is None


async def test_pages_replace_each_other_so_one_escape_is_back_to_the_dashboard(tmp_path):
    from sst2_tui.tui.screens.dashboard import DashboardScreen
    from sst2_tui.tui.screens.help import HelpScreen

    app = make_app(tmp_path, FakeEngine(steps=5), configs=[])
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.3)
        for key in ("r", "b", "r", "b", "question_mark"):
            await pilot.press(key)
            await pilot.pause(0.05)
        assert isinstance(app.screen, HelpScreen) and len(app.screen_stack) == 3
        await pilot.press("escape")
        assert isinstance(app.screen, DashboardScreen)


async def test_a_data_parallel_runs_world_is_the_device_shown_while_it_runs(tmp_path):
    world = DeviceInfo("cpu", "Test CPU", threads=1, world_size=2, backend="gloo")
    engine = FakeEngine(steps=60, hold_at=5, device=world)
    app = make_app(tmp_path, engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.current is not None and app.current.step >= 5)
        await pilot.pause(0.3)
        assert "device 2 x CPU (gloo, 1 thread each)   precision fp32" in str(app.screen.query_one("#device").render())
        engine.release()


async def test_f1_opens_the_help_and_the_eps_dialog_suggests_an_eps(tmp_path):
    """#47: F1 did nothing (many terminal apps keep their help there); the eps dialog's example was an lr."""
    from sst2_tui.tui.screens.dashboard import DashboardScreen
    from sst2_tui.tui.screens.help import HelpScreen

    engine = FakeEngine(steps=50, hold_at=2)
    app = make_app(tmp_path, engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.current is not None and app.current.step >= 2)
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, DashboardScreen)
        await pilot.press("e")
        assert "1e-6" in app.screen.query_one(Input).placeholder
        await pilot.press("escape")
        await pilot.press("l")
        assert app.screen.query_one(Input).placeholder == "e.g. 2e-5"
        await pilot.press("escape")
        engine.release()
        await wait_for(pilot, lambda: app.current.status == "finished")
