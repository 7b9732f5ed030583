"""#37 on recorded runs (no training): the rounds a sweep that stops itself decides, the decisions it
keeps, that a round is never decided twice (a scheduler killed between writing its decisions and
queueing the round), and its stops: answered, or at the budget."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from sst2_tui.core.errors import UserError
from sst2_tui.core.report.sweep_verdict import sweep_verdict
from sst2_tui.core.storage.decisions_file import FILE, read_decisions
from sst2_tui.core.storage.sessions import Session, load_run
from sst2_tui.core.storage.sweep_file import UntilResolved, read_sweep_file
from sst2_tui.core.sweep import adaptive
from sst2_tui.core.sweep.adaptive import first_round, next_round
from sst2_tui.core.sweep.grid import build_grid, parse_listed
from sst2_tui.core.sweep.state import runs_by_point, write_sweep_file
from sst2_tui.core.sweep.sweep import Sweep
from tests.sweep_session import accurate, record_run


def _sweep(tmp_path, max_runs: int = 40) -> Sweep:
    grid = build_grid({"method": parse_listed("--method", ["full,lora"]), "lr": parse_listed("--lr", ["lora=1e-4,3e-4,1e-3"]),
                       "model": parse_listed("--model", ["demo"]), "data": parse_listed("--data", ["demo"])}, [0])
    session = Session.create(tmp_path, "ur", label="sweep")
    write_sweep_file(session.path, first_round(grid), 1, until_resolved=UntilResolved(max_runs=max_runs))
    return Sweep.open(session.path)


def _train_what_is_new(sweep: Sweep, rng: np.random.Generator, full: float = 0.9, lora: float = 0.5) -> None:
    """A run for every point without one: of lora's settings lr=3e-4 best, lr=1e-3 worst."""
    have = runs_by_point(sweep.session)
    for config in read_sweep_file(sweep.path).points:
        label = config.sweep
        if label.point in have:
            continue
        level = full if label.method == "full" else lora + {"lr=3e-4": 0.35, "lr=1e-4": 0.1}.get(label.setting, 0.0)
        record_run(sweep.session, config, [accurate(rng, level, level)])


def test_round_1_races_one_seed_of_each_setting_and_judges_a_method_of_one_setting_from_the_start(tmp_path):
    sweep = _sweep(tmp_path)
    labels = [p.sweep for p in sweep.file.points]
    assert [(b.method, b.setting, b.seed, b.round) for b in labels] == [
        *(("full", "default", seed, 1) for seed in range(5)),  # its first look needs 5 seeds of each
        ("lora", "lr=1e-4", 0, 1), ("lora", "lr=3e-4", 0, 1), ("lora", "lr=1e-3", 0, 1)]


def test_each_round_is_decided_once_from_the_finished_runs_and_every_decision_is_kept(tmp_path):
    sweep, rng = _sweep(tmp_path), np.random.default_rng(0)
    assert sweep.add_next() == [], "nothing has run"
    _train_what_is_new(sweep, rng)
    added = sweep.add_next()
    decisions, problem = read_decisions(sweep.path)
    assert problem is None
    kinds = [(d.round, d.kind, d.method, d.setting) for d in decisions]
    assert (1, "chosen", "full", "default") in kinds
    dropped = [d for d in decisions if d.kind == "dropped"]
    assert [d.setting for d in dropped] == ["lr=1e-3"] and dropped[0].text.startswith("dropped after round 1: ")
    assert "points below lr=3e-4 on the tuning half" in dropped[0].text and dropped[0].numbers["best_tuning_points"] > 0
    assert [(p.sweep.method, p.sweep.setting, p.sweep.round, p.sweep.confirmation) for p in added] == [
        ("full", "default", 2, False), ("full", "default", 2, False),
        ("lora", "lr=1e-4", 2, False), ("lora", "lr=3e-4", 2, False)], "two settings of lora race on; full adds 2 seeds"
    assert sweep.add_next() == [], "its points have not run: nothing is decided"
    # a scheduler killed after writing round 1's decisions, before queueing its round: the same round again
    before = json.loads((sweep.path / "sweep.json").read_text())
    before["points"] = before["points"][:8]
    (sweep.path / "sweep.json").write_text(json.dumps(before))
    again = Sweep.open(sweep.path).add_next()
    assert [p.sweep for p in again] == [p.sweep for p in added]
    assert len(read_decisions(sweep.path)[0]) == len(decisions), "round 1 is not decided twice"


def test_a_clear_gap_stops_the_sweep_with_its_answer_and_why(tmp_path):
    sweep, rng = _sweep(tmp_path), np.random.default_rng(1)
    for _ in range(12):
        _train_what_is_new(sweep, rng, full=0.95, lora=0.45)
        if not sweep.add_next():
            break
    decisions = read_decisions(sweep.path)[0]
    [stopped] = [d for d in decisions if d.kind == "end"]
    assert stopped.answer == "resolved" and "every pair is answered" in stopped.text
    [look] = [d for d in decisions if d.kind == "look" and d.answer != "going on"]
    assert look.answer == "a better" and look.pair == "full − lora" and look.numbers["family_level"] == 0.999
    assert len(read_sweep_file(sweep.path).points) < 40
    verdict = sweep_verdict(sweep.session)
    assert any(line.startswith("Stopped: stopped after round") for line in verdict.lines())
    assert verdict.pairs[0].decision == "a better" and verdict.pairs[0].level == pytest.approx(0.999)
    assert [c.setting for c in verdict.chosen] == ["default", "lr=3e-4"], "the setting the race chose"


def test_at_the_budget_it_stops_and_says_which(tmp_path):
    sweep, rng = _sweep(tmp_path, max_runs=12), np.random.default_rng(2)
    for _ in range(12):
        _train_what_is_new(sweep, rng, full=0.7, lora=0.55)
        if not sweep.add_next():
            break
    decisions = read_decisions(sweep.path)[0]
    [stopped] = [d for d in decisions if d.kind == "end"]
    assert stopped.answer == "budget" and len(read_sweep_file(sweep.path).points) <= 12
    assert Sweep.open(sweep.path).add_next() == [], "a stopped sweep adds nothing, however often it is asked"


def test_a_damaged_decisions_file_is_one_line_and_decides_nothing(tmp_path):
    sweep, rng = _sweep(tmp_path), np.random.default_rng(3)
    _train_what_is_new(sweep, rng)
    (sweep.path / FILE).write_text('{"round": 1, "kind": "vanished", "text": "?"}\n')
    with pytest.raises(UserError, match=rf"{FILE} line 1: kind 'vanished' is not one of"):
        next_round(read_sweep_file(sweep.path), sweep.session)


@pytest.mark.parametrize(("flags", "says"), [
    (["--max-runs", "10"], "--max-runs goes with --until-resolved"),
    (["--until-resolved", "--seeds", "0,1"], "--until-resolved adds seeds itself, in rounds; drop --seeds"),
    (["--until-resolved", "--confirm-seeds", "2"], "drop --confirm-seeds"),
    (["--until-resolved", "--max-runs", "1"], "--max-runs '1': give a whole number from 2"),
    (["--until-resolved", "--max-hours", "soon"], "--max-hours 'soon': give device-hours from 0.01"),
    (["--until-resolved", "--print-commands"], "no fixed list of commands to print"),
    # #46: a round 1 of 7 runs (5 seeds of full, a seed of each of lora's settings) queued past --max-runs 4
    (["--until-resolved", "--max-runs", "4", "--lr", "lora=1e-4,3e-4"], "--max-runs 4: round 1 alone is 7 runs"),
])
def test_until_resolved_flags_that_make_no_sense_are_one_line_before_anything_is_created(tmp_path, capsys, flags, says):
    from sst2_tui.cli.main import main

    code = main(["sweep", "--model", "demo", "--data", "demo", "--method", "full,lora", *flags, "--sessions-dir", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and says in err and len(err.strip().splitlines()) == 1, err
    assert not list(tmp_path.iterdir()), "nothing created"


async def test_g_says_why_a_setting_was_dropped_and_the_report_keeps_every_decision(tmp_path):
    from textual.widgets import DataTable

    from sst2_tui.core.report.files import write_report
    from sst2_tui.tui.app import SST2App
    from sst2_tui.tui.screens.sweep import SweepScreen
    from tests.fake_engine import FakeEngine
    from tests.test_app import FIXED_DEVICE, wait_for
    from tests.thread_launcher import ThreadLauncher

    sweep, rng = _sweep(tmp_path / "sessions"), np.random.default_rng(4)
    for _ in range(12):
        _train_what_is_new(sweep, rng, full=0.95, lora=0.45)
        if not sweep.add_next():
            break
    write_report(sweep.path, ("md",))
    report = (sweep.path / "report.md").read_text()
    assert "### Rounds and decisions (--until-resolved)" in report and "| 1 | lora | lr=1e\\-3 | dropped after round 1: " in report
    app = SST2App(tmp_path / "sessions", launcher=ThreadLauncher(FakeEngine()), queue=[], device_probe=lambda: FIXED_DEVICE,
                  watch=sweep.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("g")
        await wait_for(pilot, lambda: isinstance(app.screen, SweepScreen))
        grid = app.screen.query_one("#sweep-grid", DataTable)
        await wait_for(pilot, lambda: grid.row_count >= 4)
        rows = [[str(c) for c in grid.get_row_at(i)] for i in range(grid.row_count)]
        assert ["lora", "lr=1e-3", "dropped"] in [row[:3] for row in rows]
        verdict = app.screen.query_one("#sweep-verdict")
        await wait_for(pilot, lambda: "dropped after round 1" in str(verdict.render()))
        said = str(verdict.render())
        assert "lora lr=1e-3: dropped after round 1: " in said and "stopped after round" in said


def test_a_tie_on_the_tuning_half_is_called_a_tie_and_says_which_setting_was_kept(tmp_path):
    """#45: settings that score the same were said to be "0.0 points below" one another."""
    sweep, rng = _sweep(tmp_path), np.random.default_rng(5)
    same = accurate(rng, 0.7, 0.7)
    have = runs_by_point(sweep.session)
    for config in read_sweep_file(sweep.path).points:
        if config.sweep.point not in have:
            record_run(sweep.session, config, [same if config.method == "lora" else accurate(rng, 0.9, 0.9)])
    sweep.add_next()
    [dropped] = [d for d in read_decisions(sweep.path)[0] if d.kind == "dropped"]
    assert dropped.setting == "lr=1e-3" and dropped.text == ("dropped after round 1: tied with lr=1e-4 on the tuning half; "
                                                             "kept lr=1e-4, the first")
    for config in read_sweep_file(sweep.path).points:
        if config.sweep.point not in runs_by_point(sweep.session):
            record_run(sweep.session, config, [same if config.method == "lora" else accurate(rng, 0.9, 0.9)])
    sweep.add_next()
    [chosen] = [d for d in read_decisions(sweep.path)[0] if d.kind == "chosen" and d.method == "lora"]
    assert chosen.setting == "lr=1e-4" and "tied on the tuning half with lr=3e-4" in chosen.text
    assert chosen.text.endswith("kept lr=1e-4, the first")


def test_a_decisions_file_cut_at_any_byte_never_lets_a_resume_pass_the_budget(tmp_path, monkeypatch):
    """#46: `decisions.jsonl` cut short (as a kill or a full disk leaves it) let `sweep --resume` run a
    finished `--max-runs 6` sweep to 10 runs: the round's `look` line said "going on" and its `end`
    line was gone. Whatever is left of the file, the next round never passes the budget (or the
    damage is refused in one line)."""
    sweep, rng = _sweep(tmp_path, max_runs=12), np.random.default_rng(2)
    for _ in range(12):
        _train_what_is_new(sweep, rng, full=0.7, lora=0.55)
        if not sweep.add_next():
            break
    whole = (sweep.path / FILE).read_bytes()
    assert any(d.kind == "end" for d in read_decisions(sweep.path)[0])
    file, planned = read_sweep_file(sweep.path), len(read_sweep_file(sweep.path).points)
    loaded: dict[Path, object] = {}  # the runs do not change while the file is cut: read each once

    def load_once(folder):
        if folder.path not in loaded:
            loaded[folder.path] = load_run(folder)
        return loaded[folder.path]

    monkeypatch.setattr(adaptive, "load_run", load_once)
    for cut in range(len(whole)):
        (sweep.path / FILE).write_bytes(whole[:cut])
        try:
            added = next_round(file, sweep.session).points
        except UserError as refused:
            assert FILE in str(refused)
            continue
        assert planned + len(added) <= 12, f"cut at byte {cut} of {len(whole)}: {planned} + {len(added)} runs"
