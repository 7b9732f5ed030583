"""#38: `--report-to tensorboard,mlflow,trackio`. A demo run reports live, and what each tracker
holds, read back with its own reader, is the run's own record; a tracker that fails or is missing
never costs the run; `export-tracker` writes a finished session (a sweep's verdict too)."""

from __future__ import annotations

import importlib.util
import json
import sys
import time
from pathlib import Path

import pytest

from sst2_tui.cli.main import main
from sst2_tui.core.config import ConfigError, RunConfig
from sst2_tui.core.errors import UserError
from sst2_tui.core.events import CommandSpec, Control, Eval, RunFinished, Step, WarningEvent
from sst2_tui.core.report.sweep_verdict import sweep_verdict
from sst2_tui.core.run.runner import execute
from sst2_tui.core.storage.sessions import Session, load_run
from sst2_tui.core.summary import Status, Summary
from sst2_tui.core.tracker_names import parse_report_to
from sst2_tui.core.trackers import sink as sink_module
from sst2_tui.core.trackers.calls import EventTranslator, RunPlace, Scalars, Text
from tests.sweep_session import recorded_sweep
from tests.tracker_stores import HAVE, TINY, mlflow_history, mlflow_runs, own_stores, tensorboard_scalars


@pytest.fixture
def stores(tmp_path, monkeypatch):
    return own_stores(tmp_path, monkeypatch)


def test_a_fork_tells_a_tracker_its_lineage_as_tags(tmp_path):
    """#49: a tracker's run list can be filtered by parent; a run that is not a fork has no such tags."""
    from sst2_tui.core.config import ForkLabel
    from sst2_tui.core.device_info import DeviceInfo
    from sst2_tui.core.events import RunStarted
    from sst2_tui.core.trackers.calls import Start

    def started(config: RunConfig) -> RunStarted:
        return RunStarted(run_id="02-full", method="full", config=config, effective={}, device=DeviceInfo("cpu", "CPU"),
                          precision="fp32", trainable_params=1, total_params=1, versions={}, train_examples=48,
                          eval_examples=32, total_steps=6, steps_per_epoch=3)

    fork = TINY.replace(fork=ForkLabel(parent="01-full", branch_step=4, changed=["lr 5e-4 -> 1e-3"]))
    [start] = EventTranslator(RunPlace("02-full", "s", tmp_path, "s")).calls(started(fork))
    assert isinstance(start, Start)
    assert start.run.tags == {"method": "full", "model": "demo", "forked_from": "01-full", "branch_step": "4",
                              "fork_changed": "lr 5e-4 -> 1e-3"}
    [plain] = EventTranslator(RunPlace("01-full", "s", tmp_path, "s")).calls(started(TINY))
    assert isinstance(plain, Start) and "forked_from" not in plain.run.tags
    assert "fork" not in start.run.hyperparameters, "the lineage is in the tags, not a settings' repr"


@pytest.mark.skipif(not (HAVE["tensorboard"] and HAVE["mlflow"]), reason="the test extras (tensorboard, mlflow) are not installed")
def test_a_demo_run_reports_to_each_tracker_what_its_summary_says(stores):
    names = "tensorboard,mlflow" + (",trackio" if HAVE["trackio"] else "")
    outcome = execute(TINY.replace(report_to=names), Session.create(stores / "sessions", "live"))
    summary = outcome.summary
    assert summary.status == Status.FINISHED and summary.best_val_accuracy is not None
    record = load_run(next(iter(Session.open(stores / "sessions" / "live").run_folders())))
    evals = [(e.step, e.accuracy) for e in record.events if isinstance(e, Eval)]
    assert len(evals) >= 3 and not [e for e in record.events if isinstance(e, WarningEvent)]

    board = tensorboard_scalars(record.folder.path / "tensorboard", "eval/accuracy")
    assert [(s, round(a, 6)) for s, a in board] == [(s, round(a, 6)) for s, a in evals]
    assert max(a for _, a in board) == pytest.approx(summary.best_val_accuracy)
    assert board[-1][1] == pytest.approx(summary.final_val_accuracy)
    assert len(tensorboard_scalars(record.folder.path / "tensorboard", "train/loss")) == summary.steps

    client, [run] = mlflow_runs("live")  # the experiment is the session's name
    assert run.info.run_name == "01-full" and run.info.status == "FINISHED"
    assert mlflow_history(client, run, "eval/accuracy") == pytest.approx(evals)
    assert max(a for _, a in mlflow_history(client, run, "eval/accuracy")) == pytest.approx(summary.best_val_accuracy)
    assert float(run.data.params["lr"]) == pytest.approx(TINY.lr_value) and run.data.params["method"] == "full"
    assert "notify" not in run.data.params and "report_to" not in run.data.params, "where it reports is not a setting"
    assert run.data.metrics["summary/best_val_accuracy"] == pytest.approx(summary.best_val_accuracy)

    if HAVE["trackio"]:
        from trackio import SQLiteStorage

        logged = [(row["step"], row["eval/accuracy"]) for row in SQLiteStorage.get_logs("live", "01-full") if "eval/accuracy" in row]
        assert logged == pytest.approx(evals)
        assert SQLiteStorage.get_run_config("live", "01-full")["batch_size"] == 16


class Failing:
    name = "mlflow"

    def __init__(self) -> None:
        self.calls = 0

    def start(self, run) -> None:
        self.calls += 1

    def scalars(self, step, values, wall_time) -> None:
        self.calls += 1
        raise ConnectionError("http://tracking:5000 refused the connection")

    def text(self, step, tag, text, wall_time) -> None:
        self.calls += 1

    def finish(self, status) -> None:
        self.calls += 1


class Recording:
    name = "tensorboard"

    def __init__(self) -> None:
        self.values: list[tuple[int, dict]] = []
        self.ended: list[Status] = []

    def start(self, run) -> None:
        self.run = run

    def scalars(self, step, values, wall_time) -> None:
        self.values.append((step, values))

    def text(self, step, tag, text, wall_time) -> None:
        pass

    def finish(self, status) -> None:
        self.ended.append(status)


def test_a_tracker_that_fails_is_said_once_and_the_run_goes_on(tmp_path, monkeypatch):
    failing, recording = Failing(), Recording()
    monkeypatch.setattr(sink_module, "open_trackers", lambda *a, **k: [failing, recording])
    monkeypatch.setattr("sst2_tui.core.run.runner.check_installed", lambda names: None)
    outcome = execute(TINY.replace(report_to="mlflow,tensorboard"), Session.create(tmp_path, "s"))
    assert outcome.summary.status == Status.FINISHED and outcome.exit_code == 0
    record = load_run(next(iter(Session.open(tmp_path / "s").run_folders())))
    warnings = [e.message for e in record.events if isinstance(e, WarningEvent) and e.code == "tracker_failed"]
    assert warnings == ["--report-to mlflow: http://tracking:5000 refused the connection; the run goes on without it"]
    assert failing.calls == 2, "started, failed once, then never called again"
    assert recording.ended == [Status.FINISHED], "the other tracker got the whole run"
    assert [v["eval/accuracy"] for _, v in recording.values if "eval/accuracy" in v] == [
        e.accuracy for e in record.events if isinstance(e, Eval)]
    assert isinstance(record.events[-1], RunFinished), "the warning came before the run's last event"


HANG = 120.0
"""A tracker call that long: a run that waited for it would take longer; a tiny run takes seconds (under load, tens)."""


def test_a_tracker_that_hangs_never_holds_up_training(tmp_path, monkeypatch):
    class Hanging(Recording):
        def scalars(self, step, values, wall_time) -> None:
            time.sleep(HANG)

    monkeypatch.setattr(sink_module, "open_trackers", lambda *a, **k: [Hanging()])
    monkeypatch.setattr(sink_module, "FINISH_SECONDS", 0.5)
    monkeypatch.setattr("sst2_tui.core.run.runner.check_installed", lambda names: None)
    started = time.monotonic()
    outcome = execute(TINY.replace(report_to="tensorboard"), Session.create(tmp_path, "s"))
    assert outcome.summary.status == Status.FINISHED
    assert time.monotonic() - started < HANG, "the run did not wait for the tracker's call (a tiny run, even under load)"
    record = load_run(next(iter(Session.open(tmp_path / "s").run_folders())))
    said = [e.message for e in record.events if isinstance(e, WarningEvent)]
    assert said == ["--report-to tensorboard: still busy 0.5 s after the run ended; its last values may be missing"]


def test_a_tracker_not_installed_is_one_line_naming_its_extra_and_nothing_is_created(tmp_path, monkeypatch, capsys):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "mlflow" else real(name, *a))
    code = main(["run", "--model", "demo", "--data", "demo", "--report-to", "tensorboard,mlflow",
                 "--sessions-dir", str(tmp_path), "--session", "s"])
    assert code == 2
    assert capsys.readouterr().err == ("sst2-tui: --report-to mlflow: mlflow is not installed here; "
                                       "pip install 'sst2-tui[mlflow]' (or give --report-to without it)\n")
    assert not (tmp_path / "s").exists()


@pytest.mark.parametrize(("text", "said"), [("tensorbord", "'tensorbord' is not a tracker; give a comma list of "
                                             "tensorboard, mlflow, trackio (or none)"),
                                            ("mlflow,mlflow", "'mlflow,mlflow' names a tracker twice")])
def test_a_bad_report_to_is_one_line(text, said):
    with pytest.raises(ConfigError, match="^" + said.replace("(", r"\(").replace(")", r"\)") + "$"):
        RunConfig(report_to=text)


def test_report_to_reads_as_typed():
    assert parse_report_to(" TensorBoard , mlflow") == ("tensorboard", "mlflow")
    assert parse_report_to("none") == () and parse_report_to("") == ()
    with pytest.raises(ConfigError):
        RunConfig(tracker_project="  ")


def test_the_events_become_the_same_calls_for_every_tracker(tmp_path):
    translator = EventTranslator(RunPlace("01-full", "s", tmp_path, "s"))
    assert translator.calls(Step(step=1, epoch=0.1, loss=1.0, lr=1e-3, eps=1e-8, samples_per_second=1, tokens_per_second=1,
                                 memory_mb=None)) == [], "nothing before the run has started"
    translator.started = True
    [nan_step] = translator.calls(Step(step=2, epoch=0.2, loss=float("nan"), lr=1e-3, eps=1e-8, samples_per_second=1,
                                       tokens_per_second=1, memory_mb=None, time=5.0))
    assert isinstance(nan_step, Scalars) and "train/loss" not in nan_step.values and nan_step.values["train/learning_rate"] == 1e-3
    [change] = translator.calls(Control(step=3, command=CommandSpec("set_lr", 2e-4), old=1e-3, new=2e-4, time=6.0))
    assert change == Text(3, "control", "lr 1e-3 -> 2e-4 (from user)", 6.0)
    calls = translator.calls(RunFinished(summary=Summary(run_id="01-full", best_val_accuracy=0.75, status=Status.STOPPED)))
    assert [type(c).__name__ for c in calls] == ["Scalars", "Text", "Finish"]
    assert calls[0].step == 3 and calls[0].values == {"summary/best_val_accuracy": 0.75} and calls[2].status == Status.STOPPED


@pytest.mark.skipif(not (HAVE["tensorboard"] and HAVE["mlflow"]), reason="the test extras (tensorboard, mlflow) are not installed")
def test_export_tracker_writes_a_finished_sweep_and_its_verdict(stores, capsys):
    session = recorded_sweep(stores / "sessions")
    records = {r.run_id: r for r in (load_run(f) for f in session.run_folders())}
    assert main(["export-tracker", str(session.path), "--to", "mlflow", "--project", "sweeps"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert len(printed) == len(records) + 1 and printed[-1] == "sweep-verdict: the sweep's verdict as text and metrics"
    client, runs = mlflow_runs("sweeps")
    by_name = {run.info.run_name: run for run in runs}
    assert set(by_name) == {*records, session.name}, "the points, and the sweep's own run (its verdict) as their parent"
    parent = by_name[session.name].info.run_id
    assert all(by_name[run_id].data.tags["mlflow.parentRunId"] == parent for run_id in records)
    for run_id, record in records.items():
        history = mlflow_history(client, by_name[run_id], "eval/accuracy")
        assert max(a for _, a in history) == pytest.approx(record.summary.best_val_accuracy), run_id
        assert by_name[run_id].data.tags["group"] == f"{record.config.sweep.method} default", "seeds grouped by setting"
    verdict = client.download_artifacts(parent, "sst2-tui/events.md", str(stores))
    assert "Verdict: " in Path(verdict).read_text()
    [pair] = sweep_verdict(session).pairs
    metrics = client.get_run(parent).data.metrics
    assert metrics["verdict/full_minus_lora"] == pytest.approx(pair.points), "the verdict's numbers, not only its text"
    assert metrics["verdict/full_minus_lora_low"] == pytest.approx(pair.low)
    assert main(["export-tracker", str(session.path), "--to", "tensorboard", "--logdir", str(stores / "tb")]) == 0
    for run_id, record in records.items():
        board = tensorboard_scalars(stores / "tb" / session.name / run_id, "eval/accuracy")
        assert max(a for _, a in board) == pytest.approx(record.summary.best_val_accuracy)


def test_export_tracker_refuses_what_it_cannot_do_in_one_line(tmp_path, capsys):
    assert main(["export-tracker", str(tmp_path / "nope"), "--to", "mlflow"]) == 2
    assert "no such session folder" in capsys.readouterr().err
    session = Session.create(tmp_path, "s")
    assert main(["export-tracker", str(session.path), "--to", "mlflow", "--logdir", str(tmp_path)]) == 2
    assert "--logdir is where TensorBoard's files go" in capsys.readouterr().err
    with pytest.raises(UserError, match="no ended run to export"):
        from types import SimpleNamespace

        from sst2_tui.cli.export_tracker_command import export_tracker_command

        export_tracker_command(SimpleNamespace(session_dir=session.path, to="tensorboard", project=None, logdir=None))


@pytest.mark.skipif(not HAVE["mlflow"], reason="the test extra mlflow is not installed")
def test_a_resumed_run_goes_on_in_the_mlflow_run_it_started(stores):
    """`run --resume` appends to its run folder; its MLflow run is the one it began (found by its
    tag), and its parameters, logged once, are not logged again (MLflow refuses to change one)."""
    from mlflow.tracking import MlflowClient

    from sst2_tui.core.trackers.mlflow_tracker import MlflowTracker
    from sst2_tui.core.trackers.tracker import TrackedRun

    run = TrackedRun(run_id="01-full", session="s", run_dir=stores, project="resumed", hyperparameters={"lr": 1e-3})
    first = MlflowTracker()
    first.start(run)
    first.scalars(5, {"eval/accuracy": 0.6}, time.time())
    first.finish(Status.INTERRUPTED)
    again = MlflowTracker()
    again.start(TrackedRun(**{**run.__dict__, "hyperparameters": {"lr": 2e-3}}))
    again.scalars(10, {"eval/accuracy": 0.7}, time.time())
    again.finish(Status.FINISHED)
    client = MlflowClient()
    [only] = client.search_runs([client.get_experiment_by_name("resumed").experiment_id])
    assert again.run_id == first.run_id == only.info.run_id and only.info.status == "FINISHED"
    assert [(m.step, m.value) for m in client.get_metric_history(only.info.run_id, "eval/accuracy")] == [(5, 0.6), (10, 0.7)]
    assert only.data.params["lr"] == "0.001"


@pytest.mark.skipif(not HAVE["mlflow"], reason="the test extra mlflow is not installed")
def test_an_mlflow_server_that_refuses_the_connection_is_said_at_once(tmp_path, monkeypatch):
    """#46: MLflow's client retried for minutes in silence and every value was lost."""
    from sst2_tui.core.trackers.mlflow_tracker import MlflowTracker
    from sst2_tui.core.trackers.tracker import TrackedRun
    from tests.cli import closed_port

    uri = f"http://127.0.0.1:{closed_port()}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    with pytest.raises(ConnectionError, match=f"cannot connect to the MLflow server at {uri} "):
        MlflowTracker().start(TrackedRun(run_id="01-full", session="s", run_dir=tmp_path, project="p"))


def test_an_export_that_fails_says_so_in_words_for_an_export(tmp_path, monkeypatch):
    """`export-tracker` said "the run goes on without it" (a live run's wording) and named --report-to."""
    from sst2_tui.core.trackers.calls import RunPlace
    from sst2_tui.core.trackers.sink import TrackerSink

    sink = TrackerSink([Failing()], RunPlace(run_id="01-full", session="s", run_dir=tmp_path, project="p"), threaded=False)
    record_session = Session.create(tmp_path, "e")
    outcome = execute(TINY, record_session)
    record = load_run(next(iter(Session.open(tmp_path / "e").run_folders())))
    failures = [line for event in record.events for line in sink.on_event(event)]
    assert outcome.exit_code == 0 and failures == [
        "--to mlflow: http://tracking:5000 refused the connection; nothing more is written to it"]


class Chatty(Recording):
    """A tracker library that prints, as trackio and MLflow do, on stdout and as a warning."""

    def start(self, run) -> None:

        super().start(run)
        print("* Tracker project initialized: banner")
        print("a coloured library warning", file=sys.stderr)

    def scalars(self, step, values, wall_time) -> None:
        super().scalars(step, values, wall_time)
        print(f"[TRACKER WARN] step {step}")


def test_what_a_tracker_library_prints_never_reaches_the_terminal_and_the_run_prints_as_before(tmp_path, monkeypatch, capsys):
    """#46: trackio printed its banner, dashboard command and alerts on stdout under --quiet (and
    between `run`'s JSON summary and its reader); the tracker's thread is kept apart, the run's own
    lines (on the main thread, at the same time) are not."""
    from sst2_tui.cli.main import main

    chatty = Chatty()
    monkeypatch.setattr(sink_module, "open_trackers", lambda *a, **k: [chatty])
    monkeypatch.setattr("sst2_tui.core.run.runner.check_installed", lambda names: None)
    code = main(["run", "--model", "demo", "--data", "demo", "--train-subset", "48", "--eval-subset", "32",
                 "--batch-size", "16", "--epochs", "2", "--report-to", "tensorboard", "--quiet",
                 "--sessions-dir", str(tmp_path)])
    out, err = capsys.readouterr()
    assert code == 0 and chatty.values, "the tracker was called"
    assert "banner" not in out + err and "TRACKER WARN" not in out + err and "coloured" not in out + err
    assert json.loads(out.strip().splitlines()[-1])["status"] == "finished", "stdout is the run's summary alone"
    assert out.strip().count("\n") == 0, out


@pytest.mark.skipif(not HAVE["trackio"], reason="trackio is not installed")
def test_trackio_under_quiet_prints_nothing_and_without_it_says_where_its_dashboard_is(stores, capsys):
    from sst2_tui.cli.main import main

    line = ["run", "--model", "demo", "--data", "demo", "--train-subset", "48", "--eval-subset", "32", "--batch-size", "16",
            "--epochs", "1", "--report-to", "trackio", "--sessions-dir", str(stores / "sessions")]
    assert main([*line, "--session", "quiet", "--quiet"]) == 0
    out, err = capsys.readouterr()
    assert "Trackio" not in out + err and "TRACKIO" not in out + err and "trackio:" not in err, out + err
    assert main([*line, "--session", "loud", "--tracker-project", "team"]) == 0
    out, err = capsys.readouterr()
    assert '`trackio show --project "team"` opens its dashboard' in err and "* Trackio" not in out + err
