"""Throughput, time and memory of each method against the stock Trainer recipe, interleaved.

CPU (the issue's setting; each measurement a fresh process so peak RSS is its own):

    .venv/bin/python -m benchmarks.compare_methods --model "$MINILM" --data ../shared/data/sst2 \
        --train-subset 2000 --batch-size 32 --lr 1e-4 --epochs 1 --repeats 3

GPU (in one process; CUDA peak memory is reset per run):

    python3 -m benchmarks.compare_methods --model ../shared/models/gpt2 --init random \
        --data ../shared/data/sst2 --in-process --repeats 2 --name gpu-gpt2

`METHOD@PRECISION` pins a method's precision (CPU, #17: `--methods baseline@fp32,full,full@fp32`:
the course recipe at its fp32 default, ours at `auto`, and ours at equal precision).

A method name may end in `+compile` (e.g. `full+compile`): the same method with `--compile on`;
its compile time is part of its training time and also reported apart (`compile_seconds`), with
the samples/s of the steps that compiled nothing (`steady_samples_per_second`).

Prints medians and ratios to the baseline and writes benchmarks/results/<name>-<cpu|gpu>-<date>.json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import machine, median, versions, write_results
from sst2_tui.core.run.self_command import sst2_command

METHODS = ("baseline", "full", "trainer", "lora")
COMPILED_SUFFIX = "+compile"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True)
    parser.add_argument("--init", default="pretrained", choices=["pretrained", "random"])
    parser.add_argument("--data", required=True)
    parser.add_argument("--train-subset", type=int, default=None)
    parser.add_argument("--eval-subset", type=int, default=None)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--lora-lr", type=float, default=None, help="lr for lora (default: --lr)")
    parser.add_argument("--epochs", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--precision", default="auto")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--repeat-methods", default=None,
                        help="only these methods run in repeats after the first (default: all); saves GPU time")
    parser.add_argument("--in-process", action="store_true", help="all runs in this process (GPU)")
    parser.add_argument("--name", default="compare")
    parser.add_argument("--startup", action="store_true", help="also time `sst2-tui --help` and the app's first screen")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def _peak_mb() -> float:
    import torch

    if torch.cuda.is_available():
        return torch.cuda.max_memory_allocated() / 2**20
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure_one(method: str, args: argparse.Namespace) -> dict[str, Any]:
    import torch

    at_start = None
    if torch.cuda.is_available():
        import gc

        gc.collect()  # an earlier run's model in a reference cycle would count in this run's peak
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
        at_start = round(torch.cuda.memory_allocated() / 2**20, 1)
    # `METHOD@PRECISION` runs that method at that precision (e.g. `baseline@fp32`, the course recipe
    # with its own default, next to `full` at `auto`), else at --precision.
    method, _, forced = method.partition("@")
    precision = forced or args.precision
    if method == "baseline":
        from benchmarks.baseline_recipe import run_baseline
        from sst2_tui.core.data.loading import load_splits
        from sst2_tui.core.model.device import detect, plan_precision

        splits = load_splits(args.data, seed=args.seed, train_subset=args.train_subset, eval_subset=args.eval_subset)
        resolved = plan_precision(precision, detect("auto")).name
        result = run_baseline(args.model, args.init, splits, args.batch_size, args.lr, args.epochs, args.seed, resolved)
        result["precision"] = resolved
    else:
        from sst2_tui.core.config import RunConfig
        from sst2_tui.core.run.runner import execute
        from sst2_tui.core.storage.sessions import Session

        name, compiled = method.removesuffix(COMPILED_SUFFIX), method.endswith(COMPILED_SUFFIX)
        lr = args.lora_lr if name == "lora" and args.lora_lr else args.lr
        config = RunConfig(method=name, compile="on" if compiled else "off", model=args.model, init=args.init,
                           data=args.data, train_subset=args.train_subset,
                           eval_subset=args.eval_subset, batch_size=args.batch_size, lr=lr, epochs=args.epochs,
                           seed=args.seed, precision=precision, keep_checkpoints=1)
        with tempfile.TemporaryDirectory() as tmp:
            outcome = execute(config, Session.create(Path(tmp), "bench"))
        summary = outcome.summary.to_json()
        if outcome.error:
            return {"method": method, "error": outcome.error}
        result = {key: summary.get(key) for key in ("steps", "train_seconds", "train_samples_per_second",
                                                    "train_tokens_per_second", "eval_seconds", "best_val_accuracy",
                                                    "final_val_accuracy", "precision", "trainable_params", "total_params",
                                                    "compile_seconds", "compile_graphs", "compile_graph_breaks",
                                                    "compile_fallbacks", "cudagraph_skips")}
        result["method"] = method
        steady = (summary.get("train_seconds") or 0) - (summary.get("compile_seconds") or 0)
        if compiled and steady >= 1.0 and summary.get("train_samples_per_second"):  # else too few steps to say
            samples = summary["train_samples_per_second"] * summary["train_seconds"]
            result["steady_samples_per_second"] = round(samples / steady, 2)
    result["peak_memory_mb"] = round(_peak_mb(), 1)
    result["memory_at_start_mb"] = at_start  # CUDA memory still held when the run began (should be ~0)
    return result


def measure_in_subprocess(method: str, argv: list[str]) -> dict[str, Any]:
    out = subprocess.run([sys.executable, "-m", "benchmarks.compare_methods", *argv, "--one", method],
                         capture_output=True, text=True)
    lines = [line for line in out.stdout.strip().splitlines() if line.startswith("{")]
    if out.returncode != 0 or not lines:
        return {"method": method, "error": (out.stderr.strip().splitlines() or ["no output"])[-1]}
    return json.loads(lines[-1])


def time_startup(repeats: int = 5) -> dict[str, float]:
    help_times, screen_times = [], []
    driver = ("import asyncio, pathlib, tempfile\nfrom sst2_tui.tui.app import SST2App\n"
              "async def main():\n    app = SST2App(pathlib.Path(tempfile.mkdtemp()))\n"
              "    async with app.run_test() as pilot:\n        await pilot.pause()\n"
              "        print('first screen', type(app.screen).__name__, flush=True)\n"
              "        raise SystemExit(0)\nasyncio.run(main())\n")
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run([*sst2_command(), "--help"], capture_output=True, check=True)
        help_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-c", driver], stdout=subprocess.PIPE, text=True)
        assert process.stdout is not None
        process.stdout.readline()  # the first screen is up
        screen_times.append(time.perf_counter() - started)
        process.wait()
    return {"help_seconds": round(median(help_times), 3), "first_screen_seconds": round(median(screen_times), 3)}


def summarize(runs: dict[str, list[dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    table: dict[str, dict[str, Any]] = {}
    for method, results in runs.items():
        good = [r for r in results if "error" not in r]
        row: dict[str, Any] = {"runs": len(results), "errors": [r["error"] for r in results if "error" in r]}
        for key in ("train_samples_per_second", "train_tokens_per_second", "train_seconds", "eval_seconds",
                    "peak_memory_mb", "best_val_accuracy", "final_val_accuracy", "compile_seconds",
                    "steady_samples_per_second"):
            values = [r[key] for r in good if r.get(key) is not None]
            row[key] = round(median(values), 4) if values else None
        row["steps"] = good[0].get("steps") if good else None
        row["precision"] = good[0].get("precision") if good else None
        table[method] = row
    base = next((row.get("train_samples_per_second") for name, row in table.items() if name.startswith("baseline")), None)
    for row in table.values():
        sps = row.get("train_samples_per_second")
        row["speedup_vs_baseline"] = round(sps / base, 3) if base and sps else None
        steady = row.get("steady_samples_per_second")
        row["steady_speedup_vs_baseline"] = round(steady / base, 3) if base and steady else None
    return table


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    if args.one:
        print(json.dumps(measure_one(args.one, args)), flush=True)
        return
    methods = [m for m in args.methods.split(",") if m]
    repeated = [m for m in (args.repeat_methods or args.methods).split(",") if m]
    runs: dict[str, list[dict[str, Any]]] = {m: [] for m in methods}
    path = None
    for repeat in range(args.repeats):
        order = methods if repeat % 2 == 0 else methods[::-1]  # interleaved: no method always runs first
        for method in order:
            if repeat > 0 and method not in repeated:
                continue
            result = measure_one(method, args) if args.in_process else measure_in_subprocess(method, argv)
            runs[method].append(result)
            # written after every run: a run cut short by a time limit still leaves its figures
            path = write_results(args.name, {"machine": machine(), "versions": versions(), "settings": vars(args) | {"one": None},
                                             "summary": summarize(runs), "runs": runs, "complete": False}, path)
            shown = {k: result.get(k) for k in ("train_samples_per_second", "train_seconds", "compile_seconds",
                                                 "steady_samples_per_second", "best_val_accuracy", "peak_memory_mb",
                                                 "error") if result.get(k) is not None}
            print(f"[{repeat + 1}/{args.repeats}] {method:<8} {shown}", flush=True)
    table = summarize(runs)
    print(f"\n{'method':<17}{'samples/s':>11}{'x base':>8}{'epoch s':>9}{'compile s':>10}{'x steady':>9}{'eval s':>8}"
          f"{'peak MB':>10}{'best acc':>10}")
    for method, row in table.items():
        print(f"{method:<17}{row['train_samples_per_second'] or 0:>11.1f}{row['speedup_vs_baseline'] or 0:>8.2f}"
              f"{row['train_seconds'] or 0:>9.2f}{row['compile_seconds'] or 0:>10.1f}"
              f"{row['steady_speedup_vs_baseline'] or 0:>9.2f}{row['eval_seconds'] or 0:>8.2f}"
              f"{row['peak_memory_mb'] or 0:>10.0f}{row['best_val_accuracy'] or 0:>10.4f}")
    data: dict[str, Any] = {"machine": machine(), "versions": versions(), "settings": vars(args) | {"one": None},
                            "summary": table, "runs": runs}
    if args.startup:
        data["startup"] = time_startup()
        print(f"startup: {data['startup']}")
    data["complete"] = True
    path = write_results(args.name, data, path)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
