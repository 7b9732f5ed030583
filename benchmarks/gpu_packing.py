"""Several sweep points sharing one GPU (#47, item 5): K = 1, 2, 4, 8 concurrent `sst2-tui run`s of
GPT-2 small on one device, each its own process as a sweep's queue runner starts them. Measured: the
wall time until all K have ended, runs per GPU-hour (K / wall), and each run's own epoch time and
peak memory from its summary, so packing points per GPU starts from a measurement.

    python -m benchmarks.gpu_packing --model .device-carry/shared/models/gpt2 --data .device-carry/shared/data/sst2
    python -m benchmarks.gpu_packing --model demo --data demo --ks 1,2 --train-subset 64   # the plumbing, on a CPU

Writes benchmarks/results/gpu_packing-<machine>-<date>.json after every K (a cut-short call keeps
what it measured)."""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from benchmarks.common import machine, versions, write_results
from sst2_tui.core.run.self_command import sst2_command


def one_pack(k: int, args: argparse.Namespace, root: Path) -> dict[str, object]:
    line = ["run", "--model", args.model, "--data", args.data, "--init", "random", "--batch-size", "32",
            "--epochs", "1", "--train-subset", str(args.train_subset), "--eval-subset", str(args.eval_subset),
            "--lr", "1e-5", "--quiet"]
    started = time.monotonic()
    processes = [subprocess.Popen([*sst2_command(), *line, "--seed", str(seed), "--sessions-dir", str(root / f"k{k}"),
                                   "--session", f"run{seed}"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for seed in range(k)]
    summaries = []
    for process in processes:
        out, err = process.communicate(timeout=args.timeout)
        if process.returncode != 0:
            raise SystemExit(f"K={k}: a run failed: {err[-800:]}")
        summaries.append(json.loads(out.strip().splitlines()[-1]))
    wall = time.monotonic() - started
    epoch = [s["seconds_per_epoch"] for s in summaries if s.get("seconds_per_epoch")]
    return {"k": k, "wall_seconds": round(wall, 1), "runs_per_gpu_hour": round(k / wall * 3600, 1),
            "epoch_seconds_median": round(statistics.median(epoch), 2) if epoch else None,
            "epoch_seconds": [round(e, 2) for e in epoch],
            "peak_memory_mb": [s.get("peak_memory_mb") for s in summaries],
            "train_samples_per_second": [s.get("train_samples_per_second") for s in summaries]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--data", required=True)
    parser.add_argument("--ks", default="1,2,4,8")
    parser.add_argument("--train-subset", type=int, default=4096, help="examples per run (4096: 128 steps of 32)")
    parser.add_argument("--eval-subset", type=int, default=872)
    parser.add_argument("--timeout", type=float, default=300)
    args = parser.parse_args()
    results: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as folder:
        for k in (int(word) for word in args.ks.split(",")):
            results.append(one_pack(k, args, Path(folder)))
            print(json.dumps(results[-1]), flush=True)
            base = results[0]["runs_per_gpu_hour"]
            path = write_results("gpu_packing", {
                "machine": machine(), "versions": versions(), "model": args.model, "train_subset": args.train_subset,
                "packs": results, "throughput_vs_one": {str(r["k"]): round(float(r["runs_per_gpu_hour"]) / float(base), 2)
                                                        for r in results}})
    print(f"written: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
