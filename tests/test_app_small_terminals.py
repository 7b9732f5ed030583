"""The app at 80x24 and 60x20: the keys that matter stay visible, dialog texts wrap whole words,
and the numbers a user reads are never pushed off screen (#18 rough edges, #15 item 3)."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable

from sst2_tui.core.config import RunConfig
from sst2_tui.core.events import CommandSpec, Control, WarningEvent
from sst2_tui.tui.run_view import RunView
from sst2_tui.tui.screens.leave import LeaveScreen
from sst2_tui.tui.screens.queue import QueueScreen
from sst2_tui.tui.screens.rate_dialog import RateDialog
from tests.fake_engine import FakeEngine
from tests.screen_text import screen_lines
from tests.test_app import CONFIG, make_app, wait_for


def words_on_screen(app) -> set[str]:
    return {word.strip("│┃█▊▎▌") for line in screen_lines(app) for word in line.split()}


@pytest.mark.parametrize(("key", "screen"), [("q", LeaveScreen), ("l", RateDialog), ("d", QueueScreen)])
async def test_dialog_texts_wrap_with_every_word_whole_at_80x24(tmp_path, key, screen):
    engine = FakeEngine(steps=50, hold_at=3)
    app = make_app(tmp_path, engine, [CONFIG, CONFIG.replace(model="second")])
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.current is not None and app.current.step >= 3)
        await pilot.pause(0.6)
        await pilot.press(key)
        await wait_for(pilot, lambda: isinstance(app.screen, screen))
        await pilot.pause(0.1)
        shown = words_on_screen(app)
        texts = [str(label.render()) for label in app.screen.query("Label, Static")]
        missing = [word for text in texts for word in text.split() if word not in shown]
        assert not missing, f"cut from the dialog: {missing}"
        await pilot.press("escape")
        engine.release()


async def test_at_60x20_the_numbers_and_the_way_out_stay_on_screen(tmp_path):
    engine = FakeEngine(steps=50, hold_at=3)
    app = make_app(tmp_path, engine)
    async with app.run_test(size=(60, 20)) as pilot:
        await wait_for(pilot, lambda: app.current is not None and app.current.step >= 3)
        await pilot.pause(0.6)
        lines = screen_lines(app)
        assert any("mem 512 MB" in line for line in lines), "memory is not pushed off by the throughput"
        assert lines[-1].startswith("? Help space Pause") and any("q leaves it training" in line for line in lines)
        assert not any("▇" in line or "▃" in line for line in lines), "no scrollbar: everything fits"
        engine.release()


def test_the_log_says_when_a_value_did_not_change_and_a_resume_is_not_a_warning():
    view = RunView(run_id="01-full", method="full")
    view.apply(Control(step=5, command=CommandSpec("set_lr", 1e-3), old=1e-3, new=1e-3, source="app"))
    view.apply(Control(step=6, command=CommandSpec("set_eps", 1e-4), old=1e-8, new=1e-4, source="cli"))
    view.apply(WarningEvent(code="resumed", message="resumed from step-0000010 at step 10"))
    assert view.log == ["step 5: lr stays 1e-3", "step 6: eps 1e-8 -> 1e-4", "resumed from step-0000010 at step 10"]


@pytest.mark.parametrize("width", [80, 200])
async def test_results_fit_the_width_and_the_rest_shows_for_the_highlighted_run(tmp_path, width):

    from sst2_tui.core.report.compare import COLUMNS
    from sst2_tui.tui.screens.results import NARROW_COLUMNS

    configs = [CONFIG.replace(method=m) for m in ("full", "trainer", "lora", "full")]
    app = make_app(tmp_path, FakeEngine(steps=10), configs)
    async with app.run_test(size=(width, 24 if width == 80 else 50)) as pilot:
        await wait_for(pilot, lambda: len(app.views) == 4 and app.views[-1].status == "finished")
        await pilot.press("r")
        await pilot.pause(0.2)
        table = app.screen.query_one("#results-table", DataTable)
        shown = [str(c.label) for c in table.columns.values()]
        text = "\n".join(screen_lines(app))
        if width == 80:
            assert tuple(shown) == NARROW_COLUMNS
            assert all(name in text for name in NARROW_COLUMNS), "every column on screen"
            detail = str(app.screen.query_one("#row-detail").render())
            assert detail.startswith("01-full: ") and "lr 5e-4" in detail and "model demo" in detail
            await pilot.press("down")
            assert str(app.screen.query_one("#row-detail").render()).startswith("02-trainer: ")
        else:
            assert tuple(shown) == tuple(c for c in COLUMNS if c != "point") and not app.screen.query_one("#row-detail").display
        diff = app.screen.query_one("#diff-box", DataTable)
        row = next(diff.get_row_at(i) for i in range(diff.row_count) if str(diff.get_row_at(i)[0]) == "max_grad_norm")
        assert [str(cell) for cell in row] == ["max_grad_norm", "none", "1.0", "none", "none"]


async def test_a_long_queued_label_wraps_in_the_queue_box_at_80x24(tmp_path):
    """The demo's fourth run differs from the first only by its end ("(fp16-pure, eps 1e-8)"): at
    80 columns that end wraps onto a second line instead of being cut."""
    from sst2_tui.tui.widgets.queue_list import wrap_words

    assert wrap_words("full on demo (fp16-pure, eps 1e-8)", 20) == ["full on demo", "(fp16-pure, eps", "1e-8)"]
    fourth = CONFIG.replace(precision="fp16-pure", eps=1e-8)
    engine = FakeEngine(steps=20, hold_at=3)
    app = make_app(tmp_path, engine, [CONFIG, CONFIG.replace(method="lora"), fourth])
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.current is not None and app.current.step >= 3)
        await pilot.pause(0.3)
        text = "\n".join(screen_lines(app))
        box = [line.split("││", 1)[1].strip(" │") for line in text.splitlines() if "││" in line]
        assert box[-4:] == ["1. lora on demo, demo", "2. full on demo, demo", "(fp16-pure, eps", "1e-8)"], box
        engine.release()


def test_the_queue_box_counts_what_does_not_fit():
    from sst2_tui.tui.run_queue import Waiting
    from sst2_tui.tui.widgets.queue_list import QueueList

    box = QueueList()
    shown = []
    box.show_content = shown.append  # no app: the text it would show
    box.show([Waiting(f"run {i}") for i in range(6)])
    lines = str(shown[-1]).splitlines()
    assert lines[1:] == ["1. run 0", "2. run 1", "3. run 2", "+3 more"], "four lines: three runs and the count"
    box.show([Waiting(f"run {i}") for i in range(4)])
    assert str(shown[-1]).splitlines()[-1] == "4. run 3", "four fit without a +N line"

    from textual.geometry import Size

    class Narrow(QueueList):  # 20 columns, a heading and four rows, as at 80x24
        content_size = Size(20, 5)

    narrow = Narrow()
    narrow.show_content = shown.append
    narrow.show([Waiting("run 0"), Waiting("run 1"), Waiting("run 2"), Waiting("full on demo (fp16-pure)")])
    assert str(shown[-1]).splitlines()[1:] == ["1. run 0", "2. run 1", "3. run 2", "4. full on demo …"], \
        "the last one, a line too long for the row left: cut, never '+1 more' beside an empty row"


async def test_every_setting_that_differs_can_be_scrolled_into_view_at_80x24(tmp_path):
    """#28 item 6: many runs that differ in lr, eps, method and precision give more lines than 24 rows
    hold; the settings box scrolls (it takes the focus on `c`), and every line shows at some point."""
    from sst2_tui.core.report.compare import differing_settings, settings_of

    configs = [CONFIG.replace(method=m, lr=lr, eps=eps, precision=p, seed=s, batch_size=b, max_length=32 * b,
                              weight_decay=0.01 * s, eval_batch_size=2 * b)
               for m, lr, eps, p, s, b in [("full", 1e-3, 1e-8, "fp32", 1, 8), ("trainer", 5e-4, 1e-6, "bf16", 2, 16),
                                           ("lora", 3e-3, 1e-4, "fp32", 3, 32), ("full", 1e-4, 1e-7, "bf16", 4, 4)]]
    app = make_app(tmp_path, FakeEngine(steps=10), configs)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: len(app.views) == 4 and app.views[-1].status == "finished")
        await pilot.press("r")
        await pilot.pause(0.2)
        assert "max_grad_norm" not in "\n".join(screen_lines(app)), "the chart first, the settings on c"
        await pilot.press("c")
        await pilot.pause(0.2)
        keys = differing_settings([settings_of(v.config, v.effective) for v in app.views])
        assert len(keys) >= 12 and {"lr", "eps"} <= set(keys), keys
        box = app.screen.query_one("#diff-box")
        assert box.has_focus and box.max_scroll_y > 0, "more lines than the screen holds, so it must scroll"
        seen: set[str] = set()
        for _ in range(40):
            seen |= {word for line in screen_lines(app) for word in line.split()}
            await pilot.press("down")
            await pilot.pause(0.02)
        assert not [k for k in keys if k not in seen], "never shown"


async def test_without_colour_the_compare_chart_tells_runs_apart_by_marker(tmp_path, monkeypatch):
    """#28 rough edge: with NO_COLOR every line was the same braille; now each run has its marker."""
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(tmp_path, FakeEngine(steps=20), [CONFIG, CONFIG.replace(method="lora")])
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_for(pilot, lambda: len(app.views) == 2 and app.views[-1].status == "finished")
        await pilot.press("r")
        await pilot.pause(0.5)
        legend = [line for line in screen_lines(app) if "01-full" in line or "02-lora" in line]
        assert any("x 02-lora" in line for line in legend), legend


def test_the_eta_is_steady_through_one_slow_step_and_says_paused_while_paused():
    """#28 rough edge: the ETA from the last step's speed swung 0:01:41 -> 0:34:54 on one slow step."""
    from sst2_tui.core.events import Paused, Step
    from sst2_tui.tui.widgets.run_status import run_numbers

    view = RunView(run_id="01-full", method="full", config=RunConfig(batch_size=32), total_steps=1000)
    for step in range(1, 21):
        view.apply(Step(step=step, epoch=0.1, loss=0.5, lr=1e-3, eps=1e-8, samples_per_second=320.0,
                        tokens_per_second=1.0, memory_mb=None, time=0.0))
    steady = view.eta_seconds
    view.apply(Step(step=21, epoch=0.1, loss=0.5, lr=1e-3, eps=1e-8, samples_per_second=10.0,  # an evaluation's step
                    tokens_per_second=1.0, memory_mb=None, time=0.0))
    assert steady == 98.0 and abs(view.eta_seconds - steady) < 1.0
    view.apply(Paused(step=21, time=0.0))
    assert "ETA paused" in str(run_numbers(view))


async def test_at_80_columns_the_footer_holds_every_key_and_space_says_what_it_does(tmp_path):
    """#28 rough edge: the footer ended at "x Expo"; it said Pause while paused."""
    engine = FakeEngine(steps=400, step_seconds=0.02)
    app = make_app(tmp_path, engine, [CONFIG, CONFIG.replace(method="lora")])
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.current is not None and app.current.step >= 3)
        await pilot.pause(0.6)
        footer = screen_lines(app)[-1]
        assert footer.rstrip().endswith("x Export b Sessions t Try") and "space Pause" in footer, footer
        await pilot.press("space")
        await wait_for(pilot, lambda: app.current.status == "paused")
        await pilot.pause(0.6)
        assert "space Resume" in screen_lines(app)[-1]
        await pilot.press("space")
        await wait_for(pilot, lambda: app.current.status != "paused")
        await pilot.press("s")
        await wait_for(pilot, lambda: app.views and app.views[-1].status == "finished", timeout=60)
        await pilot.pause(0.6)
        assert screen_lines(app)[-1].startswith("? Help q Quit"), "no run to steer: q Quit in the footer"


async def test_the_loss_chart_labels_evenly_spaced_values_and_skips_none(tmp_path):
    """#28 rough edge: plotext's own y ticks skipped one (0.653 then 0.617, 0.635 missing)."""
    import itertools
    import re

    from sst2_tui.tui.widgets.curve import tick_count

    assert all(tick_count(rows) == 2 or (rows - 1) / (tick_count(rows) - 1) >= 1.5 for rows in range(1, 40)), \
        "ticks never share a row"
    engine = FakeEngine(steps=50, hold_at=25)
    app = make_app(tmp_path, engine)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.current is not None and app.current.step >= 25)
        await pilot.pause(2.5)
        labels = [float(m.group(1)) for line in screen_lines(app) if (m := re.match(r"^\s*(\d+\.\d+)┤", line))]
        gaps = {round(a - b, 3) for a, b in itertools.pairwise(labels)}
        assert len(labels) >= 3 and len(gaps) == 1, labels
        engine.release()
