"""#50: tracker data that is continuous and conventional: numbers named as the Trainer names them,
no step twice after kill -9 and `--resume`, MLflow's local store out of the box, a tracker's error
said whole, `export-tracker` never doubling, a sweep's axes first in TensorBoard's HParams tab."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

from sst2_tui.cli.main import main
from sst2_tui.core.events import Step, WarningEvent
from sst2_tui.core.run.runner import execute
from sst2_tui.core.storage.sessions import Session, load_run
from sst2_tui.core.summary import Status
from sst2_tui.core.trackers.calls import EventTranslator, RunPlace
from tests.tracker_stores import HAVE, TINY, mlflow_history, mlflow_runs, own_stores, tensorboard_scalars


@pytest.fixture
def stores(tmp_path, monkeypatch):
    return own_stores(tmp_path, monkeypatch)


def test_the_numbers_are_named_as_the_trainer_s_own_tracker_callbacks_name_them(tmp_path):
    """#50: `train/learning_rate`, not `train/lr`: the names come from transformers' own `rewrite_logs`
    (what its TensorBoard, W&B and MLflow callbacks log a Trainer's numbers under)."""
    from transformers.integrations.integration_utils import rewrite_logs

    from sst2_tui.core.events import Eval, Step
    from sst2_tui.core.tracker_metrics import TRAINER_NAMES

    trainer = set(rewrite_logs({"loss": 1.0, "learning_rate": 1e-3, "epoch": 0.5, "eval_loss": 0.7, "eval_accuracy": 0.8}))
    assert trainer == set(TRAINER_NAMES)
    translator = EventTranslator(RunPlace("01-full", "s", tmp_path, "s"))
    translator.started = True  # started by hand: no run_started needed to translate numbers
    [step] = translator.calls(Step(step=5, epoch=0.5, loss=1.0, lr=1e-3, eps=1e-8, samples_per_second=1, tokens_per_second=1,
                                   memory_mb=None))
    [evaluation] = translator.calls(Eval(step=5, epoch=0.5, accuracy=0.8, loss=0.7, n=10, best_accuracy=0.8, seconds=1.0))
    assert trainer <= set(step.values) | set(evaluation.values)
    assert "train/lr" not in step.values


@pytest.mark.slow
@pytest.mark.skipif(not all(HAVE.values()), reason="the test extras (tensorboard, mlflow, trackio) are not installed")
def test_a_run_killed_and_resumed_repeats_no_step_in_any_tracker(stores):
    """#50: after kill -9 and `--resume`, TensorBoard showed steps 11-13 twice and MLflow/trackio 11-12:
    each tracker read back through its own client holds every step once, the resumed ones included."""
    import subprocess

    from tests.cli import kill_after_steps, run_cli, start_cli

    args = ["--model", "demo", "--data", "demo", "--method", "full", "--epochs", "1.5", "--save-every", "10", "--seed", "7",
            "--quiet", "--report-to", "tensorboard,mlflow,trackio", "--sessions-dir", str(stores / "sessions")]
    process = start_cli("run", *args, "--session", "killed", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    run_dir = stores / "sessions" / "killed" / "runs" / "01-full"
    kill_after_steps(process, lambda: run_dir, 25)
    killed_at = max(e.step for e in load_run(next(iter(Session.open(run_dir.parent.parent).run_folders()))).events
                    if isinstance(e, Step))
    resumed = run_cli("run", "--resume", str(run_dir), "--sessions-dir", str(stores / "sessions"), timeout=300)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    record = load_run(next(iter(Session.open(run_dir.parent.parent).run_folders())))
    total = record.summary.steps
    assert killed_at < total

    board = [step for step, _ in tensorboard_scalars(run_dir / "tensorboard", "train/loss")]
    client, [run] = mlflow_runs("killed")
    flow = [step for step, _ in mlflow_history(client, run, "train/loss")]
    # trackio fixes its folder when first imported: read in a process of its own, as the runs wrote it
    read = subprocess.run([sys.executable, "-c", "import json, trackio; print(json.dumps([r['step'] for r in "
                           "trackio.SQLiteStorage.get_logs('killed', '01-full') if 'train/loss' in r]))"],
                          capture_output=True, text=True, timeout=120)
    assert read.returncode == 0, read.stderr[-2000:]
    trackio = json.loads(read.stdout.strip().splitlines()[-1])
    for name, steps in (("tensorboard", board), ("mlflow", flow), ("trackio", trackio)):
        assert sorted(steps) == list(range(1, total + 1)), f"{name}: {len(steps)} points for {total} steps"
    notes = Path(client.download_artifacts(run.info.run_id, "sst2-tui/events.md", str(stores))).read_text()
    assert "resumed from RUN_DIR/checkpoints/step-" in notes and str(stores) not in notes, "no path of this machine"


@pytest.mark.skipif(not HAVE["mlflow"], reason="the mlflow extra is not installed")
@pytest.mark.skipif(importlib.util.find_spec("sqlalchemy") is not None, reason="full MLflow: its own default store works")
def test_mlflow_with_no_tracking_server_records_where_its_ui_reads(tmp_path, monkeypatch):
    """#50: the `[mlflow]` extra (mlflow-skinny) with no MLFLOW_TRACKING_URI: MLflow 3's default is a
    sqlite file the skinny client cannot open, so nothing was recorded; now ./mlruns, a file store."""
    from mlflow.tracking import MlflowClient

    from sst2_tui.cli.progress import mlflow_line

    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.delenv("MLFLOW_ALLOW_FILE_STORE", raising=False)
    monkeypatch.delenv("MLFLOW_EXPERIMENT_NAME", raising=False)
    monkeypatch.chdir(tmp_path)
    outcome = execute(TINY.replace(report_to="mlflow"), Session.create(tmp_path / "sessions", "plain"))
    assert outcome.summary.status == Status.FINISHED and not outcome.error
    record = load_run(next(iter(Session.open(tmp_path / "sessions" / "plain").run_folders())))
    assert not [e for e in record.events if isinstance(e, WarningEvent)], "no warning: it recorded"
    client = MlflowClient(tracking_uri=(tmp_path / "mlruns").as_uri())
    [run] = client.search_runs([client.get_experiment_by_name("plain").experiment_id])
    assert run.data.metrics["summary/best_val_accuracy"] == pytest.approx(outcome.summary.best_val_accuracy)
    assert "--backend-store-uri mlruns" in mlflow_line()


def test_a_tracker_s_error_keeps_its_remedy_at_the_end():
    from sst2_tui.core.trackers.sink import said_whole

    remedy = "See https://www.mlflow.org/docs/latest/tracking.html#storage for how to run an MLflow server."
    said = said_whole(RuntimeError("Model registry functionality is unavailable; " + "x" * 300 + " " + remedy))
    assert said.endswith(remedy) and len(said) < 1000
    assert said_whole(RuntimeError("y" * 5000)).endswith("y" * 35) and len(said_whole(RuntimeError("y" * 5000))) <= 1000


@pytest.mark.skipif(not HAVE["tensorboard"], reason="the tensorboard extra is not installed")
def test_export_tracker_never_doubles_a_run_that_reported_to_tensorboard_live(stores, capsys):
    """#50: `export-tracker --to tensorboard` into run folders that already hold the live event files
    wrote every point a second time; such a run is now skipped (said), and --logdir writes elsewhere."""
    outcome = execute(TINY.replace(report_to="tensorboard"), Session.create(stores / "sessions", "live"))
    assert outcome.summary.status == Status.FINISHED
    run_dir = stores / "sessions" / "live" / "runs" / "01-full"
    before = tensorboard_scalars(run_dir / "tensorboard", "train/loss")
    assert main(["export-tracker", str(run_dir.parent.parent), "--to", "tensorboard"]) == 2
    said = capsys.readouterr().err
    assert "skipped 01-full: it reported to TensorBoard as it trained" in said and "--logdir DIR" in said
    assert tensorboard_scalars(run_dir / "tensorboard", "train/loss") == before, "no point written twice"
    assert main(["export-tracker", str(run_dir.parent.parent), "--to", "tensorboard", "--logdir", str(stores / "tb")]) == 0
    assert len(tensorboard_scalars(stores / "tb" / "live" / "01-full", "train/loss")) == len(before)


@pytest.mark.skipif(not HAVE["tensorboard"], reason="the tensorboard extra is not installed")
def test_tensorboard_s_hparams_tab_lists_a_sweep_s_axes_first(tmp_path):
    """#50: the HParams tab listed the 50-odd settings by name (`activation`, `attention_mask`, ... first):
    each run wrote an experiment summary, which TensorBoard takes as it is. Read through TensorBoard's
    own HParams backend (what the tab shows): the settings that differ between runs come first."""
    from tensorboard import context
    from tensorboard.backend.event_processing import data_provider
    from tensorboard.backend.event_processing import plugin_event_multiplexer as multiplexer
    from tensorboard.plugins import base_plugin
    from tensorboard.plugins.hparams import backend_context

    from sst2_tui.core.trackers.tensorboard_tracker import TensorBoardTracker
    from sst2_tui.core.trackers.tracker import TrackedRun

    for index, lr in enumerate([1e-4, 3e-4]):
        tracker = TensorBoardTracker(tmp_path)
        tracker.start(TrackedRun(run_id=f"0{index + 1}-lora", session="sw", run_dir=tmp_path, project="sw",
                                 hyperparameters={"activation": "gelu", "attention_mask": "x", "lr": lr, "method": "lora",
                                                  "seed": index}))
        tracker.scalars(1, {"eval/accuracy": 0.5}, 0.0)
        tracker.finish(Status.FINISHED)
    runs = multiplexer.EventMultiplexer()
    runs.AddRunsFromDirectory(str(tmp_path / "sw"))
    runs.Reload()
    backend = backend_context.Context(base_plugin.TBContext(logdir=str(tmp_path), multiplexer=runs,
                                                            data_provider=data_provider.MultiplexerDataProvider(runs, str(tmp_path))))
    request = context.RequestContext()
    experiment = backend.experiment_from_metadata(request, "", True, backend.hparams_metadata(request, ""),
                                                  backend.hparams_from_data_provider(request, "", 100))
    assert [info.name for info in experiment.hparam_infos][:2] == ["lr", "seed"]
