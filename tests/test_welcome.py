"""The first start without --demo (#15 item 6): the log box welcomes with the device, whether the
Hub is reachable, and how to start, each line whole at 80x24; a run replaces it."""

from __future__ import annotations

from tests.fake_engine import FakeEngine
from tests.screen_text import screen_lines
from tests.test_app import CONFIG, make_app, wait_for


async def test_the_first_start_says_device_hub_and_how_to_start(tmp_path):
    app = make_app(tmp_path, FakeEngine(steps=5), configs=[])
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.hub != "checking...")
        await pilot.pause(0.6)
        lines = [line.split("│")[1].strip() if line.startswith("│") else line for line in screen_lines(app)]
        assert "Device: CPU (2 threads) (auto: fp32)" in lines
        assert "Hub: offline (HF_HUB_OFFLINE): local or demo" in lines  # tests run offline
        assert "Start: n (a new run), or sst2-tui --demo" in lines
        assert "t Try" not in lines[-1], "nothing to try before a run"
        app.watcher.add(CONFIG)
        app._start_worker_if_needed()
        await wait_for(pilot, lambda: app.current is not None and app.current.status == "finished")
        await pilot.pause(0.6)
        text = "\n".join(screen_lines(app))
        assert "Hub: offline" not in text and "t Try" in text


class NotYetLauncher:
    """A queue runner that has not started its first run yet (the demo's first seconds)."""

    def start_queue(self, session_path):
        pass

    def queue_is_live(self, session_path):
        return True

    def resume(self, folder):
        return None


async def test_before_the_first_queued_run_starts_the_title_says_what_is_starting(tmp_path):
    """#28 rough edge: "No run yet: press n" while the demo's four runs were queued."""
    from sst2_tui.tui.app import SST2App
    from tests.test_app import FIXED_DEVICE

    app = SST2App(tmp_path / "sessions", launcher=NotYetLauncher(), queue=[CONFIG, CONFIG.replace(method="lora")],
                  device_probe=lambda: FIXED_DEVICE, session_name="s")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(1.0)
        text = "\n".join(screen_lines(app))
        assert "No run yet" not in text and "Starting: full on demo, demo" in text
        app.watcher.leave()


async def test_once_the_runner_took_the_first_run_the_title_still_names_it_not_the_next(tmp_path):
    """#34 app item 6: the title said "Starting: trainer" while 01-full started (the queue runner had
    taken full off the queue, and the title named what was left)."""
    from sst2_tui.core.storage.queue_file import SessionQueue
    from sst2_tui.tui.app import SST2App
    from tests.test_app import FIXED_DEVICE

    app = SST2App(tmp_path / "sessions", launcher=NotYetLauncher(), queue=[CONFIG, CONFIG.replace(method="trainer")],
                  device_probe=lambda: FIXED_DEVICE, session_name="s")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.3)
        assert SessionQueue(app.session.path).take().entry.config.method == "full"  # as the runner does
        await pilot.pause(1.0)
        text = "\n".join(screen_lines(app))
        assert "Starting: full on demo, demo" in text and "Starting: trainer" not in text
        app.watcher.leave()
