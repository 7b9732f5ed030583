"""#15's demo targets, measured: the four runs `sst2-tui --demo` queues, on this machine.

    .venv/bin/python -m benchmarks.demo_check

Each run goes through the same engine the app drives (`core.run.runner.execute`), in its own
process as the app starts it, with the app's
NaN policy (pause): when the fourth run (pure fp16, eps 1e-8) pauses at its NaN, this script
presses fix 1 as a user would (the commands the banner offers). Targets on 2 cores: each run takes
about 10-20 s; `full`'s best validation accuracy is between 0.80 and 0.95 and is first reached
after at least half of its steps; the NaN run pauses with the eps diagnosis and then finishes.
Writes benchmarks/results/demo_check-*.json.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import machine, versions, write_results
from sst2_tui.core.controls import Command, RunHandle
from sst2_tui.core.events import Eval, Event, Nonfinite
from sst2_tui.core.run.demo_runs import demo_queue
from sst2_tui.core.run.runner import execute
from sst2_tui.core.storage.sessions import Session


def run_one(config, session: Session) -> dict:
    handle, evals, reports = RunHandle(), [], []

    def on_event(event: Event) -> None:
        if isinstance(event, Eval):
            evals.append((event.step, round(event.accuracy, 4)))
        if isinstance(event, Nonfinite) and event.action == "paused":
            reports.append(event.diagnosis)
            for command in event.suggestions[0]["commands"]:  # fix 1
                handle.controls.send(Command.from_dict(command))

    started = time.monotonic()
    outcome = execute(config, session, handle, on_event=on_event)
    summary = outcome.summary.to_json()
    best = summary.get("best_val_accuracy")
    first_best = next((step for step, accuracy in evals if best is not None and accuracy == round(best, 4)), None)
    return {"method": config.method, "precision": config.precision, "status": summary.get("status"),
            "steps": summary.get("steps"), "wall_seconds": round(time.monotonic() - started, 1),
            "train_seconds": summary.get("train_seconds"), "best_val_accuracy": best,
            "first_best_step": first_best, "best_after_half": first_best is not None and first_best >= summary["steps"] / 2,
            "nan_diagnoses": reports, "final_eps": summary.get("final_eps"), "curve": evals}


def one_in_this_process(index: int, sessions_dir: str) -> None:
    session = Session.create(Path(sessions_dir), f"demo-check-{index}")
    print(json.dumps(run_one(demo_queue()[index], session)))


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--one":
        return one_in_this_process(int(sys.argv[2]), sys.argv[3])
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for index in range(len(demo_queue())):
            # each run in a fresh process, as the app starts them (a second run in one process is slower)
            done = subprocess.run([sys.executable, "-m", "benchmarks.demo_check", "--one", str(index), tmp],
                                  capture_output=True, text=True, check=True)
            runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    for run in runs:
        print(f"{run['method']:<8}{run['precision']:<10} {run['status']:<9} best {run['best_val_accuracy']:.4f} first at "
              f"step {run['first_best_step']}/{run['steps']}  {run['wall_seconds']:.1f} s  NaN: {len(run['nan_diagnoses'])}")
    full, nan_run = runs[0], runs[3]
    targets = {
        "each run about 10-20 s (8-25 s counts)": all(8 <= r["wall_seconds"] <= 25 for r in runs),
        "full best 0.80-0.95": 0.80 <= full["best_val_accuracy"] <= 0.95,
        "full best after half its steps": full["best_after_half"],
        "NaN run paused with the eps diagnosis, then finished": bool(nan_run["nan_diagnoses"])
        and "rounds to 0 in float16" in nan_run["nan_diagnoses"][0] and nan_run["status"] == "finished",
        "every run finished": all(r["status"] == "finished" for r in runs),
    }
    for name, met in targets.items():
        print(f"{'met' if met else 'NOT MET'}: {name}")
    path = write_results("demo_check", {"machine": machine(), "versions": versions(), "runs": runs, "targets": targets})
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
