"""#29 item 3: a sweep as one SLURM job array through submitit, on a real single-node SLURM cluster
(munged + slurmctld + slurmd on localhost, started by the fixture); where that cluster cannot
start, the skip says exactly why and the same submission goes through submitit's local executor.
Plus the flags and the per-point decisions, without any cluster."""

from __future__ import annotations

import json

import pytest

from sst2_tui.core.errors import UserError
from sst2_tui.core.storage.sessions import Session
from sst2_tui.core.storage.sweep_file import SlurmOptions
from sst2_tui.core.sweep.grid import build_grid, parse_listed
from sst2_tui.core.sweep.point_task import point_command
from sst2_tui.core.sweep.slurm import parse_params, parse_time
from sst2_tui.core.sweep.state import write_sweep_file
from tests.cli import run_cli, wait_until
from tests.slurm_cluster import start_cluster

TINY = ["--model", "demo", "--data", "demo", "--train-subset", "64", "--eval-subset", "32", "--batch-size", "16",
        "--epochs", "1"]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    started, why_not = start_cluster(tmp_path_factory.mktemp("slurm"))
    yield started, why_not
    if started:
        started.stop()


def test_a_4_point_demo_array_on_a_real_slurm_cluster(cluster, tmp_path):
    started, why_not = cluster
    if started is None:
        pytest.skip(f"no real SLURM here: {why_not}")
    line = ["sweep", *TINY, "--method", "full,lora", "--lr", "3e-3", "--seeds", "0,1", "--executor", "slurm",
            "--slurm-time", "0:10:00", "--slurm-array-parallelism", "2", "--slurm-param", "cpus_per_task=1",
            "--sessions-dir", str(tmp_path), "--session", "grid"]
    done = run_cli(*line, timeout=300, env=started.env)
    assert done.returncode == 0, done.stdout + done.stderr[-2000:]
    assert "as a SLURM job array" in done.stdout and "submitted SLURM job array " in done.stdout
    assert "Verdict: " in done.stdout
    job = done.stdout.split("submitted SLURM job array ")[1].split()[0]
    listed = json.loads(run_cli("sessions", "--sessions-dir", str(tmp_path), "--json").stdout)
    [session] = listed
    assert sorted(r["status"] for r in session["runs"]) == ["finished"] * 4
    assert sorted(r["run_id"][:2] for r in session["runs"]) == ["01", "02", "03", "04"], "one number per run"
    sweep = json.loads((tmp_path / "grid" / "sweep.json").read_text())
    assert sweep["executor"] == "slurm" and sweep["submissions"][0]["job_id"] == job
    assert sorted((tmp_path / "grid" / "slurm").glob(f"{job}_*/*_log.out")), "each task's log kept"
    again = run_cli("sweep", "--resume", str(tmp_path / "grid"), env=started.env)
    assert again.returncode == 0 and "0 point(s) to run again" in again.stdout, again.stderr
    assert run_cli("report", str(tmp_path / "grid")).returncode == 0


def test_without_a_real_cluster_the_same_submission_runs_through_submitits_local_executor(cluster, tmp_path):
    started, _ = cluster
    if started is not None:
        pytest.skip("the real SLURM cluster ran the array (test_a_4_point_demo_array_on_a_real_slurm_cluster)")
    from sst2_tui.core.sweep.slurm import submit

    session = Session.create(tmp_path, "grid")
    points = build_grid({"method": parse_listed("--method", ["full,lora"])}, [0])
    points = [c.replace(train_subset=64, eval_subset=32, batch_size=16, epochs=1, model="demo", data="demo") for c in points]
    write_sweep_file(session.path, points, 1, SlurmOptions())
    submit(session.path, [c.sweep.point for c in points], SlurmOptions(time_min=10), cluster="local")
    wait_until(lambda: len(list(session.path.glob("runs/*/summary.json"))) == 2, timeout=240, what="both points")
    statuses = [json.loads(p.read_text())["status"] for p in sorted(session.path.glob("runs/*/summary.json"))]
    assert statuses == ["finished", "finished"]


@pytest.mark.parametrize(("text", "minutes"), [("90", 90), ("1:30", 2), ("02:00:00", 120), ("1-2", 1560),
                                               ("1-02:30", 1590), ("0:00:01", 1)])
def test_slurm_time_reads_as_sbatch_does(text, minutes):
    assert parse_time(text) == minutes


@pytest.mark.parametrize("text", ["0", "-5", "1:2:3:4", "abc", "", "99999999999", "1-"])
def test_a_bad_slurm_time_is_refused(text):
    with pytest.raises(UserError, match="--slurm-time"):
        parse_time(text)


def test_slurm_params_pass_anything_submitit_takes_but_not_our_own_flags_twice():
    assert parse_params(["cpus_per_task=4", "slurm_account=proj", 'slurm_additional_parameters={"qos": "low"}']) == {
        "cpus_per_task": 4, "slurm_account": "proj", "slurm_additional_parameters": {"qos": "low"}}
    with pytest.raises(UserError, match="--slurm-partition"):
        parse_params(["slurm_partition=gpu"])
    with pytest.raises(UserError, match="KEY=VALUE"):
        parse_params(["no-equals"])


@pytest.mark.parametrize(("flags", "says"), [
    (["--executor", "slurm", "--parallel", "2"], "drop --parallel"),
    (["--executor", "slurm", "--print-commands"], "drop --executor slurm"),
    (["--slurm-partition", "gpu"], "need --executor slurm"),
    (["--executor", "slurm", "--slurm-time", "soon"], "--slurm-time 'soon'"),
    (["--executor", "slurm", "--slurm-array-parallelism", "0"], "--slurm-array-parallelism '0'"),
    (["--executor", "slurm", "--slurm-param", "timeout_min=5"], "use --slurm-time"),
    (["--confirm-seeds", "three"], "--confirm-seeds 'three': give a whole number from 0 to 100"),
    (["--confirm-seeds", "-1"], "--confirm-seeds '-1'"),
    (["--confirm-seeds", "101"], "--confirm-seeds '101'"),
])
def test_slurm_flags_that_make_no_sense_are_one_line_before_anything_is_created(tmp_path, capsys, flags, says):
    from sst2_tui.cli.main import main

    code = main(["sweep", *TINY, "--method", "full,lora", *flags, "--sessions-dir", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and says in err and len(err.strip().splitlines()) == 1, err
    assert not list(tmp_path.iterdir()), "nothing created"


def test_each_task_decides_from_the_session_what_its_point_needs(tmp_path):
    """A task SLURM runs twice (requeued), or a point submitted again, never trains a finished point
    again; one that failed before saving anything starts again; a new one starts in the sweep's
    session. (An interrupted one resuming from its checkpoint: test_sweep's kill -9 test.)"""
    session = Session.create(tmp_path, "grid")
    [config] = build_grid({"method": parse_listed("--method", ["full"])}, [0])
    config = config.replace(model="demo", data="demo")
    write_sweep_file(session.path, [config], 1, SlurmOptions())
    point = config.sweep.point
    fresh = point_command(session.path, point)
    assert fresh[fresh.index("--session") + 1] == "grid" and "--resume" not in fresh
    assert point_command(session.path, "p999") is None, "not a point of this sweep"
    failed = session.new_run(config)
    (failed.path / "summary.json").write_text(json.dumps({"run_id": failed.run_id, "status": "failed"}))
    assert point_command(session.path, point) == fresh, "failed with nothing saved: starts again"
    finished = session.new_run(config)
    (finished.path / "summary.json").write_text(json.dumps({"run_id": finished.run_id, "status": "finished"}))
    assert point_command(session.path, point) is None, "finished: nothing to do"


def test_where_slurm_does_not_answer_the_sweep_is_one_line_and_leaves_nothing(tmp_path):
    import os
    from pathlib import Path

    if Path("/etc/slurm/slurm.conf").exists() or Path("/etc/slurm-llnl/slurm.conf").exists():
        pytest.skip("this machine has a configured SLURM, which may answer")
    env = {k: v for k, v in os.environ.items() if k != "SLURM_CONF"}
    result = run_cli("sweep", *TINY, "--method", "full", "--executor", "slurm", "--sessions-dir", str(tmp_path / "s"),
                     env=env, timeout=60)
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "sweep --executor slurm: " in result.stderr and "login node" in result.stderr
    assert not (tmp_path / "s").exists(), "no empty sweep session left behind"


def test_a_task_warned_of_its_time_limit_saves_and_hands_submitit_itself_to_requeue(tmp_path):
    """SLURM's warning before the time limit (SIGUSR2, as submitit asks for) goes to the task's whole
    process group: the run saves a checkpoint and ends interrupted; submitit's handler in the task
    (played here as submitit plays it) calls `checkpoint`, which waits for the run and returns the
    same task to requeue, and the point's next start resumes it (never starts it afresh)."""
    import os
    import signal
    import subprocess
    import sys

    session = Session.create(tmp_path, "grid")
    [config] = build_grid({"method": parse_listed("--method", ["full"])}, [0])
    config = config.replace(model="demo", data="demo", epochs=50, train_subset=64, eval_subset=16, batch_size=16)
    write_sweep_file(session.path, [config], 1, SlurmOptions())
    point = config.sweep.point
    as_submitit = f"""
import pickle, signal, sys
from sst2_tui.core.sweep.point_task import PointTask
task = PointTask()
def warned(*_):
    again = task.checkpoint({str(session.path)!r}, {point!r})
    assert isinstance(pickle.loads(pickle.dumps(again)).function, PointTask)
    sys.exit(144)  # submitit: requeued
signal.signal(signal.SIGUSR2, warned)
sys.exit(task({str(session.path)!r}, {point!r}))
"""
    task = subprocess.Popen([sys.executable, "-c", as_submitit], env={**os.environ, "HF_HUB_OFFLINE": "1"},
                            start_new_session=True)
    events = session.path / "runs" / "01-full" / "events.jsonl"
    wait_until(lambda: events.exists() and events.read_text().count('"type":"step"') >= 3, timeout=120, what="training")
    os.killpg(task.pid, signal.SIGUSR2)  # as SLURM does: the task and everything it started
    assert task.wait(timeout=120) == 144, "the task handed itself to submitit to requeue"
    summary = json.loads((session.path / "runs" / "01-full" / "summary.json").read_text())
    assert summary["status"] == "interrupted", "the run itself got the signal, saved and ended"
    again = point_command(session.path, point)
    assert again[again.index("run") + 1:again.index("run") + 3] == ["--resume", str(session.path / "runs" / "01-full")]


def test_a_point_near_its_time_limit_is_requeued_by_slurm_and_continues(cluster, tmp_path):
    """On the real cluster: SIGUSR2 to the task's whole process group (what SLURM sends before the
    time limit, or on preemption); the task is requeued by SLURM itself and the point finishes from
    its checkpoint in its own folder, with no `sweep --resume`."""
    import os
    import signal
    import subprocess

    from sst2_tui.core.storage.sessions import RunFolder, load_run

    started, why_not = cluster
    if started is None:
        pytest.skip(f"no real SLURM here: {why_not}")
    line = ["sweep", "--model", "demo", "--data", "demo", "--train-subset", "64", "--eval-subset", "16", "--batch-size",
            "16", "--epochs", "12", "--save-every", "2", "--executor", "slurm", "--slurm-time", "0:10:00",
            "--slurm-param", "cpus_per_task=1", "--sessions-dir", str(tmp_path), "--session", "grid", "--detach"]
    assert run_cli(*line, timeout=120, env=started.env).returncode == 0
    run = RunFolder(tmp_path / "grid" / "runs" / "01-full")
    wait_until(lambda: run.is_live() and run.events_path.exists()
               and run.events_path.read_text().count('"type":"checkpoint"') >= 1, timeout=180,
               what="a live point with a checkpoint")
    os.killpg(os.getpgid(run.holder_pid()), signal.SIGUSR2)
    wait_until(lambda: load_run(run).status == "interrupted", timeout=120, what="the warned run saving and ending")
    job = json.loads((tmp_path / "grid" / "sweep.json").read_text())["submissions"][0]["job_id"]
    # SLURM holds a requeued job about two minutes before it may start again (its begin time): an
    # administrator's `scontrol update ... StartTime=now+3` lets this test skip the wait, nothing else.
    # Not `now`: a job started again in the same second as its requeue is refused by slurmd ("Job
    # credential revoked": the old credential's revocation time is kept in whole seconds) and ends.
    def state() -> str:
        return subprocess.run(["squeue", "-h", "-j", job, "-o", "%T"], capture_output=True, text=True,
                              env=started.env).stdout.strip()

    def started_again() -> bool:
        return run.events_path.read_text().count('"type":"run_started"') >= 2

    wait_until(lambda: "PENDING" in state() or started_again(), timeout=60, what="SLURM requeuing the task")
    if not started_again():  # SLURM may already have started it again by itself
        updated = subprocess.run(["scontrol", "update", f"JobId={job}", "StartTime=now+3"], env=started.env,
                                 capture_output=True, text=True)
        assert updated.returncode == 0 or started_again() or not state(), updated.stderr

    def finished() -> bool:
        if load_run(run).status == "finished":
            return True
        assert state() or load_run(run).status == "finished", "SLURM ended the task before the point finished: " + \
            "".join((started.folder / "slurmctld.log").read_text().splitlines(keepends=True)[-8:])
        return False

    wait_until(finished, timeout=300, what="the requeued point finishing")
    record = load_run(run)
    starts = [e for e in record.events if type(e).__name__ == "RunStarted"]
    assert len(starts) == 2 and '"code":"resumed"' in run.events_path.read_text(), "the second attempt continued"
    assert [p.name for p in (tmp_path / "grid" / "runs").iterdir()] == ["01-full"], "one folder: it continued"
