"""#49: the app's fork dialog (`f` on the dashboard) and the words it reads (`parse_changes`): a bad
word is said inline with the run unaffected; Enter gives the changes; Escape gives nothing."""

from __future__ import annotations

import pytest
from textual.app import App
from textual.widgets import Input, Label

from sst2_tui.core.run.fork import ForkChanges, parse_changes
from sst2_tui.tui.screens.fork_dialog import ForkDialog


@pytest.mark.parametrize(("text", "changes"), [
    ("", ForkChanges()),
    ("lr=1e-5", ForkChanges(lr=1e-5)),
    ("lr=1e-5, eps=1e-6 weight-decay=0.1 patience=0 epochs=3", ForkChanges(1e-5, 1e-6, 0.1, 0, 3.0)),
    ("  WEIGHT_DECAY=0  ", ForkChanges(weight_decay=0.0)),
])
def test_the_changes_read_as_typed(text, changes):
    assert parse_changes(text) == changes


@pytest.mark.parametrize(("text", "said"), [
    ("lr", "'lr': write NAME=VALUE with NAME one of lr, eps, weight-decay, patience, epochs"),
    ("model=gpt2", "model cannot change at a branch point (its weights are the parent's model)"),
    ("lora-r=4", "lora-r cannot change at a branch point"),
    ("lr=0", "learning rate must be greater than 0"),
    ("lr=1e-5 lr=2e-5", "lr is given twice"),
    ("patience=2.5", "patience '2.5': a whole number of evaluations (0: off)"),
    ("epochs=many", "epochs 'many' is not a number"),
    ("weight-decay=1", "weight decay must be from 0 to below 1"),
])
def test_a_bad_word_is_one_line_naming_it(text, said):
    with pytest.raises(ValueError, match="^") as refused:
        parse_changes(text)
    assert said in str(refused.value) and "\n" not in str(refused.value)


class Host(App):
    def __init__(self) -> None:
        super().__init__()
        self.answers: list[ForkChanges | None] = []

    def on_mount(self) -> None:
        self.push_screen(ForkDialog("01-full"), self.answers.append)


async def test_the_dialog_says_a_bad_value_inline_then_forks_with_the_good_one():
    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press(*"lr=banana", "enter")
        await pilot.pause()
        assert "learning rate 'banana' is not a number" in str(app.screen.query_one("#error", Label).render())
        assert app.answers == [] and app.screen.query_one(Input).has_class("-invalid")
        app.screen.query_one(Input).value = ""
        await pilot.press(*"lr=1e-3", "enter")
        await pilot.pause()
    assert app.answers == [ForkChanges(lr=1e-3)]


async def test_escape_forks_nothing():
    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
    assert app.answers == [None]
