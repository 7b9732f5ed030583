"""Taking a run out of the queue: in the window (`d`) and in the session's queue on disk."""

from __future__ import annotations

from sst2_tui.core.storage.queue_file import NewRun, SessionQueue
from sst2_tui.core.storage.sessions import Session
from sst2_tui.tui.app import SST2App
from sst2_tui.tui.screens.queue import QueueScreen
from tests.fake_engine import FakeEngine
from tests.screen_text import screen_lines
from tests.test_app import CONFIG, make_app, wait_for
from tests.thread_launcher import ThreadLauncher


def footer_keys(app: SST2App) -> set[str]:
    return {key for key, active in app.screen.active_bindings.items() if active.enabled and active.binding.show}


async def test_d_removes_the_highlighted_queued_run_and_the_rest_still_run(tmp_path):
    engine = FakeEngine(steps=30, hold_at=2)
    configs = [CONFIG, CONFIG.replace(model="second"), CONFIG.replace(model="third")]
    app = make_app(tmp_path, engine, configs)
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: app.current is not None and app.current.step >= 2)
        await pilot.pause(0.6)
        assert app.screen.active_bindings["d"].enabled, "d unqueues while runs wait"
        assert "d removes one" in "\n".join(screen_lines(app)), "said on the queue box (the footer keeps room)"
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen))
        await pilot.press("down", "enter")  # the second waiting one: "third"
        await wait_for(pilot, lambda: not isinstance(app.screen, QueueScreen))
        assert [w.label for w in app.watcher.waiting()] == ["full on second, demo"]
        engine.release()
        await wait_for(pilot, lambda: len(app.views) == 2 and app.views[-1].status == "finished")
        await pilot.pause(0.6)
        assert "d" not in footer_keys(app), "nothing waits: no Unqueue in the footer"
    assert [v.model for v in app.views] == ["demo", "second"]


async def test_escape_keeps_the_queue(tmp_path):
    engine = FakeEngine(steps=30, hold_at=2)
    app = make_app(tmp_path, engine, [CONFIG, CONFIG.replace(model="second")])
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: app.current is not None and app.current.step >= 2)
        await pilot.pause(0.6)
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen))
        await pilot.press("escape")
        assert [w.label for w in app.watcher.waiting()] == ["full on second, demo"]
        engine.release()


def test_a_run_waiting_in_the_sessions_queue_file_is_listed_and_removed(tmp_path):
    app = SST2App(tmp_path / "sessions", launcher=ThreadLauncher(), session_name="s")
    app.watcher.session = Session.create(tmp_path / "sessions", "s", label="app")
    queue = SessionQueue(app.session.path)
    first, second = queue.add(NewRun(CONFIG), NewRun(CONFIG.replace(model="other")))
    waiting = app.watcher.waiting()
    assert [(w.label, w.disk_id) for w in waiting] == [("full on demo, demo", first), ("full on other, demo", second)]
    assert app.watcher.remove_waiting(waiting[1])
    assert [i.id for i in queue.items()] == [first]
    queue.take()  # the queue runner started it meanwhile
    assert not app.watcher.remove_waiting(waiting[0]), "an item that already started cannot be removed"


def test_a_queued_run_is_named_by_what_sets_it_apart():
    from sst2_tui.core.run.demo_runs import demo_queue
    from sst2_tui.tui.run_queue import queue_label

    assert [queue_label(c) for c in demo_queue()] == ["full on demo, demo", "trainer on demo, demo",
                                                       "lora on demo, demo",
                                                       "full on demo, demo (fp16-pure, eps 1e-8)"]
