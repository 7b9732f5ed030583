"""A real demo run driven through the app: the session on disk records a pause and an lr change."""

from __future__ import annotations

from core.config import RunConfig
from core.events import Control, Paused
from core.session import Session
from tests.test_app import wait_for
from tui.app import SST2App


async def test_real_demo_run_records_pause_and_lr_change(tmp_path):
    config = RunConfig(model="demo", data="demo", epochs=20, batch_size=16)
    app = SST2App(tmp_path / "sessions", queue=[config], session_name="e2e")
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: app.current is not None and app.current.step >= 3, timeout=60)
        assert app.device.get("kind") == "cpu"
        await pilot.press("space")
        await wait_for(pilot, lambda: app.current.status == "paused", timeout=10)
        await pilot.press("l", *"2e-5", "enter")
        await wait_for(pilot, lambda: any("2e-05" in line for line in app.current.log), timeout=10)
        await pilot.press("space")
        await wait_for(pilot, lambda: app.current.status == "running", timeout=10)
        await pilot.press("s")
        await wait_for(pilot, lambda: app.current.summary is not None, timeout=60)
    run = Session.open(tmp_path / "sessions" / "e2e").runs()[0]
    assert run.status == "stopped"
    assert any(isinstance(e, Paused) for e in run.events)
    lr_changes = [e for e in run.events if isinstance(e, Control) and e.command.get("kind") == "set_lr"]
    assert lr_changes and lr_changes[0].new == 2e-5
    assert (run.folder.path / "summary.json").exists()
