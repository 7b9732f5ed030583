"""Resume may never harm a run: a refused resume touches nothing, a finished run keeps its result,
a run killed after its last checkpoint is closed properly, an edited config is refused."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from sst2_tui.core.config import RunConfig
from sst2_tui.core.run.runner import execute
from sst2_tui.core.storage.sessions import Session
from tests.cli import run_cli
from tests.helpers import unfinish

SMALL = RunConfig(model="demo", data="demo", train_subset=96, eval_subset=48, epochs=1, batch_size=16, save_every=2)


def cli(*args: str) -> subprocess.CompletedProcess:
    return run_cli("run", *args)


def finished_run(tmp_path: Path) -> Path:
    outcome = execute(SMALL, Session.create(tmp_path / "sessions", "s"))
    assert outcome.exit_code == 0 and outcome.summary.status == "finished"
    return Path(outcome.summary.run_dir)


def test_a_refused_resume_touches_nothing_of_a_live_run(tmp_path):
    run_dir = finished_run(tmp_path)
    unfinish(run_dir)  # as if still running
    in_progress = run_dir / "checkpoints" / "step-0000021.tmp"
    in_progress.mkdir()
    (in_progress / "model.safetensors").write_bytes(b"being written")
    with Session.open(run_dir.parent.parent).write_lock():  # the live run holds its session
        result = cli("--resume", str(run_dir))
    assert result.returncode == 2 and "being written by" in result.stderr and "Traceback" not in result.stderr
    assert (in_progress / "model.safetensors").read_bytes() == b"being written", "the live run's checkpoint survives"


def test_resuming_a_finished_run_is_refused_and_its_result_kept(tmp_path):
    run_dir = finished_run(tmp_path)
    before = (run_dir / "summary.json").read_text()
    lines_before = (run_dir / "events.jsonl").read_text()
    result = cli("--resume", str(run_dir))
    assert result.returncode == 2 and "already finished" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert (run_dir / "summary.json").read_text() == before and (run_dir / "events.jsonl").read_text() == lines_before


def test_a_run_killed_after_its_last_checkpoint_is_closed_with_its_final_accuracy(tmp_path):
    run_dir = finished_run(tmp_path)
    whole = json.loads((run_dir / "summary.json").read_text())
    unfinish(run_dir)
    (run_dir / "predictions.jsonl").unlink()
    result = cli("--resume", str(run_dir), "--quiet")
    assert result.returncode == 0, result.stderr
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["status"] == "finished" and summary["steps"] == whole["steps"]
    assert summary["final_val_accuracy"] == whole["final_val_accuracy"] is not None
    assert summary["best_val_accuracy"] == whole["best_val_accuracy"]
    assert summary["train_seconds"] >= whole["train_seconds"] * 0.99, "the earlier training time is kept"
    assert (run_dir / "predictions.jsonl").exists()


def test_an_edited_config_is_refused_naming_the_difference(tmp_path):
    run_dir = finished_run(tmp_path)
    unfinish(run_dir)
    log_before = (run_dir / "events.jsonl").read_text()
    config = json.loads((run_dir / "config.json").read_text())
    config["batch_size"] = 8
    (run_dir / "config.json").write_text(json.dumps(config))
    result = cli("--resume", str(run_dir))
    assert result.returncode == 2 and "batch_size is 8" in result.stderr and "16" in result.stderr
    assert (run_dir / "events.jsonl").read_text() == log_before and not (run_dir / "summary.json").exists()
