"""The new-run form under keys typed faster than the app handles them (as SSH delivers a paste or
a fast typist): every key goes to the field focused when its turn comes, in order (#18 item 2)."""

from __future__ import annotations

from textual import events
from textual.widgets import Input

from sst2_tui.core.config import FORM_FIELDS
from sst2_tui.tui.screens.new_run import NewRunScreen
from tests.fake_engine import FakeEngine
from tests.test_app import make_app, wait_for

CHARACTERS = {"minus": "-", "full_stop": "."}


def burst(app, keys: list[str]) -> None:
    """Every key queued at once, nothing awaited in between (Pilot's press waits after each)."""
    for key in keys:
        char = key if len(key) == 1 else CHARACTERS.get(key)
        event = events.Key(key, char)
        event.set_sender(app)
        app._driver.send_message(event)


def typed(text: str) -> list[str]:
    names = {char: key for key, char in CHARACTERS.items()}
    return [names.get(c, c) for c in text]


async def test_a_burst_of_keys_lands_in_the_fields_in_order(tmp_path):
    app = make_app(tmp_path, FakeEngine(steps=5), configs=[])
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.3)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, NewRunScreen))
        form = app.screen
        assert form.focused is form.query_one("#f-method"), "the form opens with its first field focused"
        to_lr = ["tab"] * FORM_FIELDS.index("lr")
        burst(app, [*to_lr, *typed("1e-3"), "tab", *typed("1e-4"), "tab", *typed("64")])
        await wait_for(pilot, lambda: form.query_one("#f-batch_size", Input).value == "64", timeout=5)
        await pilot.pause(0.2)
        assert form.query_one("#f-lr", Input).value == "1e-3"
        assert form.query_one("#f-eps", Input).value == "1e-4"
        assert form.query_one("#f-batch_size", Input).value == "64"
