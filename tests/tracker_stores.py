"""What the tracker tests share: the demo run they report, which trackers are installed, a fixture
that gives MLflow and trackio stores of the test's own, and each tracker's own reader."""

from __future__ import annotations

import importlib.util

from sst2_tui.core.config import RunConfig

TINY = RunConfig(model="demo", data="demo", train_subset=48, eval_subset=32, batch_size=16, epochs=2, eval_every=2)
HAVE = {name: importlib.util.find_spec(name) is not None for name in ("tensorboard", "mlflow", "trackio")}


def own_stores(tmp_path, monkeypatch):
    """MLflow on a file store and trackio in a folder of this test's own (each test file's `stores`)."""
    monkeypatch.setenv("MLFLOW_TRACKING_URI", (tmp_path / "mlruns").as_uri())
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")  # MLflow 3 keeps its file store for those who ask
    monkeypatch.delenv("MLFLOW_EXPERIMENT_NAME", raising=False)
    monkeypatch.setenv("TRACKIO_DIR", str(tmp_path / "trackio"))
    monkeypatch.delenv("SST2_TUI_TENSORBOARD_DIR", raising=False)
    return tmp_path


def tensorboard_scalars(log_dir, tag: str) -> list[tuple[int, float]]:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    accumulator = EventAccumulator(str(log_dir))
    accumulator.Reload()
    return [(s.step, s.value) for s in accumulator.Scalars(tag)]


def mlflow_runs(experiment: str):
    from mlflow.tracking import MlflowClient

    client = MlflowClient()
    found = client.get_experiment_by_name(experiment)
    assert found is not None, f"no MLflow experiment {experiment}"
    return client, client.search_runs([found.experiment_id])


def mlflow_history(client, run, tag: str) -> list[tuple[int, float]]:
    return [(m.step, m.value) for m in sorted(client.get_metric_history(run.info.run_id, tag), key=lambda m: m.step)]
