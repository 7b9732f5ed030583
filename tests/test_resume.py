"""Resume after kill -9: the same steps and the same final accuracy as the uninterrupted run."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from sst2_tui.core.storage.files import read_events
from tests.cli import kill_after_steps, run_cli, start_cli
from tests.helpers import unfinish

ARGS = ["--model", "demo", "--data", "demo", "--method", "full", "--epochs", "1.5", "--save-every", "10", "--seed", "7",
        "--quiet"]


def cli(*args: str, sessions: Path) -> subprocess.CompletedProcess:
    return run_cli("run", *args, "--sessions-dir", str(sessions))


def last_json(out: str) -> dict:
    return json.loads(out.strip().splitlines()[-1])


def test_kill_9_then_resume_matches_the_uninterrupted_run(tmp_path):
    reference = last_json(cli(*ARGS, "--session", "whole", sessions=tmp_path).stdout)

    process = start_cli("run", *ARGS, "--session", "killed", "--sessions-dir", str(tmp_path),
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    events = tmp_path / "killed" / "runs" / "01-full" / "events.jsonl"
    kill_after_steps(process, lambda: events.parent, 25)
    log = read_events(events)
    assert log.bad_lines <= 1, "every line but possibly the last parses"
    killed_at = max(e.step for e in log.events if e.type == "step")
    assert 25 <= killed_at < reference["steps"]
    assert not (events.parent / "summary.json").exists() or \
        json.loads((events.parent / "summary.json").read_text()).get("status") != "finished"

    resumed = cli("--resume", str(events.parent), sessions=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    result = last_json(resumed.stdout)
    assert result["steps"] == reference["steps"]
    assert result["final_val_accuracy"] == reference["final_val_accuracy"]
    assert result["run_dir"] == str(events.parent)
    resumed_from = [e for e in read_events(events).events if e.type == "warning" and e.code == "resumed"]
    assert len(resumed_from) == 1
    resumed_at = int(resumed_from[0].message.rsplit(" ", 1)[-1])
    assert resumed_at % 10 == 0 and 10 <= resumed_at <= killed_at, "from a checkpoint written before the kill"


def test_damaged_and_partial_checkpoints_are_skipped(tmp_path):
    first = cli("--model", "demo", "--data", "demo", "--epochs", "0.3", "--save-every", "10", "--quiet", "--session", "d",
                sessions=tmp_path)
    assert first.returncode == 0
    run_dir = tmp_path / "d" / "runs" / "01-full"
    unfinish(run_dir)  # killed after its last checkpoint (a finished run is not resumed)
    checkpoints = sorted((run_dir / "checkpoints").iterdir())
    newest = checkpoints[-1]
    model = newest / "model.safetensors"
    model.write_bytes(model.read_bytes()[:100])  # truncated
    (run_dir / "checkpoints" / "step-0009999.tmp").mkdir()  # a write cut short by kill -9
    resumed = cli("--resume", str(run_dir), sessions=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    assert "model.safetensors: checksum mismatch" in resumed.stderr and str(newest.name) in resumed.stderr
    assert not (run_dir / "checkpoints" / "step-0009999.tmp").exists()


def test_resume_without_checkpoints_is_a_one_line_error(tmp_path):
    (tmp_path / "s" / "runs" / "01-full").mkdir(parents=True)
    (tmp_path / "s" / "runs" / "01-full" / "config.json").write_text('{"method": "full", "model": "demo", "data": "demo"}')
    result = cli("--resume", str(tmp_path / "s" / "runs" / "01-full"), sessions=tmp_path)
    assert result.returncode == 2 and "no complete checkpoint" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.slow  # two whole trainer runs
@pytest.mark.extended  # the Trainer's kill -9 + resume: test_kill_9_at_another_step_then_resume_matches_for[trainer-27]
def test_trainer_resume_matches_the_uninterrupted_run_across_an_epoch_boundary(tmp_path):
    """Through Trainer's own resume hooks, fed from our safetensors checkpoint: stopped at step 96
    (in the second epoch, 94 steps each), then resumed, it ends where the uninterrupted run ends."""
    from sst2_tui.core.config import RunConfig
    from sst2_tui.core.run.runner import execute
    from sst2_tui.core.storage.sessions import Session
    from tests.helpers import run_interrupted_at

    config = RunConfig(model="demo", data="demo", method="trainer", epochs=1.1, save_every=48, seed=3)
    whole = execute(config, Session.create(tmp_path, "whole"))
    cut, plan = run_interrupted_at(config, tmp_path, step=96)
    assert cut.summary.status == "interrupted" and cut.summary.steps == 96
    seen: list[str] = []
    resumed = execute(plan.config, plan.session, resume=plan.folder, on_event=lambda e: seen.append(getattr(e, "message", "")))
    assert any(m.endswith("at step 96") for m in seen) and not any("skipped damaged" in m for m in seen)
    assert resumed.exit_code == 0
    assert resumed.summary.steps == whole.summary.steps == 104
    assert resumed.summary.final_val_accuracy == whole.summary.final_val_accuracy


@pytest.mark.parametrize(("method", "kill_after"), [pytest.param("lora", 13, marks=pytest.mark.extended), ("trainer", 27)])
def test_kill_9_at_another_step_then_resume_matches_for(tmp_path, method, kill_after):
    args = ["--model", "demo", "--data", "demo", "--method", method, "--epochs", "0.4", "--save-every", "5", "--seed", "11",
            "--quiet"]
    reference = last_json(cli(*args, "--session", "whole", sessions=tmp_path).stdout)
    process = start_cli("run", *args, "--session", "killed", "--sessions-dir", str(tmp_path),
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    events = tmp_path / "killed" / "runs" / f"01-{method}" / "events.jsonl"
    kill_after_steps(process, lambda: events.parent, kill_after)  # asserts it died by the kill, not finished
    log = read_events(events)
    assert log.bad_lines == 0 or (log.bad_lines == 1 and log.torn_tail)

    resumed = cli("--resume", str(events.parent), sessions=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    result = last_json(resumed.stdout)
    assert (result["steps"], result["final_val_accuracy"]) == (reference["steps"], reference["final_val_accuracy"])


def test_grad_scaler_state_survives_a_checkpoint(tmp_path):
    import torch

    from sst2_tui.core.methods.restore import restore_scaler
    from sst2_tui.core.storage.files import atomic_write_json

    scaler = torch.amp.GradScaler("cpu", init_scale=2.0**16)
    scaler.scale(torch.ones(()))  # the scale tensor is created lazily
    scaler.update(new_scale=512.0)
    atomic_write_json(tmp_path / "state.json", {"step": 7, "grad_scaler": scaler.state_dict()})
    fresh = torch.amp.GradScaler("cpu", init_scale=2.0**16)
    restore_scaler(tmp_path, fresh)
    assert fresh.get_scale() == 512.0


def test_a_killed_glue_run_resumed_keeps_its_best_matthews_correlation(tmp_path):
    """#48: the task's own metric at the best step is kept in each checkpoint (a resumed run's
    summary had it only from its next new best, or not at all)."""
    import random

    folder = tmp_path / "CoLA"
    folder.mkdir()
    rng = random.Random(3)
    for name, size in (("train.tsv", 240), ("dev.tsv", 40)):  # CoLA's own layout: no header row
        rows = []
        for i in range(size):
            good = rng.random() < 0.6
            rows.append(f"gj0{i}\t{int(good)}\t{'' if good else '*'}\tthey {'drank' if good else 'drank drank'} the pub {i} .")
        (folder / name).write_text("\n".join(rows) + "\n")
    args = ["--model", "demo", "--data", str(folder), "--epochs", "1", "--batch-size", "8", "--lr", "3e-3",
            "--eval-every", "5", "--save-every", "5", "--seed", "5", "--quiet"]
    reference = last_json(cli(*args, "--session", "whole", sessions=tmp_path).stdout)
    assert reference["metric_name"] == "matthews_correlation" and reference["best_val_metric"] is not None
    process = start_cli("run", *args, "--session", "killed", "--sessions-dir", str(tmp_path),
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    events = tmp_path / "killed" / "runs" / "01-full" / "events.jsonl"
    kill_after_steps(process, lambda: events.parent, 22)
    resumed = cli("--resume", str(events.parent), sessions=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    result = last_json(resumed.stdout)
    assert (result["steps"], result["best_val_accuracy"]) == (reference["steps"], reference["best_val_accuracy"])
    assert result["best_val_metric"] == reference["best_val_metric"], "the metric at the best step, kept across the kill"


def test_a_checkpoints_task_metric_is_range_checked_like_every_field():
    from sst2_tui.core.records import RecordError
    from sst2_tui.core.storage.checkpoint_state import CheckpointState

    for name in ("f1", "matthews_correlation"):
        assert CheckpointState(step=3, metric_name=name, best_metric=-0.5).metric_name == name
    with pytest.raises(RecordError, match="best_metric is 1.5, not a value from -1 to 1"):
        CheckpointState(step=3, metric_name="f1", best_metric=1.5)
    with pytest.raises(RecordError, match="metric_name is .*not a metric's name"):
        CheckpointState(step=3, metric_name="F 1!")
