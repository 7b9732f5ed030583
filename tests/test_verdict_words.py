"""#45 items 1-3 where users read them: collapsed runs named in the table, the verdict and the report;
"Verdict" only once no run is left to come ("So far (N of M runs; K to come)" before, the confirmation
runs counted from the start); the judged numbers beside the answer; the answer first and in plain
words; `--margin` on `sweep` and `report`, recorded in sweep.json, with a default that is said with its
reason; `--until-resolved` says truthfully what it will do. Recorded runs, no training."""

from __future__ import annotations

import json

import numpy as np
import pytest

from sst2_tui.core.report.sweep_verdict import sweep_verdict
from sst2_tui.core.storage.sweep_file import read_sweep_file
from sst2_tui.core.sweep.grid import build_grid, parse_listed
from sst2_tui.core.sweep.start import start_lines
from tests.sweep_session import IDS, SMALL_SENTENCES, accurate, planned_sweep, record_run, run_grid

LABELS = [i % 2 for i in range(SMALL_SENTENCES)]


def _with_labels(session, run_id_prefix: str = "") -> None:
    """Every run's best predictions with the sentences' labels (what tells a collapsed run)."""
    for folder in (session.path / "runs").iterdir():
        rows = [{"id": sentence, "text": f"sentence {sentence}", "label": label, "p_positive": 0.5, "step": 20}
                for sentence, label in zip(IDS, LABELS, strict=True)]
        (folder / "best_predictions.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))


def _every_positive() -> np.ndarray:
    return np.asarray(LABELS, dtype=bool)  # right exactly on the positive sentences


def test_a_run_that_answers_one_class_everywhere_is_named_collapsed_in_the_table_and_the_verdict(tmp_path):
    sweep = planned_sweep(tmp_path, confirm_seeds=0)
    rng = np.random.default_rng(0)
    for config in sweep.file.grid:
        if config.method == "full" and config.sweep.seed == 1:
            record_run(sweep.session, config, [_every_positive(), _every_positive()])
        else:
            record_run(sweep.session, config, [accurate(rng, 0.8, 0.8)])
    _with_labels(sweep.session)
    verdict = sweep_verdict(sweep.session)
    [collapsed] = verdict.collapsed
    assert collapsed.method == "full" and collapsed.answered == "positive" and collapsed.judged
    lines = verdict.lines()
    assert any(line.strip().startswith(f"Collapsed: {collapsed.run_id} predicts positive for every sentence: lr too high?")
               and "judged, counted as it scored" in line for line in lines)
    [row] = [r for r in verdict.table if r.method == "full"]
    assert row.collapsed == 1 and any("1 collapsed" in line for line in lines)


def test_until_nothing_is_left_to_come_the_answer_is_so_far_with_the_confirmation_runs_counted(tmp_path):
    sweep = planned_sweep(tmp_path, confirm_seeds=3)  # 9 grid runs (full 1 setting, lora 2) + 3 confirmation runs
    run_grid(sweep, np.random.default_rng(1))
    verdict = sweep_verdict(sweep.session)
    assert (verdict.planned_runs, verdict.to_come, verdict.final) == (12, 3, False)
    assert verdict.lines()[0] == "Sweep: 9 of 12 runs finished"
    answers = [line for line in verdict.lines() if line.startswith(("Verdict", "So far"))]
    assert answers and all(line.startswith("So far (9 of 12 runs; 3 to come): ") for line in answers)
    assert not any(line.startswith("Verdict") for line in verdict.lines() + verdict.closing_lines())
    for config in sweep.add_next():  # the confirmation runs, then nothing left to come
        record_run(sweep.session, config, [accurate(np.random.default_rng(2), 0.9, 0.85)])
    final = sweep_verdict(sweep.session)
    assert final.final and final.lines()[1].startswith("Verdict: ")


def test_the_numbers_the_verdict_compares_stand_beside_it_and_the_answer_comes_first(tmp_path):
    sweep = planned_sweep(tmp_path, confirm_seeds=0)
    run_grid(sweep, np.random.default_rng(3))
    verdict = sweep_verdict(sweep.session)
    lines = verdict.lines()
    assert lines[1].startswith("Verdict: ") and "lora" in lines[1] and "full" in lines[1], "the answer first"
    judged = lines.index(f"Judged on the other {verdict.judging_sentences} sentences (what the verdict compares):")
    shown = {c.method: 100 * c.judged_accuracy for c in verdict.chosen}
    for method, accuracy in shown.items():
        assert any(line.strip().startswith(f"{method}:") and f"{accuracy:.1f}%" in line for line in lines[judged:])
    pair = verdict.pairs[0]
    assert pair.points == pytest.approx(shown[pair.a] - shown[pair.b]), "A − B is the difference of the two numbers shown"
    assert any(line.startswith("Each setting's runs, best accuracy on all 60 validation sentences") for line in lines)
    assert verdict.closing_lines()[-1].startswith("Verdict: "), "in a short log box the answer is the last line"


def test_margin_on_report_is_used_and_said_and_a_bad_one_is_one_line(tmp_path, capsys):
    from sst2_tui.cli.main import main

    sweep = planned_sweep(tmp_path, confirm_seeds=0)
    run_grid(sweep, np.random.default_rng(4))
    assert main(["report", str(sweep.path), "--format", "md", "--margin", "40"]) == 0
    out = capsys.readouterr().out
    assert "equivalent means within ±40 points (--margin)" in out
    assert sweep_verdict(sweep.session, margin=40).pairs[0].margin == 40
    default = sweep_verdict(sweep.session)
    assert default.margin > 2 and f"equivalent means within ±{default.margin:g} points: 30 judging sentences" in default.margin_text
    for bad in ("0", "-1", "nan", "two", "51"):
        assert main(["report", str(sweep.path), "--margin", bad]) == 2
        err = capsys.readouterr().err
        assert f"--margin '{bad}': give accuracy points above 0 and at most 50" in err and len(err.strip().splitlines()) == 1


def _grid(methods: str = "full,lora", lr: str | None = "lora=1e-4,3e-4", data: str = "sst2") -> list:
    axes = {"method": parse_listed("--method", [methods]), "model": parse_listed("--model", ["demo"]),
            "data": parse_listed("--data", [data])}
    if lr:
        axes["lr"] = parse_listed("--lr", lr.split())
    return build_grid(axes, [0, 1, 2])


def test_a_sweep_says_as_it_starts_what_practically_the_same_will_mean_and_why():
    lines = start_lines(_grid(), 3, None, rounds=False, margin=None)
    assert lines[-1] == ("equivalent means within ±3 points: 436 judging sentences cannot tell less with 10 seeds of "
                         "each (--margin to choose another)")
    assert start_lines(_grid(), 3, None, rounds=False, margin=1.5)[-1] == "equivalent means within ±1.5 points (--margin)"


def test_a_demo_sweep_says_what_it_can_tell_too():
    """The demo data's 300 validation sentences are known before any run reads them (#45: it printed no power line)."""
    lines = start_lines(_grid(data="demo"), 3, None, rounds=False, margin=None)
    assert lines[1].startswith("with 3 seed(s) per method judged and 150 judging sentences it tells only large gaps apart: "
                               "3 runs of full (given one setting) cannot show how steady it is; 5 seeds of each")
    pooled = start_lines(_grid(data="demo", lr="full=1e-5,3e-5 lora=1e-4,3e-4"), 3, None, rounds=False, margin=None)
    assert pooled[1].startswith("with 3 seed(s) per method judged and 150 judging sentences it tells methods apart by about")
    assert lines[-1].startswith("equivalent means within ±") and "150 judging sentences" in lines[-1]


def test_until_resolved_says_what_it_will_do_not_a_flag_never_given():
    lines = start_lines(_grid(), 0, None, rounds=True, margin=None)
    said = " ".join(lines)
    assert "--confirm-seeds 0" not in said and "no confirmation runs" not in said
    assert lines[0] == ("it races the settings of lora on the tuning half; then judges fresh seeds of each method's "
                        "setting: 5 before its first look, 2 more a round, until every pair is answered or the budget ends")
    assert lines[1].startswith("at its first look (5 seeds of each) and 436 judging sentences it tells methods apart by")


def test_the_margin_is_recorded_in_sweep_json_and_a_bad_one_refused_before_anything_is_created(tmp_path, capsys):
    from sst2_tui.cli.main import main

    args = ["sweep", "--model", "demo", "--data", "demo", "--method", "full,lora", "--sessions-dir", str(tmp_path),
            "--session", "m", "--detach"]
    assert main([*args[:-3], "--margin", "0"]) == 2
    assert "--margin '0': give accuracy points above 0" in capsys.readouterr().err and not list(tmp_path.iterdir())
    from sst2_tui.core.storage.sweep_file import SweepFile

    sweep_file = SweepFile(_grid(), margin=2.5)
    sweep_file.write(tmp_path)
    assert read_sweep_file(tmp_path).margin == 2.5 and read_sweep_file(tmp_path).given_margin == 2.5
    raw = json.loads((tmp_path / "sweep.json").read_text())
    (tmp_path / "sweep.json").write_text(json.dumps({**raw, "margin": "wide"}))
    from sst2_tui.core.storage.sweep_file import SweepFileError

    with pytest.raises(SweepFileError, match="'margin' is 'wide', not a number of accuracy points"):
        read_sweep_file(tmp_path)


def test_advice_is_a_seed_count_with_its_device_time_at_the_sweeps_pace():
    from sst2_tui.core.stats.comparison import compare
    from tests.simulated_correctness import Regime

    regime = Regime(0.6, sentences=436)
    a, b = regime.runs(np.random.default_rng(5), 1, [3, 3], [0.0, 0.0])
    result = compare(a[0], b[0], margin=4.0, a_name="full", b_name="lora")
    assert result.decision == "not resolved" and result.seeds_needed is not None
    more = result.seeds_needed - 3
    said = result.headline(hours_per_seed=0.05)
    assert f"about {more} more seeds of each ({result.seeds_needed} in all; about {round(more * 3)} min of device time " \
           "at this sweep's pace) would tell a gap of 4 points" in said, said
    assert "seeds" not in result.headline().split("would tell")[1], "the count comes before what it tells"


def test_the_report_says_only_what_the_runs_agree_with():
    """#45 item 2: the device-hours chart has values on its axis; the note that LoRA trails on random
    weights appears only where LoRA's runs do trail full's on average."""
    import re

    from sst2_tui.core.config import RunConfig
    from sst2_tui.core.report.charts import svg_chart
    from sst2_tui.core.report.compare import session_notes

    svg = svg_chart({"full": [(0.0036, 0.5), (0.0109, 0.52)]}, "by device-hours", x_label="device-hours")
    x_values = re.findall(r'text-anchor="middle" font-size="10">([0-9.e-]+)</text>', svg)
    assert len(x_values) >= 2, svg
    lora, full = RunConfig(method="lora", model="demo"), RunConfig(method="full", model="demo")
    ahead = [("01-full", full, 0.487), ("02-full", full, 0.52), ("03-lora", lora, 0.61), ("04-lora", lora, 0.64)]
    assert session_notes(ahead) == [], "lora ahead of a collapsed full: no note that it trails"
    mixed = [("01-full", full, 0.85), ("02-full", full, 0.70), ("03-lora", lora, 0.80), ("04-lora", lora, 0.82)]
    assert session_notes(mixed) == [], "one lora run below the best full run is not lora trailing"
    behind = [("01-full", full, 0.85), ("02-full", full, 0.84), ("03-lora", lora, 0.78), ("04-lora", lora, 0.86)]
    [note] = session_notes(behind)
    assert note.startswith("03-lora: LoRA adapts what a pretrained model knows") and "on SST-2)" in note
    tickets = [(run_id, config.replace(data="tickets.csv"), best) for run_id, config, best in behind]
    [note] = session_notes(tickets)
    assert note.endswith("it trails full fine-tuning here."), "SST-2's reference numbers are not said of other data"


def test_seeds_fresh_n_skips_seeds_an_earlier_sweep_used_and_reused_seeds_are_said(tmp_path, capsys):
    """#45 "seeds already used": a sweep on seeds an earlier sweep in the folder chose a setting on says
    so before it starts; `--seeds fresh:N` takes seeds no run of those settings has used."""
    from sst2_tui.cli.main import main
    from sst2_tui.core.storage.sessions import Session
    from tests.sweep_session import record_run

    flags = ["--model", "demo", "--data", "demo", "--method", "full,lora", "--lr", "lora=1e-3"]
    earlier = Session.create(tmp_path, "earlier", label="sweep")
    for config in build_grid({"method": parse_listed("--method", ["full,lora"]), "lr": parse_listed("--lr", ["lora=1e-3"]),
                              "model": parse_listed("--model", ["demo"]), "data": parse_listed("--data", ["demo"])}, [0, 1]):
        record_run(earlier, config, [accurate(np.random.default_rng(config.seed), 0.8, 0.8)])
    assert main(["sweep", *flags, "--seeds", "0,1,2", "--print-commands", "--sessions-dir", str(tmp_path)]) == 0
    captured = capsys.readouterr()
    assert "warning: full already ran on seed(s) 0,1 in" in captured.err and "--seeds fresh:3 picks seeds" in captured.err
    assert "warning: lora lr=1e-3 already ran on seed(s) 0,1" in captured.err
    assert main(["sweep", *flags, "--seeds", "fresh:2", "--print-commands", "--sessions-dir", str(tmp_path)]) == 0
    captured = capsys.readouterr()
    assert "warning" not in captured.err
    seeds = sorted({int(line.split("--seed ")[1].split()[0]) for line in captured.out.splitlines()})
    assert seeds == [2, 3], captured.out
    assert main(["sweep", *flags, "--seeds", "fresh:0", "--print-commands", "--sessions-dir", str(tmp_path)]) == 2
    assert "--seeds 'fresh:0': give fresh:N with N a whole number from 1 to 100" in capsys.readouterr().err


async def test_g_marks_a_collapsed_run_in_its_grid_row_and_names_it_under_the_verdict(tmp_path):
    from textual.widgets import DataTable

    from sst2_tui.tui.app import SST2App
    from sst2_tui.tui.screens.sweep import SweepScreen
    from tests.fake_engine import FakeEngine
    from tests.test_app import FIXED_DEVICE, wait_for
    from tests.thread_launcher import ThreadLauncher

    sweep = planned_sweep(tmp_path / "sessions", confirm_seeds=0)
    rng = np.random.default_rng(0)
    for config in sweep.file.grid:
        collapsed = config.method == "full" and config.sweep.seed == 1
        record_run(sweep.session, config, [_every_positive()] if collapsed else [accurate(rng, 0.8, 0.8)])
    _with_labels(sweep.session)
    app = SST2App(tmp_path / "sessions", launcher=ThreadLauncher(FakeEngine()), queue=[], device_probe=lambda: FIXED_DEVICE,
                  watch=sweep.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("g")
        await wait_for(pilot, lambda: isinstance(app.screen, SweepScreen))
        grid = app.screen.query_one("#sweep-grid", DataTable)
        await wait_for(pilot, lambda: grid.row_count >= 3 and any(
            "1 collapsed" in str(grid.get_row_at(i)[2]) for i in range(grid.row_count)))
        [row] = [[str(c) for c in grid.get_row_at(i)] for i in range(grid.row_count) if "collapsed" in str(grid.get_row_at(i)[2])]
        assert row[:3] == ["full", "default", "done, 1 collapsed"]
        said = str(app.screen.query_one("#sweep-verdict").render())
        assert "predicts positive for every sentence: lr too high?" in said
