"""The sweep faults of #34 that a probe from outside can provoke, each as a user meets it: a sweep
resumed by a relative path, a point killed before its first checkpoint, root's `ctl` through a planted
link in another user's run, a text-typed predictions field, commas and newlines in sweep values, and
a million-point grid. (4 needs root, to act on another user's run folder.)"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

from benchmarks.probe_tools import WAIT_SECONDS, Probe, live_run, one_line, sst2, sst2_process, wait_for_summary

TINY = {"model": "demo", "data": "demo", "train_subset": 64, "eval_subset": 16, "batch_size": 16, "epochs": 1.0}


def _sweep(folder: Path, train_subset: int = 64):
    """A 4-point sweep session (2 lrs x 2 seeds, 2 at once) with nothing queued and no scheduler."""
    from sst2_tui.core.storage.queue_file import SessionQueue
    from sst2_tui.core.sweep.grid import build_grid, parse_listed
    from sst2_tui.core.sweep.start import create_sweep

    values = {**{k: str(v) for k, v in TINY.items()}, "train_subset": str(train_subset), "lr": "3e-4,1e-3"}
    points = build_grid({k: parse_listed("--" + k, [v]) for k, v in values.items()}, [0, 1])
    session = create_sweep(folder, "sw", points, 2)
    SessionQueue(session.path).clear()
    return session, points


def _statuses(session_path: Path) -> list[str]:
    return [json.loads(p.read_text())["status"] for p in sorted(session_path.glob("runs/*/summary.json"))]


def resume_by_a_relative_path(probe: Probe, folder: Path) -> tuple[bool, str]:
    """2: `sweep --resume ../w/sw` once lost every queued point ("being written by sst2-tui pid N")."""
    session, _ = _sweep(folder / "w")
    (folder / "elsewhere").mkdir()
    result = sst2("sweep", "--resume", os.path.join("..", "w", "sw"), cwd=folder / "elsewhere")
    statuses = _statuses(session.path)
    ok = result.returncode == 0 and statuses == ["finished"] * 4 and "Traceback" not in result.stderr
    return ok, f"exit {result.returncode}, {statuses}"


def killed_before_its_first_checkpoint(probe: Probe, folder: Path) -> tuple[bool, str]:
    """3: kill -9 of a point before its first checkpoint, then `sweep --resume`: it once crashed with
    a 25-line FileNotFoundError and re-queued nothing."""
    from sst2_tui.core.storage.queue_file import NewRun, SessionQueue

    session, points = _sweep(folder, train_subset=640)
    SessionQueue(session.path).add(NewRun(points[0]))
    runner = sst2_process("queue-runner", str(session.path), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    events = session.path / "runs" / "01-full" / "events.jsonl"
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline and not (events.exists() and '"type":"step"' in events.read_text()):
        time.sleep(0.05)
    lock = (session.path / "runs" / "01-full" / ".lock").read_text()
    os.kill(int(lock.split("pid ")[-1]), signal.SIGKILL)
    runner.wait(60)
    result = sst2("sweep", "--resume", str(session.path))
    said = "01-full was stopped before its first checkpoint; it starts again from scratch in its folder" in result.stdout
    statuses = _statuses(session.path)
    ok = result.returncode == 0 and said and statuses == ["finished"] * 4 and "Traceback" not in result.stderr
    return ok, f"exit {result.returncode}, said: {said}, {statuses}"


def ctl_through_a_planted_link(probe: Probe, folder: Path) -> tuple[bool, str]:
    """4: root's `ctl` on another user's live run followed a planted control.jsonl into a root-only
    0600 file and appended to it."""
    if os.geteuid() != 0:
        return False, "not run: needs root to act on another user's run folder"
    run = live_run(folder)
    victim = folder / "root-only"
    victim.write_text("secret\n")
    victim.chmod(0o600)
    (run / "control.jsonl").unlink()
    (run / "control.jsonl").symlink_to(victim)
    for path in (folder / "s", folder / "s" / "runs", run):
        os.chown(path, 65534, 65534)
    os.lchown(run / "control.jsonl", 65534, 65534)
    result = sst2("ctl", str(run), "pause", "--no-wait")
    untouched = victim.read_text() == "secret\n"
    for path in (folder / "s", folder / "s" / "runs", run):
        os.chown(path, 0, 0)
    (run / "control.jsonl").unlink()
    stop = sst2("ctl", str(run), "stop")
    wait_for_summary(run)
    ok = one_line(result) and untouched and "belongs to another user" in result.stderr
    return ok, f"exit {result.returncode}, victim untouched: {untouched}, stop exit {stop.returncode}"


def text_typed_prediction(probe: Probe, folder: Path) -> tuple[bool, str]:
    """5: `"label": "1"` in a predictions file once crashed `report` with a traceback."""
    run = probe.copy_session(folder)
    rows = [json.loads(line) for line in (run / "predictions.jsonl").read_text().splitlines()]
    rows[1]["label"] = str(rows[1]["label"])
    (run / "predictions.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    result = sst2("report", str(folder / "s"))
    named = f"{run / 'predictions.jsonl'} line 2: its label is" in result.stderr
    return result.returncode == 0 and named and "Traceback" not in result.stderr, f"exit {result.returncode}, named: {named}"


def commas_in_values(probe: Probe, folder: Path) -> tuple[bool, str]:
    """7: a --notify hook with a comma became two hooks and two points; `c_attn\\,c_proj` is one setting."""
    result = sst2("sweep", "--method", "lora", "--model", "demo", "--data", "demo", "--notify", "echo a, b",
                  "--lora-targets", "c_attn\\,c_proj", "--print-commands", "--session", "x")
    lines = result.stdout.splitlines()
    ok = result.returncode == 0 and len(lines) == 1 and "'echo a, b'" in lines[0] and "c_attn,c_proj" in lines[0]
    return ok, f"exit {result.returncode}, {len(lines)} line(s)"


def newline_in_a_value(probe: Probe, folder: Path) -> tuple[bool, str]:
    """8: a value with a newline printed one point over two lines (the second ran alone)."""
    result = sst2("sweep", "--model", "demo", "--data", "demo", "--notify", "echo a\necho b", "--print-commands")
    return one_line(result) and not result.stdout, f"exit {result.returncode}: {result.stderr.strip()[:80]}"


def a_million_point_grid(probe: Probe, folder: Path) -> tuple[bool, str]:
    """9: a 1,000,000-point grid without --yes printed nothing for 120 s before refusing."""
    lrs = ",".join(f"{n}e-6" for n in range(1, 1001))
    batches = ",".join(str(n) for n in range(1, 101))
    started = time.monotonic()
    result = sst2("sweep", "--model", "demo", "--data", "demo", "--lr", lrs, "--batch-size", batches,
                  "--seeds", ",".join(str(s) for s in range(10)), "--print-commands")
    seconds = time.monotonic() - started
    ok = one_line(result) and "1,000,000 runs" in result.stderr and seconds < 20
    return ok, f"exit {result.returncode} after {seconds:.1f} s"
