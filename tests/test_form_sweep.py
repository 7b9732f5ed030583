"""#29 item 5: `n` starts a sweep: comma lists in the form's fields (as `sst2-tui sweep` reads its
flags), the seed field's list innermost, "Run all three" across the methods; a session of its own,
which the window then shows (`g`)."""

from __future__ import annotations

import json

from textual.widgets import Input

from sst2_tui.tui.screens.new_run import NewRunScreen
from sst2_tui.tui.screens.sweep import SweepScreen
from tests.fake_engine import FakeEngine
from tests.test_app import make_app, wait_for
from tests.test_form import error_lines, open_form


async def test_comma_lists_in_the_form_start_a_sweep_in_a_session_of_its_own(tmp_path):
    app = make_app(tmp_path, FakeEngine(steps=10), configs=[])
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(pilot, app)
        form.query_one("#f-lr", Input).value = "3e-4, 1e-3"
        form.query_one("#f-seed", Input).value = "0,1"
        await pilot.pause(0.1)
        said = " ".join(error_lines(form))
        assert said.startswith("Start: sweep of 4 runs (2 settings of full x 2 seed(s)); Run all three: sweep of 12 runs "
                               "(6 settings of full, lora, trainer x 2 seed(s))"), said
        form.query_one("#f-lr", Input).focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, NewRunScreen))
        [session] = [p for p in (tmp_path / "sessions").iterdir() if p.is_dir()]
        sweep = json.loads((session / "sweep.json").read_text())
        assert [(p["lr"], p["seed"]) for p in sweep["points"]] == [(3e-4, 0), (3e-4, 1), (1e-3, 0), (1e-3, 1)]
        assert {p["sweep"]["setting"] for p in sweep["points"]} == {"lr=3e-4", "lr=1e-3"}
        await wait_for(pilot, lambda: len(app.views) == 4 and all(v.status == "finished" for v in app.views), timeout=60)
        await pilot.press("g")
        await wait_for(pilot, lambda: isinstance(app.screen, SweepScreen))
        await wait_for(pilot, lambda: "4 of 4 runs finished" in str(app.screen.query_one("#sweep-title").render()))


async def test_a_bad_value_in_a_list_names_the_field_and_run_all_three_sweeps_the_methods(tmp_path):
    app = make_app(tmp_path, FakeEngine(steps=5), configs=[])
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(pilot, app)
        form.query_one("#f-lr", Input).value = "3e-4,abc"
        await pilot.pause(0.1)
        assert error_lines(form) == ["learning rate: 'abc' is not a number"] and form.query_one("#start").disabled
        form.query_one("#f-lr", Input).value = "full=1e-4,3e-4 lora=1e-3"
        form.query_one("#f-epochs", Input).value = "1"
        await pilot.pause(0.1)
        # Start (method full) would drop lora's value: it says so and stays off; Run all three queues them all
        assert form.query_one("#start").disabled and not form.query_one("#all-three").disabled
        said = " ".join(error_lines(form))
        assert "Start: --lr lora=...: lora is not among the sweep's methods (full)" in said, said
        assert "Run all three: sweep of 4 runs (4 settings of full, lora, trainer x 1 seed(s))" in said, said
        await pilot.click("#all-three")
        await wait_for(pilot, lambda: not isinstance(app.screen, NewRunScreen))
        [session] = [p for p in (tmp_path / "sessions").iterdir() if p.is_dir()]
        points = json.loads((session / "sweep.json").read_text())["points"]
        assert [(p["method"], p["lr"], p["epochs"]) for p in points] == [
            ("full", 1e-4, 1), ("full", 3e-4, 1), ("trainer", None, 1), ("lora", 1e-3, 1)]


async def test_until_resolved_in_the_form_starts_round_1_of_a_sweep_that_stops_itself(tmp_path):
    """#37 from the app's form: the box makes even a form without lists a sweep; a seed list is refused."""
    from textual.widgets import Checkbox

    from tests.screen_text import screen_lines

    app = make_app(tmp_path, FakeEngine(steps=5), configs=[])
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(pilot, app)
        form.query_one("#f-lr", Input).value = "3e-4,1e-3"
        form.query_one("#until-resolved", Checkbox).value = True
        await pilot.pause(0.1)
        said = " ".join(error_lines(form))
        assert said.startswith("Start: until resolved, round 1 of 2 runs (at most 48); Run all three: until resolved, "
                               "round 1 of 6 runs"), said
        assert "until resolved" in "\n".join(screen_lines(app)), "the box shows at 80x24"
        form.query_one("#f-seed", Input).value = "0,1"
        await pilot.pause(0.1)
        assert "seed: until resolved adds seeds itself" in " ".join(error_lines(form))
        form.query_one("#f-seed", Input).value = "0"
        await pilot.pause(0.1)
        await pilot.click("#all-three")
        await wait_for(pilot, lambda: not isinstance(app.screen, NewRunScreen))
        [session] = [p for p in (tmp_path / "sessions").iterdir() if p.is_dir()]
        sweep = json.loads((session / "sweep.json").read_text())
        assert sweep["until_resolved"]["max_runs"] == 48 and sweep["confirm_seeds"] == 0
        assert [p["sweep"]["round"] for p in sweep["points"]] == [1] * 6


async def test_the_margin_field_goes_into_the_sweep_and_a_bad_one_names_itself(tmp_path):
    """#45: the new-run form's margin (`sweep --margin`), kept in sweep.json; refused for one run."""
    app = make_app(tmp_path, FakeEngine(steps=5), configs=[])
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(pilot, app)
        form.query_one("#margin", Input).value = "2"
        await pilot.pause(0.1)
        assert error_lines(form) == ["margin: a sweep's setting (comma lists, or until resolved); leave it empty for one run"]
        assert form.query_one("#start").disabled and form.query_one("#margin").has_class("-invalid")
        form.query_one("#f-seed", Input).value = "0,1"
        form.query_one("#margin", Input).value = "-1"
        await pilot.pause(0.1)
        assert error_lines(form) == ["margin '-1': give accuracy points above 0 and at most 50, e.g. 2 (two methods "
                                     "within ±2 points are practically the same)"]
        form.query_one("#margin", Input).value = "2.5"
        await pilot.pause(0.1)
        assert not form.query_one("#start").disabled
        form.query_one("#f-seed", Input).focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, NewRunScreen))
        [session] = [p for p in (tmp_path / "sessions").iterdir() if p.is_dir()]
        assert json.loads((session / "sweep.json").read_text())["margin"] == 2.5
