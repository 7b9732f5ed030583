"""The new-run form: every bad field marked with one message naming it once, local paths checked
when the run is queued, and the next form starting from what was typed (#18 items 3 and rough edges)."""

from __future__ import annotations

from textual.widgets import Input, Static

from sst2_tui.tui.screens.new_run import NewRunScreen
from tests.fake_engine import FakeEngine
from tests.test_app import make_app, wait_for


async def open_form(pilot, app) -> NewRunScreen:
    await pilot.pause(0.3)
    await pilot.press("n")
    await wait_for(pilot, lambda: isinstance(app.screen, NewRunScreen))
    return app.screen


def error_lines(form: NewRunScreen) -> list[str]:
    return [line for line in str(form.query_one("#form-error", Static).render()).splitlines() if line.strip()]


async def test_every_bad_field_is_marked_with_its_own_message(tmp_path):
    app = make_app(tmp_path, FakeEngine(steps=5), configs=[])
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(pilot, app)
        form.query_one("#f-lr", Input).value = "abc"
        form.query_one("#f-batch_size", Input).value = "8.5"
        await pilot.pause(0.1)
        assert error_lines(form) == ["learning rate: 'abc' is not a number", "batch size: '8.5' is not a whole number"]
        assert {w.id for w in form.query(".-invalid")} == {"f-lr", "f-batch_size"}
        bad = form.query_one("#f-lr", Input)
        assert bad.content_region.height == 1 and bad.content_region.width > 3, "its own text and cursor stay visible"
        assert form.query_one("#start").disabled
        form.query_one("#f-lr", Input).value = "2e-5"
        form.query_one("#f-batch_size", Input).value = "8"
        await pilot.pause(0.1)
        assert error_lines(form) == ["Queues: full on demo, demo all examples, lr 2e-5, 4 epochs, batch 8, auto"]
        assert not form.query(".-invalid") and not form.query_one("#start").disabled


async def test_a_local_model_path_that_does_not_exist_is_refused_when_queued(tmp_path):
    app = make_app(tmp_path, FakeEngine(steps=5), configs=[])
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(pilot, app)
        form.query_one("#f-model", Input).value = "/no/such/model"
        form.query_one("#f-data", Input).value = "./no-such-data.tsv"
        form.query_one("#f-model", Input).focus()
        await pilot.press("enter")
        await pilot.pause(0.1)
        assert isinstance(app.screen, NewRunScreen), "the form stays open"
        lines = error_lines(form)
        assert lines[0].startswith("--model '/no/such/model': no such folder")
        assert lines[1].startswith("--data './no-such-data.tsv': no such file or folder")
        assert "Hub cannot be reached" not in " ".join(lines)
        assert not app.views and not app.watcher.waiting(), "nothing queued"


async def test_the_next_form_starts_from_what_was_queued(tmp_path):
    app = make_app(tmp_path, FakeEngine(steps=5), configs=[])
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(pilot, app)
        form.query_one("#f-lr", Input).value = "3e-4"
        form.query_one("#f-epochs", Input).value = "2"
        form.query_one("#f-lr", Input).focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(app.views) == 1 and app.views[0].status == "finished")
        form = await open_form(pilot, app)
        assert form.query_one("#f-lr", Input).value == "3e-4"
        assert form.query_one("#f-epochs", Input).value == "2"


def test_the_lr_placeholder_says_the_demo_rates_that_runs_get():
    """It said 'demo 1e-3' while demo runs got 5e-4 (full, trainer) and 3e-3 (lora)."""
    import dataclasses

    from sst2_tui.core.config import DEMO_LR, RunConfig, format_rate

    placeholder = next(f for f in dataclasses.fields(RunConfig) if f.name == "lr").metadata["placeholder"]
    assert f"demo {format_rate(DEMO_LR['full'])}" in placeholder and f"lora {format_rate(DEMO_LR['lora'])}" in placeholder


async def test_range_errors_come_all_at_once_in_the_forms_words_and_all_means_all(tmp_path):
    app = make_app(tmp_path, FakeEngine(steps=5), configs=[])
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(pilot, app)
        form.query_one("#f-batch_size", Input).value = "0"
        form.query_one("#f-lora_r", Input).value = "99999999999999999999"
        form.query_one("#f-train_subset", Input).value = "all"
        await pilot.pause(0.1)
        lines = error_lines(form)
        assert len(lines) == 2 and lines[0].startswith("batch size: must be a whole number from 1")
        assert lines[1].startswith("LoRA r: must be a whole number from 1") and "lora_r" not in " ".join(lines)
        assert "f-train_subset" not in {w.id for w in form.query(".-invalid")}, "its own placeholder is accepted"


async def test_the_form_shows_the_final_settings_before_enter_queues_them(tmp_path):
    """#28 item 4: keys pasted in one burst can be lost (upstream); what will run is shown in one line."""
    app = make_app(tmp_path, FakeEngine(steps=5), configs=[])
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(pilot, app)
        form.query_one("#f-train_subset", Input).value = "2000"
        form.query_one("#f-epochs", Input).value = "3"
        await pilot.pause(0.1)
        assert error_lines(form) == ["Queues: full on demo, demo 2,000 examples, lr 5e-4, 3 epochs, batch 32, auto"]
        form.query_one("#f-lr", Input).value = "x"
        await pilot.pause(0.1)
        assert error_lines(form) == ["learning rate: 'x' is not a number"], "a problem replaces the summary"


async def test_enter_queues_from_a_choice_field_too(tmp_path):
    """#34 app item 9: Enter on the method (a choice) opened its list; it queues, as from any field."""
    from textual.widgets import Select

    app = make_app(tmp_path, FakeEngine(steps=5), configs=[])
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(pilot, app)
        form.query_one("#f-method", Select).focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, NewRunScreen))
        await wait_for(pilot, lambda: app.views and app.views[-1].status == "finished", timeout=30)


async def test_local_data_with_a_bad_label_is_refused_naming_the_row(tmp_path):
    app = make_app(tmp_path, FakeEngine(steps=5), configs=[])
    data = tmp_path / "reviews.tsv"
    data.write_text("sentence\tlabel\na fine film\t1\na dull film\tpositive\n" + "".join(f"film {i}\t{i % 2}\n" for i in range(20)))
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(pilot, app)
        form.query_one("#f-data", Input).value = str(data)
        await pilot.press("enter")
        await pilot.pause(0.2)
        assert isinstance(app.screen, NewRunScreen), "the form stays open"
        assert any(f"{data} row 3: field 'label' is 'positive'" in line for line in error_lines(form)), error_lines(form)
        assert not app.watcher.waiting()


async def test_hub_data_is_refused_at_once_when_the_hub_is_unreachable(tmp_path):
    app = make_app(tmp_path, FakeEngine(steps=5), configs=[])
    async with app.run_test(size=(80, 24)) as pilot:
        app.hub = "unreachable: local folders or demo"
        form = await open_form(pilot, app)
        form.query_one("#f-data", Input).value = ""  # sst2, from the Hub
        await pilot.press("enter")
        await pilot.pause(0.2)
        assert isinstance(app.screen, NewRunScreen)
        assert any("comes from the Hugging Face Hub, which cannot be reached" in line for line in error_lines(form))


async def test_report_to_is_one_setting_for_the_run_and_a_missing_tracker_is_said_in_the_form(tmp_path, monkeypatch):
    """#38: `tensorboard,mlflow` is where one run reports, not a sweep of two; a tracker this machine
    lacks is said before anything is queued."""
    import importlib.util

    from sst2_tui.core import tracker_names
    from sst2_tui.tui.screens import new_run

    monkeypatch.setattr(new_run, "check_installed", lambda names: None)  # whether this machine has them: below
    app = make_app(tmp_path, FakeEngine(steps=5), configs=[])
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(pilot, app)
        form.query_one("#f-report_to", Input).value = "tensorboard,mlflow"
        await pilot.pause(0.1)
        assert error_lines(form) == ["Queues: full on demo, demo all examples, lr 5e-4, 4 epochs, batch 32, auto, reports to "
                                     "tensorboard,mlflow"], "one run, not a sweep"
        config = form.validate()
        assert config is not None and not hasattr(config, "points") and config.report_to == "tensorboard,mlflow"
        form.query_one("#f-report_to", Input).value = "tensorbord"
        await pilot.pause(0.1)
        assert error_lines(form) == ["report to: 'tensorbord' is not a tracker; give a comma list of tensorboard, "
                                     "mlflow, trackio (or none)"]
        real = importlib.util.find_spec
        monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "mlflow" else real(name, *a))
        monkeypatch.setattr(new_run, "check_installed", tracker_names.check_installed)
        form.query_one("#f-report_to", Input).value = "mlflow"
        await pilot.pause(0.1)
        assert error_lines(form) == ["--report-to mlflow: mlflow is not installed here; pip install 'sst2-tui[mlflow]' "
                                     "(or give --report-to without it)"]
        assert form.query_one("#start").disabled


async def test_the_form_says_what_a_data_file_holds_before_start(tmp_path):
    """#48: a user's CSV of support tickets: its columns named in the form, what it found shown (sizes,
    text column, classes) before anything is queued; a wrong column said the same way."""
    tickets = tmp_path / "tickets.csv"
    teams = ["billing", "facilities", "hr", "it", "sales"]
    tickets.write_text("id,body,team\n" + "".join(f"{i},ticket number {i},{teams[i % 5]}\n" for i in range(50)))
    app = make_app(tmp_path, FakeEngine(steps=5), configs=[])
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(pilot, app)
        found = form.query_one("#data-found", Static)
        form.query_one("#f-data", Input).value = str(tickets)
        await wait_for(pilot, lambda: "no text column" in str(found.render()))
        said = " ".join(str(found.render()).split())
        assert "choose with the text columns field" in said and "--" not in said, "the form's field, not the CLI's flag"
        form.query_one("#f-text_columns", Input).value = "body"
        await wait_for(pilot, lambda: "no 'label' column" in str(found.render()))
        form.query_one("#f-label_column", Input).value = "team"
        await wait_for(pilot, lambda: str(found.render()).startswith("found:"))
        assert " ".join(str(found.render()).split()) == (
            "found: 45 train / 5 validation; text body; 5 classes (billing, facilities, hr, it, sales)")
        assert not app.views, "nothing queued: it is read, not run"
        other = tmp_path / "other.csv"
        other.write_text("body,team\n" + "".join(f"note {i},{'ab'[i % 2]}\n" for i in range(40)))
        form.query_one("#f-data", Input).value = f"{tickets},{other}"  # a sweep across tasks: each one read
        await wait_for(pilot, lambda: "other:" in str(found.render()))
        said = [" ".join(line.split()) for line in str(found.render()).splitlines()]
        assert said[0].startswith("tickets: 45 train / 5 validation; text body; 5 classes") and said[-1].startswith(
            "other: 36 train / 4 validation; text body; 2 classes (a, b)"), said
