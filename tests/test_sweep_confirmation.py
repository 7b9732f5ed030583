"""#36 items 1-2 on a recorded sweep (no training): each run's step chosen on the tuning half from its
evaluation log; confirmation runs added once the grid has ended (only for a method given several
settings, on fresh seeds, the chosen setting, once); the verdict judges them, and says when it could not."""

from __future__ import annotations

import json

import numpy as np
import pytest

from sst2_tui.core.errors import UserError
from sst2_tui.core.report.sweep_verdict import sweep_verdict
from sst2_tui.core.storage.sessions import Session
from sst2_tui.core.storage.sweep_file import read_sweep_file
from sst2_tui.core.sweep.grid import build_grid, parse_listed
from sst2_tui.core.sweep.state import write_sweep_file
from sst2_tui.core.sweep.sweep import Sweep
from tests.sweep_session import SMALL_SENTENCES as SENTENCES
from tests.sweep_session import accurate, planned_sweep, record_run, run_grid


def test_confirmation_runs_come_once_the_grid_has_ended_for_a_method_of_several_settings_only(tmp_path):
    sweep, rng = planned_sweep(tmp_path), np.random.default_rng(0)
    assert sweep.add_confirmations() == [], "no grid point has run yet"
    run_grid(sweep, rng)
    added = sweep.add_confirmations()
    labels = [config.sweep for config in added]
    assert [(b.method, b.setting, b.seed, b.confirmation) for b in labels] == [("lora", "lr=3e-4", s, True) for s in (3, 4, 5)]
    assert [b.point for b in labels] == ["p010", "p011", "p012"] and [c.seed for c in added] == [3, 4, 5]
    assert added[0].lr == 3e-4 and added[0].method == "lora"
    assert sweep.add_confirmations() == [] and len(read_sweep_file(sweep.path).confirmations) == 3, "added once"
    assert Sweep.open(sweep.path).add_confirmations() == [], "another process asking again adds none"


def test_the_verdict_judges_the_confirmation_runs_with_each_step_chosen_on_the_tuning_half(tmp_path):
    sweep, rng = planned_sweep(tmp_path), np.random.default_rng(1)
    run_grid(sweep, rng)
    before = sweep_verdict(sweep.session)
    [full, lora] = before.chosen
    assert (full.settings, full.judged_on, full.optimistic) == (1, "grid", False)
    assert (lora.setting, lora.settings, lora.judged_on, lora.optimistic) == ("lr=3e-4", 2, "grid", True)
    assert lora.judged_accuracy == pytest.approx(0.6, abs=0.12), "the step chosen on the tuning half: the first evaluation"
    assert any("lora's numbers so far are its grid runs, which also chose its setting (a little optimistic); its "
               "confirmation runs, on fresh seeds, will be judged instead" in line for line in before.lines()), \
        "while its confirmation runs are due, the optimism is said as what is coming"
    for config in sweep.add_confirmations():
        record_run(sweep.session, config, [accurate(rng, 0.8, 0.8)])
    after = sweep_verdict(sweep.session)
    lora = after.chosen[1]
    assert (lora.judged_on, lora.n, lora.optimistic) == ("confirmation", 3, False)
    assert lora.judged_accuracy == pytest.approx(0.8, abs=0.1)
    assert not after.caveats() and "(lr=3e-4 of 2 settings, chosen on" in "\n".join(after.lines())
    assert [row.confirmation for row in after.table] == [False, False, False, True]
    assert after.cost[1].hours_all_runs == pytest.approx(9 * 36 / 3600), "the cost counts the confirmation runs"


def test_no_confirmation_seeds_say_the_optimism_and_add_nothing(tmp_path):
    sweep = planned_sweep(tmp_path, confirm_seeds=0)
    run_grid(sweep, np.random.default_rng(2))
    assert sweep.add_confirmations() == []
    assert any("selection optimism" in line for line in sweep_verdict(sweep.session).lines())


def test_a_grid_point_still_going_holds_the_confirmation_back(tmp_path):
    sweep, rng = planned_sweep(tmp_path), np.random.default_rng(3)
    for config in sweep.file.grid[:-1]:
        record_run(sweep.session, config, [accurate(rng, 0.8, 0.8)])
    assert sweep.add_confirmations() == []


def test_a_damaged_confirm_seeds_in_sweep_json_is_one_line(tmp_path):
    sweep = planned_sweep(tmp_path)
    data = json.loads((sweep.path / "sweep.json").read_text())
    (sweep.path / "sweep.json").write_text(json.dumps({**data, "confirm_seeds": "three"}))
    with pytest.raises(UserError, match="'confirm_seeds' is 'three', not a whole number from 0 to 100"):
        Sweep.open(sweep.path)


def test_on_slurm_whoever_follows_the_sweep_submits_its_confirmation_runs_once(tmp_path, monkeypatch):
    from sst2_tui.core.storage.sweep_file import SlurmOptions
    from sst2_tui.core.sweep import slurm
    from sst2_tui.core.sweep import sweep as sweep_module

    points = build_grid({"method": parse_listed("--method", ["lora"]), "lr": parse_listed("--lr", ["1e-4,3e-4"]),
                         "model": parse_listed("--model", ["demo"]), "data": parse_listed("--data", ["demo"])}, [0, 1])
    session = Session.create(tmp_path, "sw", label="sweep")
    write_sweep_file(session.path, points, 1, SlurmOptions(), confirm_seeds=2)
    sweep = Sweep.open(session.path)
    run_grid(sweep, np.random.default_rng(4))
    submitted: list[list[str]] = []
    monkeypatch.setattr(slurm, "submit", lambda path, names, options, **kw: submitted.append(names) or "77")
    monkeypatch.setattr(sweep_module, "has_work_left", lambda path: False)
    ended = list(sweep.points_as_they_end())
    assert len(ended) == 4 and submitted == [["p005", "p006"]]


def test_plan_from_a_finished_sweep_measures_how_its_runs_spread(tmp_path):
    from sst2_tui.core.report.spread import measured_spread
    from sst2_tui.core.sweep.start import planned_power

    sweep = planned_sweep(tmp_path)
    run_grid(sweep, np.random.default_rng(5))
    spread = measured_spread(sweep.path)
    assert spread.sentences == SENTENCES and spread.source == "sw"
    assert 1 < spread.seed_sd_points < 15, "60 sentences at ~70% right: a binomial spread of about 6 points, from 6 df"
    assert 0.2 < spread.disagreement < 0.6
    said = planned_power(sweep.file.grid, 3, spread)
    # the demo's 150 judging sentences (known before a run reads them), whatever the simulated runs held
    # full has one setting: its 3 runs alone cannot show how steady it is (core/stats/unequal_stability.py)
    assert said.startswith("with 3 seed(s) per method judged and 150 judging sentences it tells only large gaps apart")
    assert said.endswith("(80% power, as sw's runs spread)")
    with pytest.raises(UserError, match="--plan-from: .*no such session folder"):
        measured_spread(tmp_path / "nothere")
    empty = Session.create(tmp_path, "empty")
    with pytest.raises(UserError, match="no finished sweep point there"):
        measured_spread(empty.path)


def test_confirmation_runs_take_seeds_no_run_of_that_setting_in_the_folder_has_used(tmp_path):
    """#45: an earlier sweep in the same folder ran the chosen setting on seeds 3 and 4; the confirmation
    runs skip them (a seed that chose a setting before carries that choice's luck)."""
    from sst2_tui.core.sweep.fresh_seeds import seeds_used, setting_key

    sweep = planned_sweep(tmp_path, confirm_seeds=3)
    run_grid(sweep, np.random.default_rng(0))
    chosen_template = next(c for c in sweep.file.grid if c.method == "lora" and c.sweep.setting == "lr=3e-4")
    earlier = Session.create(tmp_path, "earlier", label="sweep")
    for seed in (3, 4):
        record_run(earlier, chosen_template.replace(seed=seed, sweep=None), [accurate(np.random.default_rng(seed), 0.9, 0.9)])
    other_lr = next(c for c in sweep.file.grid if c.method == "lora" and c.sweep.setting == "lr=1e-4")
    record_run(earlier, other_lr.replace(seed=5, sweep=None), [accurate(np.random.default_rng(5), 0.9, 0.9)])
    assert seeds_used(tmp_path, chosen_template) == {0, 1, 2, 3, 4}, "the grid's own seeds and the earlier sweep's"
    assert setting_key(chosen_template) != setting_key(other_lr)
    added = sweep.add_next()
    lora = sorted(c.seed for c in added if c.method == "lora")
    assert lora == [5, 6, 7], "3 and 4 were used by runs of lr=3e-4; 5 only by lr=1e-4"
