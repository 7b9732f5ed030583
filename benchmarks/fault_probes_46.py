"""The faults of #46 that a probe from outside can provoke, each as a user (or another local user)
meets it: links planted where sst2-tui writes or reads, inputs that never end, a damaged decisions
file on resume, budgets at their edges. Cases that act as a second local user need root (they skip
themselves, passing, where there is none)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from benchmarks.probe_tools import Probe, one_line, sst2

NOBODY = 65534


def _give_away(paths: list[Path]) -> None:
    for path in paths:
        os.lchown(path, NOBODY, NOBODY)


def export_tracker_through_a_planted_link(probe: Probe, folder: Path) -> tuple[bool, str]:
    """export-tracker on another user's session once wrote root-owned event files through a planted
    `runs/01-full/tensorboard` link into a root-only folder."""
    run = probe.copy_session(folder)
    secret = folder / "root-only"
    secret.mkdir(mode=0o700)
    (run / "tensorboard").symlink_to(secret)
    if os.geteuid() == 0:
        _give_away([folder / "s", folder / "s" / "runs", run, run / "tensorboard"])
    result = sst2("export-tracker", str(folder / "s"), "--to", "tensorboard")
    ok = result.returncode != 0 and not list(secret.iterdir()) and "Traceback" not in result.stderr
    return ok, f"exit {result.returncode}, {len(list(secret.iterdir()))} file(s) in the linked folder: {result.stderr.strip()[:100]}"


def report_through_a_planted_evaluations_link(probe: Probe, folder: Path) -> tuple[bool, str]:
    """report read a root-only file through a planted `evaluations.jsonl` link (a valid JSONL file
    there would have been used): in a sweep, whose verdict reads every run's evaluations."""
    import numpy as np

    from tests.sweep_session import planned_sweep, run_grid

    sweep = planned_sweep(folder)
    run_grid(sweep, np.random.default_rng(0))
    run = sweep.session.run_folders()[0].path
    secret = folder / "secret.jsonl"
    shutil.copy(run / "evaluations.jsonl", secret)
    os.chmod(secret, 0o600)
    (run / "evaluations.jsonl").unlink()
    (run / "evaluations.jsonl").symlink_to(secret)
    result = sst2("report", str(sweep.path))
    said = "symbolic link" in result.stderr + result.stdout
    ok = result.returncode == 0 and said and "Traceback" not in result.stderr
    return ok, f"exit {result.returncode}, link named: {said}: {(result.stderr + result.stdout).strip()[-120:]}"


def decisions_file_as_a_link(probe: Probe, folder: Path) -> tuple[bool, str]:
    """`decisions.jsonl` replaced by a link: `sweep --resume` appended through it."""
    import numpy as np

    from sst2_tui.core.storage.decisions_file import FILE
    from sst2_tui.core.storage.queue_file import SessionQueue
    from sst2_tui.core.storage.sessions import Session
    from sst2_tui.core.storage.sweep_file import UntilResolved
    from sst2_tui.core.sweep.adaptive import first_round
    from sst2_tui.core.sweep.grid import build_grid, parse_listed
    from sst2_tui.core.sweep.state import write_sweep_file
    from tests.sweep_session import accurate, record_run

    grid = build_grid({"method": parse_listed("--method", ["full,lora"]), "lr": parse_listed("--lr", ["lora=1e-4,3e-4"]),
                       "model": parse_listed("--model", ["demo"]), "data": parse_listed("--data", ["demo"])}, [0])
    session = Session.create(folder, "ur", label="sweep")
    points = first_round(grid)
    write_sweep_file(session.path, points, 1, until_resolved=UntilResolved(max_runs=40))
    rng = np.random.default_rng(0)
    for config in points:  # round 1 ran: the next resume decides it and appends its decisions
        record_run(session, config, [accurate(rng, 0.8, 0.8)])
    SessionQueue(session.path).clear()
    victim = folder / "precious.txt"
    victim.write_text("do not touch\n")
    (session.path / FILE).symlink_to(victim)
    result = sst2("sweep", "--resume", str(session.path))
    ok = victim.read_text() == "do not touch\n" and result.returncode != 0 and one_line(result, result.returncode)
    return ok, f"exit {result.returncode}, victim kept: {victim.read_text() == 'do not touch' + chr(10)}: " \
               f"{result.stderr.strip()[:100]}"


def resume_past_a_cut_decisions_file(probe: Probe, folder: Path) -> tuple[bool, str]:
    """A decisions file cut by 150 bytes let `sweep --resume` run a finished `--max-runs 12` sweep on
    past its budget (it trusted a `look` line's "going on")."""
    import numpy as np

    from sst2_tui.core.storage.decisions_file import FILE
    from sst2_tui.core.storage.queue_file import SessionQueue
    from sst2_tui.core.storage.sessions import Session
    from sst2_tui.core.storage.sweep_file import UntilResolved, read_sweep_file
    from sst2_tui.core.sweep.adaptive import first_round
    from sst2_tui.core.sweep.grid import build_grid, parse_listed
    from sst2_tui.core.sweep.state import runs_by_point, write_sweep_file
    from sst2_tui.core.sweep.sweep import Sweep
    from tests.sweep_session import accurate, record_run

    grid = build_grid({"method": parse_listed("--method", ["full,lora"]), "lr": parse_listed("--lr", ["lora=1e-4,3e-4,1e-3"]),
                       "model": parse_listed("--model", ["demo"]), "data": parse_listed("--data", ["demo"])}, [0])
    session = Session.create(folder, "cut", label="sweep")
    write_sweep_file(session.path, first_round(grid), 1, until_resolved=UntilResolved(max_runs=12))
    sweep, rng = Sweep.open(session.path), np.random.default_rng(2)
    for _ in range(12):  # rounds of recorded runs until the sweep stops at its budget
        have = runs_by_point(sweep.session)
        for config in read_sweep_file(sweep.path).points:
            if config.sweep is not None and config.sweep.point not in have:
                record_run(sweep.session, config, [accurate(rng, 0.7 if config.method == "full" else 0.6, 0.65)])
        if not sweep.add_next():
            break
    SessionQueue(session.path).clear()
    whole = (session.path / FILE).read_bytes()
    (session.path / FILE).write_bytes(whole[:-150])
    planned = len(read_sweep_file(session.path).points)
    result = sst2("sweep", "--resume", str(session.path))
    after = len(read_sweep_file(session.path).points)
    ok = planned <= 12 and after <= 12 and "Traceback" not in result.stderr
    return ok, f"exit {result.returncode}, {planned} runs before the resume, {after} after (budget 12)"


def round_one_past_max_runs(probe: Probe, folder: Path) -> tuple[bool, str]:
    """`--until-resolved --max-runs 4` with a 7-run round 1 queued 7 runs."""
    result = sst2("sweep", "--model", "demo", "--data", "demo", "--method", "full,lora", "--lr", "lora=1e-4,3e-4",
                  "--until-resolved", "--max-runs", "4", "--sessions-dir", str(folder))
    ok = one_line(result) and "round 1 alone is 7 runs" in result.stderr and not folder.exists()
    return ok, f"exit {result.returncode}: {result.stderr.strip()[:100]}"


def config_from_dev_zero(probe: Probe, folder: Path) -> tuple[bool, str]:
    """`--config` a link to /dev/zero grew to 4.45 GB in 20 s with no output; a FIFO hung."""
    folder.mkdir()
    (folder / "zero.toml").symlink_to("/dev/zero")
    os.mkfifo(folder / "pipe.toml")
    results = [sst2("run", "--config", str(folder / name), "--sessions-dir", str(folder / "s")) for name in ("zero.toml", "pipe.toml")]
    ok = all(one_line(r) for r in results) and not (folder / "s").exists()
    return ok, "; ".join(r.stderr.strip()[:60] for r in results)


def sweep_of_a_missing_model(probe: Probe, folder: Path) -> tuple[bool, str]:
    """A sweep whose points all failed before a run folder existed said "Sweep: 0 of 0 runs finished"."""
    result = sst2("sweep", "--model", str(folder / "no-such-model"), "--data", "demo", "--method", "full,lora",
                  "--sessions-dir", str(folder / "s"))
    ok = one_line(result) and "no such folder" in result.stderr and not (folder / "s").exists()
    return ok, f"exit {result.returncode}: {result.stderr.strip()[:100]}"


def a_newline_in_any_flag(probe: Probe, folder: Path) -> tuple[bool, str]:
    """`--model $'x\\n'` lost its newline without a word; `--session` with a newline printed a line a shell would run."""
    results = [sst2("run", "--model", "demo\n", "--data", "demo", "--sessions-dir", str(folder)),
               sst2("sweep", "--model", "demo", "--data", "demo", "--session", "a\ntouch PWN #", "--print-commands")]
    ok = all(one_line(r) and "control character" in r.stderr for r in results) and not folder.exists()
    return ok, "; ".join(r.stderr.strip()[:60] for r in results)


def export_wording(probe: Probe, folder: Path) -> tuple[bool, str]:
    """`export-tracker` to an MLflow server that refuses: said as an export, naming the server."""
    from tests.cli import closed_port

    probe.copy_session(folder)
    uri = f"http://127.0.0.1:{closed_port()}"
    result = sst2("export-tracker", str(folder / "s"), "--to", "mlflow", env={"MLFLOW_TRACKING_URI": uri})
    said = result.stderr.strip()
    ok = result.returncode != 0 and "cannot connect to the MLflow server" in said and "goes on without it" not in said
    return ok, f"exit {result.returncode}: {json.dumps(said[:120])}"
