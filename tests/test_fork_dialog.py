"""#49: the app's fork dialog (`f` on the dashboard) and the words it reads (`parse_changes`): a bad
word is said inline with the run unaffected; Enter gives the changes; Escape gives nothing."""

from __future__ import annotations

import pytest
from textual.app import App
from textual.widgets import Input, Label

from sst2_tui.core.run.fork import ForkChanges, parse_changes
from sst2_tui.tui.screens.fork_dialog import ForkDialog, ForkRequest


@pytest.mark.parametrize(("text", "changes"), [
    ("", ForkChanges()),
    ("lr=1e-5", ForkChanges(lr=1e-5)),
    ("lr=1e-5, eps=1e-6 weight-decay=0.1 patience=0 epochs=3", ForkChanges(1e-5, 1e-6, 0.1, 0, 3.0)),
    ("  WEIGHT_DECAY=0  ", ForkChanges(weight_decay=0.0)),
    ("schedule=Linear lora-dropout=0.1", ForkChanges(schedule="linear", lora_dropout=0.1)),
])
def test_the_changes_read_as_typed(text, changes):
    assert parse_changes(text) == changes


@pytest.mark.parametrize(("text", "said"), [
    ("lr", "'lr': write NAME=VALUE with NAME one of lr, eps, weight-decay, patience, epochs, schedule, lora-dropout"),
    ("lora-dropout=lots", "lora-dropout 'lots' is not a number"),
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
    def __init__(self, checkpoints: list[tuple[int, float | None]] | None = None) -> None:
        super().__init__()
        self.answers: list[ForkRequest | None] = []
        self.checkpoints = checkpoints

    def on_mount(self) -> None:
        self.push_screen(ForkDialog("01-full", self.checkpoints), self.answers.append)


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
    assert app.answers == [ForkRequest(ForkChanges(lr=1e-3))]


async def test_escape_forks_nothing():
    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
    assert app.answers == [None]


@pytest.mark.slow  # trains three tiny runs
async def test_the_results_chart_shows_a_highlighted_runs_family_and_its_detail_says_whether_the_change_helped(tmp_path, capsys):
    """#49: in the results, a fork's row shows its lineage and its answer against its parent, and the
    accuracy chart holds only its family (the parent's whole curve, each fork's from its branch step)."""
    import json
    from pathlib import Path

    from textual.widgets import DataTable, Static

    from sst2_tui.cli.main import main
    from sst2_tui.core.run.runner import execute
    from sst2_tui.core.storage.sessions import Session
    from sst2_tui.tui.screens.results import ResultsScreen
    from sst2_tui.tui.screens.sessions import load_runs
    from sst2_tui.tui.widgets.curve import Curve
    from tests.test_fork import PARENT

    session = Session.create(tmp_path / "sessions", "s")
    parent = Path(execute(PARENT, session).summary.run_dir)
    execute(PARENT.replace(seed=1), session)  # 02-full: another seed, no family
    assert main(["fork", str(parent), "--step", "4", "--lr", "1e-3", "--quiet"]) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["run_dir"].endswith("03-full")
    views = [view for view, _ in load_runs(session)]

    class Results(App):
        def on_mount(self) -> None:
            self.push_screen(ResultsScreen(views, "s"))

    app = Results()
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        chart = app.screen.query_one("#compare-chart", Curve)
        assert set(chart._series) == {"01-full", "02-full", "03-full"} or set(chart._series) == {"01-full", "03-full"}
        table = app.screen.query_one("#results-table", DataTable)
        table.move_cursor(row=2)
        await pilot.pause()
        assert set(chart._series) == {"01-full", "03-full"}, "the family alone"
        detail = str(app.screen.query_one("#row-detail", Static).render())
        assert "01-full  " in detail and "└─ 03-full  at step 4: lr 5e-4 -> 1e-3  (" in detail, "the lineage tree"
        assert "03-full against its parent 01-full, at the end, on the 8 judging sentences" in detail
        table.move_cursor(row=0)
        await pilot.pause()
        assert "└─ 03-full" in str(app.screen.query_one("#row-detail", Static).render()), "the parent's row: the tree too"
        assert set(chart._series) == {"01-full", "03-full"}
        table.move_cursor(row=1)
        await pilot.pause()
        assert set(chart._series) == {"01-full", "02-full", "03-full"}, "a run of no family: every run"


async def test_a_run_that_is_not_live_is_forked_from_a_kept_checkpoint_named_by_step():
    """The dialog lists the kept checkpoints with the accuracy at each; `step=N` must be one of them."""
    app = Host([(2, None), (4, 0.8125), (6, 0.75)])
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        said = str(app.screen.query_one(Label).render())
        assert "step 2, 4 (val acc 0.812), 6 (val acc 0.750)" in " ".join(said.split()) and "default 6" in said
        for typed, refusal in (("step=3 lr=1e-3", "step '3': give one of the kept steps (2, 4, 6)"),
                               ("step=4 step=6", "step is given twice")):
            app.screen.query_one(Input).value = ""
            await pilot.press(*typed, "enter")
            await pilot.pause()
            assert refusal in str(app.screen.query_one("#error", Label).render())
        app.screen.query_one(Input).value = ""
        await pilot.press(*"step=4 lr=1e-3", "enter")
        await pilot.pause()
    assert app.answers == [ForkRequest(ForkChanges(lr=1e-3), 4)]


async def test_a_live_run_takes_no_step():
    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press(*"step=4", "enter")
        await pilot.pause()
        assert "a live run forks at its next step: leave out step=" in str(app.screen.query_one("#error", Label).render())
