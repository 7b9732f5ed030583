"""kill -9 at random steps, then --resume: the log stays readable and the result is the same.

Each trial starts a headless demo run, waits until a random number of `step` lines are in its
events.jsonl, kills it with SIGKILL (some kills land while a checkpoint is being written), checks
that every line but possibly the last parses, resumes it and compares the steps and the final
validation accuracy with one uninterrupted run of the same command.

    .venv/bin/python -m benchmarks.kill_resume_trials --trials 20

Writes benchmarks/results/kill_resume-<cpu|gpu>-<date>.json; exits 1 if any trial failed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import machine, versions, write_results
from sst2_tui.core.run.self_command import sst2_command
from sst2_tui.core.storage.checkpoints import complete_checkpoints
from sst2_tui.core.storage.files import read_events


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*sst2_command(), "run", *args], capture_output=True, text=True, timeout=900)


def last_json(text: str) -> dict[str, Any]:
    return json.loads(text.strip().splitlines()[-1])


def wait_for_steps(events: Path, count: int, process: subprocess.Popen, timeout: float = 300) -> int:
    deadline = time.monotonic() + timeout
    seen = 0
    while time.monotonic() < deadline and process.poll() is None:
        if events.exists():
            seen = events.read_bytes().count(b'"type":"step"')
            if seen >= count:
                break
        time.sleep(0.01)
    return seen


def trial(index: int, target: int, run_args: list[str], sessions: Path, reference: dict[str, Any]) -> dict[str, Any]:
    session = f"trial-{index:02d}"
    started = time.perf_counter()
    process = subprocess.Popen([*sst2_command(), "run", *run_args, "--session", session,
                                "--sessions-dir", str(sessions)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    run_dir = sessions / session / "runs" / f"01-{reference['method']}"
    events = run_dir / "events.jsonl"
    seen = wait_for_steps(events, target, process)
    finished_first = process.poll() is not None
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    log = read_events(events)
    partial = sorted(p.name for p in (run_dir / "checkpoints").glob("*.tmp")) if (run_dir / "checkpoints").exists() else []
    try:
        resumable_step = int(complete_checkpoints(run_dir / "checkpoints")[0][0].name.split("-")[1])
    except FileNotFoundError:
        resumable_step = None
    resumed = cli("--resume", str(run_dir))
    result = last_json(resumed.stdout) if resumed.returncode == 0 else {}
    checks = {
        "log_readable": log.bad_lines == 0 or (log.bad_lines == 1 and log.torn_tail),
        "resume_exit_0": resumed.returncode == 0,
        "same_steps": result.get("steps") == reference["steps"],
        "same_final_val_accuracy": result.get("final_val_accuracy") == reference["final_val_accuracy"],
        "partial_checkpoints_cleaned": not list((run_dir / "checkpoints").glob("*.tmp")),
    }
    return {"trial": index, "target_steps": target, "steps_logged_at_kill": seen, "process_had_ended": finished_first,
            "bad_lines": log.bad_lines, "torn_tail": log.torn_tail, "partial_checkpoints_at_kill": partial,
            "resumed_from_step": resumable_step, "resumed_steps": result.get("steps"),
            "resumed_final_val_accuracy": result.get("final_val_accuracy"), "stderr_tail": resumed.stderr.strip()[-300:],
            "checks": checks, "ok": all(checks.values()), "seconds": round(time.perf_counter() - started, 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--method", default="full", choices=["full", "lora", "trainer"])
    parser.add_argument("--epochs", default="1")
    parser.add_argument("--save-every", type=int, default=10)
    parser.add_argument("--seed", type=int, default=7, help="the run's seed; kill points are drawn from it too")
    args = parser.parse_args(argv)
    run_args = ["--model", "demo", "--data", "demo", "--method", args.method, "--epochs", args.epochs,
                "--save-every", str(args.save_every), "--seed", str(args.seed), "--quiet"]
    with tempfile.TemporaryDirectory(prefix="sst2-kill-") as folder:
        sessions = Path(folder)
        whole = cli(*run_args, "--session", "uninterrupted", "--sessions-dir", str(sessions))
        if whole.returncode != 0:
            sys.stderr.write(whole.stderr)
            return 1
        reference = last_json(whole.stdout)
        rng = random.Random(args.seed)
        # after the first checkpoint (a run killed before it has nothing to resume) and before the end
        low, high = args.save_every + 1, max(args.save_every + 2, reference["steps"] - 2)
        trials = []
        for index in range(1, args.trials + 1):
            outcome = trial(index, rng.randint(low, high), run_args, sessions, reference)
            trials.append(outcome)
            print(f"trial {index:2d}: killed after {outcome['steps_logged_at_kill']:3d} steps, bad lines {outcome['bad_lines']}, "
                  f"resumed from {outcome['resumed_from_step']} -> {outcome['resumed_steps']} steps, "
                  f"acc {outcome['resumed_final_val_accuracy']}: {'ok' if outcome['ok'] else 'FAILED ' + str(outcome['checks'])}",
                  flush=True)
    passed = sum(t["ok"] for t in trials)
    print(f"{passed}/{len(trials)} trials passed; uninterrupted: {reference['steps']} steps, "
          f"final validation accuracy {reference['final_val_accuracy']}")
    path = write_results("kill_resume", {"machine": machine(), "versions": versions(), "settings": vars(args),
                                         "run_args": run_args, "reference": reference, "passed": passed,
                                         "trials": trials})
    print(f"wrote {path}")
    return 0 if passed == len(trials) else 1


if __name__ == "__main__":
    sys.exit(main())
