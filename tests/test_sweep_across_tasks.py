"""A sweep across tasks (`sweep --data A,B`, #48): each task's verdict is the verdict a sweep of that
task alone gives; one line per pair across the tasks; confirmation runs per task; the table in the
lines, the report and the trackers. Recorded runs, no training (the end-to-end run is in test_sweep)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from sst2_tui.core.report.sweep_verdict import sweep_verdict
from sst2_tui.core.stats.halves import split_halves
from sst2_tui.core.storage.sessions import Session
from sst2_tui.core.sweep.confirmation import confirmation_points
from sst2_tui.core.sweep.grid import build_grid, check_tasks, parse_listed
from sst2_tui.core.sweep.state import write_sweep_file
from sst2_tui.core.sweep.sweep import Sweep
from tests.sweep_session import record_run

SIZES = {"tickets": 80, "pairs": 50}
"""Two tasks of different sizes, each with sentence ids of its own."""
DATA = {"tickets": "data/tickets.csv", "pairs": "data/pairs.tsv"}
ACCURACY = {("tickets", "full"): 0.6, ("tickets", "lora"): 0.9, ("pairs", "full"): 0.75, ("pairs", "lora"): 0.75}
"""lora is far better on tickets; the two are alike on pairs."""


def _ids(task: str) -> list[str]:
    return [f"{task}-{i:03d}" for i in range(SIZES[task])]


def _grid(lora_lrs: str = "1e-4") -> list:
    listed = {"method": parse_listed("--method", ["full,lora"]), "model": parse_listed("--model", ["demo"]),
              "data": parse_listed("--data", [",".join(DATA.values())]), "lr": parse_listed("--lr", [f"lora={lora_lrs}"])}
    points = build_grid(listed, [0, 1, 2])
    check_tasks(points)
    return points


def _correct(rng: np.random.Generator, task: str, accuracy: float, base: np.ndarray) -> np.ndarray:
    """Sentences of varying difficulty shared by the methods (`base`), and a seed's own luck."""
    flip = rng.random(SIZES[task]) < 0.08
    return np.where(flip, ~base, base) if accuracy == 0.75 else rng.random(SIZES[task]) < accuracy


def _record(session: Session, points: list, rng: np.random.Generator) -> None:
    base = {task: rng.random(size) < 0.75 for task, size in SIZES.items()}
    for config in points:
        task = config.sweep.task
        correct = _correct(rng, task, ACCURACY[(task, config.method)], base[task])
        record_run(session, config, [correct], ids=_ids(task))


@pytest.fixture
def across(tmp_path) -> Session:
    session = Session.create(tmp_path, "across", label="sweep")
    points = _grid()
    write_sweep_file(session.path, points, 1)
    _record(session, points, np.random.default_rng(3))
    return session


def test_the_grid_labels_each_point_with_its_task_and_keeps_the_data_out_of_the_setting():
    points = _grid("1e-4,3e-4")
    assert [p.sweep.task for p in points] == ["tickets"] * 3 + ["pairs"] * 3 + ["tickets"] * 6 + ["pairs"] * 6
    assert {(p.sweep.task, p.data) for p in points} == {("tickets", DATA["tickets"]), ("pairs", DATA["pairs"])}
    assert {p.sweep.setting for p in points if p.method == "lora"} == {"lr=1e-4", "lr=3e-4"}
    assert points[0].sweep.words() == "tickets, seed 0"


def test_each_task_is_judged_as_a_sweep_of_it_alone_and_one_line_goes_across(across, tmp_path):
    verdict = sweep_verdict(across)
    assert [part.task for part in verdict.tasks] == ["tickets", "pairs"] and verdict.final
    assert verdict.runs == verdict.runs_finished == 12 and verdict.problem is None
    for part in verdict.tasks:
        alone = Session.create(tmp_path, f"alone-{part.task}", label="sweep")
        points = [p for p in _grid() if p.sweep.task == part.task]
        write_sweep_file(alone.path, points, 1)
        for folder in [f for f in across.run_folders() if _task_of(f) == part.task]:
            copy = alone.runs_dir / folder.path.name
            copy.mkdir(parents=True)
            for file in folder.path.iterdir():
                (copy / file.name).write_bytes(file.read_bytes())
        own = sweep_verdict(alone)
        assert not own.tasks, "a sweep of one task has no parts"
        assert [(p.a, p.b, p.points, p.low, p.high, p.decision) for p in own.pairs] == [
            (p.a, p.b, p.points, p.low, p.high, p.decision) for p in part.verdict.pairs]
        assert part.verdict.judging_sentences == SIZES[part.task] - SIZES[part.task] // 2
    tickets, pairs = (part.verdict.pairs[0] for part in verdict.tasks)
    assert (tickets.a, tickets.b) == ("full", "lora") and tickets.decision == "b better"
    assert pairs.low < 5 and pairs.high > -5, "alike on pairs: the interval is near zero"
    [line] = verdict.across
    assert line.tasks == ("tickets", "pairs") and line.points == pytest.approx((tickets.points + pairs.points) / 2)
    assert line.low < line.points < line.high and "across 2 tasks: lora is better on 1 of 2 tasks, full on none; " in line.sentence()


def _task_of(folder) -> str:
    return json.loads(folder.config_path.read_text())["sweep"]["task"]


def test_the_lines_lead_with_the_task_by_method_table_then_each_task(across):
    verdict = sweep_verdict(across)
    lines = verdict.lines()
    assert lines[0] == "Sweep: 12 of 12 runs finished"
    table = lines[lines.index(next(line for line in lines if line.startswith("Judged accuracy % per task"))):][:5]
    assert table[1].split() == ["tickets", "pairs", "mean"]
    assert table[2].split()[0] == "full" and table[3].split()[0] == "lora" and table[4].startswith("  full − lora")
    assert "lora better" in table[4]
    assert any(line.startswith("Verdict across 2 tasks: ") for line in lines)
    starts = [i for i, line in enumerate(lines) if line.startswith("Task ")]
    assert [lines[i] for i in starts] == ["Task tickets (data/tickets.csv):", "Task pairs (data/pairs.tsv):"]
    assert lines[starts[0] + 1].startswith("  Verdict: lora is better than full")
    assert all(len(line) <= 200 for line in table)
    closing = verdict.closing_lines()
    assert closing[-1].startswith("Verdict across 2 tasks: ") and any(c.startswith("tickets: Verdict: ") for c in closing)
    saved = json.loads(json.dumps(verdict.to_dict()))
    assert [t["task"] for t in saved["tasks"]] == ["tickets", "pairs"] and saved["across"][0]["decision"] in (
        "a better", "b better", "not resolved")


def test_a_task_still_running_leaves_its_answer_so_far_and_no_mean_until_judged(tmp_path):
    session = Session.create(tmp_path, "part", label="sweep")
    points = _grid()
    write_sweep_file(session.path, points, 1)
    _record(session, [p for p in points if p.sweep.task == "tickets"], np.random.default_rng(4))
    verdict = sweep_verdict(session)
    tickets, pairs = (part.verdict for part in verdict.tasks)
    assert tickets.final and tickets.pairs and not pairs.final and pairs.problem == "no point has finished yet"
    assert not verdict.final and verdict.across == [], "no mean over tasks while one has no answer"
    assert verdict.answer_word() == "So far (6 of 12 runs; 6 to come)"


def test_confirmation_runs_come_per_task_for_each_task_s_chosen_setting(tmp_path):
    points = _grid("1e-4,3e-4")
    session = Session.create(tmp_path, "confirm", label="sweep")
    write_sweep_file(session.path, points, 1, confirm_seeds=2)
    sweep = Sweep.open(session.path)
    assert sweep.file.planned_runs() == (18 + 2 * 2, True), "2 fresh seeds of lora's choice on each task"
    rng = np.random.default_rng(5)
    tuning = {task: split_halves(size)[0] for task, size in SIZES.items()}
    for config in points:  # lr=3e-4 wins the tuning half on tickets, lr=1e-4 on pairs
        task = config.sweep.task
        good = config.sweep.setting == ("lr=3e-4" if task == "tickets" else "lr=1e-4") and config.method == "lora"
        correct = rng.random(SIZES[task]) < 0.6
        correct[tuning[task]] = rng.random(len(tuning[task])) < (0.95 if good else 0.55)
        record_run(session, config, [correct], ids=_ids(task))
    added = confirmation_points(sweep.file, sweep_verdict(session))
    assert [(c.sweep.task, c.method, c.sweep.setting, c.data, c.sweep.confirmation) for c in added] == [
        ("tickets", "lora", "lr=3e-4", DATA["tickets"], True)] * 2 + [("pairs", "lora", "lr=1e-4", DATA["pairs"], True)] * 2
    assert len({c.sweep.point for c in added}) == 4 and len({c.seed for c in added}) == 2


def test_the_report_opens_with_the_task_table_and_gives_each_task_its_verdict(across):
    from sst2_tui.core.report.files import write_report

    written = write_report(across.path, ("md", "html"))
    markdown = (across.path / "report.md").read_text()
    assert "## Sweep across 2 tasks: which method is better" in markdown
    table = markdown[markdown.index("| method, or pair \\(a − b\\) | tickets | pairs | mean |"):]
    assert table.splitlines()[4].startswith("| full − lora | \\-34.2 \\(\\-50.7 to \\-18.4\\) lora better |")
    assert "Verdict: across 2 tasks: lora is better on 1 of 2 tasks" in markdown
    assert markdown.index("## Task tickets (data/tickets.csv)") < markdown.index("## Task pairs (data/pairs.tsv)")
    assert written.verdict is not None and len(written.verdict.tasks) == 2


def test_the_trackers_get_each_task_s_numbers_and_the_mean_across_as_metrics(across):
    from sst2_tui.core.trackers.session_export import verdict_metrics

    verdict = sweep_verdict(across)
    metrics = verdict_metrics(verdict)
    tickets = verdict.tasks[0].verdict.pairs[0]
    assert metrics["verdict/tickets/full_minus_lora"] == tickets.points
    assert metrics["verdict/pairs/full_minus_lora_high"] == verdict.tasks[1].verdict.pairs[0].high
    assert (metrics["verdict/across/full_minus_lora_low"], metrics["verdict/across/full_minus_lora"]) == (
        verdict.across[0].low, verdict.across[0].points)
    assert len(metrics) == 9 and not any(name.startswith("verdict/full") for name in metrics)


async def test_g_shows_a_task_column_and_the_table_across_tasks_at_80x24(across):
    from textual.widgets import DataTable

    from sst2_tui.tui.app import SST2App
    from sst2_tui.tui.screens.sweep import SweepScreen
    from tests.fake_engine import FakeEngine
    from tests.screen_text import screen_lines
    from tests.test_app import FIXED_DEVICE, wait_for
    from tests.thread_launcher import ThreadLauncher

    app = SST2App(across.path.parent, launcher=ThreadLauncher(FakeEngine()), queue=[], device_probe=lambda: FIXED_DEVICE,
                  watch=across.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("g")
        await wait_for(pilot, lambda: isinstance(app.screen, SweepScreen))
        grid = app.screen.query_one("#sweep-grid", DataTable)
        await wait_for(pilot, lambda: grid.row_count == 4)
        assert [str(c) for c in grid.get_row_at(0)] == ["tickets", "full", "default", "done", "3/3", "60.4"]
        assert [str(grid.get_row_at(i)[0]) for i in range(4)] == ["tickets", "pairs", "tickets", "pairs"]
        verdict = app.screen.query_one("#sweep-verdict")
        await wait_for(pilot, lambda: "Judged accuracy % per task" in str(verdict.render()))
        said = str(verdict.render()).splitlines()
        assert said[0].startswith("Judged accuracy % per task") and said[1].split() == ["tickets", "pairs", "mean"]
        assert said[5].startswith("Verdict across 2 tasks: lora is better on 1 of 2 tasks")
        shown = "\n".join(screen_lines(app))
        assert "tickets" in shown and "Judged accuracy" in shown


@pytest.mark.slow
def test_a_demo_sweep_over_two_generated_tasks_ends_with_a_verdict_for_each_and_one_across(tmp_path):
    """End to end on this CPU: three named classes and a pair task, full and lora, two seeds each."""
    from tests.cli import run_cli
    from tests.test_tasks import pair_file, three_class_file

    colours, pairs = three_class_file(tmp_path / "colours.csv", 300), pair_file(tmp_path / "pairs.csv", 300)
    line = ["sweep", "--model", "demo", "--data", f"{colours},{pairs}", "--method", "full,lora", "--lr", "3e-3",
            "--seeds", "0,1", "--epochs", "1", "--batch-size", "24", "--parallel", "2", "--sessions-dir", str(tmp_path / "s"),
            "--session", "tasks"]
    refused = run_cli(*[a for a in line if a not in ("--seeds", "0,1")], "--until-resolved", timeout=60)
    assert refused.returncode == 2 and refused.stderr.strip().endswith("drop --until-resolved, or sweep one task")
    done = run_cli(*line, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith("sst2-tui sweep: 8 runs (2 tasks (colours, pairs) x 2 settings of full, lora x 2 seed(s))")
    assert "sst2-tui sweep: a sweep across 2 tasks: each task gets a verdict of its own" in done.stdout
    said = done.stdout[done.stdout.index("Sweep: 8 of 8 runs finished"):].splitlines()
    assert said[1].startswith("Judged accuracy % per task") and said[2].split() == ["colours", "pairs", "mean"]
    assert any(line.startswith("Verdict across 2 tasks: ") for line in said)
    assert [line.split(" (")[0] for line in said if line.startswith("Task ")] == ["Task colours", "Task pairs"]
    for task in ("colours", "pairs"):
        start = said.index(next(line for line in said if line.startswith(f"Task {task} (")))
        assert said[start + 1].startswith(("  Verdict: ", "  No verdict")), said[start + 1]
    assert run_cli("report", str(tmp_path / "s" / "tasks"), "--format", "all").returncode == 0
    report = (tmp_path / "s" / "tasks" / "report.md").read_text()
    assert "## Sweep across 2 tasks: which method is better" in report and "## Task pairs (" in report
    data = json.loads((tmp_path / "s" / "tasks" / "session.json").read_text())
    assert [t["task"] for t in data["sweep"]["tasks"]] == ["colours", "pairs"] and len(data["sweep"]["across"]) == 1


def test_a_collapsed_run_is_named_by_the_class_its_own_task_names(tmp_path):
    """A run of a task whose classes are blue, green, red that answers green for every sentence is said
    to predict green (SST-2's `positive`, or `LABEL_1`, was said before)."""
    session = Session.create(tmp_path, "named", label="sweep")
    points = _grid()
    write_sweep_file(session.path, points, 1)
    rng = np.random.default_rng(6)
    labels = {task: [i % 3 for i in range(size)] for task, size in SIZES.items()}
    for config in points:
        task = config.sweep.task
        collapsed = config.method == "full" and config.seed == 0
        correct = np.asarray(labels[task]) == 1 if collapsed else rng.random(SIZES[task]) < 0.8
        record_run(session, config, [correct], ids=_ids(task), labels=labels[task], label_names=["blue", "green", "red"])
    verdict = sweep_verdict(session)
    said = [line for part in verdict.tasks for line in part.verdict.collapsed_lines()]
    assert len(said) == 2 and all("predicts green for every sentence" in line for line in said), said


def test_plan_from_a_sweep_across_tasks_is_refused_in_one_line(across):
    from sst2_tui.core.errors import UserError
    from sst2_tui.core.report.spread import measured_spread

    with pytest.raises(UserError, match=r"^--plan-from .*: a sweep across 2 tasks \(pairs, tickets\); plan from a sweep of"):
        measured_spread(across.path)
