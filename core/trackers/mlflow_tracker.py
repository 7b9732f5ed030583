"""MLflow, by its own conventions: the tracking server is `$MLFLOW_TRACKING_URI` (MLflow's default
otherwise), the experiment `--tracker-project`, else `$MLFLOW_EXPERIMENT_NAME`, else the session's
name. A resumed run continues the MLflow run it started (found by its `sst2-tui.run` tag). A sweep is
one parent run (named after its session) with its points as children, and its verdict's numbers
(each pair's difference and interval) are the parent's metrics."""

from __future__ import annotations

import os
import socket
import urllib.parse
from pathlib import Path
from typing import Any

from sst2_tui.core.summary import Status
from sst2_tui.core.trackers.tracker import TrackedRun

RUN_TAG = "sst2-tui.run"
PARENT_TAG = "mlflow.parentRunId"
SWEEP_RUN = "sweep"
SWEEP_KIND = "sweep verdict"
"""The `kind` tag of a sweep's verdict run: MLflow writes it into the sweep's parent run."""
MAX_PARAM = 6000  # MLflow's limit on a parameter's value


def experiment_name(run: TrackedRun, project_given: bool) -> str:
    return run.project if project_given else os.environ.get("MLFLOW_EXPERIMENT_NAME") or run.project


CONNECT_SECONDS = 5.0


def check_reachable(uri: str) -> None:
    """A tracking server that refuses the connection (or does not answer) is said at the run's start,
    in one line: MLflow's client retried for minutes in silence and every value was lost (#46)."""
    parsed = urllib.parse.urlsplit(uri)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        return  # a local file store or database: nothing to connect to
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        socket.create_connection((parsed.hostname, port), timeout=CONNECT_SECONDS).close()
    except OSError as error:
        why = error.strerror or type(error).__name__
        raise ConnectionError(f"cannot connect to the MLflow server at {uri} ({why}); start it, or set "
                              "MLFLOW_TRACKING_URI to one that runs") from None


LOCAL_STORE = "mlruns"


def local_store() -> str | None:
    """Where a run records when no tracking server is set and MLflow's own default cannot work: MLflow
    3's default is a sqlite file that the `[mlflow]` extra (mlflow-skinny, no SQLAlchemy) cannot open,
    so a user without a server got one warning and nothing recorded. Then: a file store in
    `./mlruns`, MLflow 2's default, which `mlflow ui --backend-store-uri mlruns` reads (MLflow 3 asks
    for MLFLOW_ALLOW_FILE_STORE=true, set here for this process). None: MLflow's own choice works."""
    import importlib.util

    if os.environ.get("MLFLOW_TRACKING_URI") or importlib.util.find_spec("sqlalchemy") is not None:
        return None
    os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
    return (Path.cwd() / LOCAL_STORE).as_uri()


class MlflowTracker:
    name = "mlflow"

    def __init__(self, project_given: bool = False) -> None:
        self.project_given = project_given
        self.client: Any = None
        self.run_id = ""
        self.notes: list[str] = []
        self.held_steps: dict[str, int] | None = None
        """A resumed run: the last step this MLflow run holds of each number (None: a new run)."""

    def start(self, run: TrackedRun) -> None:
        import mlflow
        from mlflow.entities import Param
        from mlflow.tracking import MlflowClient

        store = local_store()  # the command line says where, once (`cli/progress.mlflow_line`)
        check_reachable(store or mlflow.get_tracking_uri())
        client = MlflowClient(tracking_uri=store)  # this client's only: nothing global changes
        name = experiment_name(run, self.project_given)
        experiment = client.get_experiment_by_name(name)
        if experiment is None:
            try:
                experiment_id = client.create_experiment(name)
            except Exception:  # another point of the sweep created it first
                found = client.get_experiment_by_name(name)
                if found is None:
                    raise
                experiment_id = found.experiment_id
        else:
            experiment_id = experiment.experiment_id
        self.client = client
        if run.tags.get("kind") == SWEEP_KIND:  # the sweep's verdict: the numbers and text of its parent run
            self.run_id = self._sweep_parent(experiment_id, run.session)
            return
        key = f"{run.session}/{run.run_id}"
        earlier = client.search_runs([experiment_id], filter_string=f"tags.`{RUN_TAG}` = '{key}'", max_results=1)
        if earlier:  # a resumed run: its parameters are logged already (MLflow refuses to change one)
            self.run_id = earlier[0].info.run_id
            client.update_run(self.run_id, status="RUNNING")
            # how far the killed attempt got here: its steps are not sent again (MLflow would hold them twice)
            names = client.get_run(self.run_id).data.metrics
            self.held_steps = {name: max((m.step for m in client.get_metric_history(self.run_id, name)), default=0)
                               for name in names}
        else:
            # a sweep's point is a child of the sweep's run (MLflow's UI nests it there)
            parent = {PARENT_TAG: self._sweep_parent(experiment_id, run.session)} if "sweep_point" in run.tags else {}
            tags = {RUN_TAG: key, **run.tags, **({"group": run.group} if run.group else {}), **parent}
            self.run_id = client.create_run(experiment_id, run_name=run.run_id, tags=tags).info.run_id
            params = [Param(key, str(value)[:MAX_PARAM]) for key, value in run.hyperparameters.items()]
            for start in range(0, len(params), 100):  # MLflow takes at most 100 parameters a call
                client.log_batch(self.run_id, params=params[start:start + 100])

    def _sweep_parent(self, experiment_id: str, session: str) -> str:
        """The sweep's own run in the experiment (`SESSION/sweep`), made by the first point that asks.
        Points start at once: where two made one, every point keeps the first made and the other goes."""
        client, key = self.client, f"{session}/{SWEEP_RUN}"
        query = f"tags.`{RUN_TAG}` = '{key}'"
        found = client.search_runs([experiment_id], filter_string=query)
        if not found:
            client.create_run(experiment_id, run_name=session, tags={RUN_TAG: key, "kind": "sweep"})
            found = client.search_runs([experiment_id], filter_string=query)
        first, *others = sorted(found, key=lambda r: (r.info.start_time, r.info.run_id))
        for other in others:
            try:
                client.delete_run(other.info.run_id)
            except Exception:  # noqa: BLE001 - another point deleted it first
                pass
        return str(first.info.run_id)

    def scalars(self, step: int, values: dict[str, float], wall_time: float) -> None:
        from mlflow.entities import Metric

        assert self.client is not None
        stamp = int(wall_time * 1000)
        self.client.log_batch(self.run_id, metrics=[Metric(tag, value, stamp, step) for tag, value in values.items()])

    def text(self, step: int, tag: str, text: str, wall_time: float) -> None:
        assert self.client is not None
        self.notes.append(f"- step {step}, {tag}: {text}")
        # One artifact that grows: what happened to the run, in order (there are few such notes).
        self.client.log_text(self.run_id, "\n".join(self.notes) + "\n", "sst2-tui/events.md")

    def finish(self, status: Status) -> None:
        if self.client is not None:
            self.client.set_terminated(self.run_id, {Status.FINISHED: "FINISHED", Status.FAILED: "FAILED"}.get(status, "KILLED"))
