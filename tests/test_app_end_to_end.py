"""A real demo run driven through the app: the session on disk records a pause and an lr change."""

from __future__ import annotations

from sst2_tui.core.config import RunConfig
from sst2_tui.core.events import Control, Paused
from sst2_tui.core.storage.sessions import Session
from sst2_tui.tui.app import SST2App
from tests.test_app import wait_for


async def test_real_demo_run_records_pause_and_lr_change(tmp_path):
    config = RunConfig(model="demo", data="demo", epochs=20, batch_size=16)
    app = SST2App(tmp_path / "sessions", queue=[config], session_name="e2e")
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: app.current is not None and app.current.step >= 3, timeout=60)
        assert app.device is not None and app.device.kind == "cpu"
        await pilot.press("space")
        await wait_for(pilot, lambda: app.current.status == "paused", timeout=10)
        await pilot.press("l", *"2e-5", "enter")
        await wait_for(pilot, lambda: any("2e-5" in line for line in app.current.log), timeout=10)
        await pilot.press("space")
        await wait_for(pilot, lambda: app.current.status == "live", timeout=10)
        await pilot.press("s")
        # the run trains in its own process: the app hears its end, then the summary it wrote
        await wait_for(pilot, lambda: app.current.summary is not None and app.following is None, timeout=60)
    run = Session.open(tmp_path / "sessions" / "e2e").runs()[0]
    assert run.status == "stopped"
    assert any(isinstance(e, Paused) for e in run.events)
    lr_changes = [e for e in run.events if isinstance(e, Control) and e.command.kind == "set_lr"]
    assert lr_changes and lr_changes[0].new == 2e-5
    assert (run.folder.path / "summary.json").exists()


async def test_resume_an_interrupted_run_from_the_sessions_browser(tmp_path):
    from sst2_tui.core.controls import RunHandle
    from sst2_tui.core.events import RunStarted, Step
    from sst2_tui.core.run.runner import execute

    sessions = tmp_path / "sessions"
    handle = RunHandle()

    def interrupt_at_step_7(event):
        if isinstance(event, Step) and event.step == 7:
            handle.interrupt()

    config = RunConfig(model="demo", data="demo", epochs=0.2)
    first = execute(config, Session.create(sessions, "earlier"), handle, on_event=interrupt_at_step_7)
    assert first.summary.status == "interrupted" and first.summary.steps == 7

    app = SST2App(sessions)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: bool(app.device), timeout=60)
        await pilot.press("b")
        await pilot.pause()
        await pilot.press("enter")  # open the session "earlier"
        await pilot.pause()
        await pilot.press("u")  # resume its highlighted (only) run
        await wait_for(pilot, lambda: app.current is not None, timeout=30)
        assert app.current.losses[0][0] == 1, "the curve continues from the run's earlier steps"
        await wait_for(pilot, lambda: app.current.summary is not None and app.following is None, timeout=120)
        assert app.current.status == "finished"
        assert type(app.screen).__name__ == "DashboardScreen"
        # #28 item 7: the resumed run's session is this window's session (x said "no run in this session")
        assert app.session is not None and app.session.path == sessions / "earlier"
        await pilot.press("r")
        await pilot.pause()
        assert app.screen.title_text == "Session earlier"
    run = Session.open(sessions / "earlier").runs()[0]
    assert run.status == "finished" and run.summary.steps == first.summary.steps + 12
    assert len([e for e in run.events if isinstance(e, RunStarted)]) == 2, "the same run folder, its log appended to"
    steps = [e.step for e in run.events if isinstance(e, Step)]
    assert steps == list(range(1, run.summary.steps + 1))
    assert [p.name for p in (sessions / "earlier" / "runs").iterdir()] == ["01-full"]


async def test_a_finished_run_is_not_resumed(tmp_path):
    from sst2_tui.core.run.runner import execute

    sessions = tmp_path / "sessions"
    execute(RunConfig(model="demo", data="demo", epochs=0.05), Session.create(sessions, "done"))
    app = SST2App(sessions)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: bool(app.device), timeout=60)
        await pilot.press("b")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("u")
        await pilot.pause()
        assert len(app.watcher.queue) == 0 and app.current is None
        assert type(app.screen).__name__ == "SessionDetailScreen"


async def test_disk_full_shows_the_path_and_space_retries(tmp_path, monkeypatch):
    import errno
    import threading

    import sst2_tui.core.run.disk_watcher
    import sst2_tui.core.storage.checkpoints
    from sst2_tui.tui.widgets.pause_banner import PauseBanner

    real_save = sst2_tui.core.storage.checkpoints.save_file
    room = threading.Event()

    def save_file(tensors, filename):
        if "step-0000010" in filename and not room.is_set():  # the disk fills up just before step 10's checkpoint
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_save(tensors, filename)

    monkeypatch.setattr(sst2_tui.core.storage.checkpoints, "save_file", save_file)
    monkeypatch.setattr(sst2_tui.core.run.disk_watcher, "free_bytes", lambda path: 0)  # never frees by itself

    config = RunConfig(model="demo", data="demo", epochs=0.2, save_every=10)
    from tests.thread_launcher import ThreadLauncher

    # the run on a thread of this process (the disk is made full by patching this process)
    app = SST2App(tmp_path / "sessions", launcher=ThreadLauncher(), queue=[config], session_name="disk")
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: app.current is not None and app.current.status == "paused", timeout=90)
        banner = app.screen.query_one(PauseBanner)
        text = str(banner.render())
        assert banner.display and "Disk full" in text and "step-0000010.tmp" in text
        room.set()
        await pilot.press("space")  # room made by hand: retry at once
        await wait_for(pilot, lambda: app.current.summary is not None, timeout=90)
        assert app.current.status == "finished" and not banner.display
    run = Session.open(tmp_path / "sessions" / "disk").runs()[0]
    assert (run.folder.path / "checkpoints" / "step-0000010" / "manifest.json").exists()


async def test_a_live_run_is_shown_live_and_never_resumed_from_the_browser(tmp_path):
    """#18 item 1: a run training in another process is `live` in the browser, and `u` refuses it
    (a queued resume of it once overwrote its finished result)."""
    from sst2_tui.core.run.runner import execute
    from sst2_tui.core.storage.sessions import RunFolder

    sessions = tmp_path / "sessions"
    outcome = execute(RunConfig(model="demo", data="demo", epochs=0.05), Session.create(sessions, "busy"))
    run_dir = sessions / "busy" / "runs" / outcome.summary.run_id
    (run_dir / "summary.json").unlink()  # as it is while it trains: no summary, no end event yet
    lines = (run_dir / "events.jsonl").read_text().splitlines()
    (run_dir / "events.jsonl").write_text("\n".join(line for line in lines if "run_finished" not in line) + "\n")
    app = SST2App(sessions)
    with RunFolder(run_dir).hold_lock():  # its process holds the lock while it lives
        async with app.run_test(size=(120, 36)) as pilot:
            await wait_for(pilot, lambda: bool(app.device), timeout=60)
            await pilot.press("b")
            await pilot.pause()
            await pilot.press("enter")
            await pilot.pause()
            assert app.screen.views[0].status == "live"
            await pilot.press("u")
            await pilot.pause()
            assert len(app.watcher.queue) == 0 and app.current is None
    assert not (run_dir / "summary.json").exists(), "nothing was written into the live run"
