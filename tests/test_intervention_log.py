"""The log box wraps every line at the width it has, whole words on screen (#18 item 8)."""

from __future__ import annotations

from textual.app import App, ComposeResult

from sst2_tui.tui.widgets.intervention_log import InterventionLog
from tests.screen_text import screen_lines

LONG = ("failed: --model Z: the Hugging Face Hub cannot be reached and the model is not in the local cache; "
        "Use --eps 0.0001 or --precision auto")


class LogApp(App):
    CSS = "InterventionLog { width: 40; height: 8; border: round white; }"

    def compose(self) -> ComposeResult:
        yield InterventionLog()


async def test_long_lines_wrap_with_every_word_shown():
    app = LogApp()
    async with app.run_test(size=(60, 12)) as pilot:
        app.query_one(InterventionLog).show("01-full", ["step 10: validation accuracy 0.6000 (n=100)", LONG])
        await pilot.pause()
        shown = " ".join(line.strip("│╭╮╰╯─ ") for line in screen_lines(app))
        for word in LONG.split():
            assert word in shown.split(), f"{word!r} is missing from the log box"


async def test_the_newest_lines_show_when_there_are_more_than_fit():
    app = LogApp()
    async with app.run_test(size=(60, 12)) as pilot:
        log = app.query_one(InterventionLog)
        log.show("01-full", [f"step {n}: checkpoint" for n in range(1, 30)])
        await pilot.pause()
        text = "\n".join(screen_lines(app))
        assert "step 29: checkpoint" in text and "step 24: checkpoint" in text
        assert "step 23: checkpoint" not in text  # six rows inside the border
        log.show("02-full", ["step 1: resumed"])  # another run: its own lines only
        await pilot.pause()
        assert "step 29" not in "\n".join(screen_lines(app))
