"""#29 in the app: `g` shows a sweep's grid (methods x settings, done of all, mean accuracy so far)
and its running points; Enter on a running point follows it on the dashboard."""

from __future__ import annotations

from textual.widgets import DataTable, Label

from sst2_tui.core.storage.sessions import Session
from sst2_tui.core.sweep.grid import build_grid, parse_listed
from sst2_tui.core.sweep.state import write_sweep_file
from sst2_tui.tui.app import SST2App
from sst2_tui.tui.screens.dashboard import DashboardScreen
from sst2_tui.tui.screens.sweep import SweepScreen
from tests.fake_engine import FakeEngine
from tests.test_app import FIXED_DEVICE, wait_for
from tests.thread_launcher import ThreadLauncher


async def test_g_shows_the_grid_and_enter_follows_a_running_point(tmp_path):
    sessions = tmp_path / "sessions"
    points = build_grid({"method": parse_listed("--method", ["full,lora"]), "lr": parse_listed("--lr", ["3e-4,1e-3"]),
                         "model": parse_listed("--model", ["demo"]), "data": parse_listed("--data", ["demo"])}, [0])
    write_sweep_file(Session.create(sessions, "sw").path, points, 1)  # one slot: the test's threads run them in turn
    engine = FakeEngine(steps=30, hold_at=3)
    app = SST2App(sessions, launcher=ThreadLauncher(engine), queue=points, device_probe=lambda: FIXED_DEVICE,
                  session_name="sw")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.current is not None and app.current.step >= 3)
        await pilot.press("g")
        await wait_for(pilot, lambda: isinstance(app.screen, SweepScreen))
        await wait_for(pilot, lambda: "0 of 4 runs finished" in str(app.screen.query_one("#sweep-title", Label).render()))
        grid = app.screen.query_one("#sweep-grid", DataTable)
        await wait_for(pilot, lambda: grid.row_count == 4)
        assert [str(c) for c in grid.get_row_at(0)] == ["full", "lr=3e-4", "going", "0/1", "-"]
        running = app.screen.query_one("#sweep-running", DataTable)
        await wait_for(pilot, lambda: running.row_count == 1)
        assert [str(c) for c in running.get_row_at(0)][:3] == ["01-full", "p001", "0"]
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        engine.release()
        await wait_for(pilot, lambda: len(app.views) >= 2, timeout=60)
        await pilot.press("g")
        await wait_for(pilot, lambda: isinstance(app.screen, SweepScreen))
        await wait_for(pilot, lambda: "of 4 runs finished" in str(app.screen.query_one("#sweep-title", Label).render())
                       and not str(app.screen.query_one("#sweep-title", Label).render()).startswith("Sweep sw: 0 "))
