"""A demo sweep at --parallel 1 and --parallel 2 on this machine, side by side: wall time and runs
per hour (#29). The same 12-run grid both times (full and lora, two learning rates, three seeds),
interleaved: parallel 1, parallel 2, then each again; the medians are compared.

    python -m benchmarks.sweep_parallel          # about 6 minutes on 2 CPU cores

Writes benchmarks/results/sweep_parallel-<machine>-<date>.json. On a GPU box, `--parallel gpus`
should give close to G times the runs per hour of one slot for runs that are host-bound: a ratio to
measure there (benchmarks/gpu_session.sh), not to estimate here.
"""

from __future__ import annotations

import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from benchmarks.common import machine, versions, write_results
from sst2_tui.core.run.self_command import sst2_command

GRID = ["--model", "demo", "--data", "demo", "--train-subset", "640", "--eval-subset", "200", "--batch-size", "32",
        "--method", "full,lora", "--lr", "3e-4,1e-3", "--seeds", "0,1,2", "--epochs", "2"]
RUNS = 12
ROUNDS = 2


def one_sweep(parallel: int, root: Path) -> float:
    started = time.monotonic()
    done = subprocess.run([*sst2_command(), "sweep", *GRID, "--parallel", str(parallel), "--sessions-dir", str(root)],
                          capture_output=True, text=True, timeout=3600)
    if done.returncode != 0:
        raise SystemExit(f"the sweep failed: {done.stderr[-1000:]}")
    return time.monotonic() - started


def main() -> int:
    seconds: dict[int, list[float]] = {1: [], 2: []}
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(ROUNDS):
            for parallel in (1, 2):
                wall = one_sweep(parallel, Path(folder) / f"p{parallel}-{len(seconds[parallel])}")
                seconds[parallel].append(round(wall, 1))
                print(f"--parallel {parallel}: {wall:.1f} s", flush=True)
    medians = {p: statistics.median(s) for p, s in seconds.items()}
    figures = {f"parallel_{p}": {"wall_seconds": seconds[p], "median_seconds": medians[p],
                                 "runs_per_hour": round(RUNS * 3600 / medians[p], 1)} for p in seconds}
    ratio = round(medians[1] / medians[2], 2)
    path = write_results("sweep_parallel", {"machine": machine(), "versions": versions(), "grid": GRID, "runs": RUNS,
                                            **figures, "speedup_parallel_2": ratio})
    print(f"runs per hour: {figures['parallel_1']['runs_per_hour']} at --parallel 1, "
          f"{figures['parallel_2']['runs_per_hour']} at --parallel 2 ({ratio}x); {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
