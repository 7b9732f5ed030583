"""#29 end to end: a demo sweep on this CPU, two at once, to a verdict; and a sweep that loses a
running point and its scheduler to kill -9, then `sweep --resume`: every point finished once."""

from __future__ import annotations

import json
import os
import signal

import pytest

from sst2_tui.core.inference.evaluation_log import read_evaluations
from sst2_tui.core.report.verdict import chosen_steps
from sst2_tui.core.stats.halves import split_halves
from sst2_tui.core.storage.sessions import RunFolder, Session, load_run
from tests.cli import run_cli, wait_until

SMALL = ["--model", "demo", "--data", "demo", "--train-subset", "96", "--eval-subset", "64", "--batch-size", "16"]


def test_a_demo_sweep_two_at_once_with_confirmation_seeds_ends_with_a_verdict(tmp_path, monkeypatch):
    """End to end: a 2 x 2 x 2 grid, then each method's chosen setting on 2 fresh seeds (the default:
    as many as the grid's), judged on those; the report opens with the verdict, `report` prints it."""
    line = ["sweep", *SMALL, "--method", "full,lora", "--lr", "3e-4,1e-3", "--seeds", "0,1", "--epochs", "2",
            "--parallel", "2", "--sessions-dir", str(tmp_path), "--session", "grid", "--report-to", "tensorboard"]
    printed = run_cli(*line, "--print-commands", timeout=60)
    assert printed.returncode == 0 and len(printed.stdout.splitlines()) == 8
    assert all(command.startswith("sst2-tui run ") for command in printed.stdout.splitlines())
    assert not (tmp_path / "grid").exists(), "--print-commands starts nothing"
    done = run_cli(*line, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith("sst2-tui sweep: 8 runs (4 settings of full, lora x 2 seed(s)), 2 at once")
    assert "then full, lora train(s) the setting chosen on the tuning half again on 2 fresh seed(s) (4 more runs)" in done.stdout
    assert "Verdict: " in done.stdout and "%  (lr=" in done.stdout
    assert "of 2 settings, chosen on" in done.stdout and "; 2 confirmation run(s))" in done.stdout
    assert "selection optimism" not in done.stdout
    sweep = json.loads((tmp_path / "grid" / "sweep.json").read_text())
    confirmations = [p["sweep"] for p in sweep["points"] if p["sweep"].get("confirmation")]
    assert sorted((c["method"], c["seed"]) for c in confirmations) == [("full", 2), ("full", 3), ("lora", 2), ("lora", 3)]
    chosen = {line.split(":")[0].strip(): line.split("(")[1].split(" of ")[0].strip()  # `  full: 83.0%  (lr=3e-4 of 2 ...`
              for line in done.stdout.splitlines() if " of 2 settings" in line}
    assert {c["method"]: c["setting"] for c in confirmations} == chosen, "the confirmation runs train the chosen setting"
    listed = json.loads(run_cli("sessions", "--sessions-dir", str(tmp_path), "--json").stdout)
    [session] = listed
    assert [run["status"] for run in session["runs"]] == ["finished"] * 12
    for folder in sorted((tmp_path / "grid" / "runs").iterdir()):  # each point's export: its step chosen on the tuning half
        log = read_evaluations(folder)
        order = sorted(log.ids)
        in_order = log.correct[:, [log.ids.index(i) for i in order]]
        chosen = log.steps[int(chosen_steps(in_order, split_halves(len(order))[0]))]
        assert json.loads((folder / "summary.json").read_text())["export_step"] == chosen, folder.name
    printed = run_cli("report", str(tmp_path / "grid"))
    assert "; 2 confirmation run(s))" in printed.stdout and "Verdict: " in printed.stdout
    events = [json.loads(x) for x in (tmp_path / "grid" / "runs" / "01-full" / "events.jsonl").read_text().splitlines()]
    assert events[0]["device"].get("threads") == 1, "two at once on two cores: one thread each"
    assert run_cli("report", str(tmp_path / "grid"), "--format", "all").returncode == 0
    report = (tmp_path / "grid" / "report.md").read_text()
    for said in ("## Sweep: which method is better", "### Each method's best setting", "measured on the other half",
                 "on the judging half (", "too few to compare methods; run at least 3 seeds of each", "### Cost",
                 "mean and ±1 std over seeds"):  # 2 confirmation seeds of each: no answer, said in plain words
        assert said in report, said
    html = (tmp_path / "grid" / "report.html").read_text()
    assert html.count('class="seed-band"') == 2 and "Sweep: which method is better" in html, "a seed band per method"
    data = json.loads((tmp_path / "grid" / "session.json").read_text())
    assert data["sweep"]["runs_finished"] == 12 and len(data["sweep"]["pairs"]) == 1
    assert [c["judged_on"] for c in data["sweep"]["chosen"]] == ["confirmation", "confirmation"]
    assert report.index("### Verdict: on the judging half") < report.index("| method | setting |"), "the verdict opens the report"
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")  # MLflow 3 keeps its file store for those who ask
    trackers_hold_the_sweep(tmp_path / "grid")


def trackers_hold_the_sweep(session_dir) -> None:
    """#38: every point reported to TensorBoard as it trained (`--report-to tensorboard`), the verdict
    when the sweep ended; `export-tracker --to mlflow` writes the finished sweep afterwards."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    runs = sorted((session_dir / "runs").iterdir())
    for folder in runs:
        board = EventAccumulator(str(folder / "tensorboard"))
        board.Reload()
        best = json.loads((folder / "summary.json").read_text())["best_val_accuracy"]
        assert max(s.value for s in board.Scalars("eval/accuracy")) == pytest.approx(best), folder.name
    verdict = EventAccumulator(str(session_dir / "tensorboard"))
    verdict.Reload()
    [text] = verdict.Tensors("verdict/text_summary")
    assert b"Verdict: " in text.tensor_proto.string_val[0]
    store = session_dir.parent / "mlruns"
    env = {**os.environ, "MLFLOW_TRACKING_URI": store.as_uri(), "MLFLOW_ALLOW_FILE_STORE": "true"}
    exported = run_cli("export-tracker", str(session_dir), "--to", "mlflow", env=env, timeout=300)
    assert exported.returncode == 0, exported.stderr[-2000:]
    assert len(exported.stdout.splitlines()) == len(runs) + 1 and "sweep-verdict" in exported.stdout
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=store.as_uri())
    experiment = client.get_experiment_by_name(session_dir.name)
    by_name = {run.info.run_name: run for run in client.search_runs([experiment.experiment_id])}
    for folder in runs:
        best = json.loads((folder / "summary.json").read_text())["best_val_accuracy"]
        assert by_name[folder.name].data.metrics["summary/best_val_accuracy"] == pytest.approx(best)
        history = client.get_metric_history(by_name[folder.name].info.run_id, "eval/accuracy")
        assert max(m.value for m in history) == pytest.approx(best), folder.name


def test_a_grid_over_500_runs_needs_yes(tmp_path):
    refused = run_cli("sweep", *SMALL, "--lr", ",".join(f"{n}e-4" for n in range(1, 10)), "--seeds",
                      ",".join(map(str, range(60))), "--sessions-dir", str(tmp_path), timeout=60)
    assert refused.returncode == 2 and "540 runs; a grid over 500 runs needs --yes" in refused.stderr
    assert not list(tmp_path.iterdir()), "nothing started"


def test_kill_9_of_a_point_and_of_the_scheduler_then_resume_finishes_every_point_once(tmp_path):
    started = run_cli("sweep", *SMALL, "--method", "full", "--lr", "3e-4,1e-3", "--seeds", "0,1", "--epochs", "30",
                      "--save-every", "4", "--parallel", "2", "--sessions-dir", str(tmp_path), "--session", "k",
                      "--detach", timeout=60)
    assert started.returncode == 0, started.stderr
    session_dir = tmp_path / "k"
    assert f"watch it with `sst2-tui attach {session_dir}`" in started.stderr, "what to type next"
    first = RunFolder(session_dir / "runs" / "01-full")

    def has_checkpoint(folder: RunFolder) -> bool:
        return folder.events_path.exists() and '"type":"checkpoint"' in folder.events_path.read_text()

    wait_until(lambda: has_checkpoint(first) and (session_dir / "runs" / "02-full").exists(), timeout=120)
    scheduler = int((session_dir / ".queue-runner.lock").read_text().split("pid ")[-1])
    os.kill(scheduler, signal.SIGKILL)
    os.kill(first.holder_pid(), signal.SIGKILL)
    wait_until(lambda: not first.is_live(), timeout=30)
    for folder in Session.open(session_dir).run_folders():  # what still trains: stopped from a shell, to save time
        if folder.is_live():
            assert run_cli("ctl", str(folder.path), "stop", timeout=60).returncode == 0
            wait_until(lambda folder=folder: not folder.is_live(), timeout=60, what="the stopped run's end")
    resumed = run_cli("sweep", "--resume", str(session_dir), timeout=600)
    assert resumed.returncode == 0, resumed.stdout[-2000:] + resumed.stderr[-2000:]
    records = [load_run(f) for f in Session.open(session_dir).run_folders()]
    points = [r.config.sweep.point for r in records]
    assert sorted(points) == ["p001", "p002", "p003", "p004"], "one folder per point: none trained twice from scratch"
    assert [r.status for r in records] == ["finished"] * 4
    killed = next(r for r in records if r.folder.path == first.path)
    assert sum(1 for e in killed.events if type(e).__name__ == "RunStarted") == 2, "it continued from its checkpoint"
    steps = [e.step for e in killed.events if type(e).__name__ == "Step"]
    assert steps[-1] == killed.summary.steps and len(set(steps)) == killed.summary.steps


def test_printed_commands_run_at_once_by_another_scheduler_share_one_session(tmp_path):
    """`--print-commands` for GNU parallel or a cluster: the lines may run at the same time into one
    session (a sweep's points share its lock), and its report has the verdict."""
    import shlex
    import subprocess

    from sst2_tui.core.run.self_command import sst2_command

    printed = run_cli("sweep", *SMALL, "--method", "full,lora", "--lr", "1e-3", "--epochs", "1", "--session", "ext",
                      "--sessions-dir", str(tmp_path), "--print-commands", timeout=60)
    lines = [shlex.split(line) for line in printed.stdout.splitlines()]
    assert len(lines) == 2 and all(line[:2] == ["sst2-tui", "run"] for line in lines)
    processes = [subprocess.Popen([*sst2_command(), *line[1:]], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for line in lines]
    results = [p.communicate(timeout=300) for p in processes]
    assert [p.returncode for p in processes] == [0, 0], [err[-500:] for _, err in results]
    assert sorted(json.loads(out.splitlines()[-1])["status"] for out, _ in results) == ["finished", "finished"]
    assert run_cli("report", str(tmp_path / "ext"), "--format", "md").returncode == 0
    assert "## Sweep: which method is better" in (tmp_path / "ext" / "report.md").read_text()


def test_a_demo_sweep_until_resolved_decides_its_rounds_through_its_queue_runner(tmp_path):
    """#37 end to end, small: round 1 races two settings of each method, round 2 trains 5 judged seeds
    of each chosen one (the first look's), and its look is the last the budget allows: the sweep stops
    there and says why."""
    done = run_cli("sweep", *SMALL, "--method", "full,lora", "--lr", "3e-4,1e-3", "--epochs", "1", "--parallel", "2",
                   "--until-resolved", "--max-runs", "14", "--sessions-dir", str(tmp_path), "--session", "ur", timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert done.stdout.startswith("sst2-tui sweep: until resolved: round 1 is 4 runs, 2 at once")
    said = done.stdout
    assert said.count(" dropped after round 1: ") == 2 and "chosen after round 1 " in said
    assert "round 2: look 1 after round 2 (the last):" in said and "Stopped: stopped after round 2" in said
    runs = [load_run(f) for f in Session.open(tmp_path / "ur").run_folders()]
    assert len(runs) == 14 and all(r.status == "finished" for r in runs)
    assert sum(1 for r in runs if r.config.sweep.confirmation) == 10, "5 judged seeds of each chosen setting"
